"""CSV cells a spreadsheet program will not run, and client codes that cannot
start like a formula in the first place."""

from __future__ import annotations

import ast
import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clinic.csv_safety import FORMULA_STARTS, cell_neutralised, csv_writer
from clinic.demo import client_plans
from clinic.models import CLIENT_CODE_PATTERN, Client
from tests.factories import ClientFactory

ROOT = Path(__file__).resolve().parents[2]

# CSV files written for a program, not for people: the contact import's own
# benchmark input, which the importer reads back cell for cell.
NOT_FOR_PEOPLE = {
    "attachment/management/commands/bench_import.py",
    "attachment/management/commands/bench_ingest.py",
}


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_cell_starting_like_a_formula_gets_a_quote_in_front(start):
    assert cell_neutralised(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"


def test_each_start_a_spreadsheet_runs_is_covered():
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}


@pytest.mark.parametrize(
    "value", ["RS-001", "a=b", "policy_pattern", "2026-03-09T10:20:00+00:00", ""]
)
def test_any_other_text_is_written_as_it_is(value):
    assert cell_neutralised(value) == value


@pytest.mark.parametrize("value", [None, -3, -2.5, Decimal("-1.5"), 0])
def test_numbers_and_none_stay_as_the_csv_module_writes_them(value):
    assert cell_neutralised(value) is value


def test_a_value_that_is_not_text_is_judged_by_how_it_is_written():
    class Sneaky:
        def __str__(self) -> str:
            return "=1+1"

    assert cell_neutralised(Sneaky()) == "'=1+1"


def test_the_writer_neutralises_every_cell_of_every_row():
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["=header", "plain"])
    writer.writerows([["@SUM(A1)", 1], ["-2+3", None], ["\r=cmd", "ok"]])

    assert list(csv.reader(io.StringIO(out.getvalue(), newline=""))) == [
        ["'=header", "plain"],
        ["'@SUM(A1)", "1"],
        ["'-2+3", ""],
        ["'\r=cmd", "ok"],
    ]


def _writer_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "csv"
        and node.func.attr in {"writer", "DictWriter"}
    ]


def test_every_csv_the_project_writes_goes_through_the_safe_writer():
    writers = {
        str(path.relative_to(ROOT))
        for app in ("clinic", "notes", "attachment")
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and _writer_calls(path)
    }
    assert writers - NOT_FOR_PEOPLE == {"clinic/csv_safety.py"}


# --- client codes -------------------------------------------------------------


@pytest.mark.parametrize("code", ["=1+1", "+1", "-1", "@SUM(A1)", "\t1", "\r1"])
def test_a_code_starting_like_a_formula_is_refused_by_the_model(
    clinic, therapist, code
):
    client = ClientFactory.build(clinic=clinic, therapist=therapist, code=code)
    with pytest.raises(ValidationError) as refused:
        client.full_clean()
    assert "must start with a letter or digit" in str(refused.value)


@pytest.mark.parametrize(
    "code", ["=1+1", "+1", "-1", "@SUM(A1)", "\t1", "\r1", "RS 001", "RS-Ø01", "R;1"]
)
def test_the_database_refuses_any_other_character_too(client, code):
    with transaction.atomic(), pytest.raises(IntegrityError, match="code_characters"):
        Client.objects.filter(pk=client.pk).update(code=code)


@pytest.mark.parametrize("code", ["RS-001", "a.b_c-D9", "7", "RS.01", "RS_01"])
def test_letters_digits_dots_underscores_and_hyphens_are_accepted(
    clinic, therapist, code
):
    client = ClientFactory.build(clinic=clinic, therapist=therapist, code=code)
    client.full_clean()
    client.save()
    assert Client.objects.get(pk=client.pk).code == code


def test_the_demo_codes_follow_the_rule():
    codes = [plan.code for plan in client_plans()]
    assert codes and all(re.fullmatch(CLIENT_CODE_PATTERN, code) for code in codes)
