"""The e-mail that tells a clinic's admins an integration's calls are being
refused (the rule of when: :func:`clinic.integrations.usage.refusal_counted`).

Fixed wording around the integration's name and the count; nothing a call
carried.  It is sent at once rather than when the request's transaction
commits: the refused request usually ends in an error answer whose work is
rolled back, and the admins should hear of it all the same.  A failure to
send is logged (ids only) and refuses nothing more.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from clinic.administration.staff.selectors import clinic_admins
from clinic.integrations.models import Integration

log = logging.getLogger(__name__)

SUBJECT = "Calls from an integration are being refused"


def refusals_told(*, integration: Integration, count: int) -> None:
    clinic = integration.clinic
    page = settings.SITE_URL.rstrip("/") + reverse(
        "integrations:detail", args=[integration.pk]
    )
    for admin in clinic_admins(clinic=clinic):
        body = (
            f"Hello {admin.full_name},\n\n"
            f"In the last hour Between refused {count} calls from the "
            f"integration {integration.name}. This happens when its token was "
            "revoked or replaced, its signature does not match the secret "
            "Between holds, or it sends more calls than its rate limit allows. "
            "The integration's page shows its calls and refusals per day:\n\n"
            f"{page}\n\n"
            f"This message was sent by Between on behalf of {clinic.name}.\n"
        )
        try:
            send_mail(SUBJECT, body, settings.DEFAULT_FROM_EMAIL, [admin.email])
        except Exception:  # noqa: BLE001 (any failure of the mail server)
            log.warning(
                "The refusals notice for integration %s could not be sent to user %s.",
                integration.pk,
                admin.pk,
            )
