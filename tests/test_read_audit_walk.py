"""Every page that shows clinical text leaves a read on the trail of each
client whose text it shows.

The walk asks every GET row of the permission matrix that serves the treating
therapist (and then the current supervisor) in the matrix's own world, and
reads the audit events the request wrote.  Which clients a page shows comes
from the page itself: the client named by its URL, and every client one of
whose texts (a summary, a reflection, a flag's sentence, an action item ...)
appears on it.  Each of them must have a read event by the person asking.

A page that shows no clinical text is listed, with what it shows instead, in
``PAGES_WITHOUT_CLINICAL_TEXT`` of :mod:`tests.test_audit_call_sites`, the one
list of such pages; the walk checks that a listed page really shows none.  A
new page served with 200 that is neither audited nor listed fails here.
"""

from __future__ import annotations

import datetime as dt
import html
from collections import defaultdict
from types import SimpleNamespace

import pghistory.models
import pytest
from django.apps import apps
from django.db import models, transaction
from django.db.models import Max
from django.test import Client as HttpClient
from django.urls import reverse

from attachment.models import Contact, CopingPlan, Rupture
from clinic.models import AuditAction, AuditEvent, Client
from notes.models import Addendum, NoteReturn
from notes.signature_hashes import addendum_digest
from tests import test_permission_matrix as matrix
from tests.attachment.factories import (
    ActionItemFactory,
    FlagFactory,
    FlagResponseFactory,
    ObservationFactory,
    RepairAttemptFactory,
)
from tests.factories import ClientFactory
from tests.matrix import OWN, SUPERVISOR, Row, response_body
from tests.test_audit_call_sites import PAGES_WITHOUT_CLINICAL_TEXT

# The matrix's world and the people it needs beyond the shared conftest.
world = matrix.world
former_staff = matrix.former_staff
trainee = matrix.trainee
former_supervisor = matrix.former_supervisor
operator = matrix.operator

APPS_WITH_CLINICAL_TEXT = ("notes", "attachment")
# Shorter strings (a code, a status word) would be found by chance.
SHORTEST_TEXT = 12
# Who walks, as the matrix names them: the treating therapist, and the
# therapist's current supervisor reading the supervisee's clients.
WALKERS = (OWN, SUPERVISOR)


def _walk(role: str) -> list[Row]:
    return [
        row for row in matrix.ROWS if row.method == "GET" and row.expected[role] == 200
    ]


WALK = [(role, row) for role in WALKERS for row in _walk(role)]


# --- what the world says, and which client said it --------------------------


def _text_fields(model: type[models.Model]) -> list[str]:
    """Free text: a text field, or a long character field without choices
    (the short ones are codes and hashes)."""
    return [
        field.name
        for field in model._meta.concrete_fields
        if field.editable
        and not field.choices
        and (
            isinstance(field, models.TextField)
            or (isinstance(field, models.CharField) and (field.max_length or 0) >= 100)
        )
    ]


def _client_path(model: type[models.Model]) -> str | None:
    """The lookup from ``model`` to the client its text is about."""

    def holds_client(target: type[models.Model]) -> bool:
        return any(
            field.name == "client" and field.related_model is Client
            for field in target._meta.concrete_fields
        )

    if holds_client(model):
        return "client"
    for field in model._meta.concrete_fields:
        target = field.related_model
        if field.many_to_one and isinstance(target, type) and holds_client(target):
            return f"{field.name}__client"
    return None


def clinical_texts() -> dict[int, set[str]]:
    """Client id → the texts written or phrased about that client alone (a
    text two clients share tells nothing of whose page it is)."""
    holders: dict[str, set[int]] = defaultdict(set)
    for app in APPS_WITH_CLINICAL_TEXT:
        for model in apps.get_app_config(app).get_models():
            if issubclass(model, pghistory.models.Event):
                continue
            path, fields = _client_path(model), _text_fields(model)
            if path is None or not fields:
                continue
            for client_id, *values in model._default_manager.values_list(path, *fields):
                for value in values:
                    if value and len(value) >= SHORTEST_TEXT:
                        holders[value].add(client_id)
    texts: dict[int, set[str]] = defaultdict(set)
    for value, clients in holders.items():
        if len(clients) == 1:
            texts[next(iter(clients))].add(value)
    return texts


def _with_every_kind_of_text(world: SimpleNamespace) -> SimpleNamespace:
    """The matrix's world with text where its factories leave none, an action
    item of the supervisor's own about the supervisee's client, and a second
    client of the own therapist whose flag and action item join the lists
    (the home page, the flag queue, the supervision session)."""
    client = world.client
    Contact.objects.filter(pk=world.contact.pk).update(
        summary="Asked whether the Thursday session could move."
    )
    Rupture.objects.filter(pk=world.rupture.pk).update(
        description="Went quiet after the holiday dates were mentioned."
    )
    CopingPlan.objects.filter(pk=world.plan.pk).update(
        trigger_details="Evenings alone after a long shift.",
        other_strategies="A slow walk round the block.",
        supports="A sister who answers late in the evening.",
        crisis_steps="Call the crisis line named in the agreement.",
    )
    RepairAttemptFactory(
        rupture=world.rupture, client_response="Said it helped to hear it named."
    )
    ObservationFactory(client=client, note="Asked twice whether the room was free.")
    FlagResponseFactory(flag=world.flag)
    addendum = Addendum(
        note=world.signed_note,
        author=world.people[OWN],
        written_at=world.signed_note.session_at + dt.timedelta(days=1),
        text="Late entry: the client phoned to confirm the next date.",
    )
    addendum.content_sha256 = addendum_digest(
        addendum, note_sha256=world.signed_note.content_sha256
    )
    addendum.save()
    NoteReturn.objects.create(
        note=world.note,
        returned_by=world.people[SUPERVISOR],
        returned_at=world.note.session_at + dt.timedelta(days=1),
        comment="Please add the plan for the weeks without sessions.",
    )
    # The supervisor's own item about the supervisee's client, on their home.
    ActionItemFactory(
        session=world.supervision_session,
        owner=world.people[SUPERVISOR],
        client=client,
        text="Read the agreement again before the next session",
    )
    world.second_client = ClientFactory(
        clinic=client.clinic, therapist=world.people[OWN]
    )
    FlagFactory(
        client=world.second_client,
        explanation="5 client contacts in the last 4 weeks came after hours.",
    )
    ActionItemFactory(
        session=world.supervision_session,
        client=world.second_client,
        text="Agree a reply window for texts",
    )
    return world


# --- one request --------------------------------------------------------------


def _ask(row: Row, person, world: SimpleNamespace) -> tuple[int, str, set[int | None]]:
    """The status, the page (as its reader sees the text) and the clients of
    the read events the request wrote as ``person``."""
    http = HttpClient()
    http.force_login(person)
    with transaction.atomic():
        last = AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0
        response = http.get(reverse(row.url_name, args=row.args(world)))
        read = set(
            AuditEvent.objects.filter(
                pk__gt=last,
                action__in=(AuditAction.READ, AuditAction.EXPORT),
                actor=person,
            ).values_list("client_id", flat=True)
        )
        transaction.set_rollback(True)
    return response.status_code, html.unescape(response_body(response)), read


def _client_of_url(row: Row, world: SimpleNamespace) -> set[int]:
    params = matrix._url_params(row.url_name)
    args = row.args(world)
    return {int(args[params.index("client_id")])} if "client_id" in params else set()


def _shown(page: str, texts: dict[int, set[str]]) -> dict[int, list[str]]:
    """Client id → its texts found on the page."""
    found = {
        client_id: sorted(text for text in own if text in page)
        for client_id, own in texts.items()
    }
    return {client_id: shown for client_id, shown in found.items() if shown}


# --- the walk ---------------------------------------------------------------


def test_the_walk_reaches_edit_forms_agendas_and_lists_for_both_readers():
    walked = {(role, row.url_name) for role, row in WALK}
    for name in (
        "clinic:home",
        "attachment:contact_edit",
        "attachment:rupture_edit",
        "attachment:plan_revise",
        "notes:reflection_edit",
        "notes:note_create",
    ):
        assert (OWN, name) in walked, name
    for name in ("clinic:home", "clinic:client", "attachment:supervision_session"):
        assert (SUPERVISOR, name) in walked, name


def test_the_world_holds_text_of_each_kind_for_its_client(world):
    world = _with_every_kind_of_text(world)
    texts = clinical_texts()[world.client.pk]
    assert {
        "Asked whether the Thursday session could move.",
        "Went quiet after the holiday dates were mentioned.",
        "Revisit the grounding technique.",
        "Revisit the contact agreement",
        "Reported a calmer week.",
        "Late entry: the client phoned to confirm the next date.",
        "Please add the plan for the weeks without sessions.",
    } <= texts


@pytest.mark.parametrize(
    ("role", "row"), WALK, ids=[f"{role} {row.id}" for role, row in WALK]
)
def test_each_page_reads_every_client_it_shows_on_the_trail(role, row, world):
    world = _with_every_kind_of_text(world)
    texts = clinical_texts()
    status, page, read = _ask(row, world.people[role], world)
    assert status == 200, f"{row.id} as {role}"
    shown = _shown(page, texts)

    if row.url_name in PAGES_WITHOUT_CLINICAL_TEXT:
        assert not shown, (
            f"{row.url_name} is listed as showing no clinical text, but shows {shown}"
        )
        return
    expected = _client_of_url(row, world) | set(shown)
    if not expected:
        # Nothing of a client here (a supervision session without items or
        # flags): the read is still on the trail, or the page is listed.
        assert read, (
            f"{row.url_name} as {role} writes no read event and is not listed in "
            "PAGES_WITHOUT_CLINICAL_TEXT: audit its reads (and give the world the "
            "text it shows), or list it with what it shows instead"
        )
        return
    unread = {
        Client.objects.get(pk=client_id).code: shown.get(client_id, ["(its URL)"])
        for client_id in expected - read
    }
    assert not unread, f"{row.url_name} as {role} wrote no read event for {unread}"
