"""A detector's finding: it refuses an impossible window and evidence that is
not strict JSON, and its numbers keep three decimals."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from attachment.engine.patterns import Finding, Kind, Tier
from attachment.engine.patterns.findings import clean_number
from tests.attachment.engine.patterns.helpers import FIRST_MONDAY, NOW


def test_a_finding_cannot_end_before_it_starts():
    with pytest.raises(ValueError, match="^a finding's window cannot end before it"):
        Finding(
            kind=Kind.POLICY_PATTERN,
            tier=Tier.YELLOW,
            window_start=FIRST_MONDAY + dt.timedelta(weeks=1),
            window_end=FIRST_MONDAY,
            score=1.0,
            evidence={},
            explanation="x.",
        )


def test_a_finding_refuses_evidence_that_is_not_json():
    with pytest.raises(ValueError):
        Finding(
            kind=Kind.POLICY_PATTERN,
            tier=Tier.YELLOW,
            window_start=NOW.date(),
            window_end=NOW.date(),
            score=1.0,
            evidence={"x": float("nan")},
            explanation="x.",
        )


def test_evidence_numbers_keep_three_decimals_unless_told():
    assert clean_number(2 / 3) == 0.667
    assert clean_number(2 / 3, 5) == 0.66667
    assert clean_number(math.inf) is None
