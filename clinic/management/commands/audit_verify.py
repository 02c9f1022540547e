"""``manage.py audit_verify``: recompute the audit chain and name its first break."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from clinic.audit import (
    VERIFIED_FILE,
    ChainReport,
    ChainRow,
    chain_check,
    verification_of,
    verification_record,
)
from clinic.management.commands.seed_demo import _BarStream


class Command(BaseCommand):
    help = (
        "Recompute the audit chain from its first row, check it against the "
        "anchors in AUDIT_ANCHOR_DIR, and report the first problem with its "
        "seq: a row deleted, edited, reordered, or a chain rewritten since an "
        "anchor.  Each run is appended, signed, to "
        f"AUDIT_ANCHOR_DIR/{VERIFIED_FILE}, which the clinic admin's access page "
        "shows.  Exit status 0 when intact, 1 otherwise."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["verbosity"] == 0

        def progress(rows: Iterable[ChainRow], length: int) -> Iterable[ChainRow]:
            return tqdm(
                rows,
                total=length,
                file=_BarStream(self.stderr),
                desc="audit_verify",
                unit="row",
                disable=quiet,
            )

        directory = Path(settings.AUDIT_ANCHOR_DIR)
        report = chain_check(directory=directory, progress=progress)
        verification_record(
            verification_of(report, at=timezone.now()), directory=directory
        )
        self._report(report)
        if not report.ok:
            raise CommandError("The audit chain is broken.", returncode=1)

    def _report(self, report: ChainReport) -> None:
        check, anchors = report.check, report.anchors
        self.stdout.write(
            f"Rows checked: {check.rows} of {report.length}. "
            f"Anchors: {anchors.lines} line(s), {check.anchors_met} met, "
            f"{len(anchors.bad)} bad."
        )
        for place in anchors.bad:
            self.stderr.write(f"Anchor line {place}: malformed or wrongly signed.")
        if check.broken is not None:
            self.stderr.write(f"First problem at {check.broken}.")
        if report.ok:
            self.stdout.write(f"The audit chain is intact up to seq {check.rows}.")
