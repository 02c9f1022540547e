"""The wording and the links of notifications and digests, in one place so
that nothing else composes them.

Every message is fixed wording around a count.  A link is a path inside
Between (a notification) or that path on ``SITE_URL`` (an e-mail); neither
ever holds a client's name, code or any clinical text.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def items_assigned_message(count: int) -> str:
    return (
        f"{_plural(count, 'action item was', 'action items were')} "
        "assigned to you in supervision."
    )


def red_flags_message(count: int) -> str:
    return f"{_plural(count, 'new red flag', 'new red flags')} on your supervisees' clients."


def items_due_message(count: int) -> str:
    return (
        f"{_plural(count, 'action item is', 'action items are')} due today or overdue."
    )


def red_flags_path() -> str:
    """The flag queue, showing red flags."""
    return reverse("attachment:flag_queue") + "?tier=red"


def sessions_path() -> str:
    return reverse("attachment:supervision_sessions")


def notifications_path() -> str:
    return reverse("attachment:notifications")


def absolute(path: str) -> str:
    """``path`` on the site's address, for e-mails."""
    return settings.SITE_URL.rstrip("/") + path
