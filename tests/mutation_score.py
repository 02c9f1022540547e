"""Print the mutation score per module after ``mutmut run`` (``make mutants``).

A module's score is the share of its mutants that a test killed (a timeout
counts as killed, as mutmut counts it: the mutant made the code hang or loop;
the column shows how many, since a machine too loaded to finish in time would
also land there), leaving out the mutants
listed under ``[equivalent]`` in ``tests/mutants_equivalent.toml`` with the
reason each one cannot change behaviour.  A mutant no test reached counts as
surviving.  Survivors listed under ``[accepted]`` there (with the reason no
test kills them) still count as surviving; they are only named apart, so
that the list of survivors shows what nobody has looked at yet.

Exit status 1 when a module is below its goal, so the command can gate.
"""

from __future__ import annotations

import json
import sys
import tomllib
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
EQUIVALENT = Path(__file__).resolve().parent / "mutants_equivalent.toml"

# The goal per group of modules, in the order they are printed.
GOALS: tuple[tuple[str, str, float], ...] = (
    ("access rules", "clinic/access.py", 0.90),
    ("audit", "clinic/audit.py", 0.90),
    ("client import", "clinic/imports.py", 0.90),
    ("contact import", "attachment/records/imports.py", 0.90),
    ("contact column writer", "attachment/records/contact_columns.py", 0.90),
    ("note services", "notes/services.py", 0.0),
    ("detectors", "attachment/engine/patterns/*.py", 0.80),
)

KILLED = {1, 3}  # a test failed, or pytest stopped with an internal error
TIMED_OUT = {36, 24, -24, 152, 255}  # stopped at mutmut's time limit
SURVIVED = {0, 5, 33}  # tests passed, or no test reached the mutant


@dataclass
class Tally:
    killed: int = 0
    timed_out: int = 0
    survived: int = 0
    equivalent: int = 0
    unchecked: int = 0

    @property
    def score(self) -> float | None:
        judged = self.killed + self.timed_out + self.survived
        return (self.killed + self.timed_out) / judged if judged else None


def listed_mutants(section: str) -> dict[str, str]:
    """Mutant name → reason, from one section of the list."""
    if not EQUIVALENT.exists():
        return {}
    return dict(tomllib.loads(EQUIVALENT.read_text()).get(section, {}))


def exit_codes() -> dict[str, dict[str, int | None]]:
    """Mutant name → exit code, per source file, from mutmut's meta files."""
    found = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        source = meta.relative_to(MUTANTS).as_posix().removesuffix(".meta")
        found[source] = json.loads(meta.read_text())["exit_code_by_key"]
    return found


def tally(
    codes: dict[str, dict[str, int | None]], equivalent: dict[str, str]
) -> tuple[dict[str, Tally], list[str]]:
    tallies = {label: Tally() for label, _, _ in GOALS}
    survivors = []
    for source, by_mutant in codes.items():
        label = next((lbl for lbl, pat, _ in GOALS if fnmatch(source, pat)), None)
        if label is None:
            continue
        for name, code in by_mutant.items():
            t = tallies[label]
            if name in equivalent:
                t.equivalent += 1
            elif code in KILLED:
                t.killed += 1
            elif code in TIMED_OUT:
                t.timed_out += 1
            elif code in SURVIVED:
                t.survived += 1
                survivors.append(name)
            else:
                t.unchecked += 1
    return tallies, survivors


def print_survivors(survivors: list[str], accepted: dict[str, str]) -> None:
    unexplained = sorted(set(survivors) - set(accepted))
    print(
        f"\n{len(survivors)} surviving mutants, {len(survivors) - len(unexplained)}"
        " of them accepted with a reason in tests/mutants_equivalent.toml."
    )
    if unexplained:
        print("Not yet looked at (`.venv/bin/mutmut show NAME` shows the change):")
        for name in unexplained:
            print(f"  {name}")


def main(argv: list[str]) -> int:
    codes = exit_codes()
    if not codes:
        print("No mutation results under mutants/: run `make mutants` first.")
        return 2
    equivalent = listed_mutants("equivalent")
    accepted = listed_mutants("accepted")
    tallies, survivors = tally(codes, equivalent)
    print(
        f"{'module':<24}{'killed':>8}{'timeout':>9}{'survived':>10}"
        f"{'equivalent':>12}{'score':>8}{'goal':>7}"
    )
    below = []
    for label, _, goal in GOALS:
        t = tallies[label]
        score = t.score
        shown = "-" if score is None else f"{score:.1%}"
        print(
            f"{label:<24}{t.killed:>8}{t.timed_out:>9}{t.survived:>10}"
            f"{t.equivalent:>12}{shown:>8}{goal:>7.0%}"
        )
        if score is not None and score < goal:
            below.append(label)
        if t.unchecked:
            print(f"  ({t.unchecked} mutants not checked: interrupted run?)")
    if "--survivors" in argv:
        print_survivors(survivors, accepted)
    generated = {n for c in codes.values() for n in c}
    stale = sorted((set(equivalent) | set(accepted)) - generated)
    if stale:
        print("\nListed but no longer generated (edit the list):")
        for name in stale:
            print(f"  {name}")
    if below:
        print(f"\nBelow goal: {', '.join(below)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
