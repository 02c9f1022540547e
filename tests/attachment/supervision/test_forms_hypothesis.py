"""Submissions drawn from the supervision forms' own fields, about half of
them valid: the session form with its action-item formset, the supervisee
chooser, mark done and mark read.  A valid session is recorded exactly as
submitted, with its audit events; any other comes back with the errors and
writes nothing.  Never a server error.

The people, clients and flags are built once per test; each example runs
inside a savepoint that is rolled back afterwards, and starts by checking
that nothing an earlier example recorded is left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from hypothesis import event, given
from hypothesis import strategies as st

from attachment.models import (
    ActionItem,
    Flag,
    FlagStatus,
    Notification,
    SupervisionSession,
)
from attachment.supervision import services
from attachment.supervision.forms import (
    ActionItemForm,
    ActionItemFormSet,
    SessionForm,
    SuperviseeChoiceForm,
    item_values,
)
from clinic.models import Role, Supervision, User
from tests.attachment.factories import (
    ActionItemFactory,
    DiscussedFlagFactory,
    NotificationFactory,
    SupervisionSessionFactory,
)
from tests.factories import ClientFactory, ClinicFactory, SupervisionFactory
from tests.strategies import (
    ABSENT,
    FIXTURES_RESET,
    GARBAGE,
    STRAY_FIELDS,
    as_posted,
    assert_refused,
    audit_writes,
    dates,
    form_data,
    mixed_data,
    person,
    rolled_back,
    signed_in,
    valid_data,
    valid_share,
)


@dataclass
class World:
    supervisor: User
    therapist: User  # the supervisee the sessions are held with
    link: Supervision
    flags: dict[int, str]  # the therapist's flags and their first status
    strangers: list[str]  # ids of people who are not the therapist
    as_supervisor: Callable[[], HttpClient]
    as_therapist: Callable[[], HttpClient]

    def session_form(self, data: dict | None = None) -> SessionForm:
        return SessionForm(data, link=self.link, now=timezone.now())

    def item_forms(self, data: dict | None = None) -> ActionItemFormSet:
        return ActionItemFormSet(
            data,
            prefix="items",
            form_kwargs={"link": self.link, "today": self.today},
        )

    @property
    def today(self) -> dt.date:
        return services.local_today(self.link, timezone.now())


@pytest.fixture
def world(db) -> World:
    clinic = ClinicFactory()
    supervisor = person(clinic, Role.THERAPIST, Role.SUPERVISOR)
    therapist = person(clinic, Role.THERAPIST)
    former = person(clinic, Role.THERAPIST)
    link = SupervisionFactory(
        clinic=clinic,
        supervisor=supervisor,
        supervisee=therapist,
        started_on=dt.date(2024, 1, 1),
    )
    SupervisionFactory(
        clinic=clinic,
        supervisor=supervisor,
        supervisee=former,
        started_on=dt.date(2024, 1, 1),
        ended_on=dt.date(2025, 1, 1),
    )
    clients = [ClientFactory(clinic=clinic, therapist=therapist) for _ in range(2)]
    flags = [
        DiscussedFlagFactory(client=clients[0]),
        DiscussedFlagFactory(client=clients[1], status=FlagStatus.ACKNOWLEDGED),
        DiscussedFlagFactory(client=clients[0], status=FlagStatus.IN_SUPERVISION),
        DiscussedFlagFactory(client=clients[1], status=FlagStatus.RESOLVED),
    ]
    outsider = person(ClinicFactory(), Role.THERAPIST)
    return World(
        supervisor=supervisor,
        therapist=therapist,
        link=link,
        flags={flag.pk: flag.status for flag in flags},
        strangers=[str(someone.pk) for someone in (former, outsider, supervisor)],
        as_supervisor=signed_in(supervisor),
        as_therapist=signed_in(therapist),
    )


def _outcome(accepted: bool) -> None:
    event("valid submission" if accepted else "invalid submission")


def _flag_statuses() -> dict[int, str]:
    return dict(Flag.objects.values_list("pk", "status"))


# --- the session form and its action items -----------------------------------


def _session_fields(world: World) -> tuple[st.SearchStrategy, st.SearchStrategy]:
    """The session form's fields, wholly valid and with garbage."""
    today = world.today
    # A follow-up from today on never comes before a session already held.
    valid = {
        "supervisee": st.just(str(world.therapist.pk)),
        "follow_up_on": st.one_of(
            st.just(ABSENT), dates(earliest=today, latest=today + dt.timedelta(90))
        ),
    }
    form = world.session_form()
    return valid_data(form, valid=valid), mixed_data(
        form, valid=valid, garbage={"supervisee": st.sampled_from(world.strangers)}
    )


def _item_fields(world: World) -> tuple[st.SearchStrategy, st.SearchStrategy]:
    """An action item's fields, wholly valid and with garbage."""
    today = world.today
    valid = {"due_on": dates(earliest=today, latest=today + dt.timedelta(300))}
    form = ActionItemForm(link=world.link, today=today)
    return valid_data(form, valid=valid), mixed_data(form, valid=valid)


def _prefixed(index: int, item: dict[str, Any]) -> dict[str, Any]:
    names = ActionItemForm.base_fields
    return {
        f"items-{index}-{name}" if name in names else name: value
        for name, value in item.items()
    }


def session_submissions(world: World) -> st.SearchStrategy[dict[str, Any]]:
    """The session, up to three action items and the formset's counts:
    wholly valid, or with garbage in the session, the items or the counts."""
    sessions, items = _session_fields(world), _item_fields(world)

    @st.composite
    def submission(draw: st.DrawFn, valid: bool) -> dict[str, Any]:
        session = draw(sessions[0] if valid else sessions[1])
        drawn = draw(st.lists(items[0] if valid else items[1], max_size=3))
        count = str(len(drawn))
        if not valid:
            count = draw(
                st.one_of(st.just(count), st.sampled_from(["11", "-1"]), GARBAGE)
            )
        data = {**session, "items-TOTAL_FORMS": count, "items-INITIAL_FORMS": "0"}
        for index, item in enumerate(drawn):
            data.update(_prefixed(index, item))
        return data

    return st.booleans().flatmap(submission)


@pytest.fixture
def sessions(world) -> st.SearchStrategy[dict[str, Any]]:
    return session_submissions(world)


def _recordable(world: World, submitted: dict) -> tuple[bool, SessionForm, Any]:
    """Whether the page must record this: it names the supervisee, both forms
    accept it, and the follow-up is not before the session (the service's
    one rule the forms cannot see)."""
    posted = as_posted(submitted)
    form, formset = world.session_form(posted), world.item_forms(posted)
    # Times are entered in the clinic's time zone, as on the page.
    with timezone.override(world.link.clinic.zone):
        forms_valid = form.is_valid(), formset.is_valid()
    valid = posted.get("supervisee") == str(world.therapist.pk) and all(forms_valid)
    if valid and form.cleaned_data["follow_up_on"]:
        held_on = timezone.localtime(
            form.cleaned_data["held_at"], world.link.clinic.zone
        )
        valid = form.cleaned_data["follow_up_on"] >= held_on.date()
    return valid, form, formset


def _assert_recorded(
    world: World, submitted: dict, form: SessionForm, formset: Any, writes: list
) -> None:
    session = SupervisionSession.objects.get()
    expected = form.cleaned_data
    assert (session.supervisor, session.supervisee) == (
        world.supervisor,
        world.therapist,
    )
    assert session.held_at == expected["held_at"]
    assert session.notes == as_posted(submitted).get("notes", "").strip()
    assert session.follow_up_on == expected["follow_up_on"]
    chosen = {flag.pk for flag in expected["flags"]}
    assert set(session.flags_discussed.values_list("pk", flat=True)) == chosen
    moved = {
        pk
        for pk in chosen
        if world.flags[pk] in (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)
    }
    statuses = _flag_statuses()
    assert {pk for pk in world.flags if statuses[pk] != world.flags[pk]} == moved
    assert all(statuses[pk] == FlagStatus.IN_SUPERVISION for pk in moved)
    items = list(
        ActionItem.objects.order_by("pk").values_list(
            "owner_id", "text", "category", "due_on", "client_id"
        )
    )
    assert items == [
        (item.owner_id, item.text, item.category, item.due_on, item.client_id)
        for item in item_values(formset)
    ]
    actor = world.supervisor.pk
    assert sorted(audit_writes()) == sorted(
        [
            *writes,
            ("create", "attachment.supervisionsession", session.pk, actor),
            *[("update", "attachment.flag", pk, actor) for pk in chosen],
            *[
                ("create", "attachment.actionitem", pk, actor)
                for pk in ActionItem.objects.values_list("pk", flat=True)
            ],
        ]
    )


def _assert_fresh(world: World) -> None:
    """Nothing an earlier example recorded is left."""
    assert not SupervisionSession.objects.exists()
    assert not ActionItem.objects.exists()
    assert _flag_statuses() == world.flags


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_a_session_is_recorded_exactly_as_submitted_or_not_at_all(
    world, sessions, data
):
    _assert_fresh(world)
    writes = audit_writes()
    submitted = data.draw(sessions, label="submitted")
    recordable, form, formset = _recordable(world, submitted)
    _outcome(recordable)

    response = world.as_supervisor().post(
        reverse("attachment:supervision_session_new"), submitted
    )

    if recordable:
        assert response.status_code == 302, response.status_code
        _assert_recorded(world, submitted, form, formset, writes)
    else:
        assert response.status_code == 200, response.status_code
        if response.context.get("form") is None:
            # No current supervisee named: the chooser again, with the reason.
            assert (
                "Choose one of your current supervisees." in response.content.decode()
            )
        elif form.is_valid() and not formset.is_valid():
            assert response.context["formset"].total_error_count()
        else:
            assert_refused(response, submitted)
        _assert_fresh(world)
        assert audit_writes() == writes


# --- the supervisee chooser -----------------------------------------------------


@pytest.fixture
def two_supervisees(world) -> World:
    """With more than one supervisee, nothing is chosen for the supervisor."""
    other = person(world.link.clinic, Role.THERAPIST)
    SupervisionFactory(
        clinic=world.link.clinic,
        supervisor=world.supervisor,
        supervisee=other,
        started_on=dt.date(2024, 1, 1),
    )
    return world


def _links(world: World) -> list[Supervision]:
    return list(
        Supervision.objects.filter(supervisor=world.supervisor, ended_on=None)
        .select_related("supervisee")
        .order_by("pk")
    )


@pytest.fixture
def choices(two_supervisees) -> st.SearchStrategy[dict]:
    return form_data(
        SuperviseeChoiceForm(links=_links(two_supervisees)),
        garbage={"supervisee": st.sampled_from(two_supervisees.strangers)},
    )


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_the_chooser_opens_a_session_only_with_a_current_supervisee(
    two_supervisees, choices, data
):
    world = two_supervisees
    query = data.draw(choices)
    chosen = SuperviseeChoiceForm(as_posted(query), links=_links(world))
    accepted = chosen.is_valid()
    _outcome(accepted)

    response = world.as_supervisor().get(
        reverse("attachment:supervision_session_new"), query
    )

    assert response.status_code == 200
    link = response.context["link"]
    if accepted:
        assert link.supervisee_id == chosen.cleaned_data["supervisee"]
        assert response.context["form"] is not None
    else:
        assert link is None
        assert response.context.get("form") is None


# --- mark done and mark read ---------------------------------------------------------


@FIXTURES_RESET
@given(
    posted=st.dictionaries(
        st.sampled_from(["return_to", *STRAY_FIELDS]),
        st.one_of(st.just("home"), GARBAGE),
        max_size=3,
    )
)
@rolled_back
def test_mark_done_and_mark_read_ignore_anything_else_posted(world, posted):
    session = SupervisionSessionFactory(
        supervisor=world.supervisor, supervisee=world.therapist
    )
    item = ActionItemFactory(session=session)
    NotificationFactory(recipient=world.therapist)
    assert ActionItem.objects.get().done_at is None
    assert Notification.objects.filter(read_at=None).count() == 1
    writes = audit_writes()
    http = world.as_therapist()

    done = http.post(reverse("attachment:action_item_done", args=[item.pk]), posted)
    read = http.post(reverse("attachment:notifications_read"), posted)

    home = posted.get("return_to") == "home"
    assert done.status_code == read.status_code == 302
    assert done.url == (reverse("clinic:home") if home else session.get_absolute_url())
    item.refresh_from_db()
    assert item.done_by == world.therapist and item.done_at is not None
    assert not Notification.objects.filter(read_at=None).exists()
    assert audit_writes() == [
        *writes,
        ("update", "attachment.actionitem", item.pk, world.therapist.pk),
    ]


# --- how often the strategies make a valid submission ---------------------------------


def test_the_submissions_drawn_for_each_supervision_form_are_valid_about_half_the_time(
    two_supervisees, sessions, choices
):
    world = two_supervisees
    links = _links(world)
    shares = {
        "session": valid_share(
            sessions, lambda submitted: _recordable(world, submitted)[0]
        ),
        "chooser": valid_share(
            choices,
            lambda query: SuperviseeChoiceForm(
                as_posted(query), links=links
            ).is_valid(),
        ),
    }

    assert all(0.3 <= share <= 0.8 for share in shares.values()), shares
