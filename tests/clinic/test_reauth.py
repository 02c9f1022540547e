"""Password re-entry by a signed-in person: counted with sign-in failures,
locked out with them, audited with ids only.

The notes pages that ask for it are tested in ``tests/notes/test_views.py``;
here the request is a real POST as those pages receive it, and the sign-in
that shares the lock goes through allauth's real form.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from clinic.models import AuditAction, AuditEvent
from clinic.reauth import password_confirmed

WRONG = "not-the-password-42"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def posted_by(user, ip: str = "127.0.0.1", **fields: str):
    request = RequestFactory().post("/notes/1/sign/", fields, REMOTE_ADDR=ip)
    request.user = user
    return request


def denied_events():
    return list(
        AuditEvent.objects.filter(action=AuditAction.DENIED).values(
            "actor_id", "object_type", "object_id", "client_id", "ip"
        )
    )


def test_the_right_password_confirms_and_writes_no_event(therapist, password):
    assert password_confirmed(posted_by(therapist), password)
    assert denied_events() == []


def test_a_wrong_password_is_counted_and_audited_with_ids_only(therapist):
    assert not password_confirmed(posted_by(therapist), WRONG)

    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address) == (therapist.email, "127.0.0.1")
    assert attempt.failures_since_start == 1
    assert denied_events() == [
        {
            "actor_id": therapist.pk,
            "object_type": "clinic.user",
            "object_id": therapist.pk,
            "client_id": None,
            "ip": "127.0.0.1",
        }
    ]


def test_the_event_names_the_record_about_to_be_signed(therapist, client):
    password_confirmed(posted_by(therapist), WRONG, obj=client)
    [event] = denied_events()
    assert (event["object_type"], event["object_id"]) == ("clinic.client", client.pk)


def test_another_persons_password_does_not_confirm(therapist, other_therapist):
    other_therapist.set_password("the-other-persons-password")
    other_therapist.save()
    request = posted_by(therapist)
    assert not password_confirmed(request, "the-other-persons-password")


def test_five_wrong_re_entries_lock_re_entry_and_sign_in_from_that_address(
    http, therapist, password
):
    for _ in range(5):
        assert not password_confirmed(posted_by(therapist), WRONG)

    assert not password_confirmed(posted_by(therapist), password)
    assert len(denied_events()) == 6
    here = http.post(
        reverse("account_login"), {"login": therapist.email, "password": password}
    )
    assert here.status_code == 429
    elsewhere = http.post(
        reverse("account_login"),
        {"login": therapist.email, "password": password},
        REMOTE_ADDR="10.0.0.2",
    )
    assert elsewhere.status_code == 302


def test_a_right_password_clears_the_failures_before_it(therapist, password):
    for _ in range(4):
        password_confirmed(posted_by(therapist), WRONG)

    assert password_confirmed(posted_by(therapist), password)

    assert not AccessAttempt.objects.exists()
    password_confirmed(posted_by(therapist), WRONG)
    assert password_confirmed(posted_by(therapist), password)


def test_the_lock_of_one_address_leaves_re_entry_from_another(therapist, password):
    for _ in range(5):
        password_confirmed(posted_by(therapist, ip="10.0.0.1"), WRONG)
    assert password_confirmed(posted_by(therapist, ip="10.0.0.2"), password)


def test_the_form_around_the_password_does_not_reach_the_lockout_records(
    therapist,
):
    request = posted_by(therapist, text="Client spoke about the weekend.")

    password_confirmed(request, WRONG)

    attempt = AccessAttempt.objects.get()
    assert "weekend" not in attempt.post_data
    assert request.POST["text"] == "Client spoke about the weekend."
