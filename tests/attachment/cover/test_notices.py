"""The daily cover notices and the page of an absence's cover: at the start
the absent therapist and their supervisor are told who covers; at the end,
how many clients' cover pages the cover opened (from the audit trail), once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from attachment.cover.notices import cover_notices_send
from attachment.cover.tasks import daily_cover_notices_task
from attachment.models import CoverNotice, Notification, NotificationKind
from clinic.celery import app
from tests.attachment.cover.conftest import local_noon
from tests.factories import AbsenceFactory, ClientFactory

pytestmark = pytest.mark.django_db


def notices(kind: str) -> dict[int, Notification]:
    return {note.recipient_id: note for note in Notification.objects.filter(kind=kind)}


def test_at_the_start_therapist_and_supervisor_are_told_who_covers(
    absence, therapist, supervisor, cover, unrelated_supervisor, client
):
    assert cover_notices_send(now=timezone.now()) == 1
    told = notices(NotificationKind.COVER_STARTS)
    assert set(told) == {therapist.pk, supervisor.pk}
    assert told[therapist.pk].message.startswith("Cora Cover covers your clients from")
    assert "Cora Cover covers Tess Therapist's clients" in told[supervisor.pk].message
    for note in told.values():
        assert note.url == reverse("attachment:cover_absence", args=[absence.pk])
        assert client.code not in note.message


def test_each_notice_is_sent_once(absence, supervisor):
    now = timezone.now()
    assert cover_notices_send(now=now) == 1
    assert cover_notices_send(now=now + dt.timedelta(days=1)) == 0
    assert CoverNotice.objects.count() == 1
    assert Notification.objects.count() == 2


def test_at_the_end_they_are_told_how_many_clients_the_cover_opened(
    login, http, clinic, absence, therapist, supervisor, cover, client, clock
):
    second = ClientFactory(clinic=clinic, therapist=therapist)
    ClientFactory(clinic=clinic, therapist=therapist)  # never opened
    viewer = login(cover)
    for opened in (client, second, client):
        viewer.get(reverse("attachment:cover_page", args=[opened.pk]))
    cover_notices_send(now=timezone.now())

    after = local_noon(clinic, absence.ends_on + dt.timedelta(days=1))
    assert cover_notices_send(now=after) == 1
    told = notices(NotificationKind.COVER_ENDED)
    assert set(told) == {therapist.pk, supervisor.pk}
    assert (
        "your cover opened the cover pages of 2 clients" in told[therapist.pk].message
    )
    assert CoverNotice.objects.get(kind="ended").clients_opened == 2

    clock(after)
    http.force_login(therapist)
    page = http.get(told[therapist.pk].url)
    assert page.status_code == 200
    rows = [(row.client, row.reads) for row in page.context["rows"]]
    assert sorted(rows, key=lambda row: row[0].code) == sorted(
        [(client, 2), (second, 1)], key=lambda row: row[0].code
    )


def test_an_absence_without_cover_or_long_over_gets_no_notice(
    clinic, therapist, other_therapist, today
):
    AbsenceFactory(clinic=clinic, therapist=therapist, starts_on=today, ends_on=today)
    AbsenceFactory(
        clinic=clinic,
        therapist=other_therapist,
        covering_therapist=therapist,
        starts_on=today - dt.timedelta(days=30),
        ends_on=today - dt.timedelta(days=20),
    )
    assert cover_notices_send(now=timezone.now()) == 0
    assert not Notification.objects.exists()


def test_a_future_absence_waits_for_its_first_day(clinic, absence):
    absence.starts_on = absence.starts_on + dt.timedelta(days=10)
    absence.ends_on = absence.ends_on + dt.timedelta(days=10)
    absence.save()
    assert cover_notices_send(now=timezone.now()) == 0
    assert cover_notices_send(now=local_noon(clinic, absence.starts_on)) == 1


def test_beat_runs_the_cover_notices_every_morning(db, absence):
    task = PeriodicTask.objects.get(name="daily cover notices")
    assert task.task == daily_cover_notices_task.name
    assert task.task in app.tasks
    assert (task.crontab.hour, task.crontab.minute) == ("6", "30")
    assert daily_cover_notices_task.acks_late
    assert daily_cover_notices_task.apply().get() == 1


# --- the page of an absence's cover --------------------------------------------


def test_the_absence_page_is_the_therapists_and_their_supervisors(
    login, absence, therapist, supervisor, admin, cover, other_therapist, outsider
):
    url = reverse("attachment:cover_absence", args=[absence.pk])
    for reader in (therapist, supervisor):
        assert login(reader).get(url).status_code == 200
    assert login(admin).get(url).status_code == 403
    for stranger in (cover, other_therapist, outsider):
        assert login(stranger).get(url).status_code == 404


def test_the_absence_page_counts_the_contacts_the_cover_logged(
    login, clinic, absence, therapist, cover, client
):
    moment = timezone.localtime(timezone.now() - dt.timedelta(hours=2), clinic.zone)
    login(cover).post(
        reverse("attachment:cover_contact_new", args=[client.pk]),
        {
            "occurred_at": moment.strftime("%Y-%m-%dT%H:%M"),
            "channel": "text",
            "direction": "from_client",
        },
    )
    page = login(therapist).get(reverse("attachment:cover_absence", args=[absence.pk]))
    [row] = page.context["rows"]
    assert (row.client, row.reads, row.contacts_logged) == (client, 0, 1)
