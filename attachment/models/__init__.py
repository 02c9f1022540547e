"""The attachment app's models, one module per area.

``contacts``, ``ruptures`` (and repairs), ``dependency`` (observations and
measures), ``coping`` (coping plans): what the therapist records between
sessions.
``flags``: the pattern engine's flags, their review history and responses.
``detector_settings``: the per-clinic detector thresholds.
``scans``: scan runs and chunks, and the per-client re-scan requests.
``supervision``: supervision sessions, action items, notifications and digests.
``cover``: the notices sent about the cover of an absence.
``agreements``: the between-sessions agreement, versioned.
``safety``: the safety plan and the unanswered-distress alerts.
``exchange``: what a FHIR import brought in, by its source.
``retention``: clients past retention, legal holds, destruction tombstones.
"""

from attachment.models._text import duration_text, labels
from attachment.models.agreements import (
    NEVER_A_BREACH,
    Acknowledgement,
    ContactAgreement,
)
from attachment.models.contacts import (
    MAX_CALL_MINUTES,
    SUMMARY_MAX_LENGTH,
    Contact,
    Direction,
    LoggedWhile,
    Purpose,
    Source,
)
from attachment.models.coping import CopingPlan, CopingStrategy
from attachment.models.cover import CoverNotice, CoverNoticeKind
from attachment.models.dependency import (
    MEASURE_MAX,
    MEASURE_MIN,
    AttachmentMeasure,
    DependencyMarker,
    DependencyObservation,
    DependencyTrigger,
)
from attachment.models.detector_settings import DetectorSettings, DetectorSettingsChange
from attachment.models.exchange import ImportedRecord
from attachment.models.flags import (
    CLOSED_FLAG_STATUSES,
    DETECTOR_OF_KIND,
    LIVE_FLAG_STATUSES,
    Flag,
    FlagKind,
    FlagResponse,
    FlagStatus,
    FlagStatusChange,
    FlagTier,
    Usefulness,
    flag_kind_of,
)
from attachment.models.ingestion import (
    AddressKind,
    ClientAddress,
    ContactDelivery,
    UnmatchedMessage,
    UnmatchedResolution,
)
from attachment.models.retention import ClientDestruction, LegalHold, RetentionDue
from attachment.models.ruptures import (
    CONFRONTATION_MARKERS,
    MARKERS_OF_KIND,
    OPEN_RUPTURE_STATUSES,
    WITHDRAWAL_MARKERS,
    AgendaPriority,
    RepairAttempt,
    RepairOutcome,
    RepairStrategy,
    Rupture,
    RuptureKind,
    RuptureMarker,
    RuptureSetting,
    RuptureStatus,
    Severity,
)
from attachment.models.safety import (
    SAFETY_PLAN_SECTIONS,
    SafetyAlert,
    SafetyPlan,
)
from attachment.models.scans import RescanRequest, ScanChunk, ScanRun
from attachment.models.supervision import (
    ActionCategory,
    ActionItem,
    DigestLog,
    DiscussedFlag,
    Notification,
    NotificationKind,
    SupervisionSession,
)

__all__ = [
    "ClientDestruction",
    "LegalHold",
    "RetentionDue",
    "AddressKind",
    "ClientAddress",
    "ContactDelivery",
    "ImportedRecord",
    "UnmatchedMessage",
    "UnmatchedResolution",
    "Acknowledgement",
    "ContactAgreement",
    "NEVER_A_BREACH",
    "SAFETY_PLAN_SECTIONS",
    "SafetyAlert",
    "SafetyPlan",
    "CLOSED_FLAG_STATUSES",
    "DETECTOR_OF_KIND",
    "DetectorSettings",
    "DetectorSettingsChange",
    "Flag",
    "FlagKind",
    "FlagResponse",
    "FlagStatus",
    "FlagStatusChange",
    "Usefulness",
    "FlagTier",
    "LIVE_FLAG_STATUSES",
    "RescanRequest",
    "ScanChunk",
    "ScanRun",
    "flag_kind_of",
    "AgendaPriority",
    "AttachmentMeasure",
    "CONFRONTATION_MARKERS",
    "Contact",
    "CopingPlan",
    "CopingStrategy",
    "CoverNotice",
    "CoverNoticeKind",
    "DependencyMarker",
    "DependencyObservation",
    "DependencyTrigger",
    "Direction",
    "LoggedWhile",
    "MARKERS_OF_KIND",
    "MAX_CALL_MINUTES",
    "MEASURE_MAX",
    "MEASURE_MIN",
    "OPEN_RUPTURE_STATUSES",
    "Purpose",
    "RepairAttempt",
    "RepairOutcome",
    "RepairStrategy",
    "Rupture",
    "RuptureKind",
    "RuptureMarker",
    "RuptureSetting",
    "RuptureStatus",
    "SUMMARY_MAX_LENGTH",
    "Severity",
    "Source",
    "WITHDRAWAL_MARKERS",
    "duration_text",
    "labels",
    "ActionCategory",
    "ActionItem",
    "DigestLog",
    "DiscussedFlag",
    "Notification",
    "NotificationKind",
    "SupervisionSession",
]
