"""Contacts to classify: the lists, the one-click purpose, who may set it,
what an unclassified contact counts for, and the flag page's note."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from attachment.ingestion.classify import (
    contact_classify,
    contacts_to_classify,
)
from attachment.models import Contact, ContactAgreement, Purpose, Source
from attachment.records.services import contact_save_with_facts
from clinic.models import AuditAction, AuditEvent
from tests.attachment.factories import ContactFactory, FlagFactory
from tests.attachment.ingestion.matrix_rows import ROWS, build_records
from tests.factories import ClientFactory
from tests.matrix import ADMIN, ANON, OTHER, OUTSIDER, OWN, SUPERVISOR, UNRELATED
from tests.strategies import FIXTURES_RESET, rolled_back, signed_in

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
SUMMARY = "Words only the contact's page may show"


def at(hour: int, minute: int = 0, *, day: int = 10) -> dt.datetime:
    return DAY.replace(day=day, hour=hour, minute=minute)


def arrived(client, when, *, now, direction="from_client", **fields) -> Contact:
    contact = Contact(
        client=client,
        occurred_at=when,
        channel="text",
        direction=direction,
        source=Source.INTEGRATION,
        **fields,
    )
    contact_save_with_facts(contact, client=client, earliest=when, now=now)
    return contact


def url(contact: Contact) -> str:
    return reverse("attachment:contact_classify", args=[contact.pk])


# --- the lists ------------------------------------------------------------------


def test_the_list_holds_the_own_clients_unclassified_contacts_newest_first(
    client, clinic, therapist, other_therapist, now, policy
):
    older = arrived(client, at(9), now=now)
    newer = arrived(client, at(11), now=now)
    arrived(client, at(10), now=now, purpose="scheduling")
    second = ClientFactory(clinic=clinic, therapist=therapist)
    other = arrived(second, at(10), now=now)
    arrived(ClientFactory(clinic=clinic, therapist=other_therapist), at(12), now=now)

    mine = contacts_to_classify(actor=therapist, limit=20)
    this_client = contacts_to_classify(actor=therapist, client=client, limit=20)

    assert [c.pk for c in mine.contacts] == [newer.pk, other.pk, older.pk]
    assert [c.pk for c in this_client.contacts] == [newer.pk, older.pk]
    assert mine.more == this_client.more == 0


def test_the_list_says_how_many_more_there_are(client, therapist, now, policy):
    for minute in range(7):
        arrived(client, at(9, minute), now=now)

    found = contacts_to_classify(actor=therapist, limit=5)

    assert len(found.contacts) == 5
    assert found.more == 2


def test_a_supervisor_has_nothing_to_classify_of_a_supervisees_client(
    client, supervisor, now, policy
):
    arrived(client, at(9), now=now)

    assert (
        contacts_to_classify(actor=supervisor, client=client, limit=10).contacts == []
    )
    assert contacts_to_classify(actor=supervisor, limit=10).contacts == []


def test_the_list_reads_no_summary(client, therapist, now, policy):
    arrived(client, at(9), now=now, summary=SUMMARY)

    [contact] = contacts_to_classify(actor=therapist, limit=10).contacts

    assert "summary" in contact.get_deferred_fields()


# --- the service ----------------------------------------------------------------


def test_classifying_sets_the_purpose_and_records_the_change(
    client, therapist, now, policy
):
    contact = arrived(client, at(9), now=now)
    before = AuditEvent.objects.count()

    contact_classify(actor=therapist, contact=contact, purpose="sharing", now=now)

    assert Contact.objects.get(pk=contact.pk).purpose == "sharing"
    [event] = AuditEvent.objects.order_by("pk")[before:]
    assert (event.actor_id, event.action, event.object_id, event.client_id) == (
        therapist.pk,
        AuditAction.UPDATE,
        contact.pk,
        client.pk,
    )


def test_classifying_as_distress_derives_the_facts_again(
    client, therapist, now, policy
):
    """Unclassified, a contact after hours can be a breach; as distress it
    never is."""
    late = arrived(client, at(21), now=now)
    assert late.after_hours

    contact_classify(actor=therapist, contact=late, purpose="distress", now=now)

    assert not Contact.objects.get(pk=late.pk).after_hours


def test_classifying_again_with_the_same_purpose_records_nothing(
    client, therapist, now, policy
):
    contact = arrived(client, at(9), now=now, purpose="sharing")
    before = AuditEvent.objects.count()

    contact_classify(actor=therapist, contact=contact, purpose="sharing", now=now)

    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("purpose", ["", "unknown", "Distress", " sharing"])
def test_only_a_purpose_of_the_list_is_accepted(
    client, therapist, now, policy, purpose
):
    contact = arrived(client, at(9), now=now)

    with pytest.raises(ValidationError):
        contact_classify(actor=therapist, contact=contact, purpose=purpose, now=now)

    assert Contact.objects.get(pk=contact.pk).purpose == ""


def test_only_the_treating_therapist_classifies(
    client, other_therapist, supervisor, admin, now, policy
):
    contact = arrived(client, at(9), now=now)

    with pytest.raises(Http404):
        contact_classify(
            actor=other_therapist, contact=contact, purpose="sharing", now=now
        )
    with pytest.raises(PermissionDenied):
        contact_classify(actor=supervisor, contact=contact, purpose="sharing", now=now)
    with pytest.raises(PermissionDenied):
        contact_classify(actor=admin, contact=contact, purpose="sharing", now=now)
    assert Contact.objects.get(pk=contact.pk).purpose == ""


# --- what an unclassified contact counts for --------------------------------------


def test_an_unclassified_contact_counts_toward_the_weekly_limit(client, now, policy):
    contacts = [arrived(client, at(9 + n), now=now) for n in range(4)]

    flags = [Contact.objects.get(pk=c.pk).over_weekly_limit for c in contacts]

    assert flags == [False, False, False, True]


def test_an_unclassified_contact_keeps_to_every_rule_by_purpose():
    agreement = ContactAgreement(purpose_rules={"text": ["scheduling"]})

    assert agreement.allows_purpose("text", "")
    assert not agreement.allows_purpose("text", "sharing")


def test_an_unclassified_contact_is_no_purpose_at_all():
    assert "" not in Purpose.values


# --- the view -------------------------------------------------------------------


def test_one_click_sets_the_purpose_and_goes_back(
    client, therapist, login, now, policy
):
    contact = arrived(client, at(9), now=now)
    back = reverse("clinic:home")

    response = login(therapist).post(url(contact), {"purpose": "crisis", "next": back})

    assert response.status_code == 302
    assert response["Location"] == back
    assert Contact.objects.get(pk=contact.pk).purpose == "crisis"


@pytest.mark.parametrize(
    "unsafe",
    ["https://elsewhere.example/", "//elsewhere.example/", "javascript:alert(1)", ""],
)
def test_a_next_off_the_site_goes_to_the_client_page(
    client, therapist, login, now, policy, unsafe
):
    contact = arrived(client, at(9), now=now)

    response = login(therapist).post(url(contact), {"purpose": "other", "next": unsafe})

    assert response["Location"] == client.get_absolute_url()


def test_a_purpose_not_in_the_list_changes_nothing(
    client, therapist, login, now, policy
):
    contact = arrived(client, at(9), now=now)

    response = login(therapist).post(url(contact), {"purpose": "urgent"})

    assert response.status_code == 302
    assert Contact.objects.get(pk=contact.pk).purpose == ""


def test_an_unknown_contact_answers_404(therapist, login):
    assert (
        login(therapist).post("/records/contacts/999999/classify/").status_code == 404
    )


@pytest.fixture
def world(
    client,
    therapist,
    other_therapist,
    supervisor,
    unrelated_supervisor,
    admin,
    outsider,
):
    from types import SimpleNamespace

    world = SimpleNamespace(
        client=client,
        people={
            OWN: therapist,
            OTHER: other_therapist,
            SUPERVISOR: supervisor,
            UNRELATED: unrelated_supervisor,
            ADMIN: admin,
            OUTSIDER: outsider,
            ANON: None,
        },
    )
    build_records(world)
    return world


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_each_role_gets_the_status_of_the_matrix_row(row, world, http):
    for role, person in world.people.items():
        http.logout()
        if person is not None:
            http.force_login(person)
        path = reverse(row.url_name, args=row.args(world))
        response = http.post(path, row.data) if row.method == "POST" else http.get(path)
        assert response.status_code == row.expected[role], role
    assert Contact.objects.get(pk=world.unclassified.pk).purpose == ""


# --- the panels -----------------------------------------------------------------


def test_the_client_page_lists_up_to_ten_with_a_button_per_purpose(
    client, therapist, login, now, policy
):
    for minute in range(12):
        arrived(client, at(9, minute), now=now, summary=SUMMARY)

    page = login(therapist).get(client.get_absolute_url()).content.decode()

    panel = page.split('id="classify-client-heading"')[1].split("</section>")[0]
    assert panel.count('class="mb-2 classify-item"') == 10
    assert "And 2 more" in panel
    assert panel.count('name="purpose"') == 10 * len(Purpose.values)
    assert panel.count("csrfmiddlewaretoken") == 10
    assert SUMMARY not in panel
    assert "onclick" not in page


def test_a_supervisor_sees_no_list_to_classify(client, supervisor, login, now, policy):
    arrived(client, at(9), now=now)

    page = login(supervisor).get(client.get_absolute_url()).content.decode()

    assert "To classify" not in page


def test_the_home_page_lists_twenty_across_clients_without_summaries(
    client, clinic, therapist, login, now, policy
):
    second = ClientFactory(clinic=clinic, therapist=therapist, code="RS-002")
    for minute in range(13):
        arrived(client, at(9, minute), now=now, summary=SUMMARY)
        arrived(second, at(10, minute), now=now, summary=SUMMARY)

    page = login(therapist).get(reverse("clinic:home")).content.decode()

    assert "To classify" in page
    assert page.count('class="mb-2 classify-item"') == 20
    assert "And 6 more" in page
    assert "RS-002" in page
    assert SUMMARY not in page


def test_the_home_page_shows_no_list_when_all_are_classified(
    client, therapist, login, now, policy
):
    arrived(client, at(9), now=now, purpose="sharing")

    page = login(therapist).get(reverse("clinic:home")).content.decode()

    assert "To classify" not in page


def test_a_button_on_the_home_page_brings_the_therapist_back_there(
    client, therapist, login, now, policy
):
    contact = arrived(client, at(9), now=now)
    http = login(therapist)
    page = http.get(reverse("clinic:home")).content.decode()
    [action] = re.findall(r'action="(/records/contacts/\d+/classify/)"', page)
    [back] = re.findall(r'name="next" value="([^"]*)"', page)

    response = http.post(action, {"purpose": "scheduling", "next": back})

    assert response["Location"] == reverse("clinic:home")
    assert Contact.objects.get(pk=contact.pk).purpose == "scheduling"


# --- the flag page ---------------------------------------------------------------


def test_the_flag_page_says_how_many_contacts_in_its_window_are_unclassified(
    client, therapist, login, now, policy
):
    flag = FlagFactory(client=client)
    for hour in (9, 10, 11):
        arrived(client, at(hour), now=now)
    arrived(client, at(12), now=now, purpose="sharing")
    arrived(client, at(9, day=17), now=now)  # after the window
    page_url = reverse("attachment:flag_detail", args=[flag.pk])

    page = login(therapist).get(page_url).content.decode()

    assert (
        "3 contacts in this window are not yet classified: they count for "
        "frequency and replies, not for purpose-based findings." in page
    )


def test_the_flag_page_says_nothing_when_all_are_classified(
    client, therapist, login, now, policy
):
    flag = FlagFactory(client=client)
    contact = arrived(client, at(9), now=now)
    page_url = reverse("attachment:flag_detail", args=[flag.pk])
    http = login(therapist)
    assert (
        "1 contact in this window is not yet classified"
        in http.get(page_url).content.decode()
    )

    contact_classify(actor=therapist, contact=contact, purpose="sharing", now=now)

    assert "not yet classified" not in http.get(page_url).content.decode()


# --- never a server error ----------------------------------------------------------

PURPOSES = st.one_of(st.sampled_from(Purpose.values), st.text(max_size=20))
NEXTS = st.one_of(
    st.sampled_from(["/", "/records/flags/", "//evil.example/", "https://x.example"]),
    st.text(max_size=60),
)


@FIXTURES_RESET
@given(purpose=PURPOSES, next_=NEXTS)
@rolled_back
def test_any_click_sets_a_listed_purpose_or_nothing_and_stays_on_the_site(
    client, therapist, now, policy, purpose, next_
):
    contact = ContactFactory(client=client, occurred_at=at(9), purpose="")
    browser = signed_in(therapist)()

    response = browser.post(url(contact), {"purpose": purpose, "next": next_})

    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith("//")
    stored = Contact.objects.get(pk=contact.pk).purpose
    assert stored == (purpose if purpose in Purpose.values else "")


# --- the panels' cost does not grow with what there is to classify ---------------


def _panel_queries(panel, **kwargs) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        context = panel(**kwargs)
        # The template reads what the panel gives it, as the page renders it.
        assert [c.client.code for c in context["contacts"]]
    return len(queries)


def test_the_classify_lists_cost_the_same_however_much_waits(
    client, clinic, therapist, rf, now, policy
):
    """The home page's list across clients and the client page's list read in
    a fixed number of queries: three times the contacts and clients cost no
    more."""
    from attachment.ingestion.classify_views import (
        classify_client_panel,
        classify_home_panel,
    )

    request = rf.get("/")
    request.user = therapist

    def both() -> tuple[int, int]:
        return (
            _panel_queries(classify_home_panel, request=request, now=now),
            _panel_queries(
                classify_client_panel, request=request, client=client, now=now
            ),
        )

    # Both lists full (more than they show), then three times as much.
    second = ClientFactory(clinic=clinic, therapist=therapist, code="RS-002")
    for minute in range(11):
        arrived(client, at(9, minute), now=now)
        arrived(second, at(10, minute), now=now)
    few = both()

    for number in range(3, 7):
        other = ClientFactory(clinic=clinic, therapist=therapist, code=f"RS-00{number}")
        for minute in range(11):
            arrived(other, at(11, minute), now=now)
    for minute in range(11, 33):
        arrived(client, at(12, minute), now=now)
    many = both()

    assert many == few
    assert max(many) <= 3
