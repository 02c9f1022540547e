"""Project URLconf.  Other apps are included by dotted path so that the
project package imports none of them."""

from django.contrib import admin
from django.urls import include, path

from clinic.views import favicon

urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("clinic.api_urls")),
    path("manage/integrations/", include("clinic.integrations.urls")),
    path("notes/", include("notes.urls")),
    path("records/", include("attachment.urls")),
    path("", include("clinic.app_urls")),
]
