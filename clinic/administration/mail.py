"""The e-mails of the clinic admin's two-person changes (staff, supervision):
their wording and their sending, in one place.

Every message is fixed wording around the clinic's name, a person's own name
and roles, dates, and links into Between; never anything about a client.  A
message is sent once the transaction that made the change commits, so that a
change rolled back sends nothing; a failure to send is logged (by Django,
without the message) and does not undo the change: the staff page shows what
happened, and a new link can be sent from it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from clinic.administration.staff.enrolment import link_url
from clinic.models import Clinic, EnrolmentLink, User

SIGN_OFF = "\n\nThis message was sent by Between on behalf of {clinic}.\n"


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(*, to: User, subject: str, body: str, clinic: Clinic) -> None:
    address, text = to.email, body + SIGN_OFF.format(clinic=clinic.name)

    def send() -> None:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [address])

    transaction.on_commit(send, robust=True)


def _day(moment: dt.datetime, clinic: Clinic) -> str:
    return f"{moment.astimezone(clinic.zone):%-d %B %Y}"


def invitation(*, link: EnrolmentLink, token: str) -> None:
    """A new person's welcome: set a password, then the authenticator."""
    clinic = link.clinic
    _send(
        to=link.user,
        clinic=clinic,
        subject=f"Your Between account at {clinic.name}",
        body=(
            f"Hello {link.user.full_name},\n\n"
            f"{clinic.name} has opened a Between account for you. Open this "
            "link to choose your password, then set up the authenticator app "
            "that gives you a code each time you sign in:\n\n"
            f"{link_url(token)}\n\n"
            f"The link works once, and until {_day(link.expires_at, clinic)}. "
            "If it no longer works, ask your clinic admin to send a new one."
        ),
    )


def new_enrolment_link(*, link: EnrolmentLink, token: str) -> None:
    """After an authenticator reset: the link to set up a new one."""
    clinic = link.clinic
    _send(
        to=link.user,
        clinic=clinic,
        subject="Set up your authenticator for Between",
        body=(
            f"Hello {link.user.full_name},\n\n"
            f"A clinic admin of {clinic.name} has sent you a new link to set "
            "up your authenticator app. Any authenticator you had before no "
            "longer works. Open this link, sign in with your password, and "
            "follow the steps:\n\n"
            f"{link_url(token)}\n\n"
            f"The link works once, and until {_day(link.expires_at, clinic)}. "
            "If you did not expect this message, tell your clinic admin."
        ),
    )


def proposal_awaits(*, clinic: Clinic, recipients: list[User]) -> None:
    """To the clinic's other admins: a change waits for one of them."""
    for admin in recipients:
        _send(
            to=admin,
            clinic=clinic,
            subject="A staff change awaits a second clinic admin",
            body=(
                f"Hello {admin.full_name},\n\n"
                f"A clinic admin of {clinic.name} has proposed a change of "
                "roles or of an account. It takes effect only once a second "
                "clinic admin approves it. Review it on the staff page:\n\n"
                f"{_absolute(reverse('clinic:staff_list'))}"
            ),
        )


def proposal_declined(*, clinic: Clinic, proposer: User) -> None:
    _send(
        to=proposer,
        clinic=clinic,
        subject="A staff change you proposed was declined",
        body=(
            f"Hello {proposer.full_name},\n\n"
            f"Another clinic admin of {clinic.name} declined a change you "
            "proposed; nothing was changed. The staff page shows the current "
            "roles:\n\n"
            f"{_absolute(reverse('clinic:staff_list'))}"
        ),
    )


def roles_changed(*, clinic: Clinic, person: User, roles: str) -> None:
    _send(
        to=person,
        clinic=clinic,
        subject=f"Your roles at {clinic.name} have changed",
        body=(
            f"Hello {person.full_name},\n\n"
            f"Your roles at {clinic.name} are now: {roles or 'none'}. "
            "If you did not expect this, ask your clinic admin."
        ),
    )


def account_deactivated(*, clinic: Clinic, person: User) -> None:
    _send(
        to=person,
        clinic=clinic,
        subject="Your Between account has been deactivated",
        body=(
            f"Hello {person.full_name},\n\n"
            f"A clinic admin of {clinic.name} has deactivated your Between "
            "account: you can no longer sign in. If you did not expect this, "
            "ask your clinic admin."
        ),
    )


def account_reactivated(*, clinic: Clinic, person: User) -> None:
    _send(
        to=person,
        clinic=clinic,
        subject="Your Between account is active again",
        body=(
            f"Hello {person.full_name},\n\n"
            f"Two clinic admins of {clinic.name} have reactivated your Between "
            "account: you can sign in again."
        ),
    )


def supervision_approved(
    *, clinic: Clinic, supervisee: User, supervisor: User, started_on: dt.date
) -> None:
    """To the supervisee, when a second clinic admin approved a link in
    their place."""
    _send(
        to=supervisee,
        clinic=clinic,
        subject="A supervision link for you is now in force",
        body=(
            f"Hello {supervisee.full_name},\n\n"
            f"A second clinic admin of {clinic.name} has approved the "
            f"supervision link proposed for you: {supervisor.full_name} "
            f"supervises you from {started_on:%-d %B %Y}, and can now read "
            "your clients' records and review their flags in Between. If you "
            "have questions about it, ask your clinic admin."
        ),
    )
