"""Any bundle, however spoiled: the import writes every record or none, and
a refusal lists ``item N: reason`` lines that never repeat what was sent."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attachment.fhir.export import bundle_chunks
from attachment.fhir.importer import BundleRejected, fhir_import
from attachment.models import ImportedRecord
from clinic.models import Client

NOW = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
MARK = "Zq9-sent-text"
PROBLEM = re.compile(r"^(item \d+|bundle|therapist): [^\n]+$")

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.just(MARK),
    st.just(f"2026-13-40T{MARK}"),
    st.lists(st.just(MARK), max_size=2),
    st.fixed_dictionaries({"coding": st.just([{"system": MARK, "code": MARK}])}),
    st.just(MARK * 40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        ["1900-01-01T00:00:00Z", "2026-03-01", "2099-12-31T23:59:59+14:00"]
    ),
    st.sampled_from(["urn:uuid:0", "Patient/x", "open", "resolved", "red", "text"]),
)


@pytest.fixture
def exported(record) -> dict:
    return json.loads(b"".join(bundle_chunks(record, now=NOW)))


def _paths(value, path=()):
    """Every place in the bundle a value sits."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))
    yield path


def _replace(bundle, path, value):
    if not path:
        return value
    target = bundle
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return bundle


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_a_spoiled_bundle_is_imported_whole_or_not_at_all(exported, new_home, data):
    paths = [path for path in _paths(exported["entry"]) if path]
    spoiled = json.loads(json.dumps(exported))
    for path in data.draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3)):
        try:
            _replace(spoiled["entry"], path, data.draw(values))
        except (KeyError, IndexError, TypeError):
            continue
    with transaction.atomic():
        try:
            outcome = fhir_import(
                text=json.dumps(spoiled), therapist=new_home.therapist, now=NOW
            )
        except BundleRejected as rejected:
            assert rejected.errors
            for problem in rejected.errors:
                assert PROBLEM.match(problem), problem
                assert MARK not in problem
            assert not Client.objects.filter(clinic=new_home.clinic).exists()
            assert not ImportedRecord.objects.exists()
        else:
            assert outcome.client.clinic == new_home.clinic
            assert ImportedRecord.objects.filter(client=outcome.client).exists()
        transaction.set_rollback(True)
