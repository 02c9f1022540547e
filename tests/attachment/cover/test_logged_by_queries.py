"""Contacts a cover logged carry a "logged by" badge on the therapist's
pages; the name comes with the contacts, not a query per contact."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attachment.models import Contact, LoggedWhile
from tests.attachment.factories import ContactFactory


def queries_of(http, url: str) -> tuple[int, str]:
    """The page's reads of people (the logged-by names among them), and the
    page."""
    with CaptureQueriesContext(connection) as captured:
        response = http.get(url)
    assert response.status_code == 200
    reads_of_people = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT") and 'FROM "clinic_user"' in query["sql"]
    ]
    return len(reads_of_people), response.content.decode()


def test_the_contact_list_and_timeline_cost_the_same_for_one_or_many_cover_contacts(
    login, therapist, client, cover
):
    def logged_by_cover(count: int) -> None:
        for _ in range(count):
            contact = ContactFactory(client=client)
            Contact.objects.filter(pk=contact.pk).update(
                logged_by=cover, logged_while=LoggedWhile.COVERING
            )

    http = login(therapist)
    for name in ("attachment:contact_list", "attachment:timeline"):
        url = reverse(name, args=[client.pk])
        Contact.objects.all().delete()
        logged_by_cover(1)
        one, page = queries_of(http, url)
        assert cover.full_name in page
        logged_by_cover(6)
        many, _ = queries_of(http, url)
        assert many == one, name
