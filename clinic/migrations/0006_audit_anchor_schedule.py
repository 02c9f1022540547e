"""The daily anchor of the audit chain as a django-celery-beat PeriodicTask
(03:15 UTC, after the nightly scan has written its events), in the database
like the other schedules so that the operator can move it in the admin."""

from django.db import migrations

NAME = "daily audit chain anchor"
TASK = "clinic.tasks.audit_anchor"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="15",
        hour="3",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "kwargs": "{}",
            "description": "Appends the audit chain's head (seq, mac, time) as a "
            "signed line to AUDIT_ANCHOR_DIR and to the log.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=NAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0005_audit_chain"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
