"""Which review steps a flag allows: the rule itself, and that the flag page
offers exactly the steps the services accept, for every status and relation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attachment.engine.services import FlagTransitionRefused
from attachment.models import Flag, FlagStatus
from attachment.review import services as review
from attachment.review.steps import (
    Relation,
    Step,
    allowed_steps,
    relation_of,
    statuses_allowing,
    steps_open_to,
)
from clinic.models import Supervision
from clinic.refusals import Refused
from tests.attachment.factories import DETECTED, FlagFactory

# Detected well before the tests' clock, so that each flag has reached the
# supervisor (the therapist-first delay is tested in test_therapist_first).
REACHED = DETECTED - dt.timedelta(days=30)

OPEN, ACK, IN_SUP, RESOLVED, DISMISSED = (
    FlagStatus.OPEN,
    FlagStatus.ACKNOWLEDGED,
    FlagStatus.IN_SUPERVISION,
    FlagStatus.RESOLVED,
    FlagStatus.DISMISSED,
)
ACKNOWLEDGE, TO_SUPERVISION, CLOSE, RESPOND = (
    Step.ACKNOWLEDGE,
    Step.TO_SUPERVISION,
    Step.CLOSE,
    Step.RESPOND,
)

# The rule written out in full, so that a change to it is a change here too.
EXPECTED = {
    (OPEN, Relation.TREATING): {ACKNOWLEDGE, TO_SUPERVISION, CLOSE, RESPOND},
    (ACK, Relation.TREATING): {TO_SUPERVISION, CLOSE, RESPOND},
    (IN_SUP, Relation.TREATING): {CLOSE, RESPOND},
    (RESOLVED, Relation.TREATING): {RESPOND},
    (DISMISSED, Relation.TREATING): {RESPOND},
    (OPEN, Relation.TREATING_TRAINEE): {ACKNOWLEDGE, TO_SUPERVISION, RESPOND},
    (ACK, Relation.TREATING_TRAINEE): {TO_SUPERVISION, RESPOND},
    (IN_SUP, Relation.TREATING_TRAINEE): {RESPOND},
    (RESOLVED, Relation.TREATING_TRAINEE): {RESPOND},
    (DISMISSED, Relation.TREATING_TRAINEE): {RESPOND},
    (OPEN, Relation.SUPERVISING): {ACKNOWLEDGE, TO_SUPERVISION, CLOSE},
    (ACK, Relation.SUPERVISING): {TO_SUPERVISION, CLOSE},
    (IN_SUP, Relation.SUPERVISING): {CLOSE},
    (RESOLVED, Relation.SUPERVISING): set(),
    (DISMISSED, Relation.SUPERVISING): set(),
    **{(status, Relation.NONE): set() for status in FlagStatus},
}


@pytest.mark.parametrize(("status", "relation"), list(EXPECTED))
def test_the_steps_each_status_allows_each_relation(status, relation):
    assert (
        allowed_steps(status=status, relation=relation) == EXPECTED[(status, relation)]
    )


def test_the_therapist_may_respond_in_every_status_so_a_response_takes_no_lock():
    assert statuses_allowing(step=RESPOND, relation=Relation.TREATING) == set(
        FlagStatus
    )


def test_steps_never_the_relations_are_the_ones_refused_as_forbidden():
    assert steps_open_to(relation=Relation.TREATING) == {
        ACKNOWLEDGE,
        TO_SUPERVISION,
        CLOSE,
        RESPOND,
    }
    assert steps_open_to(relation=Relation.TREATING_TRAINEE) == {
        ACKNOWLEDGE,
        TO_SUPERVISION,
        RESPOND,
    }
    assert steps_open_to(relation=Relation.SUPERVISING) == {
        ACKNOWLEDGE,
        TO_SUPERVISION,
        CLOSE,
    }
    assert steps_open_to(relation=Relation.NONE) == set()


def test_the_relation_is_treating_supervising_or_none():
    assert relation_of(treating=True, supervising=False) == Relation.TREATING
    assert (
        relation_of(treating=True, supervising=False, trainee=True)
        == Relation.TREATING_TRAINEE
    )
    assert (
        relation_of(treating=False, supervising=True, trainee=True)
        == Relation.SUPERVISING
    )
    assert relation_of(treating=False, supervising=True) == Relation.SUPERVISING
    assert relation_of(treating=False, supervising=False) == Relation.NONE


# The page against the services -------------------------------------------

URL_NAMES = {
    ACKNOWLEDGE: "attachment:flag_acknowledge",
    TO_SUPERVISION: "attachment:flag_to_supervision",
    CLOSE: "attachment:flag_close",
    RESPOND: "attachment:flag_respond",
}


def _take(step: Step, actor, flag, now) -> None:
    if step == ACKNOWLEDGE:
        review.flag_acknowledge(actor=actor, flag=flag, now=now)
    elif step == TO_SUPERVISION:
        review.flag_to_supervision(actor=actor, flag=flag, now=now)
    elif step == CLOSE:
        review.flag_close(
            usefulness="not_sure",
            actor=actor,
            flag=flag,
            outcome=FlagStatus.RESOLVED,
            reason="Agreed in supervision.",
            now=now,
        )
    else:
        review.flag_respond(actor=actor, flag=flag, text="Discussed.", now=now)


def _accepted(actor, client, status, now) -> set[Step]:
    """The steps the services take, each on a fresh flag in ``status``."""
    accepted = set()
    for step in Step:
        flag = FlagFactory(client=client, status=status, detected_at=REACHED)
        try:
            _take(step, actor, flag, now)
        except (PermissionDenied, Refused):
            assert Flag.objects.get(pk=flag.pk).status == status
            continue
        accepted.add(step)
    return accepted


def _offered(http, flag) -> set[Step]:
    """The steps whose button (a form posting to the step) the page shows."""
    response = http.get(reverse("attachment:flag_detail", args=[flag.pk]))
    if response.status_code == 404:
        return set()
    assert response.status_code == 200
    body = response.content.decode()
    return {
        step
        for step, name in URL_NAMES.items()
        if f'action="{reverse(name, args=[flag.pk])}"' in body
    }


@pytest.fixture
def people(therapist, supervisor, unrelated_supervisor):
    return {
        Relation.TREATING: therapist,
        Relation.TREATING_TRAINEE: therapist,
        Relation.SUPERVISING: supervisor,
        Relation.NONE: unrelated_supervisor,
    }


@pytest.mark.parametrize("relation", list(Relation))
@pytest.mark.parametrize("status", list(FlagStatus))
def test_the_page_offers_a_step_exactly_when_the_service_accepts_it(
    login, client, people, now, status, relation
):
    actor = people[relation]
    if relation == Relation.TREATING_TRAINEE:
        Supervision.objects.filter(supervisee=actor).update(cosign_required=True)
    shown = FlagFactory(client=client, status=status, detected_at=REACHED)

    offered = _offered(login(actor), shown)
    accepted = _accepted(actor, client, status, now)

    assert offered == accepted == EXPECTED[(status, relation)]


@pytest.mark.parametrize(
    ("step", "status"),
    [(ACKNOWLEDGE, OPEN), (TO_SUPERVISION, ACK), (CLOSE, IN_SUP), (CLOSE, OPEN)],
)
def test_a_status_step_takes_one_row_lock_on_the_flag(
    client, supervisor, now, step, status
):
    flag = FlagFactory(client=client, status=status, detected_at=REACHED)

    with CaptureQueriesContext(connection) as queries:
        _take(step, supervisor, flag, now)

    locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1
    assert '"attachment_flag"' in locks[0]


def test_a_refused_step_is_a_refusal_that_names_the_status(client, supervisor, now):
    flag = FlagFactory(client=client, status=DISMISSED, detected_at=REACHED)

    with pytest.raises(FlagTransitionRefused) as refused:
        review.flag_to_supervision(actor=supervisor, flag=flag, now=now)

    assert isinstance(refused.value, Refused)
    assert refused.value.message == (
        "This flag is dismissed; it cannot be moved to in supervision."
    )
