"""Which review steps a flag allows, and to whom: the one rule behind both the
buttons on the flag page and the refusals of :mod:`attachment.review.services`.

A step depends on the flag's status and on the actor's relation to its client:

* the treating therapist sees a flag first: they acknowledge an open flag,
  bring an open or acknowledged one to supervision (which also lets it reach
  the supervisor before the clinic's delay), and may answer a flag whatever
  its status (a response changes nothing of the flag);
* a licensed treating therapist, and a therapist without a supervisor, also
  resolve or dismiss their own live flags with a reason, which the
  supervisor reads in the flag's history;
* a trainee (a therapist whose notes need co-signature) does not close their
  own flags: that is the supervisor's decision;
* the therapist's current supervisor acknowledges an open flag, brings an
  open or acknowledged one to supervision, and resolves or dismisses any
  live flag;
* anyone else takes no step.

Who is treating, who is a trainee and who is a current supervisor is decided
by :mod:`clinic.access`; this module only combines the answers.
"""

from __future__ import annotations

import enum

from attachment.models import LIVE_FLAG_STATUSES, FlagStatus


class Relation(enum.StrEnum):
    """How the actor stands to the flag's client."""

    TREATING = "treating"
    TREATING_TRAINEE = "treating_trainee"
    SUPERVISING = "supervising"
    NONE = "none"


class Step(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"
    TO_SUPERVISION = "to_supervision"
    CLOSE = "close"
    RESPOND = "respond"


_ANY_TREATING = frozenset({Relation.TREATING, Relation.TREATING_TRAINEE})

_RULES: dict[Step, tuple[frozenset[Relation], frozenset[FlagStatus]]] = {
    Step.ACKNOWLEDGE: (
        _ANY_TREATING | {Relation.SUPERVISING},
        frozenset({FlagStatus.OPEN}),
    ),
    Step.TO_SUPERVISION: (
        _ANY_TREATING | {Relation.SUPERVISING},
        frozenset({FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED}),
    ),
    Step.CLOSE: (
        frozenset({Relation.TREATING, Relation.SUPERVISING}),
        frozenset(LIVE_FLAG_STATUSES),
    ),
    Step.RESPOND: (_ANY_TREATING, frozenset(FlagStatus)),
}


def relation_of(
    *, treating: bool, supervising: bool, trainee: bool = False
) -> Relation:
    """The relation from the access answers (a link never has its supervisor
    as its own supervisee, so treating and supervising are never both true);
    ``trainee`` matters only to the treating therapist."""
    if treating:
        return Relation.TREATING_TRAINEE if trainee else Relation.TREATING
    if supervising:
        return Relation.SUPERVISING
    return Relation.NONE


def allowed_steps(*, status: FlagStatus, relation: Relation) -> frozenset[Step]:
    """The steps ``relation`` may take on a flag in ``status``."""
    return frozenset(
        step
        for step, (relations, statuses) in _RULES.items()
        if relation in relations and status in statuses
    )


def steps_open_to(*, relation: Relation) -> frozenset[Step]:
    """The steps ``relation`` may take in some status.  Asking for any other
    step is refused as not yours (403); asking for one of these in the wrong
    status is refused with the status named."""
    return frozenset().union(
        *(allowed_steps(status=status, relation=relation) for status in FlagStatus)
    )


def statuses_allowing(*, step: Step, relation: Relation) -> frozenset[FlagStatus]:
    """The statuses from which ``relation`` may take ``step``: what the
    service checks under the flag's row lock."""
    return frozenset(
        status
        for status in FlagStatus
        if step in allowed_steps(status=status, relation=relation)
    )
