"""The detector settings page: each threshold with its meaning, default and
range; changed by the clinic's clinical lead alone, with a reason; bad values
refused with nothing saved; reset; and the next scan follows the new
settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attachment.engine.patterns import FIELDS, DetectorThresholds
from attachment.engine.services import clinic_scan, detector_settings_for
from attachment.models import (
    DetectorSettings,
    DetectorSettingsChange,
    Flag,
    FlagKind,
    ScanRun,
)
from attachment.oversight import services as oversight_services
from attachment.oversight.forms import (
    DetectorSettingsForm,
    ReasonForm,
    detector_groups,
)
from attachment.records.boundary_refresh import contact_facts_refresh
from clinic.models import AuditEvent, Membership, Role
from tests.attachment.factories import ContactFactory
from tests.clinic.test_publishing import broker_refusing

pytestmark = pytest.mark.django_db

URL = "attachment:detector_settings"
REASON = "Fewer flags at low contact rates, agreed in the clinical meeting."


@pytest.fixture
def lead(supervisor, clinic):
    """The clinic's clinical lead: the supervisor."""
    Membership.objects.filter(user=supervisor, role=Role.SUPERVISOR).update(
        is_clinical_lead=True
    )
    return supervisor


def _posted(reason: str = REASON, **changes) -> dict[str, str]:
    """The form as the page posts it, with every default, plus ``changes``."""
    data = {"reason": reason}
    for spec in FIELDS:
        value = changes.get(spec.name, spec.default)
        if value is True:
            data[spec.name] = "on"
        elif value is not False:
            data[spec.name] = str(value)
    return data


def test_every_threshold_is_shown_with_its_meaning_default_and_range(login, lead):
    page = login(lead).get(reverse(URL)).content.decode()
    for spec in FIELDS:
        assert f'name="{spec.name}"' in page
        if spec.kind is not bool:
            assert spec.meaning.replace("'", "&#x27;") in page
            assert f"Valid {spec.minimum} to {spec.maximum}" in page


def test_thresholds_are_grouped_under_their_detector():
    groups = detector_groups()
    assert len(groups) == 8
    assert groups[1].title == FIELDS[
        [s.name for s in FIELDS].index("policy_enabled")
    ].label.removesuffix(": on")
    assert groups[1].switch == "policy_enabled"
    assert "policy_min_count" in groups[1].thresholds
    grouped = {name for g in groups for name in (g.switch, *g.thresholds)}
    assert grouped == {spec.name for spec in FIELDS}


def _default(name: str):
    return getattr(DetectorThresholds(), name)


def test_a_threshold_outside_its_range_is_refused_and_nothing_saved(login, lead):
    response = login(lead).post(reverse(URL), _posted(policy_min_count=0))
    assert response.status_code == 200
    assert "Must be at least 1" in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert DetectorSettings.objects.get().policy_min_count == _default(
        "policy_min_count"
    )
    assert not DetectorSettingsChange.objects.exists()


def test_red_less_strict_than_yellow_is_refused_with_the_labels(login, lead):
    response = login(lead).post(
        reverse(URL), _posted(policy_min_count=5, policy_red_count=4)
    )
    form = response.context["form"]
    assert "policy_red_count" in form.errors
    assert "“" in form.errors["policy_red_count"][0]
    assert DetectorSettings.objects.get().policy_red_count == _default(
        "policy_red_count"
    )


def test_a_change_is_saved_audited_kept_in_history_and_listed_with_why(login, lead):
    response = login(lead).post(
        reverse(URL), _posted(policy_min_count=2, withdrawal_enabled=False)
    )
    assert response.status_code == 302
    row = DetectorSettings.objects.get()
    assert (row.policy_min_count, row.withdrawal_enabled) == (2, False)
    assert AuditEvent.objects.filter(
        object_type="attachment.detectorsettings", action="update", actor=lead
    ).exists()
    assert row.events.count() >= 2
    change = DetectorSettingsChange.objects.get()
    assert (change.changed_by, change.reason) == (lead, REASON)
    assert change.changes == {
        "policy_min_count": [_default("policy_min_count"), 2],
        "withdrawal_enabled": [True, False],
    }
    page = login(lead).get(reverse(URL)).content.decode()
    assert REASON in page
    assert f"{_default('policy_min_count')} → 2" in page


def test_a_change_without_a_reason_is_refused_and_nothing_saved(login, lead):
    response = login(lead).post(reverse(URL), _posted(reason="  ", policy_min_count=2))
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert DetectorSettings.objects.get().policy_min_count == _default(
        "policy_min_count"
    )
    assert not DetectorSettingsChange.objects.exists()


def test_the_service_refuses_a_blank_reason(lead, clinic, now):
    with pytest.raises(ValidationError):
        oversight_services.detector_settings_save(
            actor=lead,
            clinic=clinic,
            values={**dataclasses.asdict(DetectorThresholds()), "policy_min_count": 2},
            reason=" ",
            now=now,
        )
    assert not DetectorSettingsChange.objects.exists()


def test_saving_the_same_values_lists_no_change(login, lead):
    response = login(lead).post(reverse(URL), _posted())
    assert response.status_code == 302
    assert not DetectorSettingsChange.objects.exists()


def test_the_clinic_admin_reads_the_settings_but_cannot_change_them(login, admin, lead):
    page = login(admin).get(reverse(URL))
    assert page.status_code == 200
    assert page.context["may_change"] is False
    assert all(field.disabled for field in page.context["form"].fields.values())
    assert "Save settings" not in page.content.decode()
    assert lead.full_name in page.content.decode()
    assert login(admin).post(reverse(URL), _posted(policy_min_count=2)).status_code == (
        403
    )
    reset = reverse("attachment:detector_settings_reset")
    assert login(admin).post(reset, {"reset-reason": "x"}).status_code == 403
    assert DetectorSettings.objects.get().policy_min_count == _default(
        "policy_min_count"
    )


def test_the_admin_cannot_change_them_through_the_service_either(admin, clinic, now):
    with pytest.raises(PermissionDenied):
        oversight_services.detector_settings_save(
            actor=admin,
            clinic=clinic,
            values={**dataclasses.asdict(DetectorThresholds()), "policy_min_count": 2},
            reason=REASON,
            now=now,
        )


def test_a_supervisor_who_is_not_the_lead_cannot_open_the_page(
    login, supervisor, unrelated_supervisor, lead
):
    assert login(unrelated_supervisor).get(reverse(URL)).status_code == 403


def test_another_clinics_lead_cannot_change_this_clinics_settings(
    outsider, clinic, now
):
    Membership.objects.filter(user=outsider, role=Role.SUPERVISOR).update(
        is_clinical_lead=True
    )
    with pytest.raises(Http404):
        oversight_services.detector_settings_save(
            actor=outsider,
            clinic=clinic,
            values=dataclasses.asdict(DetectorThresholds()),
            reason=REASON,
            now=now,
        )


def test_reset_puts_every_threshold_back_to_its_default(login, lead, clinic, now):
    oversight_services.detector_settings_save(
        actor=lead,
        clinic=clinic,
        values={**dataclasses.asdict(DetectorThresholds()), "rupture_repair_days": 30},
        reason=REASON,
        now=now,
    )
    login(lead).post(
        reverse("attachment:detector_settings_reset"),
        {"reset-reason": "Back to the documented defaults."},
    )
    row = DetectorSettings.objects.get()
    assert {spec.name: getattr(row, spec.name) for spec in FIELDS} == (
        dataclasses.asdict(DetectorThresholds())
    )
    assert list(DetectorSettingsChange.objects.values_list("reason", flat=True)) == [
        "Back to the documented defaults.",
        REASON,
    ]


def test_reset_without_a_reason_resets_nothing(login, lead, clinic, now):
    oversight_services.detector_settings_save(
        actor=lead,
        clinic=clinic,
        values={**dataclasses.asdict(DetectorThresholds()), "rupture_repair_days": 30},
        reason=REASON,
        now=now,
    )
    login(lead).post(reverse("attachment:detector_settings_reset"), {})
    assert DetectorSettings.objects.get().rupture_repair_days == 30


def test_the_service_refuses_an_inconsistent_change(lead, clinic, now):
    detector_settings_for(clinic=clinic)
    values = {**dataclasses.asdict(DetectorThresholds()), "after_ending_red_count": 0}
    with pytest.raises(ValidationError):
        oversight_services.detector_settings_save(
            actor=lead, clinic=clinic, values=values, reason=REASON, now=now
        )
    assert DetectorSettings.objects.get().after_ending_red_count == _default(
        "after_ending_red_count"
    )


def test_a_lower_threshold_changes_the_next_scans_result(
    lead, client, policy, now, django_capture_on_commit_callbacks
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
            actor=lead,
            clinic=client.clinic,
            values={**dataclasses.asdict(DetectorThresholds()), "policy_min_count": 2},
            reason=REASON,
            now=now,
        )

    assert ScanRun.objects.filter(clinic=client.clinic).exists()  # queued, and ran
    clinic_scan(clinic=client.clinic, now=now)
    flag = Flag.objects.get(kind=FlagKind.POLICY_PATTERN, client=client)
    assert flag.evidence["after_hours"] == 2


def test_with_the_broker_down_a_change_is_saved_and_left_to_the_nightly_scan(
    login, lead, clinic, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.WARNING, logger="between.publishing")

    with broker_refusing(), django_capture_on_commit_callbacks(execute=True):
        response = login(lead).post(reverse(URL), _posted(policy_min_count=2))

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
    login, lead, clinic, changes
):
    row = detector_settings_for(clinic=clinic)
    before = {spec.name: getattr(row, spec.name) for spec in FIELDS}
    form = DetectorSettingsForm(_posted(**changes))
    valid = form.is_valid()
    response = login(lead).post(reverse(URL), _posted(**changes))
    assert response.status_code in (200, 302)
    row = DetectorSettings.objects.get()
    after = {spec.name: getattr(row, spec.name) for spec in FIELDS}
    if response.status_code == 200:
        assert not valid
        assert after == before
    else:
        assert valid
        DetectorThresholds.from_mapping(after)  # a detector can run on it


def test_the_lead_finds_the_settings_from_the_overview(
    login, lead, unrelated_supervisor
):
    link = reverse(URL)
    assert link in login(lead).get(reverse("attachment:overview")).content.decode()
    other = login(unrelated_supervisor).get(reverse("attachment:overview"))
    assert link not in other.content.decode()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reason=st.one_of(st.text(max_size=600), st.sampled_from(["", "   ", "\x00"])))
def test_the_reset_form_never_fails_and_resets_only_with_a_reason(
    login, lead, clinic, reason
):
    row = detector_settings_for(clinic=clinic)
    DetectorSettings.objects.filter(pk=row.pk).update(rupture_repair_days=30)
    response = login(lead).post(
        reverse("attachment:detector_settings_reset"), {"reset-reason": reason}
    )
    assert response.status_code == 302
    reset = DetectorSettings.objects.get().rupture_repair_days != 30
    assert reset == ReasonForm({"reset-reason": reason}, prefix="reset").is_valid()
