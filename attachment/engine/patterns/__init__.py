"""The pattern engine's detectors: pure functions over plain data.

No ORM, no Django, no clock: the scan gathers the inputs (:mod:`.inputs`) with a
few aggregate queries, passes ``now`` and the clinic's
:class:`~.thresholds.DetectorThresholds`, and turns each returned
:class:`~.findings.Finding` into a flag.  Every detector returns ``None`` when
switched off, when its guards are not met, or when nothing is found.

=========================  ============================================  =========
kind                       function(s)                                   input
=========================  ============================================  =========
rising_contact_frequency   :func:`rising_contact_frequency` (``_many``)   WeeklySeries
policy_pattern             :func:`policy_pattern`                         ContactFacts
absence_surge              :func:`absence_surge`, :func:`absence_ahead`   AbsenceContactCounts; AbsenceFacts + ObservationFacts
unrepaired_rupture         :func:`unrepaired_rupture`,                    RuptureFacts
                           :func:`repeated_ruptures`
dependency_escalation      :func:`dependency_trend`,                      ObservationFacts; MeasureFacts
                           :func:`dependency_measure_rise`
therapist_overextension    :func:`therapist_overextension`                WeeklySeries
abrupt_withdrawal          :func:`abrupt_withdrawal`                      WeeklySeries
after_ending_contact       :func:`after_ending_contact`                   EndingFacts + ContactFacts
=========================  ============================================  =========
"""

from attachment.engine.patterns.absence import absence_ahead, absence_surge
from attachment.engine.patterns.dependency import (
    dependency_measure_rise,
    dependency_trend,
)
from attachment.engine.patterns.findings import (
    UNSAID_WORDS,
    Finding,
    Kind,
    Part,
    Tier,
    day_text,
    duration_words,
    period_text,
)
from attachment.engine.patterns.frequency import (
    rising_contact_frequency,
    rising_contact_frequency_many,
    rising_statistics,
)
from attachment.engine.patterns.inputs import (
    AbsenceContactCounts,
    AbsenceFacts,
    ContactFacts,
    EndingFacts,
    MeasureFacts,
    ObservationFacts,
    RuptureFacts,
    WeeklySeries,
)
from attachment.engine.patterns.policy import after_ending_contact, policy_pattern
from attachment.engine.patterns.rupture import repeated_ruptures, unrepaired_rupture
from attachment.engine.patterns.therapist import (
    abrupt_withdrawal,
    therapist_overextension,
)
from attachment.engine.patterns.thresholds import (
    FIELDS,
    DetectorThresholds,
    ThresholdField,
)

__all__ = [
    "FIELDS",
    "UNSAID_WORDS",
    "day_text",
    "duration_words",
    "period_text",
    "AbsenceContactCounts",
    "AbsenceFacts",
    "ContactFacts",
    "DetectorThresholds",
    "EndingFacts",
    "Finding",
    "Kind",
    "MeasureFacts",
    "ObservationFacts",
    "Part",
    "RuptureFacts",
    "ThresholdField",
    "Tier",
    "WeeklySeries",
    "absence_ahead",
    "absence_surge",
    "abrupt_withdrawal",
    "after_ending_contact",
    "dependency_measure_rise",
    "dependency_trend",
    "policy_pattern",
    "repeated_ruptures",
    "rising_contact_frequency",
    "rising_contact_frequency_many",
    "rising_statistics",
    "therapist_overextension",
    "unrepaired_rupture",
]
