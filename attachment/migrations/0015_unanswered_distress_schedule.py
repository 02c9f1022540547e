"""The unanswered-distress sweep as a django-celery-beat PeriodicTask, every
five minutes (on the clock's fives), in the database like the other
schedules so that the operator can see and move it in the admin."""

from django.db import migrations

NAME = "unanswered distress sweep"
TASK = "attachment.alerts.unanswered_distress_sweep"


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
            "description": "Tells the therapist (or the cover during an absence) "
            "of a distress or crisis contact unanswered at its reply time, and "
            "the supervisor a reply window later; ids and counts only.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=NAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("attachment", "0014_coping_plan_agreement_moved"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
