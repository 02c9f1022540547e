"""Arbitrary input into the supervision forms: the supervisee chooser, the
session form with its action-item formset, mark done and mark read.  Never a
server error; input that is refused saves nothing."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attachment.models import ActionItem, Notification, SupervisionSession

from .factories_supervision import (
    ActionItemFactory,
    NotificationFactory,
    SupervisionSessionFactory,
)

TEXT = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
    st.sampled_from(
        [
            "",
            "   ",
            "\x00null byte",
            "سلام، این یک یادداشت است",
            "这是一条很长的记录" * 3000,
            "ü" * 20_001,
            "<script>alert(1)</script>",
            "1" * 40,
            "-1",
            "99999999999999999999",
            "²",
            "١٢",
        ]
    ),
)


def _days_ahead(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


DATE = st.one_of(
    TEXT,
    st.dates().map(dt.date.isoformat),
    st.integers(-400, 400).map(_days_ahead),
    st.sampled_from(["0001-01-01", "9999-12-31", "2026-02-30"]),
)
WHEN = st.one_of(
    TEXT,
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    st.sampled_from(["0001-01-01T00:00", "9999-12-31T23:59", "2026-03-29T01:30"]),
)
CATEGORY = st.one_of(
    st.sampled_from(["adjust_contact_policy", "other", "consider_referral"]), TEXT
)
SLOW = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _ok(response) -> None:
    assert response.status_code in (200, 302), response.status_code


@SLOW
@given(
    supervisee=st.one_of(TEXT, st.just("own")),
    held_at=WHEN,
    notes=TEXT,
    follow_up_on=DATE,
    flags=st.lists(TEXT, max_size=3),
    total=st.one_of(st.sampled_from(["0", "1", "2", "11", "1000"]), TEXT),
    items=st.lists(
        st.fixed_dictionaries(
            {
                "owner": st.one_of(TEXT, st.just("own")),
                "text": TEXT,
                "category": CATEGORY,
                "client": st.one_of(TEXT, st.just("own")),
                "due_on": DATE,
            }
        ),
        max_size=3,
    ),
)
def test_the_session_form_never_fails(
    login,
    supervisor,
    therapist,
    client,
    supervisee,
    held_at,
    notes,
    follow_up_on,
    flags,
    total,
    items,
):
    own = {"own": None}
    data = {
        "supervisee": therapist.pk if supervisee == "own" else supervisee,
        "held_at": held_at,
        "notes": notes,
        "follow_up_on": follow_up_on,
        "flags": flags,
        "items-TOTAL_FORMS": total,
        "items-INITIAL_FORMS": "0",
    }
    for index, values in enumerate(items):
        for name, value in values.items():
            if value in own:
                value = therapist.pk if name == "owner" else client.pk
            data[f"items-{index}-{name}"] = value
    sessions, action_items = (
        SupervisionSession.objects.count(),
        ActionItem.objects.count(),
    )
    response = login(supervisor).post(
        reverse("attachment:supervision_session_new"), data
    )
    _ok(response)
    if response.status_code == 200:
        assert SupervisionSession.objects.count() == sessions
        assert ActionItem.objects.count() == action_items


@SLOW
@given(supervisee=TEXT)
def test_the_supervisee_chooser_never_fails(login, supervisor, supervisee):
    _ok(
        login(supervisor).get(
            reverse("attachment:supervision_session_new"), {"supervisee": supervisee}
        )
    )


@SLOW
@given(return_to=TEXT)
def test_mark_done_and_mark_read_ignore_anything_posted(
    login, supervisor, therapist, return_to
):
    session = SupervisionSessionFactory(supervisor=supervisor, supervisee=therapist)
    item = ActionItemFactory(session=session)
    NotificationFactory(recipient=therapist)
    http = login(therapist)
    garbage = {"return_to": return_to}
    _ok(http.post(reverse("attachment:action_item_done", args=[item.pk]), garbage))
    _ok(http.post(reverse("attachment:notifications_read"), garbage))
    item.refresh_from_db()
    assert item.done_by == therapist
    assert not Notification.objects.filter(recipient=therapist, read_at=None).exists()
