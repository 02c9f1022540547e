"""The operator's Django admin shows metadata only, for every registered model.

Every record is seeded with a distinctive marker in each field that holds
clinical text (what a therapist or supervisor writes about a client, and what
the detectors write about one), and the operator, a superuser with no clinic
membership, opens every changelist and change page: no marker may appear,
neither from the record itself nor from a related record it names.  Which
text fields are clinical is decided per model below; a new model or a new
text field fails until it is decided.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Group
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from attachment.engine.services import detector_settings_for
from attachment.models import FlagStatusChange
from clinic.audit import audit_record
from clinic.models import AuditAction, Membership, Supervision
from notes.models import Addendum, NoteFormat, NoteReturn, NoteStatus
from notes.signature_hashes import addendum_digest, note_digest
from tests.attachment.factories import (
    ActionItemFactory,
    ContactFactory,
    CopingPlanFactory,
    FlagFactory,
    MeasureFactory,
    ObservationFactory,
    RepairAttemptFactory,
    RuptureFactory,
    SupervisionSessionFactory,
)
from tests.factories import AbsenceFactory, ContactPolicyFactory, UserFactory
from tests.notes.factories import ReflectionFactory, SessionNoteFactory

MARKER = re.compile(r"ZEBRA-[\w-]+")

# Per registered model, the text fields that hold clinical text.
CLINICAL_TEXT: dict[str, tuple[str, ...]] = {
    "notes.sessionnote": (
        "subjective",
        "objective",
        "assessment",
        "plan",
        "data",
        "behaviour",
        "intervention",
        "response",
        "free_text",
    ),
    "notes.addendum": ("text",),
    "notes.notereturn": ("comment",),  # the supervisor's reasons
    "notes.reflection": ("text",),
    "attachment.contact": ("summary",),
    "attachment.rupture": ("description",),
    "attachment.repairattempt": ("client_response",),
    "attachment.dependencyobservation": ("note",),
    "attachment.copingplan": (
        "trigger_details",
        "other_strategies",
        "supports",
        "contact_agreement",
        "crisis_steps",
    ),
    # The detector's explanation and evidence speak of the client's contacts.
    "attachment.flag": ("explanation", "evidence"),
    "attachment.flagstatuschange": ("reason",),  # why a flag was closed
    "attachment.supervisionsession": ("notes",),
    "attachment.actionitem": ("text",),
}

# Per registered model, the text fields that are metadata, and why.
METADATA_TEXT: dict[str, tuple[str, ...]] = {
    # Staff accounts and the clinic: names, e-mails, codes.
    "clinic.user": ("password", "email", "full_name"),
    "clinic.clinic": ("name", "slug", "timezone"),
    "clinic.membership": (),
    "clinic.supervision": (),
    # A pseudonymous code and preferred name, which the clinic admin sees too.
    "clinic.client": ("code", "preferred_name"),
    # Written and read by the clinic admin, who never reads clinical text: a
    # therapist's time away, and the clinic's frame of contact boundaries.
    "clinic.absence": ("note",),
    "clinic.contactpolicy": ("reason", "contact_hours", "crisis_instructions"),
    "clinic.auditevent": ("object_type",),  # ids only, by design
    "notes.sessionnote": ("content_sha256",),  # digests
    "notes.addendum": ("content_sha256",),
    "attachment.contact": ("row_hash",),
    "attachment.attachmentmeasure": (),  # scores only
    "attachment.detectorsettings": (),
    # Accounts, sign-in security and schedules of other apps.
    "auth.group": ("name",),
    "account.emailaddress": ("email",),
    "mfa.authenticator": ("data",),
    "axes.accessattempt": (
        "user_agent",
        "username",
        "http_accept",
        "path_info",
        "get_data",
        "post_data",
    ),
    "axes.accesslog": (
        "user_agent",
        "username",
        "http_accept",
        "path_info",
        "session_hash",
    ),
    "axes.accessfailurelog": ("user_agent", "username", "http_accept", "path_info"),
    "django_celery_beat.periodictask": (
        "name",
        "task",
        "args",
        "kwargs",
        "queue",
        "exchange",
        "routing_key",
        "headers",
        "description",
    ),
    "django_celery_beat.clockedschedule": (),
    "django_celery_beat.crontabschedule": (
        "minute",
        "hour",
        "day_of_month",
        "month_of_year",
        "day_of_week",
    ),
    "django_celery_beat.solarschedule": (),
    "django_celery_beat.intervalschedule": (),
}

# The change history's own admin shows rows of every tracked model: tested
# apart, through its model filter.
EVENTS_ADMIN = "pghistory.events"

TEXT_TYPES = (models.CharField, models.TextField, models.JSONField, ArrayField)


def text_fields(model: type[models.Model]) -> set[str]:
    """Fields that can hold free text: codes from a fixed list are not."""
    names = set()
    for field in model._meta.get_fields():
        if not getattr(field, "concrete", False) or field.is_relation:
            continue
        if not isinstance(field, TEXT_TYPES) or field.choices:
            continue
        if isinstance(field, ArrayField) and field.base_field.choices:
            continue
        names.add(field.name)
    return names


def markers(label: str) -> dict[str, Any]:
    """A distinctive value for each clinical field of ``label``."""
    model = apps.get_model(label)
    values: dict[str, Any] = {}
    for name in CLINICAL_TEXT.get(label, ()):
        text = f"ZEBRA-{model._meta.model_name}-{name}"
        field = model._meta.get_field(name)
        values[name] = {"said": text} if isinstance(field, models.JSONField) else text
    return values


class World:
    """One record of every registered model, each clinical field marked; a
    record that names another (an item its session, a repair its rupture)
    names a marked one."""

    def __init__(self, *, client, therapist, supervisor) -> None:
        self.client = client
        self.clinic = client.clinic
        self.therapist = therapist
        self.supervisor = supervisor
        self.now = timezone.now()

    def _note(self, note_format: str, status: str = NoteStatus.DRAFT):
        text = markers("notes.sessionnote")
        sections = {
            NoteFormat.SOAP: ("subjective", "objective", "assessment", "plan"),
            NoteFormat.DAP: ("data", "assessment", "plan"),
            NoteFormat.BIRP: ("behaviour", "intervention", "response", "plan"),
            NoteFormat.FREE: ("free_text",),
        }[note_format]
        blank = dict.fromkeys(CLINICAL_TEXT["notes.sessionnote"], "")
        note = SessionNoteFactory(
            client=self.client,
            format=note_format,
            **(blank | {name: text[name] for name in sections}),
        )
        if status != NoteStatus.DRAFT:
            note.signed_at, note.signed_by = note.session_at, note.author
            note.status = status
            note.content_sha256 = note_digest(note)
            note.save()
        return note

    @cached_property
    def notes(self) -> list:
        """Every section is used by some format: one note of each."""
        return [
            self._note(NoteFormat.SOAP, NoteStatus.SIGNED),
            self._note(NoteFormat.DAP),
            self._note(NoteFormat.BIRP),
            self._note(NoteFormat.FREE),
        ]

    @cached_property
    def addendum(self):
        note = self.notes[0]
        addendum = Addendum(
            note=note,
            author=self.therapist,
            written_at=self.now,
            **markers("notes.addendum"),
        )
        addendum.content_sha256 = addendum_digest(
            addendum, note_sha256=note.content_sha256
        )
        addendum.save()
        return addendum

    @cached_property
    def note_return(self):
        return NoteReturn.objects.create(
            note=self.notes[1],
            returned_by=self.supervisor,
            returned_at=self.now,
            **markers("notes.notereturn"),
        )

    @cached_property
    def reflection(self):
        return ReflectionFactory(client=self.client, **markers("notes.reflection"))

    @cached_property
    def contact(self):
        return ContactFactory(client=self.client, **markers("attachment.contact"))

    @cached_property
    def rupture(self):
        return RuptureFactory(client=self.client, **markers("attachment.rupture"))

    @cached_property
    def repair(self):
        return RepairAttemptFactory(
            rupture=self.rupture, **markers("attachment.repairattempt")
        )

    @cached_property
    def observation(self):
        return ObservationFactory(
            client=self.client, **markers("attachment.dependencyobservation")
        )

    @cached_property
    def plan(self):
        return CopingPlanFactory(client=self.client, **markers("attachment.copingplan"))

    @cached_property
    def flag(self):
        return FlagFactory(client=self.client, **markers("attachment.flag"))

    @cached_property
    def flag_change(self):
        return FlagStatusChange.objects.create(
            flag=self.flag,
            from_status="open",
            to_status="dismissed",
            changed_by=self.supervisor,
            changed_at=self.now,
            **markers("attachment.flagstatuschange"),
        )

    @cached_property
    def session(self):
        return SupervisionSessionFactory(
            supervisor=self.supervisor,
            supervisee=self.therapist,
            clinic=self.clinic,
            **markers("attachment.supervisionsession"),
        )

    @cached_property
    def item(self):
        return ActionItemFactory(
            session=self.session,
            client=self.client,
            **markers("attachment.actionitem"),
        )


def _one(build: Callable[[World], Any]) -> Callable[[World], list]:
    return lambda w: [build(w)]


# How to seed one record (or a few) of every registered model.
SEEDS: dict[str, Callable[[World], list]] = {
    "clinic.user": _one(lambda w: w.therapist),
    "clinic.clinic": _one(lambda w: w.clinic),
    "clinic.membership": _one(lambda w: Membership.objects.filter(user=w.therapist)[0]),
    "clinic.supervision": _one(
        lambda w: Supervision.objects.filter(supervisor=w.supervisor)[0]
    ),
    "clinic.client": _one(lambda w: w.client),
    "clinic.absence": _one(
        lambda w: AbsenceFactory(clinic=w.clinic, therapist=w.therapist, note="Leave")
    ),
    "clinic.contactpolicy": _one(
        lambda w: ContactPolicyFactory(
            clinic=w.clinic, client=w.client, reason="Works nights."
        )
    ),
    "clinic.auditevent": _one(
        lambda w: audit_record(
            actor=w.therapist,
            action=AuditAction.READ,
            obj=w.client,
            client_id=w.client.pk,
            at=w.now,
        )
    ),
    "notes.sessionnote": lambda w: w.notes,
    "notes.addendum": _one(lambda w: w.addendum),
    "notes.notereturn": _one(lambda w: w.note_return),
    "notes.reflection": _one(lambda w: w.reflection),
    "attachment.contact": _one(lambda w: w.contact),
    "attachment.rupture": _one(lambda w: w.rupture),
    "attachment.repairattempt": _one(lambda w: w.repair),
    "attachment.dependencyobservation": _one(lambda w: w.observation),
    "attachment.attachmentmeasure": _one(lambda w: MeasureFactory(client=w.client)),
    "attachment.copingplan": _one(lambda w: w.plan),
    "attachment.flag": _one(lambda w: w.flag),
    "attachment.flagstatuschange": _one(lambda w: w.flag_change),
    "attachment.supervisionsession": _one(lambda w: w.session),
    "attachment.actionitem": _one(lambda w: w.item),
    "attachment.detectorsettings": _one(
        lambda w: detector_settings_for(clinic=w.clinic)
    ),
    "auth.group": _one(lambda w: Group.objects.create(name="Operators")),
    "account.emailaddress": _one(
        lambda w: EmailAddress.objects.create(
            user=w.therapist, email=w.therapist.email, verified=True, primary=True
        )
    ),
    "mfa.authenticator": _one(
        lambda w: Authenticator.objects.create(
            user=w.therapist, type=Authenticator.Type.RECOVERY_CODES, data={}
        )
    ),
    "axes.accessattempt": _one(
        lambda w: AccessAttempt.objects.create(
            username="someone@example.test",
            ip_address="203.0.113.9",
            failures_since_start=1,
        )
    ),
    "axes.accesslog": _one(
        lambda w: AccessLog.objects.create(
            username="someone@example.test", ip_address="203.0.113.9"
        )
    ),
    "axes.accessfailurelog": _one(
        lambda w: AccessFailureLog.objects.create(
            username="someone@example.test", ip_address="203.0.113.9"
        )
    ),
    "django_celery_beat.periodictask": _one(
        lambda w: PeriodicTask.objects.create(
            name="nightly",
            task="attachment.scan_all",
            interval=IntervalSchedule.objects.create(every=1, period="days"),
        )
    ),
    "django_celery_beat.clockedschedule": _one(
        lambda w: ClockedSchedule.objects.create(clocked_time=w.now)
    ),
    "django_celery_beat.crontabschedule": _one(
        lambda w: CrontabSchedule.objects.create(minute="0", hour="3")
    ),
    "django_celery_beat.solarschedule": _one(
        lambda w: SolarSchedule.objects.create(
            event="sunrise", latitude=51.5, longitude=-0.1
        )
    ),
    "django_celery_beat.intervalschedule": _one(
        lambda w: IntervalSchedule.objects.create(every=6, period="hours")
    ),
}


@pytest.fixture
def operator(db):
    """The operator: a superuser with no membership in any clinic."""
    return UserFactory(email="operator@example.test", is_staff=True, is_superuser=True)


@pytest.fixture
def world(client, therapist, supervisor) -> World:
    return World(client=client, therapist=therapist, supervisor=supervisor)


def leaked(html: str) -> list[str]:
    return sorted(set(MARKER.findall(html)))


def _admin_url(model: type[models.Model], page: str, *args: Any) -> str:
    return reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args
    )


@pytest.mark.parametrize("label", sorted(SEEDS))
def test_the_operator_sees_no_clinical_text_on_a_models_admin_pages(
    label, world, operator, login
):
    model = apps.get_model(label)
    records = SEEDS[label](world)
    http = login(operator)

    listing = http.get(_admin_url(model, "changelist"))
    assert listing.status_code == 200
    assert leaked(listing.content.decode()) == []
    for record in records:
        change_url = _admin_url(model, "change", quote(record.pk))
        # The list shows the seeded record: a page of nothing would prove nothing.
        assert change_url in listing.content.decode()
        detail = http.get(change_url)
        assert detail.status_code == 200
        assert leaked(detail.content.decode()) == []
        # Where deleting is allowed, its confirmation lists every related
        # record by name.
        deletion = http.get(_admin_url(model, "delete", quote(record.pk)))
        assert deletion.status_code in (200, 403)
        assert leaked(deletion.content.decode()) == []


def test_every_registered_model_is_seeded_and_its_text_fields_decided():
    registered = {
        model._meta.label_lower
        for model in admin.site._registry
        if model._meta.label_lower != EVENTS_ADMIN
    }
    assert set(SEEDS) == registered
    for label in registered:
        clinical = set(CLINICAL_TEXT.get(label, ()))
        metadata = set(METADATA_TEXT.get(label, ()))
        assert label in CLINICAL_TEXT or label in METADATA_TEXT, label
        assert clinical & metadata == set(), label
        assert clinical | metadata == text_fields(apps.get_model(label)), label
    assert set(CLINICAL_TEXT) <= registered
    assert set(METADATA_TEXT) <= registered


# --- the change history's admin (pghistory) ----------------------------------

EVENTS = "/admin/pghistory/events/"
EVENT_LINK = re.compile(r'href="(/admin/pghistory/events/[^"?]+/change/)')


# Their triggers refuse any update: they have insert events only.
APPEND_ONLY = ("notes.addendum", "notes.notereturn")


def _edit_twice(record: models.Model, label: str) -> None:
    """Two updates of a clinical field, so that the second event's diff (a
    column of the list) holds the text before and after."""
    name = next(name for name in CLINICAL_TEXT[label] if getattr(record, name))
    value = getattr(record, name)
    for round_ in (1, 2):
        changed = (
            {"said": f"{value['said']}-{round_}"}
            if isinstance(value, dict)
            else f"{value}-{round_}"
        )
        type(record).objects.filter(pk=record.pk).update(**{name: changed})


@pytest.fixture
def history(world) -> dict[str, list]:
    """Every model with clinical text seeded and edited, so that each has
    history rows of inserts and updates."""
    seeded = {label: SEEDS[label](world) for label in sorted(CLINICAL_TEXT)}
    for label, records in seeded.items():
        if label not in APPEND_ONLY:
            _edit_twice(records[-1], label)  # the last session note is a draft
    return seeded


def test_the_unfiltered_events_page_lists_nothing(history, operator, login):
    response = login(operator).get(EVENTS)
    assert response.status_code == 200
    assert EVENT_LINK.findall(response.content.decode()) == []
    assert leaked(response.content.decode()) == []


def _history_pages(http, history: dict[str, list]) -> dict[str, str]:
    """Each model's events list (the admin's ``?model=`` filter) and the page
    of its first event; one record's list (``?obj=``) too."""
    pages = {}
    for label in history:
        url = f"{EVENTS}?model={label}"
        response = http.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
        links = EVENT_LINK.findall(pages[url])
        assert links, f"{url} lists no events"
        pages[links[0]] = http.get(links[0]).content.decode()
    note = history["notes.sessionnote"][0]
    url = f"{EVENTS}?obj=notes.sessionnote:{note.pk}"
    pages[url] = http.get(url).content.decode()
    return pages


def test_the_events_admin_lists_the_history_of_each_clinical_model(
    history, operator, login
):
    """What the test below reads is there: every list has its rows."""
    pages = _history_pages(login(operator), history)
    assert len(pages) == 2 * len(CLINICAL_TEXT) + 1


@pytest.mark.xfail(
    strict=True,
    reason="pghistory's events admin shows each row's data (pgh_data, pgh_diff) "
    "with its clinical text; hiding it from the operator is planned",
)
def test_the_events_admin_shows_no_clinical_text(history, operator, login):
    pages = _history_pages(login(operator), history)
    assert {url: leaked(html) for url, html in pages.items() if leaked(html)} == {}
