"""``manage.py audit_anchor``: keep the audit chain's head outside the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from clinic.audit import ANCHOR_FILE, chain_anchor


class Command(BaseCommand):
    help = (
        "Append the audit chain's head (seq, mac, time) as a signed line to "
        f"AUDIT_ANCHOR_DIR/{ANCHOR_FILE} and to the log.  Beat runs it daily; "
        "audit_verify then reports a chain that no longer holds an anchored row."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(settings.AUDIT_ANCHOR_DIR)
        head = chain_anchor(directory=directory)
        if head is None:
            self.stdout.write("The audit log is empty: nothing to anchor.")
            return
        self.stdout.write(
            f"Anchored seq {head.seq} (mac {head.mac[:16]}…) "
            f"in {directory / ANCHOR_FILE}."
        )
