from django.urls import path

from attachment.ingestion.adapters import views

urlpatterns = [
    path(
        "hooks/sms-voice/<uuid:hook_id>/",
        views.sms_voice_hook,
        name="hook_sms_voice",
    ),
    path("hooks/signed/<uuid:hook_id>/", views.signed_json_hook, name="hook_signed"),
]
