"""Which terms judge a contact: the agreement version in force when it
happened, else the clinic's frame as it stood then.

A client's :class:`TermsTimeline` holds the versions of the agreement that
can be in force (inside the frame, or approved), ordered by the moment they
take effect, and the states of the clinic's frame, read from its change
history (pghistory): each state from the moment its service saved it
(``ContactPolicy.updated_at``, the domain's ``now``; never earlier than the
state before it).
:meth:`TermsTimeline.at` answers for one moment, so a contact is judged
against what was agreed at its time and never against a later version or a
later frame.  A moment before the frame's first recorded state takes the
earliest one.  An agreement's hours are in the client's time zone; the
frame's are the clinic's.
"""

from __future__ import annotations

import bisect
import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import QuerySet

from attachment.models import ContactAgreement
from clinic.models import Client, ContactPolicy, ContactTerms
from clinic.policies import clinic_default_policy

# The frame's fields that judge a contact, copied from each history row.
FRAME_TERMS = (
    "allowed_channels",
    "contact_hours",
    "weekly_limit",
    "after_ending_allowed",
    "response_window_hours",
    "crisis_reply_minutes",
)


@dataclass(frozen=True)
class FrameHistory:
    """The states of one clinic's frame, each from the moment it was saved."""

    starts: tuple[dt.datetime, ...]
    states: tuple[ContactPolicy, ...]

    def at(self, moment: dt.datetime) -> ContactPolicy:
        index = max(0, bisect.bisect_right(self.starts, moment) - 1)
        return self.states[index]


def _frame_events() -> QuerySet[Any]:
    """The frame's change history (pghistory's event model, made at import)."""
    return apps.get_model("clinic", "ContactPolicyEvent")._default_manager.all()


def frame_history(*, frame: ContactPolicy) -> FrameHistory:
    """The frame's states from its history, in one query, in the order they
    were saved.  Each takes effect at its ``updated_at``, kept in order (a
    state saved with an earlier moment than the one before it takes effect
    with that one); states sharing a moment: the last of them stands for it.
    A frame with no history is its own only state."""
    starts: list[dt.datetime] = []
    states: list[ContactPolicy] = []
    events = (
        _frame_events()
        .filter(pgh_obj_id=frame.pk, pgh_label__in=["insert", "update"])
        .order_by("pgh_id")
        .values("updated_at", *FRAME_TERMS)
    )
    for event in events:
        state = ContactPolicy(
            pk=frame.pk,
            clinic_id=frame.clinic_id,
            **{name: event[name] for name in FRAME_TERMS},
        )
        start = max(event["updated_at"], starts[-1]) if starts else event["updated_at"]
        if starts and starts[-1] == start:
            states[-1] = state
        else:
            starts.append(start)
            states.append(state)
    if not states:
        return FrameHistory((frame.updated_at,), (frame,))
    return FrameHistory(tuple(starts), tuple(states))


def frame_changed_at(*, clinic_id: int) -> dt.datetime | None:
    """When the clinic's frame last took effect: the refresh after a change
    of the frame starts there."""
    return (
        ContactPolicy.objects.filter(clinic_id=clinic_id)
        .values_list("updated_at", flat=True)
        .first()
    )


@dataclass(frozen=True)
class Judged:
    """The terms one contact is judged against, and the zone of their hours."""

    terms: ContactTerms
    hours_zone: zoneinfo.ZoneInfo
    agreement: ContactAgreement | None

    @property
    def weekly_limit(self) -> int | None:
        return self.terms.weekly_limit


def _in_force_order(version: ContactAgreement) -> tuple[dt.datetime, int]:
    """Of two versions, the later in this order is in force once both have
    taken effect."""
    return (version.effective_from, version.version)


def version_in_force(
    versions: Iterable[ContactAgreement], moment: dt.datetime
) -> ContactAgreement | None:
    """The version of ``versions`` (one client's) in force at ``moment``: the
    latest to have taken effect of those that can be in force (inside the
    frame, or approved); None before the first."""
    return max(
        (
            version
            for version in versions
            if version.in_force_possible and version.effective_from <= moment
        ),
        key=_in_force_order,
        default=None,
    )


@dataclass(frozen=True)
class TermsTimeline:
    frame: ContactPolicy
    frames: FrameHistory
    frame_zone: zoneinfo.ZoneInfo
    client_zone: zoneinfo.ZoneInfo
    versions: tuple[ContactAgreement, ...]
    _starts: tuple[dt.datetime, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        ordered = tuple(
            sorted(
                (v for v in self.versions if v.in_force_possible),
                key=_in_force_order,
            )
        )
        object.__setattr__(self, "versions", ordered)
        object.__setattr__(
            self, "_starts", tuple(version.effective_from for version in ordered)
        )

    def at(self, moment: dt.datetime) -> Judged:
        """The terms in force at ``moment``."""
        index = bisect.bisect_right(self._starts, moment) - 1
        if index < 0:
            return Judged(self.frames.at(moment), self.frame_zone, None)
        return Judged(self.versions[index], self.client_zone, self.versions[index])

    def current(self, now: dt.datetime) -> Judged:
        return self.at(now)


def terms_now(*, client: Client, now: dt.datetime) -> Judged:
    """The terms in force at ``now`` (the present, not a past moment: the
    frame is taken as it stands), in two queries: for a page that shows the
    current terms rather than judging contacts."""
    agreement = (
        ContactAgreement.objects.filter(client=client, effective_from__lte=now)
        .exclude(wider_than_frame=True, approved_at__isnull=True)
        .order_by("-effective_from", "-version")
        .first()
    )
    if agreement is not None:
        return Judged(agreement, client.zone, agreement)
    return Judged(clinic_default_policy(clinic=client.clinic), client.clinic.zone, None)


def _timeline(
    client: Client,
    frame: ContactPolicy,
    frames: FrameHistory,
    versions: Iterable[ContactAgreement],
) -> TermsTimeline:
    return TermsTimeline(
        frame=frame,
        frames=frames,
        frame_zone=client.clinic.zone,
        client_zone=client.zone,
        versions=tuple(versions),
    )


def terms_timeline(*, client: Client) -> TermsTimeline:
    """One client's timeline, in three queries."""
    frame = clinic_default_policy(clinic=client.clinic)
    return _timeline(
        client,
        frame,
        frame_history(frame=frame),
        ContactAgreement.objects.filter(client=client),
    )


def terms_timelines(*, clients: Iterable[Client]) -> dict[int, TermsTimeline]:
    """The timelines of many clients (their ``clinic`` loaded), in one query
    for the agreements and two per clinic for its frame and its history."""
    clients = list(clients)
    frames = {
        clinic_id: clinic_default_policy(
            clinic=next(c.clinic for c in clients if c.clinic_id == clinic_id)
        )
        for clinic_id in {client.clinic_id for client in clients}
    }
    histories = {
        clinic_id: frame_history(frame=frame) for clinic_id, frame in frames.items()
    }
    versions: dict[int, list[ContactAgreement]] = {}
    for version in ContactAgreement.objects.filter(
        client_id__in=[client.pk for client in clients]
    ):
        versions.setdefault(version.client_id, []).append(version)
    return {
        client.pk: _timeline(
            client,
            frames[client.clinic_id],
            histories[client.clinic_id],
            versions.get(client.pk, []),
        )
        for client in clients
    }
