"""Writes of retention: the clinic's retention period, the nightly list of
clients past it, legal holds, and destruction.

Each service checks that the actor administers the client's clinic,
validates (``ValidationError`` before anything is written), writes and
records an audit event (``LEGAL_HOLD`` and ``DESTRUCTION`` name theirs:
clinic/access_report/kinds.py).  Destruction relies on the database's rule
for what may go (attachment/retention/guards.py): the tombstone is written
first, and only then do the client's guarded rows and history rows go.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Model, Q

from attachment.models import (
    AttachmentMeasure,
    ClientAddress,
    ClientDestruction,
    Contact,
    ContactAgreement,
    ContactDelivery,
    CopingPlan,
    DependencyObservation,
    DiscussedFlag,
    Flag,
    ImportedRecord,
    LegalHold,
    Notification,
    RescanRequest,
    RetentionDue,
    Rupture,
    SafetyAlert,
    SafetyPlan,
    UnmatchedMessage,
)
from attachment.retention import selectors
from attachment.supervision import notifications
from clinic import access
from clinic.audit import audit_record
from clinic.database_guards import ERASE_FUNCTION
from clinic.models import (
    RETENTION_MAX_YEARS,
    RETENTION_MIN_YEARS,
    AuditAction,
    Client,
    ClientStatus,
    Clinic,
    Role,
    User,
)
from notes.models import ProcessNote, Reflection


def _require_admin(actor: User, clinic_id: int) -> None:
    if clinic_id not in access.clinic_ids_with_role(actor, Role.ADMIN):
        raise access.not_found(actor, "clinic", clinic_id)


def retention_years_set(
    *, actor: User, clinic: Clinic, years: int, now: dt.datetime
) -> Clinic:
    """Set how many years after the ending an ended client's records are kept."""
    _require_admin(actor, clinic.pk)
    if not RETENTION_MIN_YEARS <= years <= RETENTION_MAX_YEARS:
        raise ValidationError(
            f"Choose between {RETENTION_MIN_YEARS} and {RETENTION_MAX_YEARS} years."
        )
    if clinic.retention_years != years:
        clinic.retention_years = years
        clinic.save(update_fields=["retention_years"])
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=clinic, at=now)
    return clinic


def retention_list_due(*, now: dt.datetime) -> int:
    """List, clinic by clinic, the clients past retention on the clinic's
    today, and drop the ones no longer past it (a longer period, a client
    taken back on).  Idempotent; returns how many are listed.  Ids and
    dates only; no audit event, as no record is read or written."""
    listed = 0
    for clinic in Clinic.objects.order_by("pk"):
        today = access.clinic_today(clinic, now)
        due = selectors.clients_past_retention(clinic=clinic, today=today)
        with transaction.atomic():
            RetentionDue.objects.filter(clinic=clinic).exclude(
                client_id__in=[client.pk for client in due]
            ).delete()
            for client in due:
                assert client.ended_on is not None  # noqa: S101 (ended clients only)
                RetentionDue.objects.update_or_create(
                    client=client,
                    defaults={
                        "clinic": clinic,
                        "due_on": selectors.retention_due_on(
                            ended_on=client.ended_on, years=clinic.retention_years
                        ),
                        "listed_at": now,
                    },
                )
        listed += len(due)
    return listed


def _locked(client: Client) -> Client:
    return Client.objects.select_for_update().select_related("clinic").get(pk=client.pk)


def legal_hold_place(
    *, actor: User, client: Client, reason: str, now: dt.datetime
) -> LegalHold:
    """Hold ``client``'s records: they cannot be destroyed until it is lifted."""
    _require_admin(actor, client.clinic_id)
    if not reason.strip():
        raise ValidationError("Say why the records are held.")
    with transaction.atomic():
        client = _locked(client)
        if ClientDestruction.objects.filter(client=client).exists():
            raise ValidationError("This client's records are already destroyed.")
        if selectors.hold_in_force(client=client) is not None:
            raise ValidationError("A legal hold is already in force for this client.")
        hold = LegalHold.objects.create(
            client=client, reason=reason.strip(), placed_by=actor, placed_at=now
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=hold,
            clinic_id=client.clinic_id,
            at=now,
        )
    return hold


def legal_hold_lift(
    *, actor: User, hold: LegalHold, reason: str, now: dt.datetime
) -> LegalHold:
    """Lift a hold in force, with the reason it no longer applies."""
    _require_admin(actor, hold.client.clinic_id)
    if not reason.strip():
        raise ValidationError("Say why the hold is lifted.")
    with transaction.atomic():
        _locked(hold.client)
        lifted = LegalHold.objects.filter(pk=hold.pk, lifted_at__isnull=True).update(
            lifted_at=now, lifted_by=actor, lift_reason=reason.strip()
        )
        if not lifted:
            raise ValidationError("This hold was already lifted.")
        hold.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=hold,
            clinic_id=hold.client.clinic_id,
            at=now,
        )
    return hold


def _destruction_problem(client: Client, *, now: dt.datetime) -> str | None:
    if ClientDestruction.objects.filter(client=client).exists():
        return "This client's records are already destroyed."
    if client.status != ClientStatus.ENDED or client.ended_on is None:
        return "Only an ended client's records can be destroyed."
    due_on = selectors.retention_due_on(
        ended_on=client.ended_on, years=client.clinic.retention_years
    )
    if due_on > access.clinic_today(client.clinic, now):
        return f"The retention period runs until {due_on:%d %B %Y}."
    if selectors.hold_in_force(client=client) is not None:
        return "A legal hold is in force: lift it before destroying the records."
    return None


def _erase_guarded_rows(client: Client) -> None:
    """The rows the application's role may not delete itself: signed notes,
    addenda, returns and every history row of the client (the database's
    function, which checks the tombstone)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {ERASE_FUNCTION}(%s)", [client.pk])


def _notifications_about(client: Client) -> Q:
    paths = (
        notifications.client_path(client.pk),
        notifications.cover_page_path(client.pk),
    )
    query = Q()
    for path in paths:
        query |= Q(url=path) | Q(url__startswith=f"{path}?")
    return query


#: Records with a client of their own that go, after those pointing at them
#: (notes, addenda and returns go first, through the erase function).
CLIENT_RECORDS: tuple[type[Model], ...] = (
    Flag,  # its status changes and responses cascade
    SafetyAlert,
    Contact,
    Rupture,  # its repair attempts cascade
    DependencyObservation,
    AttachmentMeasure,
    CopingPlan,
    SafetyPlan,
    ContactAgreement,
    ClientAddress,
    ImportedRecord,
    RescanRequest,
    RetentionDue,
    Reflection,
    ProcessNote,
)
#: Rows naming the client that stay, and why.
KEPT_WITH_THE_CLIENT = {
    "attachment.clientdestruction": "the tombstone",
    "attachment.legalhold": "the holds, for the record of why it was kept",
    "attachment.actionitem": "a supervision session's action item: the "
    "supervisee's work, kept with the session",
    "clinic.breakglassgrant": "who opened the client's cover page, and why",
    "clinic.staffproposal": "who moved the client between therapists",
}


def _delete_records(client: Client) -> None:
    """Every ordinary record of the client, those pointing at others first."""
    Notification.objects.filter(_notifications_about(client)).delete()
    DiscussedFlag.objects.filter(flag__client=client).delete()
    ContactDelivery.objects.filter(contact__client=client).delete()
    UnmatchedMessage.objects.filter(contact__client=client).delete()
    for model in CLIENT_RECORDS:
        model._default_manager.filter(client=client).delete()


def client_destroy(
    *, actor: User, client: Client, reason: str, now: dt.datetime
) -> ClientDestruction:
    """Destroy an ended client's records past retention and their history,
    leaving the tombstone and the client row as an ended shell (its code,
    dates and therapist; the preferred name goes)."""
    _require_admin(actor, client.clinic_id)
    if not reason.strip():
        raise ValidationError("Say why the records are destroyed.")
    with transaction.atomic():
        client = _locked(client)
        if problem := _destruction_problem(client, now=now):
            raise ValidationError(problem)
        assert client.ended_on is not None  # noqa: S101 (checked above)
        tombstone = ClientDestruction.objects.create(
            client=client,
            code=client.code,
            started_on=client.started_on,
            ended_on=client.ended_on,
            destroyed_by=actor,
            destroyed_at=now,
            reason=reason.strip(),
            counts=selectors.client_record_counts(client=client),
        )
        _erase_guarded_rows(client)
        _delete_records(client)
        client.preferred_name = ""
        client.save(update_fields=["preferred_name"])
        # The deletions above added history rows of their own.
        _erase_guarded_rows(client)
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            obj=tombstone,
            clinic_id=client.clinic_id,
            at=now,
        )
    return tombstone
