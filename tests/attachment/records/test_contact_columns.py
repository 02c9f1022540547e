"""The set-based writer of derived contact columns: exactly the rows and
columns it is given, and nothing for malformed input."""

from __future__ import annotations

import datetime as dt

import pytest

from attachment.models import Contact
from attachment.records.contact_columns import contact_columns_update
from tests.attachment.factories import WHEN, ContactFactory

pytestmark = pytest.mark.django_db


def stored(contact: Contact) -> tuple:
    contact.refresh_from_db()
    return (
        contact.over_weekly_limit,
        contact.after_hours,
        contact.response_minutes,
    )


@pytest.fixture
def contacts(client):
    return [
        ContactFactory(
            client=client,
            occurred_at=WHEN + dt.timedelta(hours=hour),
            responded_at=WHEN + dt.timedelta(hours=hour, minutes=30),
        )
        for hour in range(3)
    ]


def test_no_rows_write_nothing_and_send_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert contact_columns_update([], ("over_weekly_limit",)) == 0


def test_several_columns_are_written_to_exactly_the_given_rows(contacts):
    first, second, untouched = contacts
    count = contact_columns_update(
        [(first.pk, True, 12, True), (second.pk, False, None, True)],
        ("over_weekly_limit", "response_minutes", "after_hours"),
    )
    assert count == 2
    assert stored(first) == (True, True, 12)
    assert stored(second) == (False, True, None)
    assert stored(untouched) == (False, False, None)


def test_columns_not_named_are_left_as_they_were(contacts):
    first, _, _ = contacts
    Contact.objects.filter(pk=first.pk).update(after_hours=True, response_minutes=5)
    contact_columns_update([(first.pk, True)], ("over_weekly_limit",))
    assert stored(first) == (True, True, 5)


def test_a_row_short_of_a_value_is_refused_before_anything_is_written(contacts):
    first, second, _ = contacts
    with pytest.raises(ValueError, match="zip"):
        contact_columns_update(
            [(first.pk, True, 7), (second.pk, True)],
            ("over_weekly_limit", "response_minutes"),
        )
    assert stored(first) == (False, False, None)
    assert stored(second) == (False, False, None)
