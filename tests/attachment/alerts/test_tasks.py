"""Beat runs the unanswered-distress sweep every five minutes, by its pinned
name, and the task returns counts only."""

from __future__ import annotations

import pytest
from django_celery_beat.models import PeriodicTask

from attachment.alerts.tasks import unanswered_distress_sweep_task
from clinic.celery import app

pytestmark = pytest.mark.django_db


def test_beat_runs_the_sweep_every_five_minutes():
    task = PeriodicTask.objects.get(name="unanswered distress sweep")
    assert task.enabled
    assert task.task == unanswered_distress_sweep_task.name
    assert task.task == "attachment.alerts.unanswered_distress_sweep"
    assert task.task in app.tasks
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("*/5", "*", "*")
    assert unanswered_distress_sweep_task.acks_late


def test_the_task_sweeps_now_and_returns_counts(policy, client):
    result = unanswered_distress_sweep_task.apply().get()
    assert result == {"raised": 0, "escalated": 0, "not_escalated": 0, "settled": 0}
