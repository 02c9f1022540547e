"""Break-glass: a clinician of the client's clinic with no other way in, and
no trainee, opens the client's cover page for twelve hours after giving a
reason; the therapist, their supervisor and the clinic admin are told at
once; every read is a ``break_glass_page`` event; the clinic admin or the
supervisor reviews it.  Nobody in another clinic ever gets in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from attachment.models import Contact, LoggedWhile, Notification, NotificationKind
from clinic.access import BREAK_GLASS_PAGE
from clinic.models import (
    AuditAction,
    AuditEvent,
    BreakGlassGrant,
    BreakGlassReason,
    BreakGlassVerdict,
    Role,
)
from tests.factories import (
    ClientFactory,
    MembershipFactory,
    SupervisionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

REASON = "A crisis text came in and the therapist is on a flight."
BREAK_GLASS = reverse("attachment:break_glass")
REVIEW = reverse("attachment:break_glass_review")


def asked(client, **changes) -> dict:
    return {
        "code": client.code,
        "reason": BreakGlassReason.CRISIS_CONTACT,
        "explanation": REASON,
        **changes,
    }


def cover_url(client) -> str:
    return reverse("attachment:cover_page", args=[client.pk])


@pytest.fixture
def colleague(clinic):
    """A therapist of the clinic with no link to the client."""
    user = UserFactory(email="colleague@example.test", full_name="Cal Colleague")
    MembershipFactory(user=user, clinic=clinic, role=Role.THERAPIST)
    return user


@pytest.fixture
def grant(login, colleague, client, supervisor, admin) -> BreakGlassGrant:
    login(colleague).post(BREAK_GLASS, asked(client))
    return BreakGlassGrant.objects.get()


# --- refused ---------------------------------------------------------------


@pytest.mark.parametrize(
    "explanation", ["", "   ", "too short to say", " " * 10 + "x" * 19 + " " * 10]
)
def test_without_a_reason_of_twenty_characters_nothing_opens(
    login, colleague, client, explanation
):
    response = login(colleague).post(
        BREAK_GLASS, asked(client, explanation=explanation)
    )
    assert response.status_code == 200
    assert "explanation" in response.context["form"].errors
    assert not BreakGlassGrant.objects.exists()
    assert not AuditEvent.objects.filter(actor=colleague).exists()


def test_without_a_reason_from_the_list_nothing_opens(login, colleague, client):
    for reason in ("", "because"):
        response = login(colleague).post(BREAK_GLASS, asked(client, reason=reason))
        assert response.status_code == 200
        assert "reason" in response.context["form"].errors
    assert not BreakGlassGrant.objects.exists()


def test_without_a_reason_an_unknown_code_looks_like_a_known_one(
    login, colleague, client
):
    http = login(colleague)
    responses = [
        http.post(BREAK_GLASS, asked(client, code=code, explanation=""))
        for code in (client.code, "NO-SUCH-1")
    ]
    assert [response.status_code for response in responses] == [200, 200]
    known, unknown = (response.context["form"].errors for response in responses)
    assert known == unknown
    assert set(known) == {"explanation"}


def test_with_a_reason_an_unknown_code_answers_404(login, colleague, client):
    response = login(colleague).post(BREAK_GLASS, asked(client, code="NO-SUCH-1"))
    assert response.status_code == 404
    assert not BreakGlassGrant.objects.exists()


def test_a_trainee_is_refused(login, clinic, client, supervisor):
    trainee = UserFactory()
    MembershipFactory(user=trainee, clinic=clinic, role=Role.THERAPIST)
    SupervisionFactory(
        clinic=clinic,
        supervisor=supervisor,
        supervisee=trainee,
        started_on=dt.date(2024, 1, 1),
        cosign_required=True,
    )
    http = login(trainee)
    assert http.get(BREAK_GLASS).status_code == 403
    assert http.post(BREAK_GLASS, asked(client)).status_code == 403
    assert not BreakGlassGrant.objects.exists()


def test_a_clinic_admin_is_refused(login, admin, client):
    assert login(admin).post(BREAK_GLASS, asked(client)).status_code == 403
    assert not BreakGlassGrant.objects.exists()


def test_a_user_of_another_clinic_gets_404_ever(login, outsider, client):
    http = login(outsider)
    assert http.get(BREAK_GLASS).status_code == 200  # they may in their own clinic
    assert http.post(BREAK_GLASS, asked(client)).status_code == 404
    assert http.get(cover_url(client)).status_code == 404
    assert not BreakGlassGrant.objects.exists()


def test_whoever_has_a_way_in_is_sent_to_it(
    login, client, therapist, supervisor, clinic, today_absence_cover
):
    for person in (therapist, supervisor, today_absence_cover):
        response = login(person).post(BREAK_GLASS, asked(client))
        assert response.status_code == 200
        assert "code" in response.context["form"].errors
    assert not BreakGlassGrant.objects.exists()


@pytest.fixture
def today_absence_cover(absence):
    return absence.covering_therapist


# --- opened --------------------------------------------------------------------


def test_with_a_reason_the_cover_page_opens_for_twelve_hours(login, colleague, client):
    before = timezone.now()
    response = login(colleague).post(BREAK_GLASS, asked(client))
    assert response.status_code == 302
    assert response["Location"] == cover_url(client)
    grant = BreakGlassGrant.objects.get()
    assert (grant.client, grant.grantee, grant.explanation) == (
        client,
        colleague,
        REASON,
    )
    assert grant.expires_at - grant.granted_at == dt.timedelta(hours=12)
    assert before <= grant.granted_at <= timezone.now()
    assert AuditEvent.objects.filter(
        actor=colleague,
        action=AuditAction.CREATE,
        object_type="clinic.breakglassgrant",
        object_id=grant.pk,
        client_id=client.pk,
    ).exists()


def test_a_banner_on_each_page_it_opens_says_so(login, colleague, grant, client):
    page = login(colleague).get(cover_url(client)).content.decode()
    assert "Break-glass access" in page
    assert "every page you open under it is recorded" in page.lower()


def test_every_read_under_break_glass_is_a_break_glass_page_event(
    login, colleague, grant, client
):
    http = login(colleague)
    http.get(cover_url(client))
    http.get(cover_url(client))
    reads = AuditEvent.objects.filter(actor=colleague, action=AuditAction.READ)
    assert (
        list(reads.values_list("object_type", "object_id", "client_id"))
        == [(BREAK_GLASS_PAGE, grant.pk, client.pk)] * 2
    )


def test_after_twelve_hours_the_page_answers_404(http, colleague, grant, client, clock):
    clock(grant.expires_at - dt.timedelta(minutes=1))
    http.force_login(colleague)
    assert http.get(cover_url(client)).status_code == 200
    clock(grant.expires_at)
    http.force_login(colleague)
    assert http.get(cover_url(client)).status_code == 404


def test_it_opens_one_client_only(login, colleague, grant, clinic, therapist):
    sibling = ClientFactory(clinic=clinic, therapist=therapist)
    assert login(colleague).get(cover_url(sibling)).status_code == 404


def test_a_second_grant_while_one_is_in_force_is_refused(
    login, colleague, grant, client
):
    response = login(colleague).post(BREAK_GLASS, asked(client))
    assert response.status_code == 200
    assert BreakGlassGrant.objects.count() == 1


def test_therapist_supervisor_and_admin_are_told_at_once(
    grant, therapist, supervisor, admin, colleague, client
):
    told = {
        note.recipient_id: note
        for note in Notification.objects.filter(kind=NotificationKind.BREAK_GLASS)
    }
    assert set(told) == {therapist.pk, supervisor.pk, admin.pk}
    assert told[therapist.pk].url == reverse("clinic:client", args=[client.pk])
    assert told[admin.pk].url == told[supervisor.pk].url == REVIEW
    for note in told.values():
        assert "Cal Colleague" in note.message
        assert client.code not in note.message + note.url
        assert REASON not in note.message


def test_a_contact_logged_under_break_glass_is_marked_so(
    login, colleague, grant, client, therapist
):
    moment = timezone.localtime(timezone.now() - dt.timedelta(minutes=5))
    response = login(colleague).post(
        reverse("attachment:cover_contact_new", args=[client.pk]),
        {
            "occurred_at": moment.strftime("%Y-%m-%dT%H:%M"),
            "channel": "phone",
            "direction": "from_client",
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.logged_while == LoggedWhile.BREAK_GLASS
    page = login(therapist).get(reverse("attachment:contact_list", args=[client.pk]))
    assert "logged by Cal Colleague with break-glass access" in page.content.decode()


# --- reviewed ----------------------------------------------------------------------


def review_url(grant) -> str:
    return reverse("attachment:break_glass_review_grant", args=[grant.pk])


def test_the_admin_and_the_supervisor_find_it_in_the_review_list(
    login, grant, admin, supervisor, unrelated_supervisor, client
):
    for reviewer in (admin, supervisor):
        page = login(reviewer).get(REVIEW).content.decode()
        assert client.code in page and review_url(grant) in page
    page = login(unrelated_supervisor).get(REVIEW).content.decode()
    assert client.code not in page
    assert login(unrelated_supervisor).get(review_url(grant)).status_code == 404


def test_a_review_marks_it_justified_or_not_with_a_note_and_is_audited(
    login, grant, admin, client
):
    response = login(admin).post(
        review_url(grant),
        {
            "verdict": BreakGlassVerdict.NOT_JUSTIFIED,
            "note": "The therapist was reachable.",
        },
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.verdict, grant.review_note, grant.reviewed_by) == (
        BreakGlassVerdict.NOT_JUSTIFIED,
        "The therapist was reachable.",
        admin,
    )
    assert AuditEvent.objects.filter(
        actor=admin,
        action=AuditAction.UPDATE,
        object_type="clinic.breakglassgrant",
        object_id=grant.pk,
        client_id=client.pk,
    ).exists()
    page = login(admin).get(REVIEW).content.decode()
    assert "Not justified" in page


def test_a_review_needs_a_note_and_happens_once(login, grant, admin, supervisor):
    response = login(admin).post(
        review_url(grant), {"verdict": BreakGlassVerdict.JUSTIFIED, "note": " "}
    )
    assert response.status_code == 200
    assert "note" in response.context["form"].errors
    login(admin).post(
        review_url(grant),
        {"verdict": BreakGlassVerdict.JUSTIFIED, "note": "Right call."},
    )
    response = login(supervisor).post(
        review_url(grant), {"verdict": BreakGlassVerdict.NOT_JUSTIFIED, "note": "No."}
    )
    assert response.status_code == 200
    grant.refresh_from_db()
    assert (grant.verdict, grant.reviewed_by) == (BreakGlassVerdict.JUSTIFIED, admin)


def test_nobody_reviews_their_own_access(login, clinic, client, admin, supervisor):
    """A supervisor who also administers the clinic breaks glass for a client
    they do not supervise: another reviewer must judge it."""
    admin_clinician = UserFactory()
    for role in (Role.THERAPIST, Role.ADMIN):
        MembershipFactory(user=admin_clinician, clinic=clinic, role=role)
    login(admin_clinician).post(BREAK_GLASS, asked(client))
    grant = BreakGlassGrant.objects.get()
    response = login(admin_clinician).post(
        review_url(grant), {"verdict": BreakGlassVerdict.JUSTIFIED, "note": "Fine."}
    )
    assert response.status_code == 200
    grant.refresh_from_db()
    assert not grant.is_reviewed
    assert not Notification.objects.filter(recipient=admin_clinician).exists()


def test_the_grantees_home_lists_the_access_while_it_lasts(
    http, colleague, grant, client, clock
):
    http.force_login(colleague)
    page = http.get(reverse("clinic:home")).content.decode()
    assert "Break-glass access" in page and cover_url(client) in page
    clock(grant.expires_at)
    http.force_login(colleague)
    assert cover_url(client) not in http.get(reverse("clinic:home")).content.decode()


def test_the_navigation_counts_the_accesses_awaiting_review(
    login, grant, admin, supervisor, therapist
):
    for reviewer in (admin, supervisor):
        links = login(reviewer).get(REVIEW).context["nav_links"]
        [review] = [
            link
            for link in links
            if link["url_name"] == "attachment:break_glass_review"
        ]
        assert review["badge"] == 1
    links = login(therapist).get(reverse("clinic:home")).context["nav_links"]
    assert "attachment:break_glass_review" not in {link["url_name"] for link in links}
    assert "attachment:break_glass" in {link["url_name"] for link in links}
