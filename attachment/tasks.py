"""Celery's autodiscovery looks for ``<app>.tasks``; each feature package
keeps its tasks in its own ``tasks.py``, imported here so that workers
register them.  Task names are pinned with ``name=`` (see each task)."""

from attachment.alerts import tasks as alerts_tasks  # noqa: F401
from attachment.cover import tasks as cover_tasks  # noqa: F401
from attachment.engine import tasks as engine_tasks  # noqa: F401
from attachment.ingestion.mailbox import tasks as mailbox_tasks  # noqa: F401
from attachment.records import tasks as records_tasks  # noqa: F401
from attachment.retention import tasks as retention_tasks  # noqa: F401
from attachment.supervision import tasks as supervision_tasks  # noqa: F401
from attachment.unmatched import tasks as unmatched_tasks  # noqa: F401
