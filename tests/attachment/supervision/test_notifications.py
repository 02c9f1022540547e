"""The in-app notification list: own notifications only, newest first, the
unread count, mark all read; and the wording helpers hold counts only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from attachment.supervision import notifications
from tests.attachment.factories import NotificationFactory

pytestmark = pytest.mark.django_db

LIST = reverse("attachment:notifications")
EARLY = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def test_the_list_shows_own_notifications_newest_first(login, therapist, supervisor):
    NotificationFactory(recipient=therapist, created_at=EARLY, message="Older one.")
    NotificationFactory(
        recipient=therapist,
        created_at=EARLY + dt.timedelta(days=1),
        message="Newer one.",
    )
    NotificationFactory(recipient=supervisor, message="Not yours.")
    html = login(therapist).get(LIST).content.decode()
    assert html.index("Newer one.") < html.index("Older one.")
    assert "Not yours." not in html
    assert "2 unread" in html


def test_mark_all_read_clears_the_unread_count(login, therapist):
    NotificationFactory(recipient=therapist)
    http = login(therapist)
    response = http.post(reverse("attachment:notifications_read"))
    assert response["Location"] == LIST
    html = http.get(LIST).content.decode()
    assert "unread" not in html
    assert "Mark all read" not in html


def test_the_nav_links_notifications_and_supervision_for_clinicians_only(
    login, therapist, admin
):
    html = login(therapist).get("/").content.decode()
    assert f'href="{LIST}"' in html
    assert f'href="{reverse("attachment:supervision_sessions")}"' in html
    admin_html = login(admin).get(reverse("clinic:manage_clients")).content.decode()
    assert f'href="{LIST}"' not in admin_html


@pytest.mark.parametrize("count", [0, 1, 2, 17])
def test_messages_are_fixed_wording_around_a_count(count):
    for message in (
        notifications.items_assigned_message(count),
        notifications.red_flags_message(count),
        notifications.items_due_message(count),
    ):
        assert message.startswith(f"{count} ")
        assert ("items" in message or "flags" in message) == (count != 1)


def test_an_email_link_is_the_path_on_the_site_address(settings):
    settings.SITE_URL = "https://between.example.test/"
    assert (
        notifications.absolute(notifications.notifications_path())
        == "https://between.example.test/records/notifications/"
    )


def test_the_navigation_shows_the_unread_count_until_read(login, therapist):
    NotificationFactory.create_batch(3, recipient=therapist)
    http = login(therapist)
    home = reverse("clinic:home")

    assert (
        '3<span class="visually-hidden"> unread</span>'
        in http.get(home).content.decode()
    )
    http.post(reverse("attachment:notifications_read"))
    assert 'visually-hidden"> unread' not in http.get(home).content.decode()
