"""Submissions drawn from the agreement's forms' own fields, about half of
them valid: a new version, and the client's acknowledgement.  A version the
service accepts is written exactly as submitted, with its audit events; any
other submission comes back with the errors and writes nothing (no version,
no time zone, no audit event).  Never a server error.

Each example runs inside a savepoint that is rolled back afterwards.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import event, given
from hypothesis import strategies as st

from attachment.agreements.forms import AcknowledgeForm, AgreementForm, rule_field
from attachment.models import ContactAgreement, Purpose
from clinic.models import AuditAction, AuditEvent, Channel, Client, Role, User
from tests.factories import (
    ClientFactory,
    ClinicFactory,
    ContactPolicyFactory,
    SupervisionFactory,
)
from tests.strategies import (
    ABSENT,
    FIXTURES_RESET,
    as_posted,
    assert_refused,
    dates,
    form_data,
    person,
    rolled_back,
    signed_in,
    valid_share,
)

CLINIC_ZONE = "Europe/London"


@dataclass
class World:
    client: Client
    therapist: User
    agreement_id: int  # a version written a day ago, for the acknowledgement


@pytest.fixture
def world(db) -> World:
    clinic = ClinicFactory(timezone=CLINIC_ZONE)
    ContactPolicyFactory(
        clinic=clinic,
        allowed_channels=["text", "email", "phone"],
        contact_hours={str(day): ["09:00", "17:00"] for day in range(5)},
        weekly_limit=3,
    )
    therapist = person(clinic, Role.THERAPIST, full_name="Maya Moss")
    supervisor = person(clinic, Role.THERAPIST, Role.SUPERVISOR)
    SupervisionFactory(
        clinic=clinic,
        supervisor=supervisor,
        supervisee=therapist,
        started_on=dt.date(2024, 1, 1),
    )
    client = ClientFactory(clinic=clinic, therapist=therapist, code="AG-001")
    second = ClientFactory(clinic=clinic, therapist=therapist, code="AG-002")
    a_day_ago = timezone.now() - dt.timedelta(days=1)
    agreement = ContactAgreement.objects.create(
        client=second,
        version=1,
        effective_from=a_day_ago,
        written_at=a_day_ago,
        author=therapist,
        allowed_channels=["text"],
    )
    return World(client=client, therapist=therapist, agreement_id=agreement.pk)


def _writes() -> list[tuple]:
    return list(
        AuditEvent.objects.exclude(action__in=[AuditAction.READ, AuditAction.DENIED])
        .order_by("pk")
        .values_list("action", "object_type", "object_id", "actor_id")
    )


def _today() -> dt.date:
    return timezone.localdate(timezone.now(), timezone.get_fixed_timezone(0))


# --- a new version ------------------------------------------------------------------

# Valid draws keep inside the frame (text, e-mail and phone, weekdays 9-17,
# three a week, replies within a day) about half of the time, so that both a
# version in force at once and one awaiting approval are written.
HOUR_STARTS = st.sampled_from(["09:00", "10:30"])
HOUR_ENDS = st.sampled_from(["12:00", "17:00"])
PURPOSES = st.lists(st.sampled_from(Purpose.values), max_size=2, unique=True)
# "text" is always among the channels of a valid draw, so that its rule by
# purpose is valid.
CHANNELS = st.one_of(
    st.lists(st.sampled_from(["email", "phone"]), unique=True),
    st.lists(st.sampled_from(Channel.values), max_size=2, unique=True),
).map(lambda chosen: ["text", *(channel for channel in chosen if channel != "text")])


def agreement_submissions() -> st.SearchStrategy[dict]:
    form = AgreementForm(clinic_timezone=CLINIC_ZONE)
    valid: dict[str, st.SearchStrategy] = {
        "allowed_channels": CHANNELS,
        rule_field("text"): PURPOSES,
        "effective_on": dates(
            earliest=_today() + dt.timedelta(days=2),
            latest=_today() + dt.timedelta(days=60),
        ),
        "client_timezone": st.sampled_from(["", CLINIC_ZONE, "America/New_York"]),
        "weekly_limit": st.sampled_from(["0", "2", "3", "1", "", "9"]),
        "reply_hours": st.sampled_from(["24", "48", "72", "12"]),
        "after_ending_allowed": st.sampled_from([ABSENT, ABSENT, ABSENT, "on"]),
    }
    for channel in Channel.values:
        if channel != "text":
            valid[rule_field(channel)] = st.just(ABSENT)
    for day in range(5):
        valid[f"day{day}_start"] = HOUR_STARTS
        valid[f"day{day}_end"] = HOUR_ENDS
    for day in (5, 6):
        valid[f"day{day}_start"] = valid[f"day{day}_end"] = st.just(ABSENT)
    return form_data(form, valid=valid)


def _bound(submitted: dict) -> AgreementForm:
    form = AgreementForm(as_posted(submitted), clinic_timezone=CLINIC_ZONE)
    form.is_valid()
    return form


def _as_saved(version: ContactAgreement) -> dict:
    return {
        "allowed_channels": sorted(version.allowed_channels),
        "contact_hours": version.contact_hours,
        "weekly_limit": version.weekly_limit,
        "after_ending_allowed": version.after_ending_allowed,
        "purpose_rules": {k: sorted(v) for k, v in version.purpose_rules.items()},
        "reply_hours": version.reply_hours,
        "break_arrangements": version.break_arrangements,
        "crisis_route": version.crisis_route,
        "after_ending": version.after_ending,
        "in_our_words": version.in_our_words,
    }


def _as_submitted(values: dict) -> dict:
    return {
        **values,
        "allowed_channels": sorted(values["allowed_channels"]),
        "purpose_rules": {k: sorted(v) for k, v in values["purpose_rules"].items()},
        **{
            name: values[name].strip()
            for name in ("break_arrangements", "crisis_route", "after_ending")
        },
        "in_our_words": values["in_our_words"].strip(),
    }


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_a_version_is_written_exactly_as_submitted_or_not_at_all(world, data):
    client = Client.objects.get(pk=world.client.pk)
    assert not ContactAgreement.objects.filter(client=client).exists()
    assert client.timezone == ""
    writes = _writes()
    submitted = data.draw(agreement_submissions(), label="submitted")
    form = _bound(submitted)
    event("valid form" if form.is_valid() else "invalid form")

    response = signed_in(world.therapist)().post(
        reverse("attachment:agreement_new", args=[client.pk]), submitted
    )

    if response.status_code == 302:
        assert form.is_valid()
        version = ContactAgreement.objects.get(client=client)
        expected = form.values()
        assert _as_saved(version) == _as_submitted(expected["values"])
        client.refresh_from_db()
        assert client.timezone == expected["client_timezone"]
        created = (
            "create",
            "attachment.contactagreement",
            version.pk,
            world.therapist.pk,
        )
        assert created in _writes()[len(writes) :]
        event("awaiting approval" if version.awaiting_approval else "in force")
        return
    assert_refused(response, submitted)
    assert not ContactAgreement.objects.filter(client=client).exists()
    client.refresh_from_db()
    assert client.timezone == ""
    assert _writes() == writes


# --- the acknowledgement ---------------------------------------------------------------


def acknowledgement_submissions() -> st.SearchStrategy[dict]:
    return form_data(
        AcknowledgeForm,
        valid={
            "on": dates(earliest=_today() - dt.timedelta(days=3), latest=_today()),
        },
    )


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_an_acknowledgement_is_recorded_as_submitted_or_not_at_all(world, data):
    version = ContactAgreement.objects.get(pk=world.agreement_id)
    assert version.acknowledged_on is None
    writes = _writes()
    submitted = data.draw(acknowledgement_submissions(), label="submitted")
    form = AcknowledgeForm(as_posted(submitted))
    event("valid form" if form.is_valid() else "invalid form")

    response = signed_in(world.therapist)().post(
        reverse(
            "attachment:agreement_acknowledge",
            args=[version.client_id, version.version],
        ),
        submitted,
    )

    version.refresh_from_db()
    if response.status_code == 302:
        assert form.is_valid()
        assert (
            version.acknowledged_on,
            version.acknowledged_how,
            version.client_told_of_logging,
        ) == (
            form.cleaned_data["on"],
            form.cleaned_data["how"],
            form.cleaned_data["told_of_logging"],
        )
        assert _writes() == [
            *writes,
            ("update", "attachment.contactagreement", version.pk, world.therapist.pk),
        ]
        return
    assert_refused(response, submitted, "ack_form")
    assert version.acknowledged_on is None
    assert _writes() == writes


def test_about_half_of_the_drawn_submissions_are_valid(world):
    shares = {
        "agreement": valid_share(
            agreement_submissions(), lambda submitted: _bound(submitted).is_valid()
        ),
        "acknowledgement": valid_share(
            acknowledgement_submissions(),
            lambda submitted: AcknowledgeForm(as_posted(submitted)).is_valid(),
        ),
    }
    assert all(0.3 <= share <= 0.8 for share in shares.values()), shares
