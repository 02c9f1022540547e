"""The clinic admin's detector settings page: each threshold with its meaning,
default and range; bad values refused with nothing saved; reset; and the next
scan follows the new settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attachment.engine.patterns import FIELDS, DetectorThresholds
from attachment.engine.services import clinic_scan, detector_settings_for
from attachment.models import DetectorSettings, Flag, FlagKind, ScanRun
from attachment.oversight import services as oversight_services
from attachment.oversight.forms import DetectorSettingsForm, detector_groups
from attachment.records.boundary_refresh import contact_facts_refresh
from clinic.models import AuditEvent
from tests.attachment.factories import ContactFactory
from tests.clinic.test_publishing import broker_refusing

pytestmark = pytest.mark.django_db

URL = "attachment:detector_settings"


def _posted(**changes) -> dict[str, str]:
    """The form as the page posts it, with every default, plus ``changes``."""
    data = {}
    for spec in FIELDS:
        value = changes.get(spec.name, spec.default)
        if value is True:
            data[spec.name] = "on"
        elif value is not False:
            data[spec.name] = str(value)
    return data


def test_every_threshold_is_shown_with_its_meaning_default_and_range(login, admin):
    page = login(admin).get(reverse(URL)).content.decode()
    for spec in FIELDS:
        assert f'name="{spec.name}"' in page
        if spec.kind is not bool:
            assert spec.meaning.replace("'", "&#x27;") in page
            assert f"Valid {spec.minimum} to {spec.maximum}" in page


def test_thresholds_are_grouped_under_their_detector():
    groups = detector_groups()
    assert len(groups) == 8
    assert groups[1].title == "Policy pattern"
    assert groups[1].switch == "policy_enabled"
    assert "policy_min_count" in groups[1].thresholds
    grouped = {name for g in groups for name in (g.switch, *g.thresholds)}
    assert grouped == {spec.name for spec in FIELDS}


def test_a_threshold_outside_its_range_is_refused_and_nothing_saved(login, admin):
    response = login(admin).post(reverse(URL), _posted(policy_min_count=0))
    assert response.status_code == 200
    assert "Must be at least 1" in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert DetectorSettings.objects.get().policy_min_count == 3


def test_red_less_strict_than_yellow_is_refused_with_the_labels(login, admin):
    response = login(admin).post(
        reverse(URL), _posted(policy_min_count=5, policy_red_count=4)
    )
    form = response.context["form"]
    assert "policy_red_count" in form.errors
    assert "“" in form.errors["policy_red_count"][0]
    assert DetectorSettings.objects.get().policy_red_count == 6


def test_a_change_is_saved_audited_and_kept_in_history(login, admin):
    response = login(admin).post(
        reverse(URL), _posted(policy_min_count=2, withdrawal_enabled=False)
    )
    assert response.status_code == 302
    row = DetectorSettings.objects.get()
    assert (row.policy_min_count, row.withdrawal_enabled) == (2, False)
    assert AuditEvent.objects.filter(
        object_type="attachment.detectorsettings", action="update", actor=admin
    ).exists()
    assert row.events.count() >= 2


def test_reset_puts_every_threshold_back_to_its_default(login, admin, clinic, now):
    oversight_services.detector_settings_save(
        actor=admin,
        clinic=clinic,
        values={**dataclasses.asdict(DetectorThresholds()), "rupture_repair_days": 30},
        now=now,
    )
    login(admin).post(reverse("attachment:detector_settings_reset"))
    row = DetectorSettings.objects.get()
    assert {spec.name: getattr(row, spec.name) for spec in FIELDS} == (
        dataclasses.asdict(DetectorThresholds())
    )


def test_the_service_refuses_an_inconsistent_change(admin, clinic, now):
    detector_settings_for(clinic=clinic)
    values = {**dataclasses.asdict(DetectorThresholds()), "after_ending_red_count": 0}
    with pytest.raises(ValidationError):
        oversight_services.detector_settings_save(
            actor=admin, clinic=clinic, values=values, now=now
        )
    assert DetectorSettings.objects.get().after_ending_red_count == 3


def test_a_lower_threshold_changes_the_next_scans_result(
    admin, client, policy, now, django_capture_on_commit_callbacks
):
    for day in (16, 17):  # two evening texts: below the three that flag
        ContactFactory(
            client=client, occurred_at=dt.datetime(2026, 3, day, 21, tzinfo=dt.UTC)
        )
    contact_facts_refresh(client_ids=[client.pk])
    clinic_scan(clinic=client.clinic, now=now)
    assert not Flag.objects.filter(kind=FlagKind.POLICY_PATTERN).exists()

    with django_capture_on_commit_callbacks(execute=True):
        oversight_services.detector_settings_save(
            actor=admin,
            clinic=client.clinic,
            values={**dataclasses.asdict(DetectorThresholds()), "policy_min_count": 2},
            now=now,
        )

    assert ScanRun.objects.filter(clinic=client.clinic).exists()  # queued, and ran
    clinic_scan(clinic=client.clinic, now=now)
    flag = Flag.objects.get(kind=FlagKind.POLICY_PATTERN, client=client)
    assert flag.evidence["after_hours"] == 2


def test_with_the_broker_down_a_change_is_saved_and_left_to_the_nightly_scan(
    login, admin, clinic, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.WARNING, logger="between.publishing")

    with broker_refusing(), django_capture_on_commit_callbacks(execute=True):
        response = login(admin).post(reverse(URL), _posted(policy_min_count=2))

    assert response.status_code == 302
    assert DetectorSettings.objects.get().policy_min_count == 2
    assert not ScanRun.objects.filter(clinic=clinic).exists()
    assert (
        f"scan after settings change not queued clinic_id={clinic.pk}: "
        "broker unavailable"
    ) in caplog.messages


GARBAGE = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "nan", "inf", "-inf", "1e309", "3.5", "-1", "0", "10**9"]),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.dictionaries(
        st.sampled_from([spec.name for spec in FIELDS]), GARBAGE, max_size=6
    )
)
def test_the_settings_form_never_fails_and_never_saves_bad_values(
    login, admin, changes
):
    row = detector_settings_for(clinic=admin.memberships.get().clinic)
    before = {spec.name: getattr(row, spec.name) for spec in FIELDS}
    form = DetectorSettingsForm(_posted(**changes))
    valid = form.is_valid()
    response = login(admin).post(reverse(URL), _posted(**changes))
    assert response.status_code in (200, 302)
    row = DetectorSettings.objects.get()
    after = {spec.name: getattr(row, spec.name) for spec in FIELDS}
    if response.status_code == 200:
        assert not valid
        assert after == before
    else:
        assert valid
        DetectorThresholds.from_mapping(after)  # a detector can run on it
