from .batch import Batch, BatchCandidate, BatchLogEntry, BatchMembership, BatchRules
from .choices import (
    Channel,
    FinalReplyMethod,
    HandlingMethod,
    OrderOrigin,
    OrderState,
    OrderType,
    Satisfaction,
    Urgency,
)
from .order import OrderNumberSequence, WorkOrder
from .records import (
    Attachment,
    Callback,
    Contact,
    DepartmentReply,
    ExtensionRequest,
    FinalReply,
    FinalReplyApproval,
    NumberUnmaskAudit,
    StoredFile,
    TimelineEntry,
)
from .rules import RoutingRule, WorkOrderRules
from .saved_views import SavedView
from .tallies import ClockHourTally, ClockTallyHour

__all__ = [
    "Attachment",
    "Batch",
    "BatchCandidate",
    "BatchLogEntry",
    "BatchMembership",
    "BatchRules",
    "StoredFile",
    "Callback",
    "Channel",
    "ClockHourTally",
    "ClockTallyHour",
    "Contact",
    "DepartmentReply",
    "ExtensionRequest",
    "FinalReply",
    "FinalReplyApproval",
    "FinalReplyMethod",
    "HandlingMethod",
    "NumberUnmaskAudit",
    "OrderNumberSequence",
    "OrderOrigin",
    "OrderState",
    "OrderType",
    "Satisfaction",
    "SavedView",
    "TimelineEntry",
    "Urgency",
    "WorkOrder",
    "RoutingRule",
    "WorkOrderRules",
]
