"""The API against its own schema, through WSGI with a valid token: no 5xx,
and every answer conforms to the schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@pytest.fixture
def operations(db):
    # As Django's test client does: the test's transaction must outlive each
    # request, so the requests do not close the connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    yield [result.ok() for result in schema.get_all_operations()]
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_api_keeps_to_its_schema(operations, issued, client, policy):
    assert {op.path for op in operations} == {
        "/api/v1/contacts/",
        "/api/v1/clients/",
        "/api/v1/clients/{code}/fhir/",
    }
    headers = {"Authorization": f"Bearer {issued[1]}"}

    @given(data=st.data())
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    def check(data):
        operation = data.draw(st.sampled_from(operations))
        case = data.draw(operation.as_strategy())
        with transaction.atomic():
            case.call_and_validate(headers=headers)
            transaction.set_rollback(True)

    check()
