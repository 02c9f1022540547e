"""Submissions drawn from the review forms' own fields, about half of them
valid: a valid close or response is saved exactly as submitted, with its
audit event; any other comes back with the form's errors and writes nothing.
The field-less steps move a flag one step whatever is posted, and the queue
shows exactly the flags its valid filters select.  Never a server error.

The people and clients are built once per test; each example builds the flag
it works on and runs inside a savepoint that is rolled back afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from hypothesis import event, given
from hypothesis import strategies as st

from attachment.models import (
    LIVE_FLAG_STATUSES,
    Flag,
    FlagResponse,
    FlagStatus,
    FlagStatusChange,
    FlagTier,
)
from attachment.review.filters import FlagQueueFilter
from attachment.review.forms import FlagCloseForm, FlagResponseForm, FlagStepForm
from attachment.review.selectors import queue_reviewers
from clinic.models import AuditAction, AuditEvent, Client, Role, User
from tests.attachment.factories import FlagFactory
from tests.factories import ClientFactory, ClinicFactory, SupervisionFactory
from tests.strategies import (
    FIXTURES_RESET,
    GARBAGE,
    as_posted,
    assert_refused,
    audit_writes,
    form_data,
    person,
    rolled_back,
    signed_in,
    valid_share,
)


@dataclass
class World:
    therapist: User
    supervisor: User
    client: Client
    as_therapist: Callable[[], HttpClient]
    as_supervisor: Callable[[], HttpClient]


@pytest.fixture
def world(db) -> World:
    clinic = ClinicFactory()
    therapist = person(clinic, Role.THERAPIST)
    supervisor = person(clinic, Role.THERAPIST, Role.SUPERVISOR)
    SupervisionFactory(
        clinic=clinic,
        supervisor=supervisor,
        supervisee=therapist,
        started_on=dt.date(2024, 1, 1),
    )
    return World(
        therapist=therapist,
        supervisor=supervisor,
        client=ClientFactory(clinic=clinic, therapist=therapist),
        as_therapist=signed_in(therapist),
        as_supervisor=signed_in(supervisor),
    )


# The flag only sets a form's action, so the strategies are built once.
CLOSES = form_data(FlagCloseForm(flag_id=0))
RESPONSES = form_data(FlagResponseForm(flag_id=0))


def _open_flag(world: World) -> Flag:
    """A new open flag, and proof that this example starts from it alone."""
    flag = FlagFactory(client=world.client)
    assert list(Flag.objects.values_list("pk", "status")) == [
        (flag.pk, FlagStatus.OPEN)
    ]
    assert not FlagStatusChange.objects.exists()
    return flag


def _status(flag: Flag) -> str:
    return Flag.objects.values_list("status", flat=True).get(pk=flag.pk)


def _outcome(accepted: bool) -> None:
    event("valid submission" if accepted else "invalid submission")


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_a_flag_is_closed_with_exactly_the_reason_given_or_stays_open(world, data):
    flag = _open_flag(world)
    writes = audit_writes()
    submitted = data.draw(CLOSES)
    accepted = FlagCloseForm(as_posted(submitted), flag_id=flag.pk).is_valid()
    _outcome(accepted)

    response = world.as_supervisor().post(
        reverse("attachment:flag_close", args=[flag.pk]), submitted
    )

    if accepted:
        assert response.status_code == 302, response.status_code
        change = FlagStatusChange.objects.get()
        assert (change.flag_id, change.changed_by) == (flag.pk, world.supervisor)
        assert (change.from_status, change.to_status) == (
            FlagStatus.OPEN,
            submitted["outcome"],
        )
        assert change.reason == submitted["reason"].strip()
        assert change.usefulness == submitted["usefulness"]
        assert _status(flag) == submitted["outcome"]
        assert audit_writes() == [
            *writes,
            ("update", "attachment.flag", flag.pk, world.supervisor.pk),
        ]
    else:
        assert_refused(response, submitted, "close_form")
        assert _status(flag) == FlagStatus.OPEN
        assert not FlagStatusChange.objects.exists()
        assert audit_writes() == writes


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_a_response_is_saved_exactly_as_written_or_not_at_all(world, data):
    flag = _open_flag(world)
    writes = audit_writes()
    submitted = data.draw(RESPONSES)
    accepted = FlagResponseForm(as_posted(submitted), flag_id=flag.pk).is_valid()
    _outcome(accepted)

    response = world.as_therapist().post(
        reverse("attachment:flag_respond", args=[flag.pk]), submitted
    )

    if accepted:
        assert response.status_code == 302, response.status_code
        answer = FlagResponse.objects.get()
        assert (answer.flag_id, answer.author) == (flag.pk, world.therapist)
        assert answer.text == submitted["text"].strip()
        assert audit_writes() == [
            *writes,
            ("create", "attachment.flagresponse", answer.pk, world.therapist.pk),
        ]
    else:
        assert_refused(response, submitted, "response_form")
        assert not FlagResponse.objects.exists()
        assert audit_writes() == writes


# A step's form has no fields: whatever is posted is stray.
STEP_POSTS = form_data(
    FlagStepForm(flag_id=0, action="attachment:flag_acknowledge", submit="Go")
)


@FIXTURES_RESET
@given(
    step=st.sampled_from(
        [
            ("attachment:flag_acknowledge", FlagStatus.ACKNOWLEDGED),
            ("attachment:flag_to_supervision", FlagStatus.IN_SUPERVISION),
        ]
    ),
    junk=STEP_POSTS,
)
@rolled_back
def test_a_field_less_step_moves_the_flag_one_step_whatever_is_posted(
    world, step, junk
):
    action, status = step
    flag = _open_flag(world)
    writes = audit_writes()

    response = world.as_supervisor().post(reverse(action, args=[flag.pk]), junk)

    assert response.status_code == 302, response.status_code
    assert _status(flag) == status
    change = FlagStatusChange.objects.get()
    assert (change.from_status, change.to_status) == (FlagStatus.OPEN, status)
    assert audit_writes() == [
        *writes,
        ("update", "attachment.flag", flag.pk, world.supervisor.pk),
    ]


# --- the queue ---------------------------------------------------------------


@dataclass
class Queue:
    supervisor: User
    readable: list[Flag]  # every flag the supervisor may read (and has reached them)
    reviewers: list[User]  # whom the queue can be narrowed to
    as_supervisor: Callable[[], HttpClient]
    queries: st.SearchStrategy[dict[str, Any]] = field(default=st.nothing(), repr=False)

    def filters(self, data: dict | None = None) -> FlagQueueFilter:
        """The queue's filters for ``data``; validating them reads no flag."""
        return FlagQueueFilter(
            data, queryset=Flag.objects.none(), reviewers=self.reviewers
        )


FLAG_SHAPES = [
    # (whose client, kind, tier, status, days ago)
    ("supervisee", "policy_pattern", "yellow", "open", 3),  # still with the therapist
    ("supervisee", "policy_pattern", "yellow", "open", 8),
    ("supervisee", "rising_contact_frequency", "red", "open", 40),
    ("supervisee", "absence_surge", "red", "resolved", 90),
    ("supervisee", "policy_pattern", "red", "in_supervision", 150),
    ("own", "unrepaired_rupture", "yellow", "acknowledged", 10),
    ("own", "policy_pattern", "yellow", "dismissed", 60),
    ("stranger", "policy_pattern", "red", "open", 5),
]


@pytest.fixture
def queue(world) -> Queue:
    """Flags on a supervisee's client, on the supervisor's own client and on
    a client of a therapist the supervisor has nothing to do with."""
    clinic = world.client.clinic
    stranger = ClientFactory(clinic=clinic, therapist=person(clinic, Role.THERAPIST))
    clients = {
        "supervisee": world.client,
        "own": ClientFactory(clinic=clinic, therapist=world.supervisor),
        "stranger": stranger,
    }
    now = timezone.now()
    flags = [
        FlagFactory(
            client=clients[whose],
            kind=kind,
            tier=tier,
            status=status,
            detected_at=now - dt.timedelta(days=days),
        )
        for whose, kind, tier, status, days in FLAG_SHAPES
    ]
    queue = Queue(
        supervisor=world.supervisor,
        readable=[
            flag
            for flag, (whose, *_, days) in zip(flags, FLAG_SHAPES, strict=True)
            if whose == "own" or (whose == "supervisee" and days >= 7)
        ],
        reviewers=queue_reviewers(user=world.supervisor, on=now.date()),
        as_supervisor=world.as_supervisor,
    )
    queue.queries = _queue_query(queue)
    return queue


def _selected(flags: list[Flag], chosen: dict[str, Any]) -> list[int]:
    """The flags the queue must list for the filters that validated, worked
    out without the ORM, in the queue's order (red first, oldest first)."""

    def day(flag: Flag) -> dt.date:
        return timezone.localtime(flag.detected_at).date()

    wanted = [
        flag
        for flag in flags
        if (
            not chosen.get("therapist") or flag.therapist_id == int(chosen["therapist"])
        )
        and (not chosen.get("kind") or flag.kind == chosen["kind"])
        and (not chosen.get("tier") or flag.tier == chosen["tier"])
        and flag.status in (chosen.get("status") or LIVE_FLAG_STATUSES)
        and (not chosen.get("detected_from") or day(flag) >= chosen["detected_from"])
        and (not chosen.get("detected_to") or day(flag) <= chosen["detected_to"])
    ]
    wanted.sort(key=lambda flag: (flag.tier != FlagTier.RED, flag.detected_at, flag.pk))
    rows: dict[int, list[Flag]] = {}
    for flag in wanted:  # one row per client, ordered by its strongest flag
        rows.setdefault(flag.client_id, []).append(flag)
    return [flag.pk for row in rows.values() for flag in row]


def _queue_query(queue: Queue) -> st.SearchStrategy[dict[str, Any]]:
    page = st.one_of(st.just({}), st.fixed_dictionaries({"page": GARBAGE}))
    return st.builds(
        lambda query, paging: {**query, **paging},
        form_data(queue.filters().form),
        page,
    )


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_the_queue_lists_exactly_the_flags_its_valid_filters_select(queue, data):
    query = data.draw(queue.queries, label="query")
    form = queue.filters(as_posted(query)).form
    accepted = form.is_valid()
    _outcome(accepted)

    response = queue.as_supervisor().get(reverse("attachment:flag_queue"), query)

    assert response.status_code == 200
    shown = [flag.pk for card in response.context["cards"] for flag in card.flags]
    # An invalid filter is left out; the valid ones still apply.
    assert shown == _selected(queue.readable, form.cleaned_data)
    assert bool(response.context["filters"].form.errors) == (not accepted)
    reads = AuditEvent.objects.filter(
        action=AuditAction.READ, object_type="attachment.flag"
    ).values_list("object_id", flat=True)
    assert sorted(reads) == sorted(shown)


# --- how often the strategies make a valid submission -------------------------


def test_the_submissions_drawn_for_each_review_form_are_valid_about_half_the_time(
    queue,
):
    flag = queue.readable[0]
    shares = {
        "close": valid_share(
            CLOSES,
            lambda data: FlagCloseForm(as_posted(data), flag_id=flag.pk).is_valid(),
        ),
        "response": valid_share(
            RESPONSES,
            lambda data: FlagResponseForm(as_posted(data), flag_id=flag.pk).is_valid(),
        ),
        "queue filters": valid_share(
            queue.queries, lambda query: queue.filters(as_posted(query)).form.is_valid()
        ),
    }

    assert all(0.3 <= share <= 0.8 for share in shares.values()), shares
