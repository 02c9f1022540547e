from __future__ import annotations

import datetime as dt

from django.db import transaction

from clinic import access
from clinic.audit import audit_record
from clinic.models import AuditAction, Clinic, User


@transaction.atomic
def date_format_set(
    *, actor: User, clinic: Clinic, locale: str, now: dt.datetime
) -> bool:
    """Set the clinic's date format; whether it changed.  The clinic's admin
    only (anyone else: 403); an unchanged format writes nothing."""
    if access.admin_clinic(actor).pk != clinic.pk:
        raise access.forbidden(actor, "clinic", clinic.pk)
    clinic = Clinic.objects.select_for_update().get(pk=clinic.pk)
    if clinic.locale == locale:
        return False
    clinic.locale = locale
    clinic.clean_fields(
        exclude=[field.name for field in Clinic._meta.fields if field.name != "locale"]
    )
    clinic.save(update_fields=["locale"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=clinic, at=now)
    return True
