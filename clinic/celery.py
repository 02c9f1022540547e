"""The Celery application.  Tasks are discovered in every installed app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("between")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
