"""The reads behind one client's bundle: one query per kind of record,
whatever the client's size.  Large kinds are read through a server-side
cursor (``iterator``) so that they are never all in memory; what a resource
needs from elsewhere (names, an import's origin, a flag's review steps) is
joined or aggregated into the same query."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import JSONField, OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject

from attachment.models import (
    AttachmentMeasure,
    Contact,
    CopingPlan,
    DependencyObservation,
    Flag,
    FlagStatusChange,
    ImportedRecord,
    RepairAttempt,
    Rupture,
)
from clinic.models import Client
from notes.models import Addendum, SessionNote

CHUNK = 2000


def _origin(record_model: str) -> Subquery:
    """The ``ImportedRecord.origin`` of the row, when it came in by import."""
    return Subquery(
        ImportedRecord.objects.filter(
            record_model=record_model, record_id=OuterRef("pk")
        ).values("origin")[:1],
        output_field=JSONField(),
    )


def contacts_of(client: Client) -> Iterator[Contact]:
    return (
        Contact.objects.filter(client=client)
        .order_by("occurred_at", "pk")
        .iterator(chunk_size=CHUNK)
    )


def signed_notes_of(client: Client) -> Iterator[SessionNote]:
    """Signed notes only: a draft is not yet part of the record."""
    return (
        SessionNote.objects.filter(client=client, signed_at__isnull=False)
        .select_related("author", "signed_by", "cosigned_by")
        .annotate(origin=_origin("notes.sessionnote"))
        .order_by("session_at", "pk")
        .iterator(chunk_size=CHUNK)
    )


def addenda_of(client: Client) -> Iterator[Addendum]:
    return (
        Addendum.objects.filter(note__client=client)
        .select_related("author")
        .annotate(origin=_origin("notes.addendum"))
        .order_by("written_at", "pk")
        .iterator(chunk_size=CHUNK)
    )


def measures_of(client: Client) -> QuerySet[AttachmentMeasure]:
    return AttachmentMeasure.objects.filter(client=client).order_by("measured_on", "pk")


def observations_of(client: Client) -> Iterator[DependencyObservation]:
    return (
        DependencyObservation.objects.filter(client=client)
        .order_by("observed_at", "pk")
        .iterator(chunk_size=CHUNK)
    )


def ruptures_of(client: Client) -> Iterator[Rupture]:
    return (
        Rupture.objects.filter(client=client)
        .order_by("noticed_at", "pk")
        .iterator(chunk_size=CHUNK)
    )


def repairs_of(client: Client) -> Iterator[RepairAttempt]:
    return (
        RepairAttempt.objects.filter(rupture__client=client)
        .order_by("attempted_at", "pk")
        .iterator(chunk_size=CHUNK)
    )


def coping_plans_of(client: Client) -> QuerySet[CopingPlan]:
    """Every version, oldest first."""
    return (
        CopingPlan.objects.filter(client=client)
        .select_related("author")
        .annotate(origin=_origin("attachment.copingplan"))
        .order_by("version")
    )


def flags_of(client: Client) -> Iterator[Flag]:
    steps = (
        FlagStatusChange.objects.filter(flag=OuterRef("pk"))
        .order_by("changed_at", "pk")
        .values(
            step=JSONObject(
                to_status="to_status",
                changed_at="changed_at",
                reason="reason",
                usefulness="usefulness",
                by="changed_by__full_name",
            )
        )
    )
    return (
        Flag.objects.filter(client=client)
        .annotate(steps=ArraySubquery(steps), origin=_origin("attachment.flag"))
        .order_by("detected_at", "pk")
        .iterator(chunk_size=CHUNK)
    )
