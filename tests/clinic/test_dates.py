"""Dates in the clinic's locale: the styles, the built-in ``when`` filter on
the pages, and the clinic admin's Dates page."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Template
from django.urls import reverse

from clinic.dates import FORMATS, STYLES, format_when, locale_active
from clinic.models import AuditAction, AuditEvent
from tests.attachment.factories import ContactFactory
from tests.factories import MembershipFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
AFTERNOON = dt.datetime(2026, 3, 3, 14, 5, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("locale", "style", "written"),
    [
        ("en-gb", "date", "3 Mar 2026"),
        ("en-us", "date", "Mar 3, 2026"),
        ("en-gb", "datetime", "3 Mar 2026 14:05"),
        ("en-us", "datetime", "Mar 3, 2026, 2:05 PM"),
        ("en-gb", "daytime", "Tue 3 Mar 14:05"),
        ("en-us", "daytime", "Tue, Mar 3, 2:05 PM"),
        ("en-gb", "full", "Tuesday 3 March 2026"),
        ("en-us", "full", "Tuesday, March 3, 2026"),
        ("en-us", "time", "2:05 PM"),
    ],
)
def test_a_style_is_written_as_the_locale_writes_it(locale, style, written):
    with locale_active(locale):
        assert format_when(AFTERNOON, style) == written


def test_every_locale_has_every_style_and_nothing_is_written_for_no_date():
    assert all(set(formats) == STYLES for formats in FORMATS.values())
    assert format_when(None, "date") == ""
    with pytest.raises(ValueError, match="unknown date style"):
        format_when(AFTERNOON, "fortnight")


def test_an_aware_time_keeps_the_zone_it_was_converted_to():
    utc = AFTERNOON.astimezone(dt.UTC)
    rendered = Template('{% load tz %}{{ at|timezone:zone|when:"time" }}').render(
        Context({"at": utc, "zone": zoneinfo.ZoneInfo("America/New_York")})
    )
    assert rendered == "09:05"


def test_no_template_writes_a_date_format_of_its_own():
    """Every date on a page follows the clinic's locale: the ``date`` filter
    is left only for machine-readable values (``c``, ISO 8601)."""
    from pathlib import Path

    from django.conf import settings

    found = []
    for path in (Path(settings.BASE_DIR) / "templates").rglob("*.*"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if "|date:" in line.replace("|date:'c'", "").replace('|date:"c"', ""):
                found.append(f"{path.name}:{number}")
    assert found == []


def test_the_timeline_writes_dates_in_the_clinics_locale(login, clinic, client):
    ContactFactory(client=client, occurred_at=AFTERNOON)
    http = login(client.therapist)
    url = reverse("attachment:timeline", args=[client.pk])
    assert "Tue 3 Mar 2026 14:05" in http.get(url).content.decode()
    clinic.locale = "en-us"
    clinic.save(update_fields=["locale"])
    page = http.get(url).content.decode()
    assert "Tue, Mar 3, 2026, 2:05 PM" in page
    assert "Tue 3 Mar 2026" not in page


def test_the_admin_sets_the_date_format_and_it_is_audited(login, clinic, admin):
    http = login(admin)
    url = reverse("clinic:date_format")
    assert "United States" in http.get(url).content.decode()
    response = http.post(url, {"locale": "en-us"})
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.locale == "en-us"
    assert (
        AuditEvent.objects.filter(
            actor=admin, action=AuditAction.UPDATE, object_type="clinic.clinic"
        ).count()
        == 1
    )
    # The same format again changes and audits nothing.
    http.post(url, {"locale": "en-us"})
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE).count() == 1


def test_an_unknown_format_is_refused_and_nothing_changes(login, clinic, admin):
    response = login(admin).post(reverse("clinic:date_format"), {"locale": "xx-yy"})
    assert response.status_code == 200
    assert "Choose one of the formats listed." in response.content.decode()
    clinic.refresh_from_db()
    assert clinic.locale == "en-gb"
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE).exists()


def test_a_person_of_two_clinics_reads_dates_as_the_first_they_joined(
    login, clinic, other_clinic, client
):
    other_clinic.locale = "en-us"
    other_clinic.save(update_fields=["locale"])
    MembershipFactory(user=client.therapist, clinic=other_clinic, role="therapist")
    ContactFactory(client=client, occurred_at=AFTERNOON)
    url = reverse("attachment:timeline", args=[client.pk])
    assert "Tue 3 Mar 2026 14:05" in login(client.therapist).get(url).content.decode()
