from .duty import (
    OPEN_STATES,
    CallOutcome,
    CallTask,
    DutyEscalation,
    DutyLogEntry,
    DutyOrder,
    DutyState,
    EscalationReason,
    EscalationState,
    EscalationStep,
    FeedbackChannel,
    Handover,
    HandoverItem,
    HandoverSigned,
    LogKind,
)
from .reference import CoveredGroup, DistributorContact, DutyHall, DutyPhone, EscalationWait, GroupKind
from .roster import (
    OverrideKind,
    RosterGap,
    RosterOverride,
    Rotation,
    RotationMember,
    Shift,
    ShiftSource,
    ShiftStarted,
    ShiftSwap,
    SwapState,
)

__all__ = [
    "OPEN_STATES", "CallOutcome", "CallTask", "CoveredGroup", "DistributorContact", "DutyEscalation",
    "DutyHall", "DutyLogEntry", "DutyOrder", "DutyPhone", "DutyState", "EscalationReason", "EscalationState",
    "EscalationStep", "EscalationWait", "FeedbackChannel", "GroupKind", "Handover", "HandoverItem",
    "HandoverSigned", "LogKind", "OverrideKind", "RosterGap", "RosterOverride", "Rotation", "RotationMember",
    "Shift", "ShiftSource", "ShiftStarted", "ShiftSwap", "SwapState",
]  # fmt: skip
