"""The pages people open all day cost the same number of queries whatever
the clinic's size (issue 19): each is counted at a small and at a larger
clinic, and the count is pinned.  (Their speed is measured by ``manage.py
bench_web``, never here.)

A larger clinic has more clients for the therapist and for a second
supervisee, and more contacts, ruptures, notes, reflections and flags for
every client, the busiest client included.  Each count is of one request
after a first one, which starts the session.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from attachment.models import Flag, FlagStatus
from clinic.models import Role
from tests.attachment.factories import ContactFactory, FlagFactory, RuptureFactory
from tests.factories import (
    ClientFactory,
    MembershipFactory,
    SupervisionFactory,
    UserFactory,
)
from tests.notes.factories import ReflectionFactory, SessionNoteFactory

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
SIZES = [1, 6]


def _records(client, size: int, now: dt.datetime) -> None:
    """``size`` of each kind of record for ``client``: contacts answered and
    not, some without a purpose (to classify), ruptures, notes, reflections,
    flags that have reached the supervisor, a fresh one and a closed one."""
    for number in range(size):
        at = now - (number + 2) * DAY
        ContactFactory(client=client, occurred_at=at, responded_at=at + DAY / 4)
        ContactFactory(client=client, occurred_at=at, purpose="")
        ContactFactory(client=client, occurred_at=at, direction="from_therapist")
        RuptureFactory(client=client, noticed_at=at)
        SessionNoteFactory(client=client, session_at=at)
        ReflectionFactory(client=client, written_at=at)
        FlagFactory(client=client, tier="red" if number % 2 else "yellow")
        FlagFactory(client=client, status=FlagStatus.DISMISSED)
    FlagFactory(client=client, detected_at=now, updated_at=now)


def _clinic_of(size: int, *, clinic, therapist, supervisor, client) -> None:
    """The shared cast's clinic at ``size``: the therapist's client and
    ``size`` more, and a second supervisee of the supervisor with ``size``
    clients, each with ``size`` of every record."""
    now = timezone.now()
    second = UserFactory()
    MembershipFactory(user=second, clinic=clinic, role=Role.THERAPIST)
    SupervisionFactory(clinic=clinic, supervisor=supervisor, supervisee=second)
    clients = [client]
    for _ in range(size):
        clients.append(ClientFactory(clinic=clinic, therapist=therapist))
        clients.append(ClientFactory(clinic=clinic, therapist=second))
    for each in clients:
        _records(each, size, now)


@pytest.fixture(params=SIZES, ids=[f"clinic-of-{size}" for size in SIZES])
def sized_clinic(request, clinic, therapist, supervisor, admin, client):
    _clinic_of(
        request.param,
        clinic=clinic,
        therapist=therapist,
        supervisor=supervisor,
        client=client,
    )
    return request.param


def _reached_flag(client, supervisor) -> Flag:
    """A live flag of ``client`` that has reached the supervisor."""
    return (
        Flag.objects.filter(client=client, status=FlagStatus.OPEN)
        .exclude(detected_at__gte=timezone.now() - 7 * DAY)
        .order_by("pk")
        .first()
    )


def _counted(http, url, django_assert_num_queries, queries: int, **post):
    http.get(url)  # the first request starts the session
    with django_assert_num_queries(queries):
        response = http.post(url, post) if post else http.get(url)
    return response


# The pinned counts include the session and the user, the request's
# savepoints, the navigation (roles, unread notifications, reviews awaited)
# and the audit chain's head and insert.
CASELOAD_THERAPIST = 21
CASELOAD_SUPERVISOR = 28
CLIENT_PAGE = 34
TIMELINE_FIRST_PAGE = 22
TIMELINE_LAST_PAGE = 19
LOG_A_CONTACT = 38
FLAG_QUEUE_THERAPIST = 17
FLAG_QUEUE_SUPERVISOR = 18
FLAG_PAGE_THERAPIST = 20
FLAG_PAGE_SUPERVISOR = 21
SUPERVISOR_OVERVIEW = 18
CLINIC_OVERVIEW = 16


def test_the_therapists_caseload(
    sized_clinic, login, therapist, django_assert_num_queries
):
    response = _counted(
        login(therapist),
        reverse("clinic:home"),
        django_assert_num_queries,
        CASELOAD_THERAPIST,
    )
    assert response.status_code == 200
    assert len(response.context["own_clients"]) == sized_clinic + 1


def test_the_supervisors_caseload(
    sized_clinic, login, supervisor, django_assert_num_queries
):
    response = _counted(
        login(supervisor),
        reverse("clinic:home"),
        django_assert_num_queries,
        CASELOAD_SUPERVISOR,
    )
    assert response.status_code == 200
    assert len(response.context["supervisee_caseloads"]) == 2


def test_the_client_page(
    sized_clinic, login, therapist, client, django_assert_num_queries
):
    response = _counted(
        login(therapist),
        client.get_absolute_url(),
        django_assert_num_queries,
        CLIENT_PAGE,
    )
    assert response.status_code == 200


@pytest.mark.parametrize("deep", [False, True], ids=["first-page", "last-page"])
def test_the_timeline(
    sized_clinic, deep, login, therapist, client, django_assert_num_queries
):
    # The last page holds these only, at any size.
    ContactFactory.create_batch(
        60, client=client, occurred_at=timezone.now() - 400 * DAY
    )
    http = login(therapist)
    url = reverse("attachment:timeline", args=[client.pk])
    if deep:
        last = http.get(url).context["page"].paginator.num_pages
        url += f"?page={last}"
    queries = TIMELINE_LAST_PAGE if deep else TIMELINE_FIRST_PAGE
    response = _counted(http, url, django_assert_num_queries, queries)
    assert response.status_code == 200
    assert response.context["page"].has_next() is not deep


def test_logging_a_contact(
    sized_clinic, login, therapist, client, django_assert_num_queries
):
    url = reverse("attachment:contact_new", args=[client.pk])
    response = _counted(
        login(therapist),
        url,
        django_assert_num_queries,
        LOG_A_CONTACT,
        occurred_at=timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        channel="text",
        direction="from_client",
        purpose="",
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("role", "queries"),
    [("therapist", FLAG_QUEUE_THERAPIST), ("supervisor", FLAG_QUEUE_SUPERVISOR)],
)
def test_the_flag_queue(
    sized_clinic, role, queries, request, login, django_assert_num_queries
):
    response = _counted(
        login(request.getfixturevalue(role)),
        reverse("attachment:flag_queue"),
        django_assert_num_queries,
        queries,
    )
    assert response.status_code == 200
    assert response.context["cards"]


@pytest.mark.parametrize(
    ("role", "queries"),
    [("therapist", FLAG_PAGE_THERAPIST), ("supervisor", FLAG_PAGE_SUPERVISOR)],
)
def test_a_flag_page(
    sized_clinic,
    role,
    queries,
    request,
    login,
    client,
    supervisor,
    django_assert_num_queries,
):
    flag = _reached_flag(client, supervisor)
    response = _counted(
        login(request.getfixturevalue(role)),
        reverse("attachment:flag_detail", args=[flag.pk]),
        django_assert_num_queries,
        queries,
    )
    assert response.status_code == 200


def test_the_supervisors_overview(
    sized_clinic, login, supervisor, django_assert_num_queries
):
    response = _counted(
        login(supervisor),
        reverse("attachment:overview"),
        django_assert_num_queries,
        SUPERVISOR_OVERVIEW,
    )
    assert len(response.context["rows"]) == 2


def test_the_clinic_overview(sized_clinic, login, admin, django_assert_num_queries):
    response = _counted(
        login(admin),
        reverse("attachment:clinic_overview"),
        django_assert_num_queries,
        CLINIC_OVERVIEW,
    )
    assert response.status_code == 200
    assert len(response.context["rows"]) >= 2
