"""The daily cover notices as a django-celery-beat PeriodicTask (06:30 UTC),
in the database like the nightly scan and the digest so that the operator
can move it in the admin."""

from django.db import migrations

NAME = "daily cover notices"
TASK = "attachment.cover_tasks.daily_cover_notices"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="6",
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
            "description": "Tells absent therapists and their supervisors who "
            "covers when an absence starts, and how many clients the cover "
            "opened when it ends; ids and counts only.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=NAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("attachment", "0009_cover_and_break_glass"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
