"""Every call site of the audit trail leaves exactly the event it should.

``SITES`` is the one table: each write service, and each page that shows
clinical text, with the events one call (or one GET by a permitted user) must
write.  The completeness tests keep the table whole, so that a new service or
page without an event fails here:

* every function of the code that writes an audit event is exercised by an
  entry;
* every public function of a services module is an entry, or is listed in
  ``SERVICES_WITHOUT_EVENT`` with the reason it writes none;
* every page of the permission matrix that answers 200 to a GET is an entry,
  or is listed in ``PAGES_WITHOUT_CLINICAL_TEXT`` with what it shows instead.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import io
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.db.models import Max
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from attachment.addresses import services as address_services
from attachment.addresses import views as address_views
from attachment.agreements import services as agreement_services
from attachment.alerts import services as alert_services
from attachment.client_copy import services as client_copy_services
from attachment.cover import services as cover_services
from attachment.cover import views as cover_views
from attachment.demo import cover as cover_demo
from attachment.engine.services import (
    default_thresholds_row,
    detector_settings_for,
    flag_status_change,
)
from attachment.fhir import import_writers as fhir_import_writers
from attachment.fhir import services as fhir_services
from attachment.fhir.export import bundle_chunks
from attachment.fhir.importer import fhir_import
from attachment.ingestion import api as ingestion_api
from attachment.ingestion import classify as ingestion_classify
from attachment.ingestion import replies as ingestion_replies
from attachment.ingestion import services as ingestion_services
from attachment.management.commands import export_flags
from attachment.management.commands.export_flags import Command as ExportFlags
from attachment.models import (
    ActionCategory,
    ActionItem,
    ClientAddress,
    Contact,
    ContactAgreement,
    DetectorSettings,
    DetectorSettingsChange,
    Flag,
    FlagStatus,
    SafetyAlert,
    SafetyPlan,
    UnmatchedMessage,
)
from attachment.oversight import services as oversight_services
from attachment.records import imports as contact_imports
from attachment.records import services as records
from attachment.retention import services as retention_services
from attachment.review import services as review_services
from attachment.review import views as review_views
from attachment.safety import services as safety_services
from attachment.supervision import services as supervision_services
from attachment.supervision import views as supervision_views
from attachment.supervision.integration import action_items_home_panel
from attachment.unmatched import services as unmatched_services
from clinic import audit, reauth
from clinic import imports as client_imports
from clinic import services as clinic_services
from clinic.access import BREAK_GLASS_PAGE, COVER_PAGE
from clinic.access_report import services as access_report_services
from clinic.access_report.kinds import (
    ACCESS_REPORT,
    CLIENT_COPY,
    FHIR_EXPORT,
    FHIR_IMPORT,
)
from clinic.administration import services as admin_services
from clinic.administration.dates import services as date_services
from clinic.administration.staff import services as staff_services
from clinic.demo import COVER as DEMO_COVER
from clinic.demo import COVER_NOTE as DEMO_COVER_NOTE
from clinic.demo import _Seeding
from clinic.extensions import DemoContext
from clinic.integrations import services as integration_services
from clinic.integrations.models import Integration, MailboxSettings
from clinic.management.commands.access_report import (
    Command as AccessReportCommand,
)
from clinic.middleware import RefusalAuditMiddleware
from clinic.models import (
    BREAK_GLASS_DURATION,
    Absence,
    AuditAction,
    AuditEvent,
    BreakGlassGrant,
    BreakGlassReason,
    BreakGlassVerdict,
    Clinic,
    EnrolmentLink,
    Membership,
    Role,
    StaffProposal,
    StaffProposalKind,
    Supervision,
    SupervisionProposal,
    User,
)
from notes import selectors as note_selectors
from notes import services as notes_services
from notes.models import NoteStatus
from notes.signature_hashes import note_digest
from tests.attachment.factories import (
    ActionItemFactory,
    ContactFactory,
    CopingPlanFactory,
    FlagFactory,
    RuptureFactory,
    SupervisionSessionFactory,
)
from tests.factories import (
    AbsenceFactory,
    ClientFactory,
    ClinicFactory,
    MembershipFactory,
    UserFactory,
)
from tests.matrix import row_module_names
from tests.notes.factories import (
    ProcessNoteFactory,
    ReflectionFactory,
    SessionNoteFactory,
)

ROOT = Path(__file__).resolve().parents[1]
APPS = ("clinic", "notes", "attachment")
READ, CREATE, UPDATE = AuditAction.READ, AuditAction.CREATE, AuditAction.UPDATE
DELETE, SIGN, EXPORT = AuditAction.DELETE, AuditAction.SIGN, AuditAction.EXPORT


# --- the world the entries act in ------------------------------------------

# Terms inside the clinic's default frame (every channel, weekdays 09-17).
AGREEMENT_VALUES: dict[str, Any] = {
    "allowed_channels": ["text"],
    "contact_hours": {"0": ["10:00", "12:00"]},
    "weekly_limit": 2,
    "after_ending_allowed": False,
    "purpose_rules": {"text": ["scheduling"]},
    "reply_hours": 24,
}


class World:
    """The conftest cast, with each record built on first use by factories,
    which write no audit events of their own."""

    def __init__(
        self, *, client, therapist, other_therapist, supervisor, admin, password, login
    ) -> None:
        self.therapist = therapist
        self.other_therapist = other_therapist
        self.supervisor = supervisor
        self.admin = admin
        self.client = client
        self.clinic = client.clinic
        self.password = password
        self.login = login
        self.now = timezone.now()
        self.today = timezone.localdate(self.now, self.clinic.zone)

    def ago(self, **delta: float) -> dt.datetime:
        return self.now - dt.timedelta(**delta)

    @cached_property
    def contact(self):
        return ContactFactory(client=self.client, summary="Asked to move Thursday.")

    @cached_property
    def rupture(self):
        return RuptureFactory(client=self.client, description="Went quiet.")

    @cached_property
    def plan(self):
        return CopingPlanFactory(client=self.client)

    def _agreement(self, **values) -> ContactAgreement:
        return ContactAgreement.objects.create(
            client=self.client,
            effective_from=self.ago(days=1),
            written_at=self.ago(days=1),
            author=self.therapist,
            in_our_words="I text about appointments.",
            **values,
        )

    @cached_property
    def agreement(self) -> ContactAgreement:
        """Version 1, inside the frame."""
        return self._agreement(version=1, **AGREEMENT_VALUES)

    @cached_property
    def wider_agreement(self) -> ContactAgreement:
        """Version 1, wider than the frame (Saturday hours), awaiting the
        supervisor's approval."""
        return self._agreement(
            version=1,
            wider_than_frame=True,
            **{**AGREEMENT_VALUES, "contact_hours": {"5": ["10:00", "12:00"]}},
        )

    @cached_property
    def safety_plan(self) -> SafetyPlan:
        return SafetyPlan.objects.create(
            client=self.client,
            version=1,
            warning_signs="Not sleeping.",
            written_at=self.ago(days=1),
            author=self.therapist,
        )

    def crisis_text(self, **fields) -> Contact:
        """A crisis text from the client three hours ago, unanswered unless
        ``responded_at`` is given."""
        return ContactFactory(
            client=self.client,
            purpose="crisis",
            occurred_at=self.ago(hours=3),
            **fields,
        )

    def alert(self, contact: Contact) -> SafetyAlert:
        return SafetyAlert.objects.create(
            contact=contact,
            client=self.client,
            due_at=self.ago(hours=1),
            raised_at=self.ago(hours=1),
            notified=self.therapist,
            escalate_at=self.ago(minutes=5),
        )

    @cached_property
    def draft(self):
        return SessionNoteFactory(client=self.client)

    def _signed(self, status: str):
        note = SessionNoteFactory(client=self.client)
        note.signed_at = note.session_at
        note.signed_by = note.author
        note.status = status
        note.content_sha256 = note_digest(note)
        note.save()
        return note

    @cached_property
    def signed(self):
        return self._signed(NoteStatus.SIGNED)

    @cached_property
    def awaiting(self):
        Supervision.objects.filter(pk=self.link.pk).update(cosign_required=True)
        return self._signed(NoteStatus.AWAITING_COSIGN)

    @cached_property
    def reflection(self):
        return ReflectionFactory(client=self.client)

    @cached_property
    def process_note(self):
        return ProcessNoteFactory(client=self.client)

    @cached_property
    def flag(self):
        return FlagFactory(client=self.client)

    @cached_property
    def session(self):
        return SupervisionSessionFactory(
            supervisor=self.supervisor, supervisee=self.therapist, clinic=self.clinic
        )

    @cached_property
    def item(self):
        return ActionItemFactory(
            session=self.session, client=self.client, due_on=self.today
        )

    @cached_property
    def link(self):
        return Supervision.objects.get(
            supervisor=self.supervisor, supervisee=self.therapist
        )

    @cached_property
    def absence(self):
        return AbsenceFactory(
            clinic=self.clinic,
            therapist=self.therapist,
            starts_on=self.today + dt.timedelta(days=30),
            ends_on=self.today + dt.timedelta(days=37),
        )

    @property
    def policy_values(self) -> dict[str, Any]:
        return {
            "allowed_channels": ["text"],
            "contact_hours": {"0": ["09:00", "17:00"]},
            "weekly_limit": 2,
            "response_window_hours": 24,
            "after_ending_allowed": False,
            "crisis_reply_minutes": 60,
        }

    @property
    def note_values(self) -> dict[str, Any]:
        return {
            "session_at": self.ago(hours=2),
            "duration_minutes": 50,
            "modality": "in_person",
            "attendance": "attended",
            "format": "free",
            "free_text": "Spoke about the gap between sessions.",
        }


# --- what an entry expects --------------------------------------------------


class Event(NamedTuple):
    actor_id: int | None
    action: str
    object_type: str
    object_id: int | None
    client_id: int | None


def _posted_by(user):
    """A POST request of a signed-in person, as a view hands it on."""
    request = RequestFactory().post("/", REMOTE_ADDR="127.0.0.1")
    request.user = user
    return request


def _in_supervision(w) -> Flag:
    """The flag as an earlier supervision session left it."""
    Flag.objects.filter(pk=w.flag.pk).update(status=FlagStatus.IN_SUPERVISION)
    return w.flag


def _proposed(w) -> Supervision:
    """A link proposed to the other therapist, waiting for their answer."""
    w.proposed = Supervision.objects.create(
        clinic=w.clinic,
        supervisor=w.supervisor,
        supervisee=w.other_therapist,
        started_on=w.today,
    )
    return w.proposed


def _admin2(w) -> User:
    """The clinic's second clinic admin."""
    if not hasattr(w, "admin2"):
        w.admin2 = UserFactory(email="admin2@example.test", full_name="Abe Second")
        MembershipFactory(user=w.admin2, clinic=w.clinic, role=Role.ADMIN)
    return w.admin2


def _staff_proposal(w, **fields) -> StaffProposal:
    """A change the admin proposed, awaiting the second admin."""
    _admin2(w)
    w.proposal = StaffProposal.objects.create(
        clinic=w.clinic, proposed_by=w.admin, proposed_at=w.now, **fields
    )
    return w.proposal


def _granted(w) -> StaffProposal:
    return _staff_proposal(
        w, kind=StaffProposalKind.GRANT, person=w.therapist, roles=[Role.SUPERVISOR]
    )


def _invited(w) -> StaffProposal:
    return _staff_proposal(
        w,
        kind=StaffProposalKind.GRANT,
        email="nell@example.test",
        full_name="Nell New",
        roles=[Role.THERAPIST],
    )


def _deactivated(w) -> User:
    User.objects.filter(pk=w.other_therapist.pk).update(is_active=False)
    w.other_therapist.refresh_from_db()
    return w.other_therapist


def _reactivation(w) -> StaffProposal:
    return _staff_proposal(w, kind=StaffProposalKind.REACTIVATE, person=_deactivated(w))


def _move(w) -> StaffProposal:
    """The client proposed to move to the other therapist."""
    return _staff_proposal(
        w, kind=StaffProposalKind.REASSIGN, person=w.other_therapist, client=w.client
    )


def _revocable(w) -> User:
    """The supervisor, whose supervisor role is about to go."""
    w.revoked = Membership.objects.get(user=w.supervisor, role=Role.SUPERVISOR)
    return w.supervisor


def _integration(w, *scopes: str) -> Integration:
    """An integration of the clinic, made without an audit event of its own."""
    w.integration = Integration.objects.create(
        clinic=w.clinic,
        name="S",
        kind="other",
        scopes=list(scopes) or ["clients:read"],
        token_sha256="0" * 64,
        created_at=w.now,
    )
    return w.integration


def _address(w) -> ClientAddress:
    """An address of the client, made without an audit event of its own."""
    w.address = ClientAddress.objects.create(
        clinic=w.clinic,
        client=w.client,
        kind="phone",
        value="+447700900123",
        created_at=w.now,
    )
    return w.address


def _held_by_ended_client(w) -> ClientAddress:
    """The same number, still held by an ended client of the other therapist."""
    ended = ClientFactory(
        clinic=w.clinic,
        therapist=w.other_therapist,
        status="ended",
        ended_on=w.today,
    )
    w.ended_address = ClientAddress.objects.create(
        clinic=w.clinic,
        client=ended,
        kind="phone",
        value="+447700900123",
        created_at=w.ago(days=400),
    )
    return w.ended_address


def _unmatched(w, *, days: float = 0) -> UnmatchedMessage:
    """A text from an unknown number in the clinic's inbox, which arrived
    ``days`` ago."""
    _integration(w, "contacts:write")
    w.unmatched = UnmatchedMessage.objects.create(
        clinic=w.clinic,
        integration=w.integration,
        external_id="u1",
        address="+447700900456",
        channel="text",
        direction="from_client",
        occurred_at=w.ago(days=days, hours=1),
        received_at=w.ago(days=days, hours=1),
    )
    return w.unmatched


def _ingested(results) -> Contact:
    assert [r.status for r in results] == ["created"], results
    return Contact.objects.get(pk=results[0].contact_id)


def _token(w) -> str:
    """A working token of a clients:read integration, made from the shell
    (no actor): its creation is the call's first event."""
    integration, token = integration_services.integration_create(
        actor=None,
        clinic=w.clinic,
        name="Reader",
        kind="other",
        scopes=["clients:read"],
        now=w.now,
    )
    w.integration = integration
    return token


def _integration_of_kind(w, kind: str) -> Integration:
    """An integration of ``kind``, made without an audit event of its own."""
    integration = _integration(w, "contacts:write")
    Integration.objects.filter(pk=integration.pk).update(kind=kind)
    integration.kind = kind
    return integration


def _mailbox(w) -> MailboxSettings:
    """A mailbox integration's settings, made without an audit event."""
    w.mailbox = MailboxSettings.objects.create(
        integration=_integration_of_kind(w, "mailbox"),
        host="imap.example.test",
        username_env="MAIL_USER",
        password_env="MAIL_PASSWORD",
        practice_addresses="desk@example.test",
    )
    return w.mailbox


MAILBOX_VALUES = {
    "host": "imap.example.test",
    "port": 993,
    "use_tls": True,
    "folder": "Clients",
    "username_env": "MAIL_USER",
    "password_env": "MAIL_PASSWORD",
    "practice_addresses": "desk@example.test",
}


def _lead(w, *, changed: bool = False) -> User:
    """The supervisor as the clinic's clinical lead (set without an audit
    event of its own), the thresholds changed first when ``changed``."""
    Membership.objects.filter(user=w.supervisor, role=Role.SUPERVISOR).update(
        is_clinical_lead=True
    )
    if changed:
        row = detector_settings_for(clinic=w.clinic)
        DetectorSettings.objects.filter(pk=row.pk).update(rupture_repair_days=30)
    return w.supervisor


def _led(w) -> Clinic:
    """The clinic, with the supervisor as its clinical lead."""
    _lead(w)
    return w.clinic


def _enrolled(w) -> User:
    """The other therapist with an authenticator and recovery codes."""
    w.authenticators = [
        Authenticator.objects.create(user=w.other_therapist, type=kind, data={})
        for kind in (Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES)
    ]
    return w.other_therapist


def _link_sent(w) -> EnrolmentLink:
    """An enrolment link the other therapist has not used yet."""
    w.link_sent = EnrolmentLink.objects.create(
        clinic=w.clinic,
        user=w.other_therapist,
        token_sha256="0" * 64,
        created_by=w.admin,
        created_at=w.now,
        expires_at=w.now + dt.timedelta(days=7),
    )
    return w.link_sent


def _proposed_by_admin(w) -> Supervision:
    """A link the admin proposed, which the second admin may approve."""
    _admin2(w)
    SupervisionProposal.objects.create(
        link=_proposed(w), proposed_by=w.admin, proposed_at=w.now
    )
    return w.proposed


def _covered(w) -> Absence:
    """The therapist is away today, and the other therapist covers."""
    w.covered = AbsenceFactory(
        clinic=w.clinic,
        therapist=w.therapist,
        covering_therapist=w.other_therapist,
        starts_on=w.today - dt.timedelta(days=1),
        ends_on=w.today + dt.timedelta(days=1),
    )
    return w.covered


def _glass_broken(w) -> BreakGlassGrant:
    """The other therapist's break-glass access to the client, in force."""
    w.grant = BreakGlassGrant.objects.create(
        clinic=w.clinic,
        client=w.client,
        grantee=w.other_therapist,
        reason=BreakGlassReason.CRISIS_CONTACT,
        explanation="A crisis text came in; the therapist was unreachable.",
        granted_at=w.ago(hours=1),
        expires_at=w.ago(hours=1) + BREAK_GLASS_DURATION,
    )
    return w.grant


def _cover_read(basis: Callable[[World], Any], object_type: str, *, case: str) -> Site:
    """A GET of the client's cover page by the other therapist, covering or
    under break-glass: one read of the way in, on the client's trail."""

    def call(w: World):
        opened = basis(w)
        url = reverse("attachment:cover_page", args=[w.client.pk])
        response = w.login(w.other_therapist).get(url)
        assert response.status_code == 200, case
        return opened

    return Site(
        id=f"GET attachment:cover_page ({case})",
        call=call,
        expect=lambda w, opened: [
            event(
                w.other_therapist,
                READ,
                opened,
                client=w.client,
                object_type=object_type,
            )
        ],
        functions=(key(cover_views._audit_cover_read),),
        url_name="attachment:cover_page",
    )


def _logged_while_covering(w, log: Callable) -> Any:
    _covered(w)
    return log(
        actor=w.other_therapist,
        client_id=w.client.pk,
        occurred_at=w.ago(hours=1),
        channel="text",
        direction="from_client",
        now=w.now,
    )


def _seeding(w) -> _Seeding:
    """The demo's clinic part, writing into the world's clinic."""
    seeding = _Seeding(now=w.now, password=w.password)
    seeding._clinic = w.clinic
    return seeding


def _demo_cover(w) -> DemoContext:
    """The demo's cover, covering the therapist today, and its context."""
    w.demo_cover = UserFactory(email=DEMO_COVER.email, full_name=DEMO_COVER.full_name)
    MembershipFactory(user=w.demo_cover, clinic=w.clinic, role=Role.THERAPIST)
    AbsenceFactory(
        clinic=w.clinic,
        therapist=w.therapist,
        covering_therapist=w.demo_cover,
        note=DEMO_COVER_NOTE,
        starts_on=w.today,
        ends_on=w.today + dt.timedelta(days=3),
    )
    return DemoContext(
        clinic=w.clinic,
        people={},
        clients=[w.client],
        stories={"rising_contact": w.client},
        stable=[],
        now=w.now,
        rng=None,
    )


def event(
    actor,
    action: str,
    obj=None,
    *,
    client=None,
    object_type: str | None = None,
) -> Event:
    return Event(
        actor_id=actor.pk if actor is not None else None,
        action=str(action),
        object_type=object_type or obj._meta.label_lower,
        object_id=obj.pk if obj is not None else None,
        client_id=client.pk if client is not None else None,
    )


def key(function: Callable) -> str:
    return f"{function.__module__}:{function.__qualname__}"


@dataclass(frozen=True)
class Site:
    """One call site: how to call it, the events it must write, and the
    functions of the code that write them (the service itself, and any helper
    or selector on the way)."""

    id: str
    call: Callable[[World], Any]
    expect: Callable[[World, Any], list[Event]]
    functions: tuple[str, ...] = ()
    url_name: str | None = None


def service(
    function: Callable,
    call: Callable[[World, Callable], Any],
    expect: Callable[[World, Any], list[Event]],
    *,
    via: tuple[Callable, ...] = (),
    case: str = "",
) -> Site:
    return Site(
        id=key(function) + (f" ({case})" if case else ""),
        call=lambda w: call(w, function),
        expect=expect,
        functions=(key(function), *map(key, via)),
    )


def page(
    url_name: str,
    args: Callable[[World], list[Any]],
    expect: Callable[[World, Any], list[Event]],
    *,
    as_: str = "therapist",
    given: Callable[[World], Any] = lambda w: None,
    via: tuple[Callable, ...] = (),
) -> Site:
    """A GET by a permitted user, after ``given`` built what the page lists;
    the view itself joins ``functions`` when the table is checked (see
    :func:`view_keys`)."""

    def call(w: World):
        given(w)
        response = w.login(getattr(w, as_)).get(reverse(url_name, args=args(w)))
        assert response.status_code == 200, f"{url_name} as {as_}"
        return response

    return Site(
        id=f"GET {url_name}",
        call=call,
        expect=expect,
        functions=tuple(map(key, via)),
        url_name=url_name,
    )


def refused(
    url_name: str,
    args: Callable[[World], list[Any]],
    expect: Callable[[World, Any], list[Event]],
    *,
    as_: str,
    status: int,
) -> Site:
    """A GET the rules refuse: its ``denied`` event is written after the
    view, by the middleware, and outlives the request's rollback."""

    def call(w: World):
        response = w.login(getattr(w, as_)).get(reverse(url_name, args=args(w)))
        assert response.status_code == status, f"{url_name} as {as_}"
        return response

    return Site(
        id=f"GET {url_name} refused to {as_}",
        call=call,
        expect=expect,
        functions=(key(RefusalAuditMiddleware.__call__),),
    )


def client_read(w: World, obj=None, *, object_type: str | None = None) -> list[Event]:
    """The therapist's read of one of the client's records (or of the client's
    page of a kind, named by ``object_type``)."""
    return [
        event(
            w.therapist, READ, obj or w.client, client=w.client, object_type=object_type
        )
    ]


def _client(w: World) -> list[int]:
    return [w.client.pk]


CONTACTS_CSV = (
    "client_code,occurred_at,channel,direction,purpose,summary,responded_at\n"
    "RS-001,2026-03-09T10:00:00+00:00,text,from_client,scheduling,Move Thursday?,\n"
)
CLIENTS_CSV = (
    b"code,therapist_email,started_on,ended_on\n"
    b"RS-777,therapist@example.test,2026-01-05,\n"
)


def _demo_break_glass_events(w, grant: BreakGlassGrant) -> list[Event]:
    """The demo's break-glass access: opened, read and reviewed."""
    return [
        event(w.other_therapist, CREATE, grant, client=w.client),
        event(
            w.other_therapist,
            READ,
            grant,
            client=w.client,
            object_type=BREAK_GLASS_PAGE,
        ),
        event(w.admin, UPDATE, grant, client=w.client),
    ]


# --- the table --------------------------------------------------------------


def _fhir_exported(w, event_actor) -> list[Event]:
    """One FHIR export of the world's client, on its trail."""
    return [
        event(
            event_actor,
            AuditAction.EXPORT,
            w.client,
            client=w.client,
            object_type=FHIR_EXPORT,
        )
    ]


def _fhir_receiver(w):
    """A therapist of a second clinic, to receive the client's bundle."""
    person = UserFactory(email="receiver@example.test", full_name="Rhea Receiver")
    MembershipFactory(
        user=person, clinic=ClinicFactory(slug="receiving"), role=Role.THERAPIST
    )
    return person


def _past_retention(w):
    """An ended client of the world's clinic, long past retention."""
    w.ended = ClientFactory(
        clinic=w.clinic,
        therapist=w.therapist,
        status="ended",
        started_on=dt.date(2010, 1, 4),
        ended_on=dt.date(2012, 1, 2),
    )
    return w.ended


def _hold(w):
    return retention_services.legal_hold_place(
        actor=w.admin, client=w.client, reason="Claim 12", now=w.now
    )


SITES: list[Site] = [
    # attachment: the FHIR export and import of one client's record
    service(
        fhir_services.fhir_export,
        lambda w, f: b"".join(
            f(actor=w.therapist, client_id=w.client.pk, now=w.now)[1]
        ),
        lambda w, _: _fhir_exported(w, w.therapist),
        via=(fhir_services._audited_export,),
    ),
    service(
        fhir_services.fhir_export_for_integration,
        lambda w, f: b"".join(
            f(
                integration=_integration(w, "records:read"),
                client=w.client,
                now=w.now,
            )
        ),
        lambda w, _: _fhir_exported(w, None),
    ),
    service(
        fhir_services.fhir_export_by_operator,
        lambda w, f: b"".join(f(client=w.client, now=w.now)),
        lambda w, _: _fhir_exported(w, None),
    ),
    page(
        "attachment:client_fhir_bundle",
        lambda w: [w.client.pk],
        lambda w, _: _fhir_exported(w, w.therapist),
    ),
    service(
        fhir_import,
        lambda w, f: f(
            text=b"".join(bundle_chunks(w.client, now=w.now)),
            therapist=_fhir_receiver(w),
            now=w.now,
        ),
        lambda w, outcome: [
            event(
                None,
                CREATE,
                outcome.client,
                client=outcome.client,
                object_type=FHIR_IMPORT,
            )
        ],
        via=(fhir_import_writers.plan_write,),
    ),
    # A refusal is on nobody's trail: the id asked for may not be a client's.
    refused(
        "clinic:client",
        lambda w: [w.client.pk],
        lambda w, _: [
            event(w.other_therapist, "denied", w.client, object_type="client")
        ],
        as_="other_therapist",
        status=404,
    ),
    refused(
        "clinic:client",
        lambda w: [w.client.pk],
        lambda w, _: [event(w.admin, "denied", w.client, object_type="client")],
        as_="admin",
        status=403,
    ),
    # clinic: the access report; reading it and taking it away are on the
    # client's trail too.
    page(
        "clinic:access_report",
        _client,
        lambda w, _: [
            event(
                w.therapist, READ, w.client, client=w.client, object_type=ACCESS_REPORT
            )
        ],
        via=(access_report_services.access_report_read_record,),
    ),
    service(
        access_report_services.access_report_export_record,
        lambda w, f: w.login(w.therapist).get(
            reverse("clinic:access_report_csv", args=[w.client.pk])
        ),
        lambda w, _: [
            event(
                w.therapist,
                EXPORT,
                w.client,
                client=w.client,
                object_type=ACCESS_REPORT,
            )
        ],
        case="the CSV download",
    ),
    service(
        AccessReportCommand.handle,
        lambda w, f: call_command(
            "access_report",
            "--client",
            w.client.code,
            "--actor",
            w.admin.email,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        ),
        lambda w, _: [
            event(w.admin, EXPORT, w.client, client=w.client, object_type=ACCESS_REPORT)
        ],
        via=(access_report_services.access_report_export_record,),
    ),
    # attachment: the client's printable copy of the record
    service(
        client_copy_services.client_copy_record,
        lambda w, f: w.login(w.therapist).get(
            reverse("attachment:client_copy", args=[w.client.pk]),
            {
                "starts_on": w.client.started_on.isoformat(),
                "ends_on": w.today.isoformat(),
            },
        ),
        lambda w, _: [
            event(
                w.therapist, EXPORT, w.client, client=w.client, object_type=CLIENT_COPY
            )
        ],
        case="the printable copy",
    ),
    # attachment: retention, legal holds and destruction
    service(
        retention_services.retention_years_set,
        lambda w, f: f(actor=w.admin, clinic=w.clinic, years=10, now=w.now),
        lambda w, _: [event(w.admin, UPDATE, w.clinic)],
    ),
    service(
        retention_services.legal_hold_place,
        lambda w, f: f(actor=w.admin, client=w.client, reason="Claim 12", now=w.now),
        lambda w, hold: [event(w.admin, CREATE, hold, client=w.client)],
    ),
    service(
        retention_services.legal_hold_lift,
        lambda w, f: f(actor=w.admin, hold=_hold(w), reason="Settled", now=w.now),
        lambda w, hold: [
            event(w.admin, CREATE, hold, client=w.client),
            event(w.admin, UPDATE, hold, client=w.client),
        ],
    ),
    service(
        retention_services.client_destroy,
        lambda w, f: f(
            actor=w.admin, client=_past_retention(w), reason="Ended", now=w.now
        ),
        lambda w, tombstone: [event(w.admin, DELETE, tombstone, client=w.ended)],
    ),
    # clinic: the clinic admin's configuration, accounts, imports, demo
    service(
        admin_services.absence_save,
        lambda w, f: f(
            actor=w.admin,
            clinic=w.clinic,
            therapist=w.therapist,
            starts_on=w.today + dt.timedelta(days=60),
            ends_on=w.today + dt.timedelta(days=61),
            now=w.now,
        ),
        lambda w, absence: [event(w.admin, CREATE, absence)],
        case="new",
    ),
    service(
        admin_services.absence_save,
        lambda w, f: f(
            actor=w.admin,
            clinic=w.clinic,
            therapist=w.therapist,
            starts_on=w.absence.starts_on,
            ends_on=w.absence.ends_on + dt.timedelta(days=1),
            now=w.now,
            absence=w.absence,
        ),
        lambda w, absence: [event(w.admin, UPDATE, w.absence)],
        case="change",
    ),
    service(
        admin_services.absence_delete,
        lambda w, f: f(actor=w.admin, absence=w.absence, now=w.now),
        lambda w, _: [event(w.admin, DELETE, w.absence)],
    ),
    service(
        admin_services.supervision_link_create,
        lambda w, f: f(
            actor=w.admin,
            clinic=w.clinic,
            supervisor=w.supervisor,
            supervisee=w.other_therapist,
            started_on=w.today,
            now=w.now,
        ),
        lambda w, link: [event(w.admin, CREATE, link)],
    ),
    service(
        reauth.password_confirmed,
        lambda w, f: f(_posted_by(w.therapist), "not the password", obj=w.draft),
        lambda w, _: [event(w.therapist, AuditAction.DENIED, w.draft, client=w.client)],
    ),
    service(
        clinic_services.supervision_link_accept,
        lambda w, f: f(actor=w.other_therapist, link_id=_proposed(w).pk, now=w.now),
        lambda w, link: [event(w.other_therapist, UPDATE, link)],
    ),
    service(
        clinic_services.supervision_link_decline,
        lambda w, f: f(actor=w.other_therapist, link_id=_proposed(w).pk, now=w.now),
        lambda w, _: [event(w.other_therapist, DELETE, w.proposed)],
    ),
    service(
        admin_services.supervision_link_end,
        lambda w, f: f(actor=w.admin, link=w.link, ended_on=w.today, now=w.now),
        lambda w, _: [event(w.admin, UPDATE, w.link)],
    ),
    service(
        admin_services.supervision_cosign_set,
        lambda w, f: f(actor=w.admin, link=w.link, required=True, now=w.now),
        lambda w, _: [event(w.admin, UPDATE, w.link)],
    ),
    service(
        clinic_services.contact_policy_save_default,
        lambda w, f: f(
            actor=w.admin, clinic=w.clinic, values=w.policy_values, now=w.now
        ),
        lambda w, policy: [event(w.admin, UPDATE, policy)],
    ),
    service(
        clinic_services.contact_policy_save_default,
        lambda w, f: f(
            actor=w.admin,
            clinic=w.clinic,
            values=w.policy_values,
            crisis_lines="Crisis line 0800 000 0000",
            now=w.now,
        ),
        lambda w, policy: [
            event(w.admin, UPDATE, policy),
            event(w.admin, UPDATE, w.clinic),
        ],
        case="with crisis lines",
        via=(clinic_services._crisis_lines_save,),
    ),
    service(
        date_services.date_format_set,
        lambda w, f: f(actor=w.admin, clinic=w.clinic, locale="en-us", now=w.now),
        lambda w, _: [event(w.admin, UPDATE, w.clinic)],
    ),
    service(
        clinic_services.user_deactivate,
        lambda w, f: f(actor=w.admin, user=w.other_therapist, now=w.now),
        lambda w, _: [event(w.admin, UPDATE, w.other_therapist)],
    ),
    service(
        admin_services.supervision_link_approve,
        lambda w, f: f(actor=_admin2(w), link=_proposed_by_admin(w), now=w.now),
        lambda w, link: [event(w.admin2, UPDATE, link)],
    ),
    # clinic: the staff page; giving access takes two admins, taking it one
    service(
        staff_services.staff_invite,
        lambda w, f: f(
            actor=w.admin,
            clinic=w.clinic,
            email="nell@example.test",
            full_name="Nell New",
            roles=[Role.THERAPIST],
            now=w.now,
        ),
        lambda w, proposal: [event(w.admin, CREATE, proposal)],
        via=(staff_services._proposal_create,),
    ),
    service(
        staff_services.role_grant_propose,
        lambda w, f: f(
            actor=w.admin,
            clinic=w.clinic,
            person=w.therapist,
            roles=[Role.SUPERVISOR],
            now=w.now,
        ),
        lambda w, proposal: [event(w.admin, CREATE, proposal)],
        via=(staff_services._proposal_create,),
    ),
    service(
        staff_services.reactivation_propose,
        lambda w, f: f(
            actor=w.admin, clinic=w.clinic, person=_deactivated(w), now=w.now
        ),
        lambda w, proposal: [event(w.admin, CREATE, proposal)],
        via=(staff_services._proposal_create,),
    ),
    service(
        staff_services.staff_proposal_approve,
        lambda w, f: f(actor=_admin2(w), proposal=_granted(w), now=w.now),
        lambda w, _: [
            event(w.admin2, UPDATE, w.proposal),
            event(
                w.admin2,
                CREATE,
                Membership.objects.get(user=w.therapist, role=Role.SUPERVISOR),
            ),
        ],
        via=(staff_services._decide, staff_services._memberships_add),
        case="roles for a colleague",
    ),
    service(
        staff_services.staff_proposal_approve,
        lambda w, f: f(actor=_admin2(w), proposal=_invited(w), now=w.now),
        lambda w, proposal: [
            event(w.admin2, CREATE, proposal.person),
            event(w.admin2, UPDATE, proposal),
            event(w.admin2, CREATE, Membership.objects.get(user=proposal.person)),
            event(w.admin2, CREATE, EnrolmentLink.objects.get(user=proposal.person)),
        ],
        via=(
            staff_services._account_open,
            staff_services._decide,
            staff_services._memberships_add,
            staff_services._link_issue,
        ),
        case="an invitation",
    ),
    service(
        staff_services.staff_proposal_approve,
        lambda w, f: f(actor=_admin2(w), proposal=_reactivation(w), now=w.now),
        lambda w, _: [
            event(w.admin2, UPDATE, w.proposal),
            event(w.admin2, UPDATE, w.other_therapist),
        ],
        via=(staff_services._reactivate, staff_services._decide),
        case="a reactivation",
    ),
    service(
        staff_services.client_move_propose,
        lambda w, f: f(
            actor=w.admin,
            clinic=w.clinic,
            client_id=w.client.pk,
            therapist_id=w.other_therapist.pk,
            now=w.now,
        ),
        lambda w, proposal: [event(w.admin, CREATE, proposal, client=w.client)],
        via=(staff_services._proposal_create,),
    ),
    service(
        staff_services.staff_proposal_approve,
        lambda w, f: f(actor=_admin2(w), proposal=_move(w), now=w.now),
        lambda w, _: [
            event(w.admin2, UPDATE, w.proposal, client=w.client),
            event(w.admin2, UPDATE, w.client, client=w.client),
        ],
        via=(staff_services._client_move, staff_services._decide),
        case="a client moved",
    ),
    service(
        staff_services.staff_proposal_decline,
        lambda w, f: f(actor=_admin2(w), proposal=_granted(w), now=w.now),
        lambda w, _: [event(w.admin2, UPDATE, w.proposal)],
        via=(staff_services._decide,),
    ),
    service(
        staff_services.staff_proposal_withdraw,
        lambda w, f: f(actor=w.admin, proposal=_granted(w), now=w.now),
        lambda w, _: [event(w.admin, UPDATE, w.proposal)],
        via=(staff_services._decide,),
    ),
    service(
        staff_services.role_revoke,
        lambda w, f: f(
            actor=w.admin,
            clinic=w.clinic,
            person=_revocable(w),
            role=Role.SUPERVISOR,
            now=w.now,
        ),
        lambda w, _: [event(w.admin, DELETE, w.revoked)],
    ),
    # clinic: integrations and the ingestion API (the integration is the actor:
    # the event has no user and names the integration)
    service(
        integration_services.integration_create,
        lambda w, f: f(
            actor=w.admin,
            clinic=w.clinic,
            name="Phones",
            kind="other",
            scopes=["clients:read"],
            now=w.now,
        )[0],
        lambda w, integration: [event(w.admin, CREATE, integration)],
    ),
    service(
        integration_services.integration_rotate,
        lambda w, f: f(actor=w.admin, integration=_integration(w), now=w.now),
        lambda w, _: [event(w.admin, UPDATE, w.integration)],
    ),
    service(
        integration_services.integration_revoke,
        lambda w, f: f(actor=w.admin, integration=_integration(w), now=w.now),
        lambda w, _: [event(w.admin, DELETE, w.integration)],
    ),
    service(
        integration_services.integration_create,
        lambda w, f: f(
            actor=w.admin,
            clinic=w.clinic,
            name="Mailbox",
            kind="mailbox",
            scopes=["contacts:write"],
            now=w.now,
            mailbox=MAILBOX_VALUES,
        )[0],
        lambda w, integration: [
            event(w.admin, CREATE, integration),
            event(w.admin, CREATE, integration.mailbox),
        ],
        via=(integration_services._mailbox_write,),
        case="a mailbox",
    ),
    service(
        integration_services.integration_secret_rotate,
        lambda w, f: f(
            actor=w.admin,
            integration=_integration_of_kind(w, "signed_webhook"),
            now=w.now,
        ),
        lambda w, _: [event(w.admin, UPDATE, w.integration)],
    ),
    service(
        integration_services.integration_rate_set,
        lambda w, f: f(
            actor=w.admin, integration=_integration(w), rate_per_minute=30, now=w.now
        ),
        lambda w, _: [event(w.admin, UPDATE, w.integration)],
    ),
    service(
        integration_services.mailbox_settings_save,
        lambda w, f: f(
            actor=w.admin,
            integration=_mailbox(w).integration,
            values=MAILBOX_VALUES,
            now=w.now,
        ),
        lambda w, _: [event(w.admin, UPDATE, w.mailbox)],
    ),
    service(
        integration_services.ingestion_settings_save,
        lambda w, f: f(
            actor=w.admin,
            clinic=w.clinic,
            values={
                "keep_message_preview": True,
                "reply_counts_any_channel": True,
                "unmatched_retention_days": 30,
            },
            now=w.now,
        ),
        lambda w, _: [event(w.admin, UPDATE, w.clinic)],
    ),
    # A token that opens nothing: no actor, and the integration a revoked
    # token still names, or no object at all.
    service(
        integration_services.integration_refusal_record,
        lambda w, f: f(integration=_integration(w), now=w.now),
        lambda w, _: [
            event(None, AuditAction.DENIED, w.integration, object_type="api.refused")
        ],
        case="a revoked token",
    ),
    service(
        integration_services.integration_refusal_record,
        lambda w, f: f(integration=None, now=w.now),
        lambda w, _: [event(None, AuditAction.DENIED, object_type="api.refused")],
        case="an unknown token",
    ),
    service(
        ingestion_services.contacts_ingest,
        lambda w, f: f(
            integration=_integration(w, "contacts:write"),
            items=[
                {
                    "external_id": "e1",
                    "client": w.client.code,
                    "occurred_at": (w.now - dt.timedelta(hours=2)).isoformat(),
                    "channel": "text",
                    "direction": "from_client",
                    "purpose": "scheduling",
                }
            ],
            now=w.now,
        ),
        lambda w, results: [
            event(None, CREATE, w.integration, object_type="api.contacts"),
            event(None, CREATE, _ingested(results), client=w.client),
        ],
    ),
    service(
        ingestion_api.ClientsView.get,
        lambda w, f: HttpClient().get(
            "/api/v1/clients/", HTTP_AUTHORIZATION=f"Bearer {_token(w)}"
        ),
        lambda w, _: [
            event(None, CREATE, w.integration),
            event(None, READ, w.integration, object_type="api.clients"),
        ],
    ),
    service(
        staff_services.clinical_lead_set,
        lambda w, f: f(actor=w.admin, clinic=w.clinic, person=w.supervisor, now=w.now),
        lambda w, _: [
            event(
                w.admin,
                UPDATE,
                Membership.objects.get(user=w.supervisor, role=Role.SUPERVISOR),
            )
        ],
        via=(staff_services._lead_membership_set,),
    ),
    service(
        staff_services.clinical_lead_clear,
        lambda w, f: f(actor=w.admin, clinic=_led(w), now=w.now),
        lambda w, _: [
            event(
                w.admin,
                UPDATE,
                Membership.objects.get(user=w.supervisor, role=Role.SUPERVISOR),
            )
        ],
        via=(staff_services._lead_membership_set,),
    ),
    service(
        staff_services.account_deactivate,
        lambda w, f: f(
            actor=w.admin, clinic=w.clinic, person=w.other_therapist, now=w.now
        ),
        lambda w, _: [event(w.admin, UPDATE, w.other_therapist)],
        via=(clinic_services.user_deactivate,),
    ),
    service(
        staff_services.authenticator_reset,
        lambda w, f: f(actor=w.admin, clinic=w.clinic, person=_enrolled(w), now=w.now),
        lambda w, link: [
            *[event(w.admin, DELETE, a) for a in w.authenticators],
            event(w.admin, CREATE, link),
        ],
        via=(staff_services._link_issue,),
    ),
    service(
        staff_services.enrolment_link_from_the_shell,
        lambda w, f: f(clinic=w.clinic, person=w.other_therapist, now=w.now),
        lambda w, _: [
            event(None, CREATE, EnrolmentLink.objects.get(user=w.other_therapist))
        ],
        via=(staff_services._link_issue,),
    ),
    service(
        staff_services.enrolment_link_use,
        lambda w, f: f(link=_link_sent(w), password=None, now=w.now),
        lambda w, link: [event(w.other_therapist, UPDATE, link)],
    ),
    # A client's own event is on its own trail.
    service(
        client_imports.clients_import_csv,
        lambda w, f: f(clinic=w.clinic, data=CLIENTS_CSV, now=w.now),
        lambda w, _: [
            event(
                None,
                CREATE,
                w.clinic.clients.get(code="RS-777"),
                client=w.clinic.clients.get(code="RS-777"),
            ),
        ],
        via=(client_imports._client_write,),
    ),
    service(
        _Seeding.audit_created,
        lambda w, f: _Seeding(now=w.now, password=w.password).clinic_ensure(),
        lambda w, clinic: [event(None, CREATE, clinic)],
    ),
    service(
        _Seeding.break_glass_ensure,
        lambda w, f: f(
            _seeding(w), client=w.client, grantee=w.other_therapist, reviewer=w.admin
        ),
        lambda w, _: _demo_break_glass_events(w, BreakGlassGrant.objects.get()),
    ),
    service(
        _Seeding.cover_read_ensure,
        lambda w, f: f(_seeding(w), absence=_covered(w), client=w.client),
        lambda w, _: [
            event(
                w.other_therapist,
                READ,
                w.covered,
                client=w.client,
                object_type=COVER_PAGE,
            )
        ],
    ),
    service(
        cover_demo.seed,
        lambda w, f: f(_demo_cover(w)),
        lambda w, _: [
            event(
                w.demo_cover,
                CREATE,
                Contact.objects.get(logged_by=w.demo_cover),
                client=w.client,
            ),
            # The treating therapist's and the supervisor's earlier reads.
            event(w.therapist, READ, w.client, client=w.client),
            event(w.supervisor, READ, w.client, client=w.client),
        ],
        via=(cover_demo._ordinary_reads,),
    ),
    page(
        "clinic:client",
        _client,
        lambda w, _: [event(w.therapist, READ, w.client, client=w.client)],
    ),
    page(
        "clinic:home",
        lambda w: [],
        lambda w, _: [event(w.therapist, READ, w.item, client=w.client)],
        given=lambda w: w.item,
        via=(action_items_home_panel,),
    ),
    # notes: session notes, addenda, co-signature, process notes, reflections
    service(
        notes_services.note_preference_set,
        lambda w, f: f(actor=w.therapist, default_format="dap", now=w.now),
        lambda w, preference: [event(w.therapist, CREATE, preference)],
    ),
    service(
        notes_services.note_create,
        lambda w, f: f(
            actor=w.therapist,
            client=w.client,
            values=w.note_values,
            discussed_keys=[],
            now=w.now,
        ),
        lambda w, note: [event(w.therapist, CREATE, note, client=w.client)],
    ),
    service(
        notes_services.note_update,
        lambda w, f: f(
            actor=w.therapist,
            note=w.draft,
            values=w.note_values,
            discussed_keys=[],
            now=w.now,
        ),
        lambda w, _: [event(w.therapist, UPDATE, w.draft, client=w.client)],
    ),
    service(
        notes_services.note_sign,
        lambda w, f: f(actor=w.therapist, note=w.draft, password=w.password, now=w.now),
        lambda w, _: [event(w.therapist, SIGN, w.draft, client=w.client)],
    ),
    service(
        notes_services.note_cosign,
        lambda w, f: f(
            actor=w.supervisor, note=w.awaiting, password=w.password, now=w.now
        ),
        lambda w, _: [event(w.supervisor, SIGN, w.awaiting, client=w.client)],
    ),
    # The return carries no client id; the note's update beside it does.
    service(
        notes_services.note_return,
        lambda w, f: f(
            actor=w.supervisor, note=w.awaiting, comment="Add the plan.", now=w.now
        ),
        lambda w, returned: [
            event(w.supervisor, CREATE, returned),
            event(w.supervisor, UPDATE, w.awaiting, client=w.client),
        ],
    ),
    service(
        notes_services.addendum_add,
        lambda w, f: f(
            actor=w.therapist,
            note=w.signed,
            text="Late entry.",
            password=w.password,
            now=w.now,
        ),
        lambda w, addendum: [event(w.therapist, SIGN, addendum, client=w.client)],
    ),
    service(
        notes_services.process_note_create,
        lambda w, f: f(actor=w.therapist, client=w.client, text="Tired.", now=w.now),
        lambda w, note: [event(w.therapist, CREATE, note, client=w.client)],
    ),
    service(
        notes_services.process_note_update,
        lambda w, f: f(
            actor=w.therapist, note=w.process_note, text="Less tired.", now=w.now
        ),
        lambda w, _: [event(w.therapist, UPDATE, w.process_note, client=w.client)],
    ),
    service(
        notes_services.reflection_create,
        lambda w, f: f(
            actor=w.therapist,
            client=w.client,
            text="Ask about the weekend.",
            bring_to_next_session=True,
            now=w.now,
        ),
        lambda w, reflection: [event(w.therapist, CREATE, reflection, client=w.client)],
    ),
    service(
        notes_services.reflection_update,
        lambda w, f: f(
            actor=w.therapist,
            reflection=w.reflection,
            text="Ask about Sunday.",
            bring_to_next_session=False,
            now=w.now,
        ),
        lambda w, _: [event(w.therapist, UPDATE, w.reflection, client=w.client)],
    ),
    service(
        notes_services.reflections_mark_brought,
        lambda w, f: f(note=w.draft, ids=[w.reflection.pk]),
        lambda w, _: [event(w.therapist, UPDATE, w.reflection, client=w.client)],
    ),
    page(
        "notes:client_notes",
        _client,
        lambda w, _: client_read(w, object_type="notes.sessionnote_list"),
    ),
    page(
        "notes:note_create",
        _client,
        lambda w, _: client_read(w, object_type="notes.agenda"),
    ),
    page(
        "notes:note",
        lambda w: [w.draft.pk],
        lambda w, _: [event(w.therapist, READ, w.draft, client=w.client)],
        via=(note_selectors.note_for_reading,),
    ),
    page(
        "notes:note_edit",
        lambda w: [w.draft.pk],
        lambda w, _: [event(w.therapist, READ, w.draft, client=w.client)],
        via=(note_selectors.note_for_editing,),
    ),
    page(
        "notes:note_sign",
        lambda w: [w.draft.pk],
        lambda w, _: [event(w.therapist, READ, w.draft, client=w.client)],
        via=(note_selectors.note_for_editing,),
    ),
    page(
        "notes:note_cosign",
        lambda w: [w.awaiting.pk],
        lambda w, _: [event(w.supervisor, READ, w.awaiting, client=w.client)],
        as_="supervisor",
        via=(note_selectors.note_for_reading,),
    ),
    page(
        "notes:note_return",
        lambda w: [w.awaiting.pk],
        lambda w, _: [event(w.supervisor, READ, w.awaiting, client=w.client)],
        as_="supervisor",
        via=(note_selectors.note_for_reading,),
    ),
    page(
        "notes:addendum_create",
        lambda w: [w.signed.pk],
        lambda w, _: [event(w.therapist, READ, w.signed, client=w.client)],
        via=(note_selectors.note_for_reading,),
    ),
    page(
        "notes:reflection_edit",
        lambda w: [w.reflection.pk],
        lambda w, _: [event(w.therapist, READ, w.reflection, client=w.client)],
    ),
    page(
        "notes:process_notes",
        _client,
        lambda w, _: client_read(w, object_type="notes.processnote_list"),
    ),
    page(
        "notes:process_note",
        lambda w: [w.process_note.pk],
        lambda w, _: [event(w.therapist, READ, w.process_note, client=w.client)],
        via=(note_selectors.process_note_for_reading,),
    ),
    page(
        "notes:process_note_edit",
        lambda w: [w.process_note.pk],
        lambda w, _: [event(w.therapist, READ, w.process_note, client=w.client)],
        via=(note_selectors.process_note_for_editing,),
    ),
    # attachment: between-session records
    service(
        records.contact_log,
        lambda w, f: f(
            actor=w.therapist,
            client=w.client,
            occurred_at=w.ago(hours=3),
            channel="text",
            direction="from_client",
            now=w.now,
        ),
        lambda w, contact: [event(w.therapist, CREATE, contact, client=w.client)],
    ),
    service(
        records.contact_update,
        lambda w, f: f(actor=w.therapist, contact=w.contact, now=w.now, summary="Ok."),
        lambda w, _: [event(w.therapist, UPDATE, w.contact, client=w.client)],
    ),
    service(
        records.rupture_record,
        lambda w, f: f(
            actor=w.therapist,
            client=w.client,
            noticed_at=w.ago(hours=3),
            setting="in_session",
            kind="withdrawal",
            now=w.now,
        ),
        lambda w, rupture: [event(w.therapist, CREATE, rupture, client=w.client)],
    ),
    service(
        records.rupture_update,
        lambda w, f: f(actor=w.therapist, rupture=w.rupture, now=w.now, severity=2),
        lambda w, _: [event(w.therapist, UPDATE, w.rupture, client=w.client)],
    ),
    service(
        records.repair_record,
        lambda w, f: f(
            actor=w.therapist,
            rupture=w.rupture,
            attempted_at=w.ago(hours=1),
            setting="in_session",
            strategy="validate",
            outcome="partial",
            now=w.now,
        ),
        lambda w, attempt: [event(w.therapist, CREATE, attempt, client=w.client)],
    ),
    service(
        records.observation_record,
        lambda w, f: f(
            actor=w.therapist,
            client=w.client,
            observed_at=w.ago(hours=1),
            markers=["longing"],
            intensity=2,
            now=w.now,
        ),
        lambda w, observation: [
            event(w.therapist, CREATE, observation, client=w.client)
        ],
    ),
    service(
        records.measure_record,
        lambda w, f: f(
            actor=w.therapist,
            client=w.client,
            measured_on=w.today,
            secure=Decimal("4.00"),
            avoidant_fearful=Decimal("2.00"),
            preoccupied_merger=Decimal("3.00"),
            now=w.now,
        ),
        lambda w, measure: [event(w.therapist, CREATE, measure, client=w.client)],
    ),
    service(
        records.coping_plan_revise,
        lambda w, f: f(actor=w.therapist, client=w.client, now=w.now, supports="A."),
        lambda w, plan: [event(w.therapist, CREATE, plan, client=w.client)],
    ),
    service(
        records.contact_answered_by,
        lambda w, f: f(
            actor=w.therapist,
            reply=ContactFactory(
                client=w.client,
                direction="from_therapist",
                in_reply_to=w.contact,
                occurred_at=w.ago(minutes=5),
            ),
            now=w.now,
        ),
        lambda w, _: [event(w.therapist, UPDATE, w.contact, client=w.client)],
    ),
    service(
        records.contacts_mark_discussed,
        lambda w, f: f(note=w.draft, ids=[w.contact.pk]),
        lambda w, _: [event(w.therapist, UPDATE, w.contact, client=w.client)],
        via=(records._audit_ticked,),
    ),
    service(
        records.ruptures_mark_discussed,
        lambda w, f: f(note=w.draft, ids=[w.rupture.pk], at=w.now),
        lambda w, _: [event(w.therapist, UPDATE, w.rupture, client=w.client)],
        via=(records._audit_ticked,),
    ),
    service(
        contact_imports.contacts_import,
        lambda w, f: f(clinic=w.clinic, text=CONTACTS_CSV, now=w.now),
        lambda w, _: [
            event(None, CREATE, object_type="attachment.contact", client=w.client)
        ],
    ),
    page(
        "attachment:timeline",
        _client,
        lambda w, _: client_read(w),
        via=(audit.audit_client_read,),
    ),
    page(
        "attachment:contact_list",
        _client,
        lambda w, _: client_read(w),
        via=(audit.audit_client_read,),
    ),
    page(
        "attachment:contact_edit",
        lambda w: [w.client.pk, w.contact.pk],
        lambda w, _: client_read(w, w.contact),
        via=(audit.audit_client_read,),
    ),
    page(
        "attachment:rupture_list",
        _client,
        lambda w, _: client_read(w),
        via=(audit.audit_client_read,),
    ),
    page(
        "attachment:rupture_detail",
        lambda w: [w.client.pk, w.rupture.pk],
        lambda w, _: client_read(w, w.rupture),
        via=(audit.audit_client_read,),
    ),
    page(
        "attachment:rupture_edit",
        lambda w: [w.client.pk, w.rupture.pk],
        lambda w, _: client_read(w, w.rupture),
        via=(audit.audit_client_read,),
    ),
    page(
        "attachment:observation_list",
        _client,
        lambda w, _: client_read(w),
        via=(audit.audit_client_read,),
    ),
    page(
        "attachment:plan",
        lambda w: [w.plan.client_id],
        lambda w, _: client_read(w, w.plan),
        via=(audit.audit_client_read,),
    ),
    page(
        "attachment:plan_version",
        lambda w: [w.client.pk, w.plan.version],
        lambda w, _: client_read(w, w.plan),
        via=(audit.audit_client_read,),
    ),
    page(
        "attachment:plan_revise",
        lambda w: [w.plan.client_id],
        lambda w, _: client_read(w, w.plan),
        via=(audit.audit_client_read,),
    ),
    # attachment: the between-sessions agreement
    service(
        agreement_services.agreement_write,
        lambda w, f: f(
            actor=w.therapist,
            client=w.client,
            values={**AGREEMENT_VALUES, "in_our_words": "Texts for appointments."},
            effective_on=w.today,
            now=w.now,
        ),
        lambda w, version: [event(w.therapist, CREATE, version, client=w.client)],
    ),
    service(
        agreement_services.agreement_write,
        lambda w, f: f(
            actor=w.therapist,
            client=w.client,
            values=AGREEMENT_VALUES,
            # Today in the client's new zone, which may be a day ahead.
            effective_on=w.now.astimezone(zoneinfo.ZoneInfo("Europe/Paris")).date(),
            client_timezone="Europe/Paris",
            now=w.now,
        ),
        lambda w, version: [
            event(w.therapist, UPDATE, w.client, client=w.client),
            event(w.therapist, CREATE, version, client=w.client),
        ],
        case="with the client's time zone",
        via=(agreement_services._zone_write,),
    ),
    service(
        agreement_services.agreement_approve,
        lambda w, f: f(actor=w.supervisor, agreement=w.wider_agreement, now=w.now),
        lambda w, version: [event(w.supervisor, UPDATE, version, client=w.client)],
    ),
    service(
        agreement_services.agreement_acknowledge,
        lambda w, f: f(
            actor=w.therapist,
            agreement=w.agreement,
            on=w.today,
            how="in_session",
            told_of_logging=True,
            now=w.now,
        ),
        lambda w, version: [event(w.therapist, UPDATE, version, client=w.client)],
    ),
    page(
        "attachment:client_sequence",
        _client,
        lambda w, _: client_read(w),
    ),
    page(
        "attachment:agreement",
        _client,
        lambda w, _: client_read(w, w.agreement),
        given=lambda w: w.agreement,
        via=(audit.audit_client_read,),
    ),
    page(
        "attachment:agreement_version",
        lambda w: [w.client.pk, w.agreement.version],
        lambda w, _: client_read(w, w.agreement),
        via=(audit.audit_client_read,),
    ),
    page(
        "attachment:agreement_copy",
        lambda w: [w.client.pk, w.agreement.version],
        lambda w, _: client_read(w, w.agreement),
        via=(audit.audit_client_read,),
    ),
    page(
        "attachment:agreement_new",
        _client,
        lambda w, _: client_read(w, w.agreement),
        given=lambda w: w.agreement,
        via=(audit.audit_client_read,),
    ),
    page(
        "attachment:agreement_approvals",
        lambda w: [],
        lambda w, _: [event(w.supervisor, READ, w.wider_agreement, client=w.client)],
        as_="supervisor",
        given=lambda w: w.wider_agreement,
    ),
    # attachment: the safety plan and the unanswered-distress alerts
    service(
        safety_services.safety_plan_write,
        lambda w, f: f(
            actor=w.therapist,
            client=w.client,
            values={"warning_signs": "Not sleeping."},
            now=w.now,
        ),
        lambda w, plan: [event(w.therapist, CREATE, plan, client=w.client)],
    ),
    page(
        "attachment:safety_plan",
        _client,
        lambda w, _: client_read(w, w.safety_plan),
        given=lambda w: w.safety_plan,
        via=(audit.audit_client_read,),
    ),
    page(
        "attachment:safety_plan_version",
        lambda w: [w.client.pk, w.safety_plan.version],
        lambda w, _: client_read(w, w.safety_plan),
        via=(audit.audit_client_read,),
    ),
    page(
        "attachment:safety_plan_client_copy",
        lambda w: [w.client.pk, w.safety_plan.version],
        lambda w, _: client_read(w, w.safety_plan),
        via=(audit.audit_client_read,),
    ),
    page(
        "attachment:safety_plan_revise",
        _client,
        lambda w, _: client_read(w, w.safety_plan),
        given=lambda w: w.safety_plan,
        via=(audit.audit_client_read,),
    ),
    service(
        alert_services.alerts_raise,
        lambda w, f: f(now=(w.crisis_text(), w.now)[1]),
        lambda w, _: [event(None, CREATE, SafetyAlert.objects.get(), client=w.client)],
        via=(alert_services._audit,),
    ),
    service(
        alert_services.alerts_escalate,
        lambda w, f: f(now=(w.alert(w.crisis_text()), w.now)[1]),
        lambda w, _: [event(None, UPDATE, SafetyAlert.objects.get(), client=w.client)],
    ),
    service(
        alert_services.alerts_settle,
        lambda w, f: f(
            now=(w.alert(w.crisis_text(responded_at=w.ago(minutes=30))), w.now)[1]
        ),
        lambda w, _: [event(None, UPDATE, SafetyAlert.objects.get(), client=w.client)],
    ),
    service(
        alert_services.unanswered_distress_sweep,
        lambda w, f: f(now=(w.crisis_text(), w.now)[1]),
        lambda w, _: [event(None, CREATE, SafetyAlert.objects.get(), client=w.client)],
    ),
    # attachment: flags and their review
    service(
        flag_status_change,
        lambda w, f: f(
            actor=w.supervisor, flag=w.flag, to_status="acknowledged", now=w.now
        ),
        lambda w, _: [event(w.supervisor, UPDATE, w.flag, client=w.client)],
    ),
    service(
        review_services.flag_acknowledge,
        lambda w, f: f(actor=w.therapist, flag=w.flag, now=w.now),
        lambda w, _: [event(w.therapist, UPDATE, w.flag, client=w.client)],
        via=(flag_status_change,),
    ),
    service(
        review_services.flag_to_supervision,
        lambda w, f: f(actor=w.supervisor, flag=w.flag, now=w.now),
        lambda w, _: [event(w.supervisor, UPDATE, w.flag, client=w.client)],
        via=(flag_status_change,),
    ),
    service(
        review_services.flag_close,
        lambda w, f: f(
            actor=w.supervisor,
            flag=w.flag,
            outcome="resolved",
            reason="Agreed in supervision.",
            usefulness="useful",
            now=w.now,
        ),
        lambda w, _: [event(w.supervisor, UPDATE, w.flag, client=w.client)],
        via=(flag_status_change,),
    ),
    service(
        review_services.flag_respond,
        lambda w, f: f(actor=w.therapist, flag=w.flag, text="Discussed.", now=w.now),
        lambda w, response: [event(w.therapist, CREATE, response, client=w.client)],
    ),
    page(
        "attachment:flag_queue",
        lambda w: [],
        lambda w, _: [event(w.therapist, READ, w.flag, client=w.client)],
        given=lambda w: w.flag,
        via=(review_services.flags_read_record,),
    ),
    page(
        "attachment:flag_detail",
        lambda w: [w.flag.pk],
        lambda w, _: [event(w.therapist, READ, w.flag, client=w.client)],
        via=(review_views._flag_page,),
    ),
    service(
        ExportFlags.handle,
        lambda w, f: call_command(
            "export_flags",
            "--clinic",
            w.flag.client.clinic.slug,
            "--actor",
            w.admin.email,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        ),
        lambda w, _: [event(w.admin, EXPORT, w.client, client=w.client)],
        via=(export_flags._audit_export,),
    ),
    # attachment: supervision sessions and the clinic admin's detector settings
    service(
        supervision_services.supervision_session_record,
        lambda w, f: f(
            actor=w.supervisor,
            supervisee_id=w.therapist.pk,
            held_at=w.ago(hours=1),
            notes="Talked through the pattern.",
            follow_up_on=None,
            flag_ids=[w.flag.pk],
            items=[
                supervision_services.ActionItemValues(
                    owner_id=w.therapist.pk,
                    text="Revisit the agreement.",
                    category=ActionCategory.OTHER,
                    due_on=w.today + dt.timedelta(days=7),
                    client_id=w.client.pk,
                )
            ],
            now=w.now,
        ),
        lambda w, session: [
            event(w.supervisor, CREATE, session),
            event(w.supervisor, UPDATE, w.flag, client=w.client),
            event(
                w.supervisor,
                CREATE,
                ActionItem.objects.get(session=session),
                client=w.client,
            ),
        ],
        via=(supervision_services._add_items, flag_status_change),
    ),
    # Discussed again: the flag stays in supervision and the link to this
    # session is its update.
    service(
        supervision_services.supervision_session_record,
        lambda w, f: f(
            actor=w.supervisor,
            supervisee_id=w.therapist.pk,
            held_at=w.ago(hours=1),
            notes="Came back to the pattern.",
            follow_up_on=None,
            flag_ids=[_in_supervision(w).pk],
            items=[],
            now=w.now,
        ),
        lambda w, session: [
            event(w.supervisor, CREATE, session),
            event(w.supervisor, UPDATE, w.flag, client=w.client),
        ],
        via=(supervision_services._discuss_flags,),
        case="a flag already in supervision",
    ),
    service(
        supervision_services.action_item_done,
        lambda w, f: f(actor=w.therapist, item=w.item, now=w.now),
        lambda w, _: [event(w.therapist, UPDATE, w.item, client=w.client)],
    ),
    page(
        "attachment:supervision_session",
        lambda w: [w.item.session_id],
        lambda w, _: [event(w.therapist, READ, w.session, client=w.client)],
        via=(supervision_views._audit_session_read,),
    ),
    service(
        oversight_services.detector_settings_save,
        lambda w, f: f(
            actor=_lead(w),
            clinic=w.clinic,
            values={**default_thresholds_row(), "rupture_repair_days": 30},
            reason="Fewer flags.",
            now=w.now,
        ),
        lambda w, row: [
            event(w.supervisor, UPDATE, row),
            event(w.supervisor, CREATE, DetectorSettingsChange.objects.get()),
        ],
    ),
    service(
        oversight_services.detector_settings_reset,
        lambda w, f: f(
            actor=_lead(w, changed=True), clinic=w.clinic, reason="Back.", now=w.now
        ),
        lambda w, row: [
            event(w.supervisor, UPDATE, row),
            event(w.supervisor, CREATE, DetectorSettingsChange.objects.first()),
        ],
        via=(oversight_services.detector_settings_save,),
    ),
    # attachment: cover during absences, and break-glass
    _cover_read(_covered, COVER_PAGE, case="covering"),
    _cover_read(_glass_broken, BREAK_GLASS_PAGE, case="break-glass"),
    service(
        cover_services.cover_contact_log,
        _logged_while_covering,
        lambda w, contact: [event(w.other_therapist, CREATE, contact, client=w.client)],
    ),
    service(
        cover_services.break_glass_open,
        lambda w, f: f(
            actor=w.other_therapist,
            code=w.client.code,
            reason=BreakGlassReason.THERAPIST_UNREACHABLE,
            explanation="A crisis text came in; the therapist was unreachable.",
            now=w.now,
        ),
        lambda w, grant: [event(w.other_therapist, CREATE, grant, client=w.client)],
    ),
    service(
        cover_services.break_glass_review,
        lambda w, f: f(
            actor=w.admin,
            grant_id=_glass_broken(w).pk,
            verdict=BreakGlassVerdict.JUSTIFIED,
            note="The crisis text was real; the access was right.",
            now=w.now,
        ),
        lambda w, grant: [event(w.admin, UPDATE, grant, client=w.client)],
    ),
    # attachment: clients' contact addresses and the unmatched inbox
    service(
        address_services.address_add,
        lambda w, f: f(
            actor=w.therapist, client=w.client, raw="07700 900123", now=w.now
        ),
        lambda w, address: [event(w.therapist, CREATE, address, client=w.client)],
    ),
    service(
        address_services.address_add,
        lambda w, f: (
            _held_by_ended_client(w)
            and f(actor=w.admin, client=w.client, raw="+447700900123", now=w.now)
        ),
        lambda w, address: [
            event(w.admin, DELETE, w.ended_address, client=w.ended_address.client),
            event(w.admin, CREATE, address, client=w.client),
        ],
        case="an ended client's hold released",
    ),
    service(
        address_services.address_remove,
        lambda w, f: f(actor=w.therapist, address=_address(w), now=w.now),
        lambda w, _: [event(w.therapist, DELETE, w.address, client=w.client)],
        via=(address_services._release,),
    ),
    page(
        "attachment:client_addresses",
        _client,
        lambda w, _: client_read(w, object_type="attachment.clientaddress_list"),
        given=_address,
        via=(address_views._client_page,),
    ),
    page(
        "attachment:address_admin",
        lambda w: [],
        lambda w, _: [event(w.admin, READ, w.address, client=w.client)],
        as_="admin",
        given=_address,
        via=(address_views._admin_page,),
    ),
    service(
        unmatched_services.unmatched_assign,
        lambda w, f: f(
            actor=w.therapist, message=_unmatched(w), client=w.client, now=w.now
        ),
        lambda w, contact: [
            event(w.therapist, CREATE, contact, client=w.client),
            event(w.therapist, UPDATE, w.unmatched, client=w.client),
        ],
    ),
    service(
        unmatched_services.unmatched_assign,
        lambda w, f: f(
            actor=w.therapist,
            message=_unmatched(w),
            client=w.client,
            now=w.now,
            remember_address=True,
        ),
        lambda w, contact: [
            event(w.therapist, CREATE, contact, client=w.client),
            event(w.therapist, CREATE, ClientAddress.objects.get(), client=w.client),
            event(w.therapist, UPDATE, w.unmatched, client=w.client),
        ],
        case="the address remembered",
    ),
    service(
        unmatched_services.unmatched_discard,
        lambda w, f: f(actor=w.admin, message=_unmatched(w), now=w.now),
        lambda w, _: [event(w.admin, UPDATE, w.unmatched)],
    ),
    service(
        unmatched_services.unmatched_purge_expired,
        lambda w, f: _unmatched(w, days=40) and f(now=w.now),
        lambda w, _: [event(None, DELETE, w.unmatched)],
    ),
    service(
        ingestion_replies.replies_link,
        lambda w, f: f(
            ContactFactory(
                client=w.client,
                direction="from_therapist",
                occurred_at=w.contact.occurred_at + dt.timedelta(minutes=5),
            ),
            actor=w.therapist,
            now=w.now,
        ),
        lambda w, changed: [
            event(w.therapist, UPDATE, w.contact, client=w.client),
            event(w.therapist, UPDATE, changed[-1], client=w.client),
        ],
    ),
    service(
        ingestion_classify.contact_classify,
        lambda w, f: f(
            actor=w.therapist, contact=w.contact, purpose="sharing", now=w.now
        ),
        lambda w, _: [event(w.therapist, UPDATE, w.contact, client=w.client)],
    ),
    page(
        "attachment:unmatched_inbox",
        lambda w: [],
        lambda w, _: [event(w.admin, READ, w.unmatched)],
        as_="admin",
        given=_unmatched,
    ),
]


# Public functions of the services modules that write no audit event of
# their own, and why.
SERVICES_WITHOUT_EVENT = {
    "attachment.retention.services:retention_list_due": "lists client ids and "
    "dates past retention; reads and writes no record",
    # The poll's events are contacts_ingest's (in the table); the poll
    # itself is tested against a real IMAP server in
    # tests/attachment/ingestion/test_mailbox.py.
    "attachment.ingestion.mailbox.services:mailbox_poll": "its writes are "
    "contacts_ingest's, audited there",
    "attachment.ingestion.mailbox.services:mailboxes_poll": "its writes are "
    "contacts_ingest's, audited there",
    # Reads and predicates.
    "attachment.engine.services:detector_settings_for": "reads the settings row "
    "(the defaults are created on first use; changes go through "
    "detector_settings_save)",
    "attachment.engine.services:thresholds_for": "read",
    "attachment.engine.services:default_thresholds_row": "the documented defaults",
    "attachment.records.services:absence_periods": "read",
    "attachment.supervision.services:local_today": "pure",
    "attachment.supervision.services:due_on_problem": "pure",
    "attachment.supervision.services:held_at_problem": "pure",
    "notes.services:cosign_required_for": "predicate",
    "notes.services:missing_sections": "pure",
    "notes.services:can_add_addendum": "predicate",
    # Derived facts: recomputed after a write that is audited itself.
    "attachment.records.services:apply_facts": "sets the derived facts of a contact "
    "that the calling service saves and audits",
    "attachment.records.services:weekly_limit_refresh": "recomputes the weekly-limit "
    "fact after an audited write of a contact or a policy",
    "attachment.records.services:contact_save_with_facts": "saves a contact with "
    "its facts for a calling service that audits the write",
    "attachment.records.services:answered_contact": "read: the client contact a "
    "reply answers",
    # The pattern engine: no person acts, and pghistory keeps every change of
    # a flag.
    "attachment.engine.services:clinic_scan": "the engine's scan",
    "attachment.engine.services:clinic_scan_exclusive": "the engine's scan",
    "attachment.engine.services:scan_run_start": "the engine's bookkeeping",
    "attachment.engine.services:scan_chunk_done": "the engine's bookkeeping",
    "attachment.engine.services:rescan_wanted": "the engine's bookkeeping",
    "attachment.engine.services:rescans_wanted": "the engine's bookkeeping",
    "attachment.engine.services:rescan_not_queued": "the engine's bookkeeping",
    "attachment.engine.services:rescan_due": "the engine's bookkeeping",
    "attachment.engine.services:rescan_done": "the engine's bookkeeping",
    # The user's own notifications are no record of a client.
    "attachment.supervision.services:notifications_mark_read": "own "
    "notifications' read state",
}

# Pages the permission matrix serves (200 to a GET for some role) that show no
# clinical text, and what they show instead.
PAGES_WITHOUT_CLINICAL_TEXT = {
    "clinic:date_format": "the clinic's date format and today's date written in it",
    "attachment:retention_page": "client codes, ending and due dates, legal holds "
    "with their reasons, destructions with their counts",
    "attachment:client_destroy": "a client's code, dates and counts of records per "
    "kind, and the confirmation form",
    "attachment:client_copy": "without dates, the form for the copy's period under "
    "the client's name (the copy itself is client_copy_record's entry)",
    "integrations:detail": "an integration's name, kind, scopes, dates, webhook "
    "address, rate limit and mailbox settings",
    # The API's description and the admin's integrations: no clinic's records.
    "api:schema": "the API's description, no clinic's data",
    "api:reference": "the API's reference page, no clinic's data",
    "integrations:list": "integrations' names, kinds, scopes and dates",
    "integrations:new": "the form for a new integration",
    # The clinic admin's configuration: people, dates, codes and counts.
    "clinic:manage_clients": "client codes and counts per therapist",
    "clinic:policy_default": "the clinic's frame and its crisis lines",
    "clinic:agreement_status": "per client code: whether an agreement exists, "
    "its version and date, where it stands against the frame, whether the "
    "client acknowledged it",
    "clinic:absence_list": "therapists' absences and cover",
    "clinic:absence_new": "an empty form",
    "clinic:absence_edit": "an absence's dates and cover",
    "clinic:supervision_list": "supervision links",
    "clinic:supervision_new": "an empty form",
    "clinic:supervision_end": "a supervision link's dates",
    "clinic:staff_list": "people, their roles, whether they have an authenticator",
    "clinic:staff_invite": "an empty form",
    "clinic:staff_roles": "a person's name and the roles they may be given",
    "clinic:client_move_propose": "a client's code and the names of therapists",
    "clinic:welcome": "the invited person's own name and a password form",
    "clinic:enrolment_link_needed": "what to ask the clinic admin for",
    "attachment:clinic_overview": "counts",
    "attachment:detector_settings": "thresholds",
    "clinic:access_overview": "the month's counts of accesses, people's names, "
    "the audit chain's last check",
    # Its export event is an entry of the table; the CSV itself holds times,
    # people, roles, kinds of record and addresses.
    "clinic:access_report_csv": "a client's audit trail as CSV, metadata only",
    # Clinicians' pages of codes, dates and counts.
    "notes:cosign_queue": "client codes, authors and dates",
    "notes:preferences": "the user's default note format",
    "attachment:supervision_sessions": "dates, people and counts",
    "attachment:supervision_session_new": "flags by client code, tier and kind",
    "attachment:notifications": "messages with counts and links",
    "attachment:overview": "counts per therapist",
    # Empty forms under the client's header.
    "notes:reflection_create": "an empty form",
    "notes:process_note_create": "an empty form",
    "attachment:contact_new": "an empty form",
    "attachment:rupture_new": "an empty form",
    "attachment:repair_new": "an empty form under the rupture's kind and severity",
    "attachment:observation_new": "an empty form",
    "attachment:measure_new": "an empty form",
    # Cover and break-glass: who, when and why, never a record's text.
    "attachment:cover_absence": "client codes with counts of cover-page reads and "
    "of contacts the cover logged",
    "attachment:break_glass": "an empty form",
    # The clinic's plain-language notice to clients: no client's record.
    "attachment:client_notice": "the clinic's notice to its clients, the same "
    "for every client",
    "attachment:break_glass_review": "break-glass accesses: people, client codes, "
    "times and the reasons given",
    "attachment:break_glass_review_grant": "one break-glass access: who, when, "
    "the reason given",
}


# --- the one test per entry -------------------------------------------------


@pytest.fixture
def world(
    client, therapist, other_therapist, supervisor, admin, password, login
) -> World:
    return World(
        client=client,
        therapist=therapist,
        other_therapist=other_therapist,
        supervisor=supervisor,
        admin=admin,
        password=password,
        login=login,
    )


def _new_events(after: int) -> list[Event]:
    rows = AuditEvent.objects.filter(pk__gt=after).values_list(
        "actor_id", "action", "object_type", "object_id", "client_id"
    )
    return sorted((Event(*row) for row in rows), key=repr)


@pytest.mark.parametrize("site", SITES, ids=[site.id for site in SITES])
def test_each_call_site_writes_exactly_its_audit_events(site, world):
    after = AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    result = site.call(world)
    assert _new_events(after) == sorted(site.expect(world, result), key=repr)


# --- the table is complete --------------------------------------------------


def _python_files() -> Iterator[Path]:
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


AUDIT_WRITERS = ("audit_record", "audit_records", "audit_denials")


def _writes_an_event(call: ast.Call) -> bool:
    """``audit_record(...)``, ``audit_records(...)``, or a row written straight
    through the model."""
    function = call.func
    if isinstance(function, ast.Name):
        return function.id in AUDIT_WRITERS
    if isinstance(function, ast.Attribute):
        if function.attr in AUDIT_WRITERS:
            return True
        return function.attr in ("create", "bulk_create") and ast.unparse(
            function.value
        ).endswith("AuditEvent.objects")
    return False


def _event_writers(tree: ast.Module) -> set[str]:
    """Qualified names of the functions and methods whose body writes an
    audit event (a nested function counts as the one it is defined in)."""
    found: set[str] = set()

    def visit(node: ast.AST, scope: list[str], in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef) and not in_function:
                visit(child, [*scope, child.name], False)
            elif (
                isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                and not in_function
            ):
                visit(child, [*scope, child.name], True)
            else:
                if in_function and isinstance(child, ast.Call):
                    if _writes_an_event(child):
                        found.add(".".join(scope))
                visit(child, scope, in_function)

    visit(tree, [], False)
    return found


def audit_writers() -> set[str]:
    writers = set()
    for path in _python_files():
        if _module(path) == "clinic.audit":  # the writer itself
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        writers |= {f"{_module(path)}:{name}" for name in _event_writers(tree)}
    return writers


def _patterns(resolver: URLResolver, namespace: str = "") -> Iterator[tuple]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from _patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern.callback


def view_keys() -> dict[str, str]:
    """URL name → the view function that serves it, as ``module:qualname``."""
    return {name: key(view) for name, view in _patterns(get_resolver())}


def _table_functions() -> set[str]:
    views = view_keys()
    covered = set()
    for site in SITES:
        covered |= set(site.functions)
        if site.url_name:
            covered.add(views[site.url_name])
    return covered


def test_every_function_that_writes_an_audit_event_is_in_the_table():
    writers = audit_writers()
    assert len(writers) > 40, "the scan of the code found too few writers"
    assert writers - _table_functions() == set()


def _services_modules() -> Iterator[Path]:
    for path in _python_files():
        if path.stem == "services" or path.stem.endswith("_services"):
            yield path


def public_services() -> set[str]:
    names = set()
    for path in _services_modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        names |= {
            f"{_module(path)}:{node.name}"
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
        }
    return names


def test_every_service_is_in_the_table_or_says_why_it_writes_no_event():
    services = public_services()
    assert len(services) > 40, "the scan of the code found too few services"
    listed = _table_functions() | set(SERVICES_WITHOUT_EVENT)
    assert services - listed == set()
    # A service that became audited, or is gone, leaves the list.
    assert set(SERVICES_WITHOUT_EVENT) - services == set()
    assert set(SERVICES_WITHOUT_EVENT) & _table_functions() == set()


def _matrix_rows() -> list:
    rows = []
    for name in row_module_names():
        rows.extend(importlib.import_module(name).ROWS)
    return rows


def served_pages() -> set[str]:
    """URL names the permission matrix GETs with 200 for some role (any role
    the matrix knows, however many there are)."""
    return {
        row.url_name
        for row in _matrix_rows()
        if row.method == "GET" and 200 in row.expected.values()
    }


def test_every_page_that_shows_clinical_text_is_in_the_table():
    pages = served_pages()
    assert "attachment:timeline" in pages, "the matrix rows were not found"
    in_table = {site.url_name for site in SITES if site.url_name}
    assert pages - in_table - set(PAGES_WITHOUT_CLINICAL_TEXT) == set()
    assert in_table & set(PAGES_WITHOUT_CLINICAL_TEXT) == set()
    assert set(PAGES_WITHOUT_CLINICAL_TEXT) - pages == set()
