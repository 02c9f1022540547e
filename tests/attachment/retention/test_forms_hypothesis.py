"""The retention forms fed anything: a period is accepted only within the
documented range, a hold and a destruction only with a reason, and a
destruction only with the client's own code; never a server error."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from attachment.retention.forms import (
    DestructionConfirmForm,
    LegalHoldForm,
    LegalHoldLiftForm,
    RetentionYearsForm,
)
from clinic.models import RETENTION_MAX_YEARS, RETENTION_MIN_YEARS

junk = st.one_of(
    st.text(max_size=400), st.integers().map(str), st.sampled_from(["", " ", "RS-001"])
)


@given(years=st.one_of(st.integers(-10, 200).map(str), st.text(max_size=6)))
def test_a_period_is_valid_only_within_the_range(years):
    form = RetentionYearsForm({"retention_years": years})
    valid = form.is_valid()
    try:
        number = int(years.strip())
    except ValueError:
        number = None
    expected = (
        number is not None and RETENTION_MIN_YEARS <= number <= RETENTION_MAX_YEARS
    )
    assert valid == expected
    if valid:
        assert form.cleaned_data["retention_years"] == number


@given(code=junk, reason=junk)
def test_a_hold_needs_a_code_and_a_reason_of_bounded_length(code, reason):
    form = LegalHoldForm({"code": code, "reason": reason})
    if form.is_valid():
        assert form.cleaned_data["code"] and form.cleaned_data["reason"]
        assert len(form.cleaned_data["reason"]) <= 300
        assert "\x00" not in form.cleaned_data["reason"]


@given(reason=junk)
def test_a_lift_needs_a_reason(reason):
    form = LegalHoldLiftForm({"reason": reason})
    assert form.is_valid() == (0 < len(reason.strip()) <= 300 and "\x00" not in reason)


@given(code=junk, reason=junk, password=st.text(max_size=40))
def test_a_destruction_is_confirmed_only_by_the_clients_own_code(
    code, reason, password
):
    form = DestructionConfirmForm(
        {"code": code, "reason": reason, "password": password},
        expected_code="RS-001",
    )
    if form.is_valid():
        assert form.cleaned_data["code"] == "RS-001"
        assert form.cleaned_data["reason"].strip()
    elif code.strip() != "RS-001":
        assert "code" in form.errors
