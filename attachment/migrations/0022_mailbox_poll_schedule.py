"""The practice mailboxes' poll as a django-celery-beat PeriodicTask, every
five minutes (on the clock's fives), in the database like the other
schedules so that the operator can see and move it in the admin."""

from django.db import migrations

NAME = "practice mailbox poll"
TASK = "attachment.ingestion.poll_mailboxes"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="*/5",
        hour="*",
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
            "description": "Reads the new mail of each practice-mailbox "
            "integration into contacts (envelopes only, never a body unless the "
            "clinic keeps previews); counts only.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=NAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("attachment", "0021_unmatched_purge_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
