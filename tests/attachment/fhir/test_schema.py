"""The FHIR endpoint against the API's own schema, through WSGI with a
``records:read`` token: no 5xx, and every answer conforms to the schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.integrations.services import integration_create

PATH = "/api/v1/clients/{code}/fhir/"


@pytest.fixture
def operations(db):
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    yield [result.ok() for result in schema.get_all_operations()]
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_schema_is_valid_openapi(capsys):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_the_fhir_endpoint_keeps_to_its_schema(operations, record, clinic, admin):
    _, token = integration_create(
        actor=admin,
        clinic=clinic,
        name="Records system",
        kind="practice_system",
        scopes=["records:read"],
        now=timezone.now(),
    )
    (operation,) = [op for op in operations if op.path == PATH]
    headers = {"Authorization": f"Bearer {token}"}
    statuses = set()

    @given(data=st.data())
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    def check(data):
        case = data.draw(operation.as_strategy())
        if data.draw(st.booleans()):
            case.path_parameters = {"code": "RS-001"}
        with transaction.atomic():
            statuses.add(case.call_and_validate(headers=headers).status_code)
            transaction.set_rollback(True)

    check()
    assert 200 in statuses
