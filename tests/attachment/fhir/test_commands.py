"""``export_fhir`` and ``import_fhir``: the operator's way out and in."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from attachment.models import ImportedRecord
from clinic.access_report.kinds import FHIR_EXPORT
from clinic.models import AuditEvent, Client
from tests.attachment.fhir.conftest import SECRET_TEXTS, parsed
from tests.factories import MembershipFactory


def _export(*args: str) -> str:
    out = io.StringIO()
    call_command("export_fhir", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_export_goes_to_stdout_valid_and_audited_with_no_person(record):
    text = _export("--client", "RS-001")
    parsed(text.encode())
    for secret in SECRET_TEXTS:
        assert secret not in text
    event = AuditEvent.objects.get(object_type=FHIR_EXPORT)
    assert (event.actor_id, event.action, event.client_id) == (
        None,
        "export",
        record.pk,
    )


def test_the_export_writes_a_file(record, tmp_path):
    target = tmp_path / "bundle.json"
    _export("--client", "RS-001", "--clinic", "riverside", "--output", str(target))
    parsed(target.read_bytes())


def test_an_unknown_client_is_an_error(record):
    with pytest.raises(CommandError, match="no client"):
        _export("--client", "RS-001", "--clinic", "hilltop")


def test_a_code_in_two_clinics_needs_the_clinic(record, new_home):
    Client.objects.create(
        clinic=new_home.clinic,
        therapist=new_home.therapist,
        code="RS-001",
        started_on=record.started_on,
    )
    with pytest.raises(CommandError, match="--clinic"):
        _export("--client", "RS-001")


def test_the_import_moves_the_client_then_says_nothing_is_new(
    record, new_home, tmp_path
):
    path = tmp_path / "bundle.json"
    _export("--client", "RS-001", "--output", str(path))
    out = io.StringIO()
    call_command(
        "import_fhir", str(path), "--therapist", "newhome@example.test", stdout=out
    )
    assert "Imported for RS-001" in out.getvalue()
    rows = ImportedRecord.objects.count()
    out = io.StringIO()
    call_command(
        "import_fhir", str(path), "--therapist", "newhome@example.test", stdout=out
    )
    assert out.getvalue().startswith("Nothing new:")
    assert ImportedRecord.objects.count() == rows


def test_the_import_lists_problems_and_writes_nothing(record, new_home, tmp_path):
    bundle = json.loads(_export("--client", "RS-001"))
    bundle["entry"][2]["resource"]["sent"] = "not a time"
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    errors = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_fhir",
            str(path),
            "--therapist",
            "newhome@example.test",
            stderr=errors,
        )
    assert errors.getvalue().strip() == "item 2: sent is not valid"
    assert not Client.objects.filter(clinic=new_home.clinic).exists()


def test_the_import_goes_to_the_clinic_named(record, new_home, tmp_path):
    MembershipFactory(user=new_home.therapist, clinic=record.clinic, role="therapist")
    path = tmp_path / "bundle.json"
    _export("--client", "RS-001", "--output", str(path))
    call_command(
        "import_fhir",
        str(path),
        "--therapist",
        "newhome@example.test",
        "--clinic",
        "hilltop",
        stdout=io.StringIO(),
    )
    assert Client.objects.get(clinic=new_home.clinic).code == "RS-001"
