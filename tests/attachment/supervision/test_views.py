"""The supervision pages: recording a session, reading it, marking items done,
the home panels; who may do what; query counts of the lists."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attachment.models import ActionItem, FlagStatus, SupervisionSession
from clinic.models import AuditEvent, Role, Supervision
from tests.attachment.factories import (
    ActionItemFactory,
    DiscussedFlagFactory,
    SupervisionSessionFactory,
)
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
NEW = reverse("attachment:supervision_session_new")


def today() -> dt.date:
    return timezone.localtime(timezone.now(), LONDON).date()


def session_post(supervisee, *items: dict, **changes) -> dict:
    held = (timezone.now() - dt.timedelta(hours=1)).astimezone(LONDON)
    data = {
        "supervisee": supervisee.pk,
        "held_at": held.strftime("%Y-%m-%dT%H:%M"),
        "notes": "Talked through the rise in texts. (Synthetic.)",
        "follow_up_on": "",
        "items-TOTAL_FORMS": str(max(len(items), 1)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "10",
        **changes,
    }
    for index, values in enumerate(items):
        for name, value in values.items():
            data[f"items-{index}-{name}"] = value
    return data


def an_item(owner, **changes) -> dict:
    return {
        "owner": owner.pk,
        "text": "Revisit the contact agreement",
        "category": "revisit_coping_plan",
        "client": "",
        "due_on": (today() + dt.timedelta(days=7)).isoformat(),
        **changes,
    }


def test_the_form_ticks_the_flags_already_in_supervision(login, supervisor, client):
    waiting = DiscussedFlagFactory(client=client, status=FlagStatus.IN_SUPERVISION)
    fresh = DiscussedFlagFactory(client=client, status=FlagStatus.OPEN)
    closed = DiscussedFlagFactory(client=client, status=FlagStatus.RESOLVED)
    html = login(supervisor).get(NEW).content.decode()
    boxes = {
        int(re.search(r'value="(\d+)"', tag).group(1)): "checked" in tag
        for tag in re.findall(r'<input[^>]*name="flags"[^>]*>', html)
    }
    assert boxes == {waiting.pk: True, fresh.pk: False}
    assert client.code in html
    assert closed.pk not in boxes


def test_a_supervisor_records_a_session_with_items(
    login, supervisor, therapist, client
):
    flag = DiscussedFlagFactory(client=client, status=FlagStatus.OPEN)
    response = login(supervisor).post(
        NEW,
        session_post(
            therapist,
            an_item(therapist, client=client.pk),
            flags=[flag.pk],
        ),
    )
    session = SupervisionSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == session.get_absolute_url()
    assert session.action_items.get().client == client
    flag.refresh_from_db()
    assert flag.status == FlagStatus.IN_SUPERVISION


def test_blank_extra_item_forms_are_left_out(login, supervisor, therapist):
    data = session_post(therapist, an_item(therapist))
    # A browser posts the untouched forms' default owner.
    data.update(
        {
            "items-TOTAL_FORMS": "3",
            "items-1-owner": therapist.pk,
            "items-2-owner": therapist.pk,
        }
    )
    response = login(supervisor).post(NEW, data)
    assert response.status_code == 302
    assert ActionItem.objects.count() == 1


def test_a_due_date_in_the_past_is_a_form_error_and_saves_nothing(
    login, supervisor, therapist
):
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    response = login(supervisor).post(
        NEW,
        session_post(
            therapist, an_item(therapist), an_item(therapist, due_on=yesterday)
        ),
    )
    assert response.status_code == 200
    assert "The due date is in the past." in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert not SupervisionSession.objects.exists()
    assert not ActionItem.objects.exists()


def test_a_client_of_another_therapist_cannot_be_chosen(
    login, supervisor, therapist, other_therapist, clinic
):
    elsewhere = ClientFactory(clinic=clinic, therapist=other_therapist)
    response = login(supervisor).post(
        NEW, session_post(therapist, an_item(therapist, client=elsewhere.pk))
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not SupervisionSession.objects.exists()


def test_a_former_supervisor_cannot_record_a_session(login, supervisor, therapist):
    Supervision.objects.filter(supervisor=supervisor).update(
        ended_on=today() - dt.timedelta(days=2)
    )
    http = login(supervisor)
    assert "no current supervisee" in http.get(NEW).content.decode()
    response = http.post(NEW, session_post(therapist, an_item(therapist)))
    assert response.status_code == 200
    assert not SupervisionSession.objects.exists()


def test_a_former_supervisor_no_longer_reads_the_old_sessions(
    login, supervisor, therapist
):
    session = SupervisionSessionFactory(supervisor=supervisor, supervisee=therapist)
    Supervision.objects.filter(supervisor=supervisor).update(
        ended_on=today() - dt.timedelta(days=2)
    )
    http = login(supervisor)
    assert http.get(session.get_absolute_url()).status_code == 404
    listing = http.get(reverse("attachment:supervision_sessions")).content.decode()
    assert session.get_absolute_url() not in listing
    # The supervisee keeps their own record.
    assert login(therapist).get(session.get_absolute_url()).status_code == 200


def test_a_supervisor_whose_role_is_taken_away_no_longer_reads_their_sessions(
    login, clinic, supervisor, therapist
):
    session = SupervisionSessionFactory(supervisor=supervisor, supervisee=therapist)
    # The link is still current; the supervisor role in the clinic is gone.
    supervisor.memberships.filter(clinic=clinic, role=Role.SUPERVISOR).delete()

    http = login(supervisor)

    assert http.get(session.get_absolute_url()).status_code == 404
    listing = http.get(reverse("attachment:supervision_sessions")).content.decode()
    assert session.get_absolute_url() not in listing


def test_the_admin_is_refused_every_supervision_page(
    login, admin, supervisor, therapist
):
    session = SupervisionSessionFactory(supervisor=supervisor, supervisee=therapist)
    http = login(admin)
    assert http.get(session.get_absolute_url()).status_code == 403
    assert http.get(reverse("attachment:supervision_sessions")).status_code == 403
    assert http.get(NEW).status_code == 403


def test_reading_a_session_is_audited_per_client(login, supervisor, therapist, client):
    session = SupervisionSessionFactory(supervisor=supervisor, supervisee=therapist)
    ActionItemFactory(session=session, client=client)
    login(supervisor).get(session.get_absolute_url())
    event = AuditEvent.objects.get(actor=supervisor, action="read")
    assert (event.object_id, event.client_id) == (session.pk, client.pk)


def test_the_session_page_shows_items_with_an_overdue_badge(
    login, supervisor, therapist
):
    session = SupervisionSessionFactory(
        supervisor=supervisor,
        supervisee=therapist,
        held_at=timezone.now() - dt.timedelta(days=20),
    )
    ActionItemFactory(
        session=session,
        set_on=today() - dt.timedelta(days=20),
        due_on=today() - dt.timedelta(days=3),
    )
    html = login(therapist).get(session.get_absolute_url()).content.decode()
    assert "overdue" in html
    assert "Mark done" in html
    assert (
        "Mark done"
        not in login(supervisor).get(session.get_absolute_url()).content.decode()
    )


def test_the_owner_marks_an_item_done_from_the_home_page(login, supervisor, therapist):
    session = SupervisionSessionFactory(supervisor=supervisor, supervisee=therapist)
    item = ActionItemFactory(session=session, text="Call the covering therapist")
    http = login(therapist)
    assert "Call the covering therapist" in http.get("/").content.decode()
    response = http.post(
        reverse("attachment:action_item_done", args=[item.pk]), {"return_to": "home"}
    )
    assert response["Location"] == reverse("clinic:home")
    item.refresh_from_db()
    assert item.done_by == therapist
    assert "Call the covering therapist" not in http.get("/").content.decode()


def test_the_supervisor_home_shows_each_supervisees_next_follow_up(
    login, supervisor, therapist
):
    SupervisionSessionFactory(
        supervisor=supervisor,
        supervisee=therapist,
        follow_up_on=today() + dt.timedelta(days=9),
    )
    html = login(supervisor).get("/").content.decode()
    assert "Supervision follow-ups" in html
    assert (today() + dt.timedelta(days=9)).strftime("%-d %b %Y") in html
    assert "Supervision follow-ups" not in login(therapist).get("/").content.decode()


def _queries(http, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert http.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/", reverse("attachment:supervision_sessions")])
@pytest.mark.parametrize("reader", ["therapist", "supervisor"])
def test_pages_listing_sessions_and_items_have_a_fixed_number_of_queries(
    login, supervisor, therapist, client, url, reader
):
    def add(count: int) -> None:
        for _ in range(count):
            session = SupervisionSessionFactory(
                supervisor=supervisor, supervisee=therapist
            )
            ActionItemFactory(session=session, client=client, due_on=today())
            ActionItemFactory(session=session, owner=supervisor)

    http = login(supervisor if reader == "supervisor" else therapist)
    add(2)
    few = _queries(http, url)
    add(6)
    assert _queries(http, url) == few


def test_the_session_list_needs_few_queries(
    login, supervisor, therapist, django_assert_max_num_queries
):
    for _ in range(5):
        SupervisionSessionFactory(supervisor=supervisor, supervisee=therapist)
    http = login(supervisor)
    with django_assert_max_num_queries(20):
        response = http.get(reverse("attachment:supervision_sessions"))
    assert response.content.decode().count("/records/supervision/") >= 5
