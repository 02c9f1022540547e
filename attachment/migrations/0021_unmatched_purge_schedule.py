"""The unmatched inbox's retention as a django-celery-beat PeriodicTask, daily
at 03:30 UTC, in the database like the other schedules so that the operator
can see and move it in the admin."""

from django.db import migrations

NAME = "unmatched messages purge"
TASK = "attachment.unmatched.purge_expired"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
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
            "description": "Deletes the unmatched messages older than their "
            "clinic's retention (Clinic.unmatched_retention_days); counts only.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=NAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("attachment", "0020_addresses_and_unmatched_inbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
