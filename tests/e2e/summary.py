"""What ``make e2e`` prints at its end: pages checked per person, axe-core's
violations by impact (every impact, not only the ones that fail a test),
journeys passed, and the taps and seconds of logging a contact from the
caseload.  The tests fill it in; ``conftest.pytest_terminal_summary`` prints
it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

IMPACTS = ("critical", "serious", "moderate", "minor")


@dataclass
class Summary:
    pages: dict[str, int] = field(default_factory=dict)
    impacts: Counter[str] = field(default_factory=Counter)
    passed: int = 0
    failed: int = 0
    contact_log: tuple[int, float] | None = None

    def lines(self) -> list[str]:
        lines = [
            f"pages checked: {sum(self.pages.values())} "
            f"({', '.join(f'{who} {n}' for who, n in self.pages.items())})",
            "axe violations by impact (nodes): "
            + ", ".join(f"{impact} {self.impacts[impact]}" for impact in IMPACTS),
            f"browser tests passed: {self.passed}, failed: {self.failed}",
        ]
        if self.contact_log is not None:
            taps, seconds = self.contact_log
            lines.append(
                f"contact logged from the caseload: {taps} interactions, "
                f"{seconds:.1f} s of scripted interaction"
            )
        return lines


SUMMARY = Summary()
