"""Writes of the between-sessions agreement: versions and when they take
effect, the frame and the supervisor's approval, the acknowledgement, and the
contacts judged by the version in force when they happened."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from attachment.agreements import services
from attachment.agreements.terms import terms_timeline
from attachment.models import Acknowledgement, Contact, ContactAgreement
from attachment.records.services import contact_log
from clinic.models import AuditAction, AuditEvent, Client
from tests.attachment.agreements.conftest import inside_the_frame
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def _events(action: str, obj) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=action, object_type=obj._meta.label_lower, object_id=obj.pk
        )
    )


# --- versions and when they take effect -------------------------------------


def test_each_version_takes_the_next_number(client, write, now, later):
    first = write(client)
    second = write(client, at=later, weekly_limit=1)
    assert (first.version, second.version) == (1, 2)
    assert ContactAgreement.objects.filter(client=client).count() == 2


def test_a_version_for_today_takes_effect_now_never_earlier(client, write, now):
    version = write(client, on=now.astimezone(LONDON).date())
    assert version.effective_from == now.replace(second=0, microsecond=0)
    assert now - version.effective_from < dt.timedelta(minutes=1)


def test_a_contact_logged_in_the_minute_a_lower_limit_was_saved_is_judged_by_it(
    client, write, therapist, now
):
    """The contact form writes times to the minute: saved at 12:00:40, the
    limit of 1 judges the two contacts the therapist then logs "now"
    (12:00), the second of them over it."""
    saved_at = now.replace(second=40)
    this_minute = now.replace(second=0, microsecond=0)
    write(client, at=saved_at, weekly_limit=1)
    first = _log(therapist, client, this_minute, saved_at)
    second = _log(therapist, client, this_minute, saved_at)
    assert not Contact.objects.get(pk=first.pk).over_weekly_limit
    assert Contact.objects.get(pk=second.pk).over_weekly_limit


def test_a_version_for_a_later_day_takes_effect_at_its_midnight_where_the_client_lives(
    client, write, now
):
    tomorrow = now.date() + dt.timedelta(days=1)
    version = write(client, on=tomorrow, tz="America/New_York")
    new_york = zoneinfo.ZoneInfo("America/New_York")
    assert version.effective_from == dt.datetime.combine(
        tomorrow, dt.time.min, new_york
    )
    client.refresh_from_db()
    assert client.timezone == "America/New_York"
    assert _events(AuditAction.UPDATE, client)


def test_a_version_cannot_take_effect_in_the_past(client, write, now):
    with pytest.raises(ValidationError) as refused:
        write(client, on=now.date() - dt.timedelta(days=1))
    assert "effective_on" in refused.value.message_dict
    assert not ContactAgreement.objects.exists()


def test_a_version_cannot_start_before_a_later_dated_one(client, write, now):
    write(client, on=now.date() + dt.timedelta(days=7))
    with pytest.raises(ValidationError) as refused:
        write(client, on=now.date() + dt.timedelta(days=1))
    assert "effective_on" in refused.value.message_dict
    assert ContactAgreement.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"contact_hours": {"0": ["17:00", "09:00"]}}, "contact_hours"),
        ({"contact_hours": {"9": ["09:00", "17:00"]}}, "contact_hours"),
        ({"contact_hours": {"0": ["9am", "5pm"]}}, "contact_hours"),
        ({"reply_hours": 0}, "reply_hours"),
        ({"purpose_rules": {"email": ["scheduling"]}}, "purpose_rules"),
        ({"purpose_rules": {"text": ["gossip"]}}, "purpose_rules"),
        ({"allowed_channels": ["pigeon"]}, "allowed_channels"),
        ({"weekly_limit": -1}, "weekly_limit"),
    ],
)
def test_terms_that_cannot_be_kept_are_refused_and_nothing_is_saved(
    client, write, changes, field
):
    with pytest.raises(ValidationError) as refused:
        write(client, **changes)
    assert field in refused.value.message_dict
    assert not ContactAgreement.objects.exists()


def test_an_unknown_time_zone_is_refused_and_the_client_keeps_theirs(client, write):
    with pytest.raises(ValidationError) as refused:
        write(client, tz="Mars/Olympus_Mons")
    assert "client_timezone" in refused.value.message_dict
    client.refresh_from_db()
    assert client.timezone == ""
    assert not ContactAgreement.objects.exists()


def test_only_the_treating_therapist_writes(
    client, write, supervisor, other_therapist, admin
):
    with pytest.raises(PermissionDenied):
        write(client, actor=supervisor)
    with pytest.raises(Http404):
        write(client, actor=other_therapist)
    with pytest.raises(PermissionDenied):
        write(client, actor=admin)
    assert not ContactAgreement.objects.exists()


def test_a_version_is_audited_with_its_client(client, write, therapist):
    version = write(client)
    (event,) = _events(AuditAction.CREATE, version)
    assert (event.actor, event.client_id, event.clinic_id) == (
        therapist,
        client.pk,
        client.clinic_id,
    )


# --- the frame and the supervisor's approval ------------------------------------


def test_a_version_inside_the_frame_is_in_force_at_once(client, write, later):
    version = write(client)
    assert not version.wider_than_frame
    assert terms_timeline(client=client).at(later).agreement == version


def test_a_wider_version_waits_for_approval_and_is_not_in_force_until_then(
    client, write, supervisor, now, later
):
    first = write(client)
    wider = write(client, at=later, weekly_limit=10)
    assert wider.wider_than_frame
    assert wider.awaiting_approval
    a_day_on = later + dt.timedelta(days=1)
    assert terms_timeline(client=client).at(a_day_on).agreement == first

    approved_at = later + dt.timedelta(hours=5)
    services.agreement_approve(actor=supervisor, agreement=wider, now=approved_at)

    wider.refresh_from_db()
    assert (wider.approved_by, wider.approved_at) == (supervisor, approved_at)
    # In force from its approval: the hours it waited stay under version 1.
    assert wider.effective_from == approved_at
    timeline = terms_timeline(client=client)
    assert timeline.at(approved_at - dt.timedelta(minutes=1)).agreement == first
    assert timeline.at(a_day_on).agreement == wider
    assert _events(AuditAction.UPDATE, wider)


def test_without_a_supervisor_a_wider_version_is_refused(
    clinic, other_therapist, write
):
    unsupervised = ClientFactory(clinic=clinic, therapist=other_therapist)
    with pytest.raises(ValidationError) as refused:
        write(unsupervised, allowed_channels=["text", "social"])
    assert "frame" in " ".join(refused.value.messages)
    assert not ContactAgreement.objects.exists()
    # Inside the frame the same therapist writes freely.
    assert write(unsupervised).version == 1


def test_only_the_current_supervisor_approves(
    client, write, therapist, other_therapist, unrelated_supervisor, admin, supervisor
):
    wider = write(client, weekly_limit=None)
    with pytest.raises(PermissionDenied):
        services.agreement_approve(
            actor=therapist, agreement=wider, now=wider.written_at
        )
    with pytest.raises(Http404):
        services.agreement_approve(
            actor=other_therapist, agreement=wider, now=wider.written_at
        )
    with pytest.raises(Http404):
        services.agreement_approve(
            actor=unrelated_supervisor, agreement=wider, now=wider.written_at
        )
    with pytest.raises(PermissionDenied):
        services.agreement_approve(actor=admin, agreement=wider, now=wider.written_at)
    wider.refresh_from_db()
    assert wider.awaiting_approval


def test_a_version_inside_the_frame_needs_no_approval(client, write, supervisor, now):
    version = write(client)
    with pytest.raises(ValidationError):
        services.agreement_approve(actor=supervisor, agreement=version, now=now)
    version.refresh_from_db()
    assert version.approved_at is None


def test_a_replaced_version_can_no_longer_be_approved(
    client, write, supervisor, now, later
):
    wider = write(client, weekly_limit=9)
    write(client, at=later)
    with pytest.raises(ValidationError):
        services.agreement_approve(actor=supervisor, agreement=wider, now=later)
    wider.refresh_from_db()
    assert wider.awaiting_approval


# --- the acknowledgement -------------------------------------------------------------


def test_the_therapist_records_the_acknowledgement(client, write, therapist, now):
    version = write(client)
    services.agreement_acknowledge(
        actor=therapist,
        agreement=version,
        on=now.date(),
        how=Acknowledgement.SIGNED_COPY,
        told_of_logging=True,
        now=now,
    )
    version.refresh_from_db()
    assert (
        version.acknowledged_on,
        version.acknowledged_how,
        version.client_told_of_logging,
    ) == (now.date(), "signed_copy", True)
    assert _events(AuditAction.UPDATE, version)


@pytest.mark.parametrize(
    ("days", "how"), [(1, "in_session"), (-1, "in_session"), (0, "by_pigeon")]
)
def test_an_acknowledgement_in_the_future_before_the_version_or_of_no_known_kind_is_refused(
    client, write, therapist, now, days, how
):
    version = write(client)
    with pytest.raises(ValidationError):
        services.agreement_acknowledge(
            actor=therapist,
            agreement=version,
            on=now.date() + dt.timedelta(days=days),
            how=how,
            told_of_logging=True,
            now=now,
        )
    version.refresh_from_db()
    assert version.acknowledged_on is None
    assert not version.client_told_of_logging


def test_a_supervisor_does_not_record_the_acknowledgement(
    client, write, supervisor, now
):
    version = write(client)
    with pytest.raises(PermissionDenied):
        services.agreement_acknowledge(
            actor=supervisor,
            agreement=version,
            on=now.date(),
            how=Acknowledgement.IN_SESSION,
            told_of_logging=False,
            now=now,
        )


# --- contacts judged by the version in force when they happened ---------------------


def _log(therapist, client, at, now, **details) -> Contact:
    return contact_log(
        actor=therapist,
        client=client,
        occurred_at=at,
        channel=details.pop("channel", "phone"),
        direction="from_client",
        now=now,
        **details,
    )


def test_a_contact_under_version_1_keeps_its_facts_when_version_2_lowers_the_limit(
    client, write, therapist, now
):
    monday = dt.datetime(2026, 3, 16, 8, 0, tzinfo=dt.UTC)
    write(client, at=monday, weekly_limit=3)
    made = [
        _log(therapist, client, monday.replace(hour=10), now),
        _log(therapist, client, monday.replace(day=17, hour=10), now),
    ]
    soon = _log(therapist, client, now + dt.timedelta(hours=2), now)
    assert not any(Contact.objects.get(pk=c.pk).over_weekly_limit for c in made)
    assert not Contact.objects.get(pk=soon.pk).over_weekly_limit

    write(client, at=now, weekly_limit=1)

    # Made under version 1: still within it.
    assert not any(Contact.objects.get(pk=c.pk).over_weekly_limit for c in made)
    # After version 2 took effect: judged by its lower limit.
    assert Contact.objects.get(pk=soon.pk).over_weekly_limit
    later = _log(therapist, client, now + dt.timedelta(hours=3), now)
    assert Contact.objects.get(pk=later.pk).over_weekly_limit


def test_a_purpose_rule_judges_texts_by_their_purpose(client, write, therapist, now):
    write(client)
    at = now + dt.timedelta(hours=1)
    scheduling = _log(therapist, client, at, now, channel="text", purpose="scheduling")
    sharing = _log(therapist, client, at, now, channel="text", purpose="sharing")
    assert not Contact.objects.get(pk=scheduling.pk).outside_agreement
    assert Contact.objects.get(pk=sharing.pk).outside_agreement


def test_the_clients_time_zone_decides_after_hours(client, write, therapist, now):
    # 12:00 in London is 08:00 in New York: before the agreed 9:00 there.
    write(client, tz="America/New_York")
    client = Client.objects.get(pk=client.pk)
    noon = now + dt.timedelta(minutes=30)
    contact = _log(therapist, client, noon, now)
    assert Contact.objects.get(pk=contact.pk).after_hours


def test_inside_the_frame_helper_is_inside_the_frame(policy):
    from attachment.agreements.frame import widenings

    version = ContactAgreement(**inside_the_frame())
    assert widenings(version, policy) == []


def test_an_approval_judges_only_the_contacts_after_it(
    client, write, therapist, supervisor, now
):
    write(client, weekly_limit=3)
    wider = write(client, at=now + dt.timedelta(minutes=5), weekly_limit=None)
    waited = [
        _log(therapist, client, now + dt.timedelta(hours=hour), now)
        for hour in (1, 2, 3, 4)
    ]
    # Under version 1 the fourth contact in the week is over its limit of 3.
    assert Contact.objects.get(pk=waited[-1].pk).over_weekly_limit

    approved_at = now + dt.timedelta(hours=5)
    services.agreement_approve(actor=supervisor, agreement=wider, now=approved_at)

    # Made while the version waited: still judged by version 1.
    assert Contact.objects.get(pk=waited[-1].pk).over_weekly_limit
    after = _log(therapist, client, approved_at + dt.timedelta(hours=1), approved_at)
    assert not Contact.objects.get(pk=after.pk).over_weekly_limit
