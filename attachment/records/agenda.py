"""This app's part of the next-session agenda (``notes.agenda``).

Two providers: contacts since the last session note that no note has taken
up, and open ruptures by their agenda priority.  A ticked contact links to
the note and leaves the agenda for good; a ticked rupture records the
discussion and leaves this agenda, but comes back after the next note while
it stays open, because an open rupture is still work to do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from attachment.models import Purpose
from attachment.records import selectors, services
from clinic.dates import format_when
from notes.agenda import AgendaItem

# Crisis and distress come before ordinary contacts; ruptures rank by their
# own priority (10 per step) so a high-priority rupture leads the agenda.
CONTACT_PRIORITY: dict[str, int] = {
    Purpose.CRISIS: 25,
    Purpose.DISTRESS: 15,
    Purpose.RUPTURE: 15,
}
RUPTURE_PRIORITY_STEP = 10


def _when(moment: dt.datetime, zone: Any) -> str:
    local = timezone.localtime(moment, zone)
    return f"{format_when(local, 'daymonth')} {format_when(local, 'time')}"


class ContactAgenda:
    def items(self, *, client: Any, since: dt.datetime | None) -> list[AgendaItem]:
        zone = client.clinic.zone
        items = []
        for contact in selectors.undiscussed_contacts(client=client, since=since):
            facts = [
                label
                for label, present in (
                    ("after hours", contact.after_hours),
                    ("outside the agreement", contact.outside_agreement),
                    ("over weekly limit", contact.over_weekly_limit),
                    ("during absence", contact.during_absence),
                    ("after ending", contact.after_ending),
                )
                if present
            ]
            purpose = contact.get_purpose_display().lower() if contact.purpose else ""
            label = " · ".join(
                part
                for part in (
                    f"{contact.get_channel_display()} "
                    f"{contact.get_direction_display().lower()}",
                    purpose,
                    _when(contact.occurred_at, zone),
                    ", ".join(facts),
                )
                if part
            )
            priority = CONTACT_PRIORITY.get(contact.purpose, 0) + (5 if facts else 0)
            items.append(
                AgendaItem(
                    key=f"contact:{contact.pk}",
                    kind="contact",
                    label=label,
                    occurred_at=contact.occurred_at,
                    priority=priority,
                    url=reverse(
                        "attachment:contact_edit", args=[client.pk, contact.pk]
                    ),
                )
            )
        return items

    def mark_discussed(self, *, note: Any, ids: list[int]) -> None:
        services.contacts_mark_discussed(note=note, ids=ids)


class RuptureAgenda:
    def items(self, *, client: Any, since: dt.datetime | None) -> list[AgendaItem]:
        zone = client.clinic.zone
        return [
            AgendaItem(
                key=f"rupture:{rupture.pk}",
                kind="rupture",
                label=(
                    f"{rupture.get_status_display()} {rupture.get_kind_display().lower()} "
                    f"rupture ({rupture.get_severity_display().lower()}) · "
                    f"noticed {_when(rupture.noticed_at, zone)}"
                ),
                occurred_at=rupture.noticed_at,
                priority=RUPTURE_PRIORITY_STEP * rupture.priority,
                url=reverse("attachment:rupture_detail", args=[client.pk, rupture.pk]),
            )
            for rupture in selectors.ruptures_for_agenda(client=client, since=since)
        ]

    def mark_discussed(self, *, note: Any, ids: list[int]) -> None:
        services.ruptures_mark_discussed(note=note, ids=ids, at=note.session_at)
