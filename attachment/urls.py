"""The app's one URL namespace, ``attachment``: each feature package keeps
its own ``urls.py``, included here so that URL names stay ``attachment:...``."""

from django.urls import include, path

app_name = "attachment"

urlpatterns = [
    path("", include("attachment.records.urls")),
    path("", include("attachment.review.urls")),
    path("", include("attachment.review.sequence_urls")),
    path("", include("attachment.supervision.urls")),
    path("", include("attachment.oversight.urls")),
    path("", include("attachment.cover.urls")),
    path("", include("attachment.agreements.urls")),
    path("", include("attachment.safety.urls")),
    path("", include("attachment.alerts.urls")),
    path("", include("attachment.addresses.urls")),
    path("", include("attachment.unmatched.urls")),
    path("", include("attachment.ingestion.classify_urls")),
    path("", include("attachment.fhir.urls")),
    path("", include("attachment.client_copy.urls")),
    path("", include("attachment.retention.urls")),
]
