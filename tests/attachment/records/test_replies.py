"""Replies are replies: a therapist contact linked to the client contact it
answers never counts as a contact the therapist started."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attachment.cover import services as cover_services
from attachment.cover.forms import CoverContactForm
from attachment.models import Contact
from attachment.records import services
from attachment.records.charts import weekly_counts
from attachment.records.forms import ContactForm
from attachment.records.selectors import unanswered_contacts_of
from clinic.models import AuditEvent
from tests.attachment.factories import ContactFactory
from tests.attachment.records.test_weeks import (
    NOW,
    WEEK_OF_9_MARCH,
    at,
    scan_input,
)
from tests.factories import (
    AbsenceFactory,
    ClientFactory,
    MembershipFactory,
    UserFactory,
)
from tests.strategies import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def auckland_client(client):
    client.clinic.timezone = "Pacific/Auckland"
    client.clinic.save(update_fields=["timezone"])
    return client


def test_a_reply_linked_to_a_contact_is_not_therapist_initiated(auckland_client):
    asked = ContactFactory(client=auckland_client, occurred_at=at(10, 20))
    ContactFactory(
        client=auckland_client,
        occurred_at=at(10, 21),
        direction="from_therapist",
        in_reply_to=asked,
    )
    ContactFactory(
        client=auckland_client, occurred_at=at(11, 12), direction="from_therapist"
    )

    series = scan_input(auckland_client, NOW)
    weekly = dict(zip(series.week_starts, series.therapist_initiated, strict=True))
    assert int(weekly[WEEK_OF_9_MARCH]) == 1

    charted = {
        w.starts_on: w.from_therapist
        for w in weekly_counts(client=auckland_client, now=NOW)
    }
    assert charted[WEEK_OF_9_MARCH] == 1


def test_a_linked_reply_after_hours_is_not_a_therapist_initiated_after_hours_contact(
    auckland_client,
):
    asked = ContactFactory(client=auckland_client, occurred_at=at(10, 22))
    ContactFactory(
        client=auckland_client,
        occurred_at=at(10, 23),
        direction="from_therapist",
        after_hours=True,
        in_reply_to=asked,
    )

    charted = {
        w.starts_on: w.therapist_after_hours
        for w in weekly_counts(client=auckland_client, now=NOW)
    }
    assert charted[WEEK_OF_9_MARCH] == 0


def test_the_database_refuses_a_reply_to_another_clients_contact(client):
    other = ContactFactory(
        client=ClientFactory(clinic=client.clinic), occurred_at=at(10, 9)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(
            client=client,
            occurred_at=at(10, 10),
            direction="from_therapist",
            in_reply_to=other,
        )


def test_the_database_refuses_a_reply_to_a_later_contact(client):
    later = ContactFactory(client=client, occurred_at=at(10, 11))
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(
            client=client,
            occurred_at=at(10, 10),
            direction="from_therapist",
            in_reply_to=later,
        )


def test_the_database_refuses_a_reply_to_a_therapist_contact(client):
    own = ContactFactory(
        client=client, occurred_at=at(10, 9), direction="from_therapist"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(
            client=client,
            occurred_at=at(10, 10),
            direction="from_therapist",
            in_reply_to=own,
        )


def test_the_database_refuses_a_client_contact_that_replies(client):
    asked = ContactFactory(client=client, occurred_at=at(10, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(
            client=client,
            occurred_at=at(10, 10),
            direction="from_client",
            in_reply_to=asked,
        )


def test_a_reply_may_be_moved_only_while_it_still_follows_its_contact(client):
    asked = ContactFactory(client=client, occurred_at=at(10, 9))
    reply = ContactFactory(
        client=client,
        occurred_at=at(10, 10),
        direction="from_therapist",
        in_reply_to=asked,
    )
    reply.occurred_at = at(10, 9) + dt.timedelta(minutes=5)
    reply.save(update_fields=["occurred_at"])
    reply.occurred_at = at(10, 8)
    with pytest.raises(IntegrityError), transaction.atomic():
        reply.save(update_fields=["occurred_at"])


# Logging a reply ------------------------------------------------------------


def reply(therapist, client, now, answered, **kwargs) -> Contact:
    values = {
        "occurred_at": answered.occurred_at + dt.timedelta(minutes=30),
        "channel": "text",
        "direction": "from_therapist",
        "in_reply_to": answered.pk,
    }
    return services.contact_log(
        actor=therapist, client=client, now=now, **{**values, **kwargs}
    )


def test_logging_a_linked_reply_answers_the_contact_once(
    therapist, client, policy, now
):
    asked = services.contact_log(
        actor=therapist,
        client=client,
        now=now,
        occurred_at=at(10, 10),
        channel="text",
        direction="from_client",
    )
    first = reply(therapist, client, now, asked)
    asked.refresh_from_db()
    assert first.in_reply_to == asked
    assert asked.responded_at == first.occurred_at
    assert asked.response_minutes == 30

    reply(therapist, client, now, asked, occurred_at=at(10, 14))
    asked.refresh_from_db()
    assert asked.responded_at == first.occurred_at

    updates = AuditEvent.objects.filter(
        action="update", object_type="attachment.contact", object_id=asked.pk
    )
    assert updates.count() == 1


def test_a_reply_does_not_overwrite_an_answer_already_recorded(
    therapist, client, policy, now
):
    asked = ContactFactory(
        client=client, occurred_at=at(10, 10), responded_at=at(10, 11)
    )
    reply(therapist, client, now, asked, occurred_at=at(10, 12))
    asked.refresh_from_db()
    assert asked.responded_at == at(10, 11)


def test_a_reply_to_another_clients_contact_is_refused(therapist, client, policy, now):
    other = ContactFactory(
        client=ClientFactory(clinic=client.clinic, therapist=therapist),
        occurred_at=at(10, 10),
    )
    with pytest.raises(ValidationError) as refusal:
        reply(therapist, client, now, other)
    assert "in_reply_to" in refusal.value.message_dict
    assert not Contact.objects.filter(client=client).exists()


def test_a_reply_before_the_contact_it_answers_is_refused(
    therapist, client, policy, now
):
    asked = ContactFactory(client=client, occurred_at=at(10, 10))
    with pytest.raises(ValidationError) as refusal:
        reply(therapist, client, now, asked, occurred_at=at(10, 9))
    assert "in_reply_to" in refusal.value.message_dict


def test_a_client_contact_cannot_be_a_reply(therapist, client, policy, now):
    asked = ContactFactory(client=client, occurred_at=at(10, 10))
    with pytest.raises(ValidationError):
        reply(therapist, client, now, asked, direction="from_client")


def test_an_answered_contact_cannot_be_moved_after_its_reply(
    therapist, client, policy, now
):
    asked = ContactFactory(client=client, occurred_at=at(10, 10))
    reply(therapist, client, now, asked)
    with pytest.raises(ValidationError) as refusal:
        services.contact_update(
            actor=therapist, contact=asked, now=now, occurred_at=at(10, 12)
        )
    assert "occurred_at" in refusal.value.message_dict


# The form -------------------------------------------------------------------


def test_the_form_offers_only_the_clients_unanswered_client_contacts(
    login, therapist, client, policy
):
    unanswered = ContactFactory(client=client, occurred_at=at(10, 10))
    ContactFactory(client=client, occurred_at=at(10, 11), responded_at=at(10, 12))
    ContactFactory(client=client, occurred_at=at(10, 13), direction="from_therapist")
    ContactFactory(
        client=ClientFactory(clinic=client.clinic, therapist=therapist),
        occurred_at=at(10, 14),
    )

    assert unanswered_contacts_of(client=client) == [unanswered]
    response = login(therapist).get(reverse("attachment:contact_new", args=[client.pk]))
    choices = response.context["form"].fields["in_reply_to"].choices
    assert [key for key, _ in choices] == ["", str(unanswered.pk)]
    assert "I started this contact" in response.content.decode()
    page = login(therapist).get(client.get_absolute_url()).content.decode()
    assert f'value="{unanswered.pk}"' in page
    assert "Answered at" in page


def test_a_reply_logged_through_the_form_answers_its_contact(
    login, therapist, client, policy
):
    asked = ContactFactory(client=client, occurred_at=at(10, 10))
    response = login(therapist).post(
        reverse("attachment:contact_new", args=[client.pk]),
        {
            "occurred_at": "2026-03-10T11:00",
            "channel": "text",
            "direction": "from_therapist",
            "in_reply_to": str(asked.pk),
        },
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    answer = Contact.objects.get(in_reply_to=asked)
    assert asked.responded_at == answer.occurred_at


def test_the_form_refuses_another_clients_contact(login, therapist, client, policy):
    other = ContactFactory(
        client=ClientFactory(clinic=client.clinic, therapist=therapist),
        occurred_at=at(10, 10),
    )
    response = login(therapist).post(
        reverse("attachment:contact_new", args=[client.pk]),
        {
            "occurred_at": "2026-03-10T11:00",
            "channel": "text",
            "direction": "from_therapist",
            "in_reply_to": str(other.pk),
        },
    )
    assert response.status_code == 200
    assert not Contact.objects.filter(client=client).exists()
    other.refresh_from_db()
    assert other.responded_at is None


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_reply_form_never_breaks_nor_links_a_stranger(
    data, login, therapist, client, policy
):
    asked = ContactFactory(client=client, occurred_at=at(10, 10))
    stranger = ContactFactory(
        client=ClientFactory(clinic=client.clinic, therapist=therapist),
        occurred_at=at(10, 10),
    )
    with timezone.override(client.clinic.zone):
        form = ContactForm(replies=[asked])
    submission = data.draw(
        form_data(form, garbage={"in_reply_to": st.just(str(stranger.pk))})
    )
    before = list(Contact.objects.filter(client=client).values())
    response = login(therapist).post(
        reverse("attachment:contact_new", args=[client.pk]), submission
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert list(Contact.objects.filter(client=client).values()) == before
    assert not Contact.objects.filter(in_reply_to=stranger).exists()
    for linked in Contact.objects.filter(in_reply_to__isnull=False):
        assert linked.direction == "from_therapist"
        assert linked.in_reply_to == asked
        assert linked.occurred_at >= asked.occurred_at


def test_an_alert_link_opens_the_client_page_with_the_reply_preselected(
    login, therapist, client, now
):
    waiting = services.contact_log(
        actor=therapist,
        client=client,
        occurred_at=now - dt.timedelta(hours=30),
        channel="text",
        direction="from_client",
        purpose="distress",
        now=now,
    )
    page = (
        login(therapist)
        .get(reverse("clinic:client", args=[client.pk]) + f"?in_reply_to={waiting.pk}")
        .content.decode()
    )
    assert re.search(rf'name="in_reply_to" value="{waiting.pk}"[^>]*checked', page)
    assert re.search(r'name="direction" value="from_therapist"[^>]*checked', page)
    # Anything but an id is ignored: the form starts as a client's contact.
    plain = (
        login(therapist)
        .get(reverse("clinic:client", args=[client.pk]) + "?in_reply_to=x")
        .content.decode()
    )
    assert not re.search(r'name="in_reply_to" value="\d+"[^>]*checked', plain)
    assert re.search(r'name="direction" value="from_client"[^>]*checked', plain)


def test_the_cover_logs_a_reply_that_answers_the_clients_contact(
    therapist, client, now
):
    cover = UserFactory()
    MembershipFactory(user=cover, clinic=client.clinic, role="therapist")
    AbsenceFactory(
        clinic=client.clinic,
        therapist=therapist,
        starts_on=now.date() - dt.timedelta(days=2),
        ends_on=now.date() + dt.timedelta(days=2),
        covering_therapist=cover,
    )
    waiting = services.contact_log(
        actor=therapist,
        client=client,
        occurred_at=now - dt.timedelta(hours=3),
        channel="text",
        direction="from_client",
        purpose="crisis",
        now=now,
    )
    reply = cover_services.cover_contact_log(
        actor=cover,
        client_id=client.pk,
        occurred_at=now - dt.timedelta(hours=1),
        channel="phone",
        direction="from_therapist",
        in_reply_to=waiting.pk,
        now=now,
    )
    waiting.refresh_from_db()
    assert reply.in_reply_to_id == waiting.pk
    assert waiting.responded_at == reply.occurred_at
    assert waiting.response_minutes == 120
    assert AuditEvent.objects.filter(
        actor=cover, action="update", object_id=waiting.pk
    ).exists()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_cover_reply_form_never_breaks_nor_links_a_stranger(
    data, login, therapist, client, policy
):
    """The cover page's form, with its reply choices, under hostile input."""
    cover = UserFactory()
    MembershipFactory(user=cover, clinic=client.clinic, role="therapist")
    today = timezone.now().date()
    AbsenceFactory(
        clinic=client.clinic,
        therapist=therapist,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
        covering_therapist=cover,
    )
    asked = ContactFactory(
        client=client, occurred_at=timezone.now() - dt.timedelta(hours=2)
    )
    stranger = ContactFactory(
        client=ClientFactory(clinic=client.clinic, therapist=therapist),
        occurred_at=timezone.now() - dt.timedelta(hours=2),
    )
    with timezone.override(client.clinic.zone):
        form = CoverContactForm(replies=[asked])
    submission = data.draw(
        form_data(form, garbage={"in_reply_to": st.just(str(stranger.pk))})
    )
    before = list(Contact.objects.filter(client=client).values())
    response = login(cover).post(
        reverse("attachment:cover_contact_new", args=[client.pk]), submission
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert list(Contact.objects.filter(client=client).values()) == before
    assert not Contact.objects.filter(in_reply_to=stranger).exists()
    for linked in Contact.objects.filter(in_reply_to__isnull=False):
        assert linked.direction == "from_therapist"
        assert linked.in_reply_to == asked
        assert linked.logged_by == cover
