"""The operator's Django admin shows metadata only, and changes nothing that a
service must change.

One record (or a few) of every model of Between's apps is built with the
factories, and of every model the admin lists; then every text field of each
(``CharField``, ``TextField``, ``JSONField``: anything a person or a detector
can write into), save the few identifiers the admin shows on purpose and the
digests (``UNMARKED``), is rewritten through the ORM to a distinctive marker,
so that the change history records the marker as well.  Logged in as the
operator, a superuser with no clinic membership, the test opens every page the
admin offers: each changelist, with each filter, date and sort link it shows
and a search for the marker, and each object's change, history and delete
pages.  No marker may appear on any of them, and each must answer.  A new
model or a new text field is marked without being named here, so it is
covered from the start.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin as django_admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Group
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from pghistory.models import Event as HistoryEvent

from attachment.engine.services import detector_settings_for
from attachment.models import (
    ClientAddress,
    ClientDestruction,
    ContactAgreement,
    ContactDelivery,
    DetectorSettingsChange,
    FlagStatusChange,
    ImportedRecord,
    LegalHold,
    RetentionDue,
    SafetyAlert,
    SafetyPlan,
    UnmatchedMessage,
)
from clinic.audit import audit_record
from clinic.integrations.models import Integration, IntegrationDay, MailboxSettings
from clinic.models import (
    BREAK_GLASS_DURATION,
    AuditAction,
    AuditEvent,
    BreakGlassGrant,
    BreakGlassReason,
    BreakGlassVerdict,
    Membership,
    Role,
    Supervision,
    User,
)
from notes.models import Addendum, NoteFormat, NoteReturn, NoteStatus, SessionNote
from notes.signature_hashes import addendum_digest, note_digest
from tests.attachment.factories import (
    ActionItemFactory,
    ContactFactory,
    CopingPlanFactory,
    FlagFactory,
    FlagResponseFactory,
    MeasureFactory,
    NotificationFactory,
    ObservationFactory,
    RepairAttemptFactory,
    RuptureFactory,
    SupervisionSessionFactory,
)
from tests.factories import (
    AbsenceFactory,
    ClientFactory,
    ContactPolicyFactory,
    UserFactory,
)
from tests.notes.factories import (
    ProcessNoteFactory,
    ReflectionFactory,
    SessionNoteFactory,
)

MARKER = "ZQX-SECRET-MARKER"
LEAK = re.compile(rf"{MARKER}[\w.:-]*")
# A fragment of every marked value: a search for it finds any row whose
# searched fields hold the marker, and its echo in the search box is no leak.
SEARCH = MARKER.removeprefix("ZQX-")

# Every text field of these apps' models is marked, save those in UNMARKED.
MARKED_APPS = ("clinic", "notes", "attachment", "mfa")

# Text fields left unmarked: identifiers the admin shows on purpose (never
# something written about a client), and digests the database holds to hex.
UNMARKED: dict[str, tuple[str, ...]] = {
    # Staff accounts and the clinic: names and addresses.  The password hash
    # is shown nowhere (checked in tests/clinic/test_admin_site.py) but kept
    # so that the seeded people could still sign in.
    "clinic.user": ("email", "full_name", "password"),
    "clinic.clinic": ("name", "slug", "timezone"),
    # A pseudonym of letters, digits, ".", "_" and "-" (a CHECK constraint).
    "clinic.client": ("code",),
    "clinic.auditevent": ("object_type", "mac"),  # a model's name; a digest
    # Who is proposed for a role: a name and an address, as on clinic.user.
    "clinic.staffproposal": ("email", "full_name"),
    "clinic.enrolmentlink": ("token_sha256",),  # a digest
    "clinic.integration": ("token_sha256",),  # a digest
    # Held to E.164 or a lower-case e-mail address (a CHECK constraint); the
    # model is not in the operator's admin.
    "attachment.clientaddress": ("value",),
    "notes.sessionnote": ("content_sha256",),
    "notes.addendum": ("content_sha256",),
    # Row ids and a digest; the kind is held to "note" or "addendum".
    "notes.unkeyeddigestroll": ("kind", "ids", "mac"),
}

# Text the database holds to a path inside Between (a CHECK constraint).
PATHS = {"attachment.notification.url"}

# Rows the database refuses to update: they are marked when they are made.
APPEND_ONLY = (
    "notes.addendum",
    "notes.notereturn",
    "clinic.auditevent",
    # Refused by the database once written (attachment/retention/guards.py).
    "attachment.legalhold",
    "attachment.clientdestruction",
)

TEXT_TYPES = (models.CharField, models.TextField, models.JSONField, ArrayField)

# The clinic's configuration: the clinic admin changes it on Between's own
# pages, through services that write audit events; never here.
CONFIGURATION = (
    "clinic.membership",
    "clinic.client",
    "clinic.supervision",
    "clinic.contactpolicy",
    "clinic.absence",
)


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


def marked_models() -> list[type[models.Model]]:
    """Every model of the marked apps, its change-history twin aside."""
    return [
        model
        for app in MARKED_APPS
        for model in apps.get_app_config(app).get_models()
        if not issubclass(model, HistoryEvent)
    ]


def markable(model: type[models.Model]) -> list[str]:
    """The text fields to mark: the other apps' models (addresses, sign-in
    attempts, schedules) hold no clinical text and are shown as they are."""
    if model._meta.app_label not in MARKED_APPS:
        return []
    unmarked = UNMARKED.get(model._meta.label_lower, ())
    return sorted(text_fields(model) - set(unmarked))


def markers(
    model: type[models.Model], edit: int = 0, *, only: list[str] | None = None
) -> dict[str, Any]:
    """A marked value for each markable field of ``model`` (or of ``only``);
    ``edit`` tells one write from the next, so that the history holds both."""
    values: dict[str, Any] = {}
    for name in markable(model) if only is None else only:
        field = model._meta.get_field(name)
        text = f"{MARKER}:{model._meta.model_name}.{name}:{edit}"
        if f"{model._meta.label_lower}.{name}" in PATHS:
            text = f"/{text}"
        if isinstance(field, models.JSONField):
            values[name] = {"said": text}
        elif isinstance(field, ArrayField):
            values[name] = [text]
        else:
            values[name] = text[: field.max_length]
    return values


# A note's format decides which sections it may fill (a CHECK constraint).
SECTIONS = {
    NoteFormat.SOAP: ("subjective", "objective", "assessment", "plan"),
    NoteFormat.DAP: ("data", "assessment", "plan"),
    NoteFormat.BIRP: ("behaviour", "intervention", "response", "plan"),
    NoteFormat.FREE: ("free_text",),
}


def writable(record: models.Model) -> list[str]:
    """The markable fields this row may hold text in."""
    fields = markable(type(record))
    if isinstance(record, SessionNote):
        unused = {name for names in SECTIONS.values() for name in names}
        unused -= set(SECTIONS[record.format])
        fields = [name for name in fields if name not in unused]
    return fields


class World:
    """One record of every model (a few where one would leave a case out),
    each marked at birth; ``mark`` then rewrites every row that may change."""

    def __init__(self, *, client, therapist, supervisor) -> None:
        self.client = client
        self.clinic = client.clinic
        self.therapist = therapist
        self.supervisor = supervisor
        self.now = timezone.now()

    def _marked(self, label: str) -> dict[str, Any]:
        return markers(apps.get_model(label))

    def _note(self, note_format: str, status: str = NoteStatus.DRAFT):
        sections = SECTIONS[note_format]
        text = self._marked("notes.sessionnote")
        note = SessionNoteFactory(
            client=self.client,
            format=note_format,
            **{name: text[name] if name in sections else "" for name in text},
        )
        if status != NoteStatus.DRAFT:
            note.signed_at, note.signed_by = note.session_at, note.author
            note.status = status
            note.content_sha256 = note_digest(note)
            note.save()
        return note

    @cached_property
    def integration(self):
        return Integration.objects.create(
            clinic=self.clinic,
            token_sha256="0" * 64,
            created_at=self.now,
            scopes=["clients:read"],
            **self._marked("clinic.integration"),
        )

    @cached_property
    def notes(self) -> list:
        """Every section is used by some format: one note of each, the first
        signed (its content can no longer change)."""
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
            text=self._marked("notes.addendum")["text"],
        )
        addendum.content_sha256 = addendum_digest(
            addendum, note_sha256=note.content_sha256
        )
        addendum.save()
        return addendum

    @cached_property
    def flag(self):
        return FlagFactory(client=self.client, **self._marked("attachment.flag"))

    @cached_property
    def agreements(self) -> list:
        """Two versions: one inside the frame, acknowledged; one wider and
        approved by the supervisor."""
        common = {
            "client": self.client,
            "written_at": self.now,
            "effective_from": self.now,
            "author": self.therapist,
            **self._marked("attachment.contactagreement"),
        }
        return [
            ContactAgreement.objects.create(
                version=1,
                acknowledged_on=self.now.date(),
                acknowledged_how="in_session",
                **common,
            ),
            ContactAgreement.objects.create(
                version=2,
                wider_than_frame=True,
                approved_by=self.supervisor,
                approved_at=self.now,
                **common,
            ),
        ]

    @cached_property
    def rupture(self):
        return RuptureFactory(client=self.client)

    @cached_property
    def session(self):
        return SupervisionSessionFactory(
            supervisor=self.supervisor, supervisee=self.therapist, clinic=self.clinic
        )

    @cached_property
    def authenticators(self) -> list:
        """Secrets as allauth keeps them, marked."""
        return [
            Authenticator.objects.create(
                user=self.therapist,
                type=Authenticator.Type.TOTP,
                data={"secret": f"{MARKER}:totp"},
            ),
            Authenticator.objects.create(
                user=self.therapist,
                type=Authenticator.Type.RECOVERY_CODES,
                data={"seed": f"{MARKER}:seed", "used_mask": 0},
            ),
        ]


def _one(build: Callable[[World], Any]) -> Callable[[World], list]:
    return lambda w: [build(w)]


def _periodic_task(w: World) -> PeriodicTask:
    return PeriodicTask.objects.create(
        name="nightly",
        task="attachment.tasks.nightly_scan",
        interval=IntervalSchedule.objects.create(every=1, period="days"),
    )


# How to build the records of each model; the order is the build order.
SEEDS: dict[str, Callable[[World], list]] = {
    "clinic.user": lambda w: [w.therapist, w.supervisor],
    "clinic.clinic": _one(lambda w: w.clinic),
    "clinic.membership": lambda w: list(Membership.objects.filter(user=w.therapist)),
    "clinic.supervision": lambda w: list(
        Supervision.objects.filter(supervisor=w.supervisor)
    ),
    "clinic.client": _one(lambda w: w.client),
    "clinic.absence": _one(
        lambda w: AbsenceFactory(
            clinic=w.clinic, therapist=w.therapist, covering_therapist=w.supervisor
        )
    ),
    "clinic.contactpolicy": _one(
        lambda w: ContactPolicyFactory(
            clinic=w.clinic, **markers(apps.get_model("clinic.contactpolicy"))
        )
    ),
    # Reviewed, so that its review note may hold text (a CHECK constraint).
    "clinic.breakglassgrant": _one(
        lambda w: BreakGlassGrant.objects.create(
            clinic=w.clinic,
            client=w.client,
            grantee=w.supervisor,
            reason=BreakGlassReason.OTHER,
            granted_at=w.now,
            expires_at=w.now + BREAK_GLASS_DURATION,
            verdict=BreakGlassVerdict.JUSTIFIED,
            reviewed_by=w.therapist,
            reviewed_at=w.now,
            **markers(apps.get_model("clinic.breakglassgrant")),
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
    "notes.notereturn": _one(
        lambda w: NoteReturn.objects.create(
            note=w.notes[1],
            returned_by=w.supervisor,
            returned_at=w.now,
            **w._marked("notes.notereturn"),
        )
    ),
    "notes.processnote": _one(lambda w: ProcessNoteFactory(client=w.client)),
    "notes.reflection": _one(lambda w: ReflectionFactory(client=w.client)),
    "attachment.contact": _one(lambda w: ContactFactory(client=w.client)),
    "attachment.rupture": _one(lambda w: w.rupture),
    "attachment.repairattempt": _one(lambda w: RepairAttemptFactory(rupture=w.rupture)),
    "attachment.dependencyobservation": _one(
        lambda w: ObservationFactory(client=w.client)
    ),
    "attachment.attachmentmeasure": _one(lambda w: MeasureFactory(client=w.client)),
    "attachment.copingplan": _one(lambda w: CopingPlanFactory(client=w.client)),
    "attachment.contactagreement": lambda w: w.agreements,
    "attachment.safetyplan": _one(
        lambda w: SafetyPlan.objects.create(
            client=w.client,
            version=1,
            written_at=w.now,
            author=w.therapist,
            **w._marked("attachment.safetyplan"),
        )
    ),
    "attachment.safetyalert": _one(
        lambda w: SafetyAlert.objects.create(
            contact=ContactFactory(client=w.client, purpose="crisis"),
            client=w.client,
            due_at=w.now,
            raised_at=w.now,
            notified=w.therapist,
            escalate_at=w.now + dt.timedelta(hours=2),
        )
    ),
    "attachment.flag": _one(lambda w: w.flag),
    "attachment.flagstatuschange": _one(
        lambda w: FlagStatusChange.objects.create(
            flag=w.flag,
            from_status="open",
            to_status="dismissed",
            changed_by=w.supervisor,
            changed_at=w.now,
            reason="Seen.",
        )
    ),
    "attachment.flagresponse": _one(lambda w: FlagResponseFactory(flag=w.flag)),
    "attachment.supervisionsession": _one(lambda w: w.session),
    "attachment.actionitem": _one(
        lambda w: ActionItemFactory(session=w.session, client=w.client)
    ),
    "attachment.notification": _one(
        lambda w: NotificationFactory(recipient=w.therapist)
    ),
    "attachment.detectorsettings": _one(
        lambda w: detector_settings_for(clinic=w.clinic)
    ),
    "attachment.detectorsettingschange": _one(
        lambda w: DetectorSettingsChange.objects.create(
            clinic=w.clinic,
            changed_by=w.supervisor,
            changed_at=w.now,
            **w._marked("attachment.detectorsettingschange"),
        )
    ),
    "clinic.integration": _one(lambda w: w.integration),
    "attachment.contactdelivery": _one(
        lambda w: ContactDelivery.objects.create(
            integration=w.integration,
            external_id="e1",
            contact=ContactFactory(client=w.client),
            created_at=w.now,
        )
    ),
    "attachment.clientaddress": _one(
        lambda w: ClientAddress.objects.create(
            clinic=w.clinic,
            client=w.client,
            kind="phone",
            value="+447700900123",
            created_at=w.now,
        )
    ),
    "attachment.importedrecord": _one(
        lambda w: ImportedRecord.objects.create(
            client=w.client,
            source_key="urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
            resource_type="Communication",
            record_model="attachment.contact",
            record_id=ContactFactory(client=w.client).pk,
            imported_at=w.now,
        )
    ),
    "attachment.legalhold": _one(
        lambda w: LegalHold.objects.create(
            client=w.client,
            placed_by=w.supervisor,
            placed_at=w.now,
            lifted_by=w.supervisor,
            lifted_at=w.now,
            **w._marked("attachment.legalhold"),
        )
    ),
    "attachment.retentiondue": _one(
        lambda w: RetentionDue.objects.create(
            client=w.client, clinic=w.clinic, due_on=w.now.date(), listed_at=w.now
        )
    ),
    "attachment.clientdestruction": _one(
        lambda w: ClientDestruction.objects.create(
            client=ClientFactory(
                clinic=w.clinic,
                therapist=w.therapist,
                status="ended",
                started_on=dt.date(2010, 1, 4),
                ended_on=dt.date(2012, 1, 2),
            ),
            started_on=dt.date(2010, 1, 4),
            ended_on=dt.date(2012, 1, 2),
            destroyed_by=w.supervisor,
            destroyed_at=w.now,
            **w._marked("attachment.clientdestruction"),
        )
    ),
    "clinic.mailboxsettings": _one(
        lambda w: MailboxSettings.objects.create(
            integration=w.integration,
            host="imap.example.test",
            username_env="MAIL_USER",
            password_env="MAIL_PASSWORD",
            practice_addresses="desk@example.test",
        )
    ),
    "clinic.integrationday": _one(
        lambda w: IntegrationDay.objects.create(
            integration=w.integration, day=w.now.date(), calls=3
        )
    ),
    "attachment.unmatchedmessage": _one(
        lambda w: UnmatchedMessage.objects.create(
            clinic=w.clinic,
            integration=w.integration,
            external_id="u1",
            address="+447700900456",
            channel="text",
            direction="from_client",
            occurred_at=w.now,
            received_at=w.now,
        )
    ),
    "mfa.authenticator": lambda w: w.authenticators,
    "auth.group": _one(lambda w: Group.objects.create(name="Operators")),
    "account.emailaddress": _one(
        lambda w: EmailAddress.objects.create(
            user=w.therapist, email=w.therapist.email, verified=True, primary=True
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
    "django_celery_beat.periodictask": _one(_periodic_task),
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


def _frozen(label: str, record: models.Model) -> bool:
    """Append-only rows, and a signed note's content, refuse any update."""
    return label in APPEND_ONLY or getattr(record, "signed_at", None) is not None


def mark(seeded: dict[str, list]) -> None:
    """Rewrite every markable field of every row that may change, twice, so
    that the change history holds update events with the marker in them."""
    for label, records in seeded.items():
        model = apps.get_model(label)
        if not markable(model):
            continue
        for record in records:
            if _frozen(label, record):
                continue
            for edit in (1, 2):
                model._default_manager.filter(pk=record.pk).update(
                    **markers(model, edit, only=writable(record))
                )


@pytest.fixture
def operator(db):
    """The operator: a superuser with no membership in any clinic."""
    return UserFactory(email="operator@example.test", is_staff=True, is_superuser=True)


@pytest.fixture
def world(client, therapist, supervisor) -> dict[str, list]:
    """Every seeded record by model label, each text field marked."""
    w = World(client=client, therapist=therapist, supervisor=supervisor)
    seeded = {label: build(w) for label, build in SEEDS.items()}
    mark(seeded)
    return seeded


def leaked(page: str) -> list[str]:
    return sorted(set(LEAK.findall(page)))


def _admin_url(model: type[models.Model], page: str, *args: Any) -> str:
    return reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args
    )


# --- the world is what the crawl needs ----------------------------------


def test_every_text_field_of_every_model_holds_the_marker(world):
    """Each text field of each model of Between's apps (save those in
    UNMARKED) holds the marker in some row: a new model or field is covered,
    or fails here until it is seeded."""
    for model in marked_models():
        rows = list(model._default_manager.all())
        for name in markable(model):
            assert any(MARKER in str(getattr(row, name)) for row in rows), (
                f"{model._meta.label_lower}.{name} holds no marker"
            )


def test_the_change_history_recorded_the_marked_edits(world):
    """The history rows hold the marker too: they would leak it, were any of
    them shown."""
    for label, records in world.items():
        model = apps.get_model(label)
        if model._meta.app_label not in MARKED_APPS or not markable(model):
            continue
        tracked = [
            event
            for event in model._meta.apps.get_models()
            if issubclass(event, HistoryEvent)
            and event._meta.get_field("pgh_obj").related_model is model
        ]
        for event in tracked:
            for record in records:
                if _frozen(label, record):
                    continue
                assert event.objects.filter(
                    pgh_obj_id=record.pk, pgh_label="update"
                ).exists(), label


def test_unmarked_names_real_text_fields_and_every_admin_is_seeded(world):
    for label, names in UNMARKED.items():
        assert set(names) <= text_fields(apps.get_model(label)), label
    for model in django_admin.site._registry:
        assert model._default_manager.exists(), f"nothing of {model._meta.label}"


# --- the crawl ------------------------------------------------------------

REGISTERED = sorted(model._meta.label_lower for model in django_admin.site._registry)
QUERY_LINK = re.compile(r'href="(\?[^"#]*)"')


class Crawl:
    """The operator's browser: each page must answer and show no marker."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def get(self, url: str, allowed: tuple[int, ...] = (200,)) -> Any:
        response = self.http.get(url)
        assert response.status_code in allowed, (url, response.status_code)
        assert leaked(response.content.decode()) == [], url
        return response


def _filter_params(listing: Any) -> list[set[str]]:
    """The query parameters of each filter the changelist offers."""
    return [
        set(spec.expected_parameters()) for spec in listing.context["cl"].filter_specs
    ]


def _crawl_changelist(crawl: Crawl, model: type[models.Model]) -> str:
    """The list, each link it offers (filter choices, date drill-downs,
    sorting) and a search for the marker."""
    base = _admin_url(model, "changelist")
    listing = crawl.get(base)
    links = {
        html.unescape(link) for link in QUERY_LINK.findall(listing.content.decode())
    }
    for params in _filter_params(listing):
        assert any(name in link for link in links for name in params), (
            f"{base}: no link of the filter on {params}"
        )
    for link in sorted(links):
        crawl.get(base + link, allowed=(200, 302))
    found = crawl.get(f"{base}?{urlencode({'q': SEARCH})}").context["cl"]
    if found.search_fields:
        assert found.result_count == 0, f"{base} searches marked text"
    return listing.content.decode()


@pytest.mark.parametrize("label", REGISTERED)
def test_no_page_of_a_models_admin_shows_a_marker(label, world, operator, login):
    model = apps.get_model(label)
    crawl = Crawl(login(operator))

    listing = _crawl_changelist(crawl, model)
    for record in model._default_manager.all():
        pk = quote(record.pk)
        change = _admin_url(model, "change", pk)
        # The list shows every record: a page of nothing would prove nothing.
        assert change in listing, change
        crawl.get(change)
        crawl.get(_admin_url(model, "history", pk))
        # Where deleting is allowed, its confirmation lists every related
        # record by name.
        crawl.get(_admin_url(model, "delete", pk), allowed=(200, 403))


def test_the_index_and_every_app_page_show_no_marker(world, operator, login):
    crawl = Crawl(login(operator))
    crawl.get(reverse("admin:index"))
    for app_label in {model._meta.app_label for model in django_admin.site._registry}:
        crawl.get(reverse("admin:app_list", args=[app_label]))


def test_the_change_history_has_no_admin_pages(world, operator, login):
    """pghistory's admin listed every history row with its data: it is not
    installed, and no history model is registered."""
    http = login(operator)
    for url in (
        "/admin/pghistory/",
        "/admin/pghistory/events/",
        "/admin/pghistory/events/?model=notes.sessionnote",
        "/admin/pghistory/events/?label=update",
    ):
        assert http.get(url).status_code == 404, url
    assert not any(
        issubclass(model, HistoryEvent) or model._meta.app_label == "pghistory"
        for model in django_admin.site._registry
    )


# --- nothing changes here that a service must change ----------------------


def test_every_clinic_and_record_admin_is_read_only(rf, operator):
    """Accounts (clinic.user) are the one exception, tested in
    tests/clinic/test_admin_site.py."""
    request = rf.get("/admin/")
    request.user = operator
    read_only = [
        (model, model_admin)
        for model, model_admin in django_admin.site._registry.items()
        if model._meta.app_label in MARKED_APPS + ("account",) and model is not User
    ]
    assert len(read_only) > 20
    for model, model_admin in read_only:
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
        shown = set(model_admin.get_fields(request))
        assert shown <= set(model_admin.get_readonly_fields(request)), model


def _row(record: models.Model) -> dict[str, Any]:
    return type(record)._default_manager.filter(pk=record.pk).values().get()


def _attempt(record: models.Model, operator: User) -> dict[str, Any]:
    """A POST that would make the operator part of the clinic's care."""
    data = {key: "" if value is None else value for key, value in _row(record).items()}
    takeover = {
        "clinic.membership": {"user": operator.pk, "role": Role.ADMIN},
        "clinic.client": {"therapist": operator.pk},
        "clinic.supervision": {"supervisor": operator.pk},
        "clinic.contactpolicy": {"weekly_limit": 99},
        "clinic.absence": {"covering_therapist": operator.pk},
    }[record._meta.label_lower]
    for name, value in takeover.items():
        data[name] = value
    return {key.removesuffix("_id"): value for key, value in data.items()}


@pytest.mark.parametrize("label", CONFIGURATION)
def test_the_operator_cannot_change_the_clinics_configuration(
    label, world, operator, login
):
    model = apps.get_model(label)
    record = world[label][0]
    before, rows = _row(record), model._default_manager.count()
    events = AuditEvent.objects.count()
    history = [
        event
        for event in apps.get_models()
        if issubclass(event, HistoryEvent)
        and event._meta.get_field("pgh_obj").related_model is model
    ]
    history_rows = sum(event.objects.count() for event in history)
    http = login(operator)
    change = _admin_url(model, "change", record.pk)

    page = http.get(change).content.decode()
    attempt = _attempt(record, operator)
    responses = [
        http.post(change, attempt),
        http.post(_admin_url(model, "add"), attempt),
        http.post(_admin_url(model, "delete", record.pk), {"post": "yes"}),
    ]

    assert 'name="_save"' not in page
    assert [response.status_code for response in responses] == [403, 403, 403]
    assert _row(record) == before
    assert model._default_manager.count() == rows
    assert AuditEvent.objects.count() == events
    assert sum(event.objects.count() for event in history) == history_rows
    assert not Membership.objects.filter(user=operator).exists()
