"""When an unanswered contact alerts: the pure rules, with time passed in."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from attachment.alerts import rules
from attachment.models import Purpose
from notes.models import RISK_ABOVE_LOW, RiskLevel

T0 = dt.datetime(2026, 3, 18, 10, 0, tzinfo=dt.UTC)


def due(*, purpose="crisis", risk="", agreed=None, frame=24, crisis=120, now):
    return rules.alert_due(
        occurred_at=T0,
        purpose=purpose,
        risk_level=risk,
        agreed_reply_hours=agreed,
        frame_reply_hours=frame,
        crisis_reply_minutes=crisis,
        now=now,
    )


def test_the_rules_use_the_models_names():
    assert rules.CRISIS == Purpose.CRISIS
    assert rules.DISTRESS == Purpose.DISTRESS
    assert rules.RISKS_ABOVE_LOW == set(RISK_ABOVE_LOW)


def test_a_crisis_contact_is_due_at_the_crisis_reply_time_not_a_minute_before():
    assert due(crisis=30, now=T0 + dt.timedelta(minutes=29)) is None
    timing = due(crisis=30, now=T0 + dt.timedelta(minutes=30))
    assert timing == rules.AlertTiming(
        due_at=T0 + dt.timedelta(minutes=30), escalate_at=T0 + dt.timedelta(minutes=60)
    )


def test_a_crisis_contact_alerts_whatever_the_risk_and_the_agreement():
    timing = due(
        risk=RiskLevel.NONE, agreed=72, crisis=120, now=T0 + dt.timedelta(hours=3)
    )
    assert timing is not None
    assert timing.due_at == T0 + dt.timedelta(hours=2)


def test_distress_alerts_only_above_low_risk():
    later = T0 + dt.timedelta(days=3)
    for level in ("", RiskLevel.NONE, RiskLevel.LOW):
        assert due(purpose="distress", risk=level, now=later) is None
    for level in (RiskLevel.MODERATE, RiskLevel.HIGH):
        assert due(purpose="distress", risk=level, now=later) is not None


def test_distress_is_due_at_the_agreed_reply_time_else_the_frames():
    agreed = due(
        purpose="distress", risk="high", agreed=6, now=T0 + dt.timedelta(days=3)
    )
    framed = due(
        purpose="distress", risk="high", frame=48, now=T0 + dt.timedelta(days=3)
    )
    assert agreed is not None and agreed.due_at == T0 + dt.timedelta(hours=6)
    assert agreed.escalate_at == T0 + dt.timedelta(hours=12)
    assert framed is not None and framed.due_at == T0 + dt.timedelta(hours=48)


def test_other_purposes_never_alert():
    for purpose in ("", "scheduling", "reassurance", "sharing", "rupture", "other"):
        assert due(purpose=purpose, risk="high", now=T0 + dt.timedelta(days=3)) is None


def test_a_contact_older_than_the_lookback_alerts_no_more():
    assert due(now=T0 + rules.LOOKBACK) is not None
    assert due(now=T0 + rules.LOOKBACK + dt.timedelta(seconds=1)) is None


@given(
    purpose=st.sampled_from(["crisis", "distress", "scheduling", ""]),
    risk=st.sampled_from(["", *RiskLevel.values]),
    agreed=st.none() | st.integers(min_value=1, max_value=400),
    frame=st.integers(min_value=1, max_value=336),
    crisis=st.integers(min_value=5, max_value=1440),
    after=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=40)),
)
def test_an_alert_is_never_due_early_and_always_escalates_later(
    purpose, risk, agreed, frame, crisis, after
):
    now = T0 + after
    timing = due(
        purpose=purpose, risk=risk, agreed=agreed, frame=frame, crisis=crisis, now=now
    )
    window = rules.reply_window(
        purpose=purpose,
        risk_level=risk,
        agreed_reply_hours=agreed,
        frame_reply_hours=frame,
        crisis_reply_minutes=crisis,
    )
    if timing is None:
        assert window is None or T0 + window > now or after > rules.LOOKBACK
    else:
        assert T0 < timing.due_at <= now
        assert timing.escalate_at - timing.due_at == timing.due_at - T0
