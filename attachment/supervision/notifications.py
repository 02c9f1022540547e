"""The wording and the links of notifications and digests, in one place so
that nothing else composes them.

Every message is fixed wording around a count (and, for cover and
break-glass, a colleague's name and an absence's dates).  A link is a path inside
Between (a notification) or that path on ``SITE_URL`` (an e-mail); neither
ever holds a client's name, code or any clinical text.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse

from clinic.dates import format_when


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def items_assigned_message(count: int) -> str:
    return (
        f"{_plural(count, 'action item was', 'action items were')} "
        "assigned to you in supervision."
    )


def red_flags_message(count: int) -> str:
    return (
        f"{_plural(count, 'new flag', 'new flags')} with strong evidence "
        "on your supervisees' clients."
    )


def items_due_message(count: int) -> str:
    return (
        f"{_plural(count, 'action item is', 'action items are')} due today or overdue."
    )


def red_flags_path() -> str:
    """The flag queue, showing the flags with strong evidence."""
    return reverse("attachment:flag_queue") + "?tier=red"


def sessions_path() -> str:
    return reverse("attachment:supervision_sessions")


def notifications_path() -> str:
    return reverse("attachment:notifications")


def absolute(path: str) -> str:
    """``path`` on the site's address, for e-mails."""
    return settings.SITE_URL.rstrip("/") + path


# --- cover during an absence and break-glass (attachment.cover) -------------

# Names are cut so that a message keeps within its column.
NAME_SHOWN = 40


def _name(full_name: str) -> str:
    return (
        full_name if len(full_name) <= NAME_SHOWN else full_name[: NAME_SHOWN - 1] + "…"
    )


def _dates(starts_on: dt.date, ends_on: dt.date) -> str:
    return f"{format_when(starts_on, 'daymonth')} to {format_when(ends_on, 'date')}"


def cover_starts_message(
    *, cover: str, therapist: str | None, starts_on: dt.date, ends_on: dt.date
) -> str:
    """To the absent therapist (``therapist`` None) or a supervisor."""
    whose = "your clients" if therapist is None else f"{_name(therapist)}'s clients"
    return f"{_name(cover)} covers {whose} from {_dates(starts_on, ends_on)}."


def cover_ended_message(
    *, opened: int, therapist: str | None, starts_on: dt.date, ends_on: dt.date
) -> str:
    """To the absent therapist (``therapist`` None) or a supervisor."""
    whose = "Your absence" if therapist is None else f"{_name(therapist)}'s absence"
    cover = "your cover" if therapist is None else "the cover"
    return (
        f"{whose} from {_dates(starts_on, ends_on)} has ended: {cover} opened the "
        f"cover pages of {_plural(opened, 'client', 'clients')}."
    )


def break_glass_message(*, grantee: str, treating: bool) -> str:
    """To the treating therapist, or to whoever reviews the access."""
    if treating:
        return (
            f"{_name(grantee)} opened the cover page of one of your clients "
            "with break-glass access."
        )
    return f"{_name(grantee)} used break-glass access to a client's cover page: please review it."


def cover_absence_path(absence_id: int) -> str:
    """The page of an absence's cover: who covers, and which clients they opened."""
    return reverse("attachment:cover_absence", args=[absence_id])


def break_glass_review_path() -> str:
    return reverse("attachment:break_glass_review")


def client_path(client_id: int) -> str:
    return reverse("clinic:client", args=[client_id])


# --- unanswered distress and crisis contacts (attachment.alerts) ------------
# The purpose (distress or crisis) is a category, never the contact's text;
# the link is the client's page (or the cover page for the cover), by id.


def unanswered_message(*, purpose: str, covering: bool) -> str:
    """To the treating therapist, or to the cover during an absence."""
    whose = "a client you cover" if covering else "one of your clients"
    return f"A {purpose} contact from {whose} has waited past its reply time."


def unanswered_escalated_message(*, purpose: str, therapist: str) -> str:
    """To the treating therapist's supervisor."""
    return (
        f"A {purpose} contact from one of {_name(therapist)}'s clients is still "
        "unanswered, a reply window after it was due."
    )


def cover_page_path(client_id: int) -> str:
    return reverse("attachment:cover_page", args=[client_id])


def reply_path(client_id: int, contact_id: int) -> str:
    """The client's page, its quick-log form set to answer the contact."""
    return f"{client_path(client_id)}?in_reply_to={contact_id}"


def cover_reply_path(client_id: int, contact_id: int) -> str:
    """The client's cover page, its form set to answer the contact."""
    return f"{cover_page_path(client_id)}?in_reply_to={contact_id}"
