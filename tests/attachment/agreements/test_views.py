"""The agreement's pages: who writes, who reads, who is refused, what the
client copy says, and the audit trail of reads and writes."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from attachment.agreements.integration import agreement_panel, approvals_home_panel
from attachment.models import ContactAgreement
from clinic.models import AuditAction, AuditEvent
from tests.attachment.agreements.conftest import inside_the_frame

pytestmark = pytest.mark.django_db

CRISIS = "Call the crisis line on 0800 000 000."


@pytest.fixture
def right_now() -> dt.datetime:
    return timezone.now()


@pytest.fixture
def agreed(client, write, right_now) -> ContactAgreement:
    return write(client, at=right_now)


@pytest.fixture
def wider(client, write, supervisor, right_now) -> ContactAgreement:
    return write(client, at=right_now, weekly_limit=10)


def _url(name: str, client, *more) -> str:
    return reverse(f"attachment:{name}", args=[client.pk, *more])


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _reads(user, client) -> int:
    return AuditEvent.objects.filter(
        actor=user, action=AuditAction.READ, client_id=client.pk
    ).count()


def _form_data(**changes) -> dict:
    data = {
        "allowed_channels": ["text", "phone"],
        "weekly_limit": "2",
        "reply_hours": "24",
        "purposes_text": ["scheduling"],
        "crisis_route": CRISIS,
        "break_arrangements": "Sam answers while Tess is away.",
        "after_ending": "We meet once more to say goodbye.",
        "effective_on": timezone.localdate().isoformat(),
        "client_timezone": "",
    }
    for day in range(5):
        data[f"day{day}_start"], data[f"day{day}_end"] = "09:00", "17:00"
    data.update(changes)
    return data


# --- the therapist writes ---------------------------------------------------------


def test_with_no_agreement_the_page_says_the_frame_judges(
    login, therapist, client, policy
):
    response = login(therapist).get(_url("agreement", client))
    assert response.status_code == 200
    assert "No agreement yet" in _page(response)


def test_the_new_version_form_is_prefilled_from_the_frame(
    login, therapist, client, policy
):
    response = login(therapist).get(_url("agreement_new", client))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["allowed_channels"] == ["text", "email", "phone"]
    assert form.initial["weekly_limit"] == 3
    assert form.initial["day0_start"] == dt.time(9, 0)


def test_the_new_version_form_is_prefilled_from_the_newest_version(
    login, therapist, client, agreed
):
    response = login(therapist).get(_url("agreement_new", client))
    form = response.context["form"]
    assert form.initial["purposes_text"] == ["scheduling"]
    assert form.initial["crisis_route"] == CRISIS
    assert _reads(therapist, client) == 1


def test_the_therapist_writes_a_version(login, therapist, client, policy):
    response = login(therapist).post(_url("agreement_new", client), _form_data())
    assert response.status_code == 302
    version = ContactAgreement.objects.get(client=client)
    assert version.purpose_rules == {"text": ["scheduling"]}
    assert version.crisis_route == CRISIS
    assert AuditEvent.objects.filter(
        actor=therapist,
        action=AuditAction.CREATE,
        object_type="attachment.contactagreement",
        object_id=version.pk,
        client_id=client.pk,
    ).exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"day0_end": "08:00"},
        {"purposes_email": ["scheduling"]},
        {"reply_hours": "0"},
        {"effective_on": "2001-01-01"},
        {"client_timezone": "Mars/Base"},
    ],
)
def test_a_refused_version_comes_back_with_errors_and_saves_nothing(
    login, therapist, client, policy, changes
):
    response = login(therapist).post(
        _url("agreement_new", client), _form_data(**changes)
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "Nothing was saved" in _page(response)
    assert not ContactAgreement.objects.exists()


def test_a_wider_version_without_a_supervisor_is_refused_on_the_form(
    login, therapist, client, policy
):
    response = login(therapist).post(
        _url("agreement_new", client), _form_data(allowed_channels=["text", "social"])
    )
    assert response.status_code == 200
    assert "inside the clinic" in _page(response)
    assert not ContactAgreement.objects.exists()


def test_a_wider_version_with_a_supervisor_awaits_approval(
    login, therapist, supervisor, client, policy
):
    response = login(therapist).post(
        _url("agreement_new", client), _form_data(weekly_limit="")
    )
    assert response.status_code == 302
    page = _page(login(therapist).get(_url("agreement", client)))
    assert "Awaiting the supervisor" in page
    assert "a higher weekly limit" in page


def test_the_therapist_records_the_acknowledgement(login, therapist, client, agreed):
    response = login(therapist).post(
        _url("agreement_acknowledge", client, agreed.version),
        {
            "on": timezone.localdate().isoformat(),
            "how": "in_session",
            "told_of_logging": "on",
        },
    )
    assert response.status_code == 302
    agreed.refresh_from_db()
    assert agreed.acknowledged_how == "in_session"
    assert agreed.client_told_of_logging


def test_an_acknowledgement_in_the_future_is_shown_back_with_its_error(
    login, therapist, client, agreed
):
    tomorrow = timezone.localdate() + dt.timedelta(days=2)
    response = login(therapist).post(
        _url("agreement_acknowledge", client, agreed.version),
        {"on": tomorrow.isoformat(), "how": "in_session"},
    )
    assert response.status_code == 200
    assert "future" in _page(response)
    agreed.refresh_from_db()
    assert agreed.acknowledged_on is None


# --- the client copy -----------------------------------------------------------------


def test_the_client_copy_speaks_in_the_first_person(login, therapist, client, agreed):
    response = login(therapist).get(_url("agreement_copy", client, agreed.version))
    assert response.status_code == 200
    page = " ".join(_page(response).split())
    for sentence in (
        "I can text Tess about appointments on weekdays between 9:00 and 17:00 "
        "(my time, Europe/London).",
        "I can phone Tess on weekdays between 9:00 and 17:00 (my time, Europe/London).",
        "I can get in touch up to twice in any 7 days",
        "Tess will usually reply within 24 hours.",
        f"If I need help in a crisis</h2> <p>{CRISIS}",
        "When Tess is away</h2> <p>Sam Cover answers while Tess is away.",
        "After our work ends</h2> <p>We will meet once more to say goodbye.",
        "Tess keeps a record of our contacts between sessions and may discuss "
        "them in supervision.",
        "never against this agreement",
        "Signature:",
    ):
        assert sentence in page, sentence


def test_the_client_copy_carries_the_acknowledgement_date(
    login, therapist, client, agreed
):
    ContactAgreement.objects.filter(pk=agreed.pk).update(
        acknowledged_on=dt.date(2026, 3, 18), acknowledged_how="signed_copy"
    )
    page = _page(login(therapist).get(_url("agreement_copy", client, agreed.version)))
    assert "I agreed to this on 18 March 2026 by signing a copy." in page
    assert "Signature:" not in page


# --- the supervisor reads and approves; others are refused -----------------------------


def test_the_supervisor_reads_but_does_not_write(login, supervisor, client, agreed):
    http = login(supervisor)
    page = http.get(_url("agreement", client))
    assert page.status_code == 200
    assert CRISIS in _page(page)
    assert "New version" not in _page(page)
    assert http.get(_url("agreement_new", client)).status_code == 403
    assert http.post(_url("agreement_new", client), _form_data()).status_code == 403
    assert ContactAgreement.objects.count() == 1


def test_the_supervisor_approves_a_wider_version(login, supervisor, client, wider):
    http = login(supervisor)
    page = _page(http.get(_url("agreement_version", client, wider.version)))
    assert "Approve version 1" in page
    response = http.post(_url("agreement_approve", client, wider.version))
    assert response.status_code == 302
    wider.refresh_from_db()
    assert wider.approved_by == supervisor


def test_the_therapist_cannot_approve_their_own_version(
    login, therapist, client, wider
):
    response = login(therapist).post(_url("agreement_approve", client, wider.version))
    assert response.status_code == 403
    wider.refresh_from_db()
    assert wider.awaiting_approval


def test_the_supervisor_lists_what_awaits_approval(
    login, supervisor, therapist, client, wider
):
    response = login(supervisor).get(reverse("attachment:agreement_approvals"))
    assert response.status_code == 200
    assert client.code in _page(response)
    assert (
        login(therapist).get(reverse("attachment:agreement_approvals")).status_code
        == 403
    )


@pytest.mark.parametrize("name", ["agreement", "agreement_copy", "agreement_new"])
def test_another_therapist_is_told_nothing(
    login, other_therapist, client, agreed, name
):
    args = [agreed.version] if name == "agreement_copy" else []
    response = login(other_therapist).get(_url(name, client, *args))
    assert response.status_code == 404
    assert CRISIS not in _page(response)


@pytest.mark.parametrize("name", ["agreement", "agreement_copy", "agreement_version"])
def test_the_clinic_admin_never_sees_the_agreement(login, admin, client, agreed, name):
    args = [] if name == "agreement" else [agreed.version]
    response = login(admin).get(_url(name, client, *args))
    assert response.status_code in (403, 404)
    assert CRISIS not in _page(response)


def test_a_version_of_another_client_is_not_found(
    login, therapist, client, agreed, clinic
):
    from tests.factories import ClientFactory

    second = ClientFactory(clinic=clinic, therapist=therapist)
    response = login(therapist).get(_url("agreement_version", second, agreed.version))
    assert response.status_code == 404


# --- audit -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["agreement", "agreement_version", "agreement_copy"])
def test_every_read_is_audited(login, therapist, supervisor, client, agreed, name):
    args = [] if name == "agreement" else [agreed.version]
    for user in (therapist, supervisor):
        assert _reads(user, client) == 0
        login(user).get(_url(name, client, *args))
        event = AuditEvent.objects.get(actor=user, action=AuditAction.READ)
        assert (event.client_id, event.object_id) == (client.pk, agreed.pk)


# --- panels and the notice ------------------------------------------------------------------


def test_the_client_panel_shows_the_agreement_in_force(
    therapist, client, agreed, right_now
):
    request = RequestFactory().get("/")
    request.user = therapist
    context = agreement_panel(request=request, client=client, now=right_now)
    assert context["in_force"] == agreed
    page = " ".join(
        render_to_string(
            "attachment/agreements/_panel.html", {"panel": context}, request=request
        ).split()
    )
    assert "v1" in page
    assert "Europe/London" in page
    assert "Text message: scheduling only" in page
    assert "not yet acknowledged" in page
    assert CRISIS not in page


def test_without_an_agreement_the_panel_points_to_the_frame(
    therapist, client, policy, right_now
):
    request = RequestFactory().get("/")
    request.user = therapist
    context = agreement_panel(request=request, client=client, now=right_now)
    page = render_to_string(
        "attachment/agreements/_panel.html", {"panel": context}, request=request
    )
    assert "No agreement yet — contacts are judged against the clinic" in page
    assert reverse("attachment:agreement_new", args=[client.pk]) in page


def test_the_home_panel_shows_approvals_to_the_supervisor_only(
    therapist, supervisor, client, wider, right_now
):
    request = RequestFactory().get("/")
    request.user = supervisor
    shown = approvals_home_panel(request=request, now=right_now)
    assert shown is not None
    assert shown["waiting"] == [wider]
    request.user = therapist
    assert approvals_home_panel(request=request, now=right_now) is None


def test_the_client_notice_is_plain_and_names_supervision(login, therapist, admin):
    for user in (therapist, admin):
        response = login(user).get(reverse("attachment:client_notice"))
        assert response.status_code == 200
        page = _page(response)
        assert "supervision" in page
        assert "You can ask to see what is recorded about you" in page


def test_the_approvals_list_costs_a_fixed_number_of_queries(
    login, supervisor, client, clinic, therapist, wider, django_assert_max_num_queries
):
    from attachment.agreements import services
    from tests.factories import ClientFactory

    for _ in range(3):
        more = ClientFactory(clinic=clinic, therapist=therapist)
        services.agreement_write(
            actor=therapist,
            client=more,
            values=inside_the_frame(weekly_limit=9),
            effective_on=timezone.localdate(),
            now=timezone.now(),
        )
    http = login(supervisor)
    http.get(reverse("attachment:agreement_approvals"))
    with django_assert_max_num_queries(20) as counted:
        http.get(reverse("attachment:agreement_approvals"))
    few = len(counted.captured_queries)
    for _ in range(3):
        more = ClientFactory(clinic=clinic, therapist=therapist)
        services.agreement_write(
            actor=therapist,
            client=more,
            values=inside_the_frame(weekly_limit=9),
            effective_on=timezone.localdate(),
            now=timezone.now(),
        )
    with django_assert_max_num_queries(few):
        response = http.get(reverse("attachment:agreement_approvals"))
    assert len(response.context["waiting"]) == 7


def test_the_client_page_shows_the_agreement_near_the_top(
    login, therapist, client, agreed
):
    response = login(therapist).get(reverse("clinic:client", args=[client.pk]))
    assert response.status_code == 200
    page = _page(response)
    assert "Between-sessions agreement v1" in page
    assert page.index("Between-sessions agreement") < page.index("Coping plan")


def test_the_supervisors_home_lists_the_versions_awaiting_approval(
    login, supervisor, therapist, client, wider
):
    page = _page(login(supervisor).get(reverse("clinic:home")))
    assert "Agreements awaiting your approval" in page
    assert wider.get_absolute_url() in page
    page = _page(login(therapist).get(reverse("clinic:home")))
    assert "Agreements awaiting your approval" not in page


def test_the_agreement_page_costs_the_same_with_more_versions(
    login, therapist, client, write, right_now, django_assert_max_num_queries
):
    write(client, at=right_now)
    http = login(therapist)
    http.get(_url("agreement", client))
    with django_assert_max_num_queries(40) as counted:
        http.get(_url("agreement", client))
    few = len(counted.captured_queries)
    for minutes in range(1, 6):
        write(client, at=right_now + dt.timedelta(minutes=minutes), weekly_limit=1)
    with django_assert_max_num_queries(few):
        response = http.get(_url("agreement", client))
    assert len(response.context["rows"]) == 6
