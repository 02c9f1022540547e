"""Submissions of the address forms, valid and not: a valid one adds
exactly one normalised address, any other adds nothing and answers with
the form again, whose error never repeats what was typed.  Never a server
error."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attachment.ingestion.addresses import address_normalised
from attachment.models import ClientAddress

PHONES = ["+44 7700 900123", "07700 900124", "(020) 7946 0018", "+1 202 555 0143"]
EMAILS = ["Robin@Example.test", "a.b@c.example", "x@y"]
addresses = st.one_of(
    st.text(max_size=340),
    st.sampled_from(PHONES + EMAILS + ["", " ", "@", "+", "++44"]),
    st.from_regex(r"\+?[0-9 ()-]{0,20}", fullmatch=True),
    st.emails(),
)
SLOW = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _valid(raw: str) -> bool:
    if "\x00" in raw or len(raw.strip()) > 320 or not raw.strip():
        return False
    try:
        address_normalised(raw.strip())
    except ValidationError:
        return False
    return True


def _error_text(page: str, raw: str) -> str:
    """The page without the field that holds the value typed."""
    return page.replace(f'value="{raw}"', "")


@SLOW
@given(raw=addresses)
def test_any_address_on_the_therapists_page_is_saved_whole_or_refused(
    login, therapist, client, raw
):
    http = login(therapist)
    url = reverse("attachment:client_addresses", args=[client.pk])
    with transaction.atomic():
        response = http.post(url, {"address": raw})
        created = ClientAddress.objects.count()
        valid = _valid(raw)
        assert created == (1 if valid else 0)
        assert response.status_code == (302 if valid else 200)
        if valid:
            assert ClientAddress.objects.get().value == address_normalised(raw)[1]
        transaction.set_rollback(True)


clients = st.one_of(st.none(), st.text(max_size=12), st.integers())


@SLOW
@given(raw=addresses, chosen=clients, own=st.booleans())
def test_any_submission_of_the_admins_form_is_saved_whole_or_refused(
    login, admin, client, raw, chosen, own
):
    http = login(admin)
    data = {"address": raw}
    if own:
        data["client"] = str(client.pk)
    elif chosen is not None:
        data["client"] = str(chosen)
    with transaction.atomic():
        response = http.post(reverse("attachment:address_admin"), data)
        valid = _valid(raw) and data.get("client") == str(client.pk)
        assert ClientAddress.objects.count() == (1 if valid else 0)
        assert response.status_code == (302 if valid else 200)
        transaction.set_rollback(True)


@SLOW
@given(raw=st.sampled_from(["call me on 555", "robin at example", "12"]))
def test_a_refusal_does_not_repeat_the_address(login, therapist, client, raw):
    http = login(therapist)
    url = reverse("attachment:client_addresses", args=[client.pk])
    with transaction.atomic():
        page = http.post(url, {"address": raw}).content.decode()
        assert raw not in _error_text(page, raw)
        transaction.set_rollback(True)
