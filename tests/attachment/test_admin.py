"""The operator's Django admin shows the records' metadata, never their text,
and changes none of them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from attachment.engine.patterns import FIELDS
from attachment.engine.services import detector_settings_for
from attachment.models import DetectorSettings
from tests.attachment.factories import ContactFactory, FlagFactory, RuptureFactory
from tests.factories import UserFactory

SECRET = "Zephyrine-confided-text"


@pytest.fixture
def operator(db):
    return UserFactory(email="operator@example.test", is_staff=True, is_superuser=True)


@pytest.mark.parametrize(
    ("make", "admin_name"),
    [
        (lambda c: ContactFactory(client=c, summary=SECRET), "attachment_contact"),
        (lambda c: RuptureFactory(client=c, description=SECRET), "attachment_rupture"),
        (lambda c: FlagFactory(client=c, explanation=SECRET), "attachment_flag"),
    ],
)
def test_the_operator_sees_metadata_but_no_clinical_text(
    login, operator, client, make, admin_name
):
    record = make(client)
    http = login(operator)

    listing = http.get(reverse(f"admin:{admin_name}_changelist"))
    detail = http.get(reverse(f"admin:{admin_name}_change", args=[record.pk]))

    assert listing.status_code == detail.status_code == 200
    assert SECRET not in listing.content.decode()
    assert SECRET not in detail.content.decode()
    assert (
        http.post(reverse(f"admin:{admin_name}_change", args=[record.pk])).status_code
        == 403
    )


def test_the_operator_reads_the_detector_settings_but_cannot_change_them(
    login, operator, clinic
):
    """The clinic admin changes them on Between's settings page, audited."""
    settings_row = detector_settings_for(clinic=clinic)
    before = DetectorSettings.objects.filter(pk=settings_row.pk).values().get()
    url = reverse("admin:attachment_detectorsettings_change", args=[settings_row.pk])
    spec = FIELDS[0]
    http = login(operator)

    page = http.get(url)
    changed = http.post(url, {spec.name: not getattr(settings_row, spec.name)})

    assert page.status_code == 200
    assert spec.label in page.content.decode()
    assert changed.status_code == 403
    assert DetectorSettings.objects.filter(pk=settings_row.pk).values().get() == before
