"""What the copy holds: every kind of record of the period and nothing of
the others; never a process note, a reflection or anything of supervision;
no draft; and a first page that says what is left out and why."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.attachment.client_copy.conftest import (
    KINDS,
    MOMENTS,
    PERIOD,
    PRIVATE_TEXTS,
    SCORES,
    copy_url,
    signed_note,
)
from tests.attachment.factories import ContactFactory
from tests.factories import ClientFactory
from tests.test_security_headers import assert_no_inline_code, assert_strict_policy


@pytest.fixture
def produced(record, login, therapist) -> str:
    response = login(therapist).get(copy_url(record.client), PERIOD)
    assert response.status_code == 200
    assert response.templates[0].name == "attachment/client_copy/copy.html"
    return response.content.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_the_copy_holds_each_kind_of_record_of_the_period(produced, kind):
    assert f"INSIDE-{kind}" in produced


# The plan in force when the period began is shown (tested below).
OUTSIDE = [
    f"{place}-{kind}"
    for place in ("BEFORE", "AFTER")
    for kind in KINDS
    if (place, kind) != ("BEFORE", "plan")
]


@pytest.mark.parametrize("text", OUTSIDE)
def test_the_copy_holds_nothing_from_outside_the_period(produced, text):
    assert text not in produced


def test_the_measures_of_the_period_are_there_and_no_others(produced):
    assert SCORES["INSIDE"] in produced
    assert SCORES["BEFORE"] not in produced
    assert SCORES["AFTER"] not in produced


def test_the_plan_in_force_when_the_period_began_is_shown_as_such(produced):
    assert "BEFORE-plan" in produced
    assert "(in force when the period began)" in produced
    assert "OLDEST-plan" not in produced


@pytest.mark.parametrize("what", sorted(PRIVATE_TEXTS))
def test_private_records_never_appear_in_the_copy(produced, what):
    assert PRIVATE_TEXTS[what] not in produced


def test_drafts_are_left_out_and_the_first_page_says_so(produced):
    assert "DRAFT-NOTE-TEXT" not in produced
    assert "unsigned drafts are not included (1 from this period)" in produced


def test_the_first_page_says_what_is_left_out_and_why(produced, therapist, record):
    first_page = produced.split('id="copy-notes"')[0]
    for words in (
        "What this copy leaves out, and why",
        "Process notes.",
        "psychotherapy notes (45 CFR 164.501)",
        "45 CFR 164.524(a)(1)(i)",
        "reflections.",
        "Supervision notes.",
        "Session notes that are not signed yet.",
        "1 March 2026 to 31 March 2026",
        f"{therapist.full_name}, your therapist",
    ):
        assert words in first_page, words
    produced_on = timezone.localdate(timezone.now(), record.client.zone)
    assert f"{produced_on.day} {produced_on:%B %Y}" in first_page


def test_signer_and_co_signer_are_named_with_their_times(
    login, therapist, supervisor, client
):
    signed_note(
        client,
        at=MOMENTS["INSIDE"],
        text="COSIGNED-NOTE",
        cosigned_by=supervisor,
    )
    page = login(therapist).get(copy_url(client), PERIOD).content.decode()
    assert "COSIGNED-NOTE" in page
    # 12:00 UTC is 12:00 in London in early March; signed 3 hours later.
    assert f"Signed by {therapist.full_name} on 10 March 2026, 15:00" in page
    assert f"co-signed by {supervisor.full_name} on 11 March 2026, 12:00" in page


def test_a_note_awaiting_co_signature_is_left_out_and_counted(login, therapist, client):
    signed_note(client, at=MOMENTS["INSIDE"], text="AWAITING-NOTE", awaiting=True)
    page = login(therapist).get(copy_url(client), PERIOD).content.decode()
    assert "AWAITING-NOTE" not in page
    assert "1 note from this period is still waiting" in page


def test_contact_times_are_in_the_clients_zone(login, therapist, clinic):
    client = ClientFactory(clinic=clinic, therapist=therapist, timezone="Asia/Tokyo")
    ContactFactory(
        client=client, occurred_at=dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)
    )
    page = login(therapist).get(copy_url(client), PERIOD).content.decode()
    assert "11 Mar 2026 08:30" in page
    assert "Asia/Tokyo time zone" in page


def test_the_period_is_whole_days_in_the_clients_zone(login, therapist, clinic):
    """In Tokyo, 28 February 15:30 UTC is already 1 March, and 31 March
    16:30 UTC is already 1 April."""
    client = ClientFactory(clinic=clinic, therapist=therapist, timezone="Asia/Tokyo")
    ContactFactory(
        client=client,
        occurred_at=dt.datetime(2026, 2, 28, 15, 30, tzinfo=dt.UTC),
        channel="email",
    )
    ContactFactory(
        client=client,
        occurred_at=dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.UTC),
        channel="voicemail",
    )
    page = login(therapist).get(copy_url(client), PERIOD).content.decode()
    contacts = page.split('id="copy-contacts"')[1].split("</section>")[0]
    assert "E-mail" in contacts
    assert "Voicemail" not in contacts


def test_summaries_are_shown_only_when_the_clinic_keeps_them(login, therapist, client):
    ContactFactory(client=client, occurred_at=MOMENTS["INSIDE"], summary="SUMMARY-X")
    kept = login(therapist).get(copy_url(client), PERIOD).content.decode()
    assert "SUMMARY-X" not in kept
    assert "does not keep what messages said" in kept

    client.clinic.keep_message_preview = True
    client.clinic.save(update_fields=["keep_message_preview"])
    shown = login(therapist).get(copy_url(client), PERIOD).content.decode()
    assert "SUMMARY-X" in shown
    assert "does not keep what messages said" not in shown


def test_an_empty_period_says_so_for_every_part(login, therapist, client):
    page = login(therapist).get(copy_url(client), PERIOD).content.decode()
    assert page.count('class="copy-none"') == 7


def test_flags_show_their_sentence_and_no_statistics(produced):
    assert "INSIDE-flag: contacts rose to about 3 a week." in produced
    for jargon in ("p_value", "score", "Some evidence", "Strong evidence", "yellow"):
        assert jargon not in produced.split('id="copy-flags"')[1], jargon


def test_the_copy_keeps_the_strict_policy_with_its_own_stylesheet(
    record, login, therapist
):
    response = login(therapist).get(copy_url(record.client), PERIOD)
    assert_strict_policy(response)
    assert_no_inline_code(response)
    page = response.content.decode()
    assert "/static/clinic/client_copy.css" in page
    assert "csrfmiddlewaretoken" not in page
