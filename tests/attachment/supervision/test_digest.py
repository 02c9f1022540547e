"""The supervisors' daily digest: counts and links only, once a day, through
Django's e-mail backend (locmem here: the mail server is the outside world)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from attachment.models import DigestLog, FlagStatus, Notification, NotificationKind
from attachment.review.services import flag_to_supervision
from attachment.supervision import tasks as supervision_tasks
from attachment.supervision.digest import digest_recipient_ids, digest_send
from attachment.supervision.notifications import red_flags_message
from clinic.models import Role, Supervision
from tests.attachment.factories import (
    ActionItemFactory,
    DiscussedFlagFactory,
    SupervisionSessionFactory,
)
from tests.factories import ClientFactory

# Thursday 19 March 2026, 07:00 UTC: the beat's hour.
MORNING = dt.datetime(2026, 3, 19, 7, 0, tzinfo=dt.UTC)
YESTERDAY = MORNING - dt.timedelta(hours=20)
# A flag reaches the supervisor this long after its detection (the clinic's
# default): "new" for the digest means "reached the supervisor since".
DELAY = dt.timedelta(days=7)
CODE, NAME = "ZX-DISTINCT-42", "Quillon"


@pytest.fixture(autouse=True)
def _mail_stays_here(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://between.example.test"


@pytest.fixture
def flagged(clinic, therapist):
    """A supervisee's client with a distinctive code and name, and a red flag
    that reached the supervisor yesterday."""
    client = ClientFactory(
        clinic=clinic, therapist=therapist, code=CODE, preferred_name=NAME
    )
    DiscussedFlagFactory(client=client, detected_at=YESTERDAY - DELAY)
    return client


def test_a_supervisor_gets_one_email_with_counts_and_links_only(
    supervisor, therapist, flagged
):
    DiscussedFlagFactory(client=flagged, detected_at=YESTERDAY - DELAY, tier="yellow")
    session = SupervisionSessionFactory(supervisor=supervisor, supervisee=therapist)
    ActionItemFactory(session=session, client=flagged, due_on=dt.date(2026, 3, 19))
    ActionItemFactory(session=session, owner=supervisor, due_on=dt.date(2026, 3, 12))
    ActionItemFactory(session=session, due_on=dt.date(2026, 3, 20))

    assert digest_send(supervisor_id=supervisor.pk, now=MORNING) is True

    (message,) = mail.outbox
    assert message.to == [supervisor.email]
    assert red_flags_message(1) in message.body
    assert "2 action items are due today or overdue." in message.body
    assert "https://between.example.test/records/flags/?tier=red" in message.body
    assert "https://between.example.test/records/supervision/" in message.body
    everything = message.subject + message.body
    for secret in (CODE, NAME, flagged.flags.first().explanation, session.notes):
        assert secret not in everything
    assert "Revisit the contact agreement" not in everything


def test_running_twice_the_same_day_sends_nothing_the_second_time(supervisor, flagged):
    assert digest_send(supervisor_id=supervisor.pk, now=MORNING) is True
    later = MORNING + dt.timedelta(hours=3)
    DiscussedFlagFactory(
        client=flagged, detected_at=later - DELAY - dt.timedelta(hours=1)
    )
    assert digest_send(supervisor_id=supervisor.pk, now=later) is False
    assert len(mail.outbox) == 1
    assert DigestLog.objects.get().new_red_flags == 1


def test_the_next_day_counts_only_flags_since_the_last_digest(supervisor, flagged):
    digest_send(supervisor_id=supervisor.pk, now=MORNING)
    reached = MORNING - DELAY
    DiscussedFlagFactory(client=flagged, detected_at=reached + dt.timedelta(hours=5))
    DiscussedFlagFactory(client=flagged, detected_at=reached + dt.timedelta(hours=6))
    assert digest_send(supervisor_id=supervisor.pk, now=MORNING + dt.timedelta(days=1))
    assert red_flags_message(2) in mail.outbox[-1].body


def test_nothing_new_sends_nothing(supervisor, flagged):
    flag = flagged.flags.get()
    flag.detected_at = MORNING - DELAY - dt.timedelta(days=3)
    flag.save()
    assert digest_send(supervisor_id=supervisor.pk, now=MORNING) is False
    assert mail.outbox == []
    assert not DigestLog.objects.exists()


def test_closed_flags_and_own_clients_flags_do_not_count(supervisor, flagged, clinic):
    flag = flagged.flags.get()
    flag.status = FlagStatus.DISMISSED
    flag.save()
    DiscussedFlagFactory(client=ClientFactory(clinic=clinic, therapist=supervisor))
    assert digest_send(supervisor_id=supervisor.pk, now=MORNING) is False


def test_a_former_supervisor_gets_no_digest(supervisor, flagged):
    Supervision.objects.filter(supervisor=supervisor).update(
        ended_on=dt.date(2026, 3, 1)
    )
    assert supervisor.pk not in digest_recipient_ids(now=MORNING)
    assert digest_send(supervisor_id=supervisor.pk, now=MORNING) is False
    assert mail.outbox == []


def test_only_active_supervisors_holding_the_role_get_a_digest(
    clinic, supervisor, flagged
):
    assert digest_recipient_ids(now=MORNING) == [supervisor.pk]

    supervisor.is_active = False
    supervisor.save(update_fields=["is_active"])
    assert digest_recipient_ids(now=MORNING) == []

    supervisor.is_active = True
    supervisor.save(update_fields=["is_active"])
    supervisor.memberships.filter(clinic=clinic, role=Role.SUPERVISOR).delete()
    assert digest_recipient_ids(now=MORNING) == []


def test_new_red_flags_also_become_a_notification(supervisor, flagged):
    digest_send(supervisor_id=supervisor.pk, now=MORNING)
    notification = Notification.objects.get(recipient=supervisor)
    assert notification.kind == NotificationKind.NEW_RED_FLAGS
    assert notification.url == "/records/flags/?tier=red"
    assert CODE not in notification.message


def test_a_failed_send_leaves_no_claim_so_the_retry_sends(
    supervisor, flagged, settings
):
    settings.EMAIL_BACKEND = "tests.attachment.supervision.test_digest.RefusingBackend"
    with pytest.raises(ConnectionError):
        digest_send(supervisor_id=supervisor.pk, now=MORNING)
    assert not DigestLog.objects.exists()
    assert not Notification.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert digest_send(supervisor_id=supervisor.pk, now=MORNING) is True


class RefusingBackend:
    """A mail server that is down (the outside world)."""

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError("mail server unavailable")


def test_the_beat_task_fans_out_one_digest_per_supervisor(
    supervisor, unrelated_supervisor, flagged
):
    # The beat task reads the real clock.
    DiscussedFlagFactory(
        client=flagged, detected_at=timezone.now() - DELAY - dt.timedelta(hours=1)
    )
    assert supervision_tasks.daily_digest_task.apply().get() == 2
    assert [message.to for message in mail.outbox] == [[supervisor.email]]
    assert supervision_tasks.daily_digest_task.apply().get() == 2
    assert len(mail.outbox) == 1


def test_the_digest_is_scheduled_daily_at_seven_utc(db):
    task = PeriodicTask.objects.get(name="daily supervision digest")
    assert task.task == "attachment.supervision_tasks.daily_digest"
    assert (task.crontab.hour, task.crontab.minute) == ("7", "0")
    assert task.kwargs == "{}"


def test_the_digest_task_is_registered_with_celery():
    from clinic.celery import app

    app.loader.import_default_modules()
    assert "attachment.supervision_tasks.daily_digest" in app.tasks


def test_a_flag_counts_when_it_reaches_the_supervisor_not_when_detected(
    supervisor, flagged
):
    """Detected yesterday, a red flag is still with the therapist: it waits
    for the digest after the clinic's delay."""
    flagged.flags.update(detected_at=YESTERDAY)
    assert digest_send(supervisor_id=supervisor.pk, now=MORNING) is False
    assert digest_send(supervisor_id=supervisor.pk, now=MORNING + DELAY) is True
    assert red_flags_message(1) in mail.outbox[-1].body


def test_a_flag_brought_to_supervision_counts_at_once(supervisor, therapist, flagged):
    flag = flagged.flags.get()
    flag.status = FlagStatus.OPEN
    flag.detected_at = YESTERDAY
    flag.save()
    flag_to_supervision(
        actor=therapist, flag=flag, now=YESTERDAY + dt.timedelta(hours=1)
    )
    assert digest_send(supervisor_id=supervisor.pk, now=MORNING) is True
    assert red_flags_message(1) in mail.outbox[-1].body
