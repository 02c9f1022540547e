"""Submissions of the inbox's assign form, valid and not: a client the user
may assign to turns the message into exactly one contact (and, when asked,
one address); anything else changes nothing.  Always back to the inbox,
never a server error."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attachment.models import ClientAddress, Contact

SLOW = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
choices = st.one_of(
    st.just("own"), st.just("other"), st.text(max_size=12), st.integers()
)
remembers = st.one_of(st.sampled_from(["", "on", "true", "false"]), st.text(max_size=8))


@SLOW
@given(chosen=choices, remember=remembers)
def test_any_assignment_is_done_whole_or_not_at_all(
    login, therapist, other_therapist, clinic, client, message, chosen, remember
):
    from tests.factories import ClientFactory

    http = login(therapist)
    with transaction.atomic():
        theirs = ClientFactory(clinic=clinic, therapist=other_therapist)
        value = {"own": str(client.pk), "other": str(theirs.pk)}.get(
            chosen, str(chosen)
        )
        response = http.post(
            reverse("attachment:unmatched_assign", args=[message.pk]),
            {"client": value, "remember": remember},
        )
        assert response.status_code == 302
        assigned = value == str(client.pk)
        assert Contact.objects.count() == (1 if assigned else 0)
        remembered = ClientAddress.objects.count()
        if not assigned or remember in ("", "false"):
            assert remembered == 0
        elif remember in ("on", "true"):
            assert remembered == 1
        message.refresh_from_db()
        assert (message.resolution == "assigned") == assigned
        transaction.set_rollback(True)
