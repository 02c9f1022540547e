import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from clinic.integrations.services import integration_create


@pytest.fixture
def issued(clinic, admin):
    """An integration of the clinic with both scopes, and its token."""
    return integration_create(
        actor=admin,
        clinic=clinic,
        name="Practice system",
        kind="practice_system",
        scopes=["contacts:write", "clients:read"],
        now=timezone.now(),
    )


@pytest.fixture
def api(issued):
    return HttpClient(headers={"Authorization": f"Bearer {issued[1]}"})
