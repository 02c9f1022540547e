from django.urls import include, path

from attachment.ingestion import api

urlpatterns = [
    path("contacts/", api.ContactsView.as_view(), name="contacts"),
    path("clients/", api.ClientsView.as_view(), name="clients"),
    path("", include("attachment.ingestion.adapters.urls")),
]
