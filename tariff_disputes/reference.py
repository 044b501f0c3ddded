"""The reference data of SPEC §5 as seeded (migration 0002; tests re-seed it after a flush): the cause taxonomy
(R-TD-3), the refund multiplier policy (R-TD-4: ×2 for confirmed wrong charges of company cause, ×1 otherwise)
and the approval thresholds by amount (R-TD-5: ≤ ¥100 store manager or green channel, ≤ ¥1,000 CS centre,
above that the branch leader; cash from the CS centre up). Editable in admin afterwards."""

from decimal import Decimal

CAUSES = [
    # code, name, parent code, company cause, position
    ("company", "公司原因", None, True, 10),
    ("company-rules", "业务设计/规则（规则或产品设计不完善）", "company", True, 11),
    ("company-service", "服务质量（一线错办、漏办）", "company", True, 12),
    ("billing-system", "计费系统差错", None, False, 20),
    ("network", "网络原因", None, False, 30),
    ("partner-sp", "合作方/SP原因", None, False, 40),
    ("customer-misunderstanding", "客户误解", None, False, 50),
]
POLICIES = [
    ("company-double", "公司原因确认误收：双倍返还", True, Decimal("2.00")),
    ("general", "其他：按确认金额返还", False, Decimal("1.00")),
]
THRESHOLDS = [
    (1, "店面经理 / 绿色通道", Decimal("100.00"), "tariff_disputes.approve_refund_level1", False),
    (2, "客服中心", Decimal("1000.00"), "tariff_disputes.approve_refund_level2", True),
    (3, "分公司领导", None, "tariff_disputes.approve_refund_level3", True),
]
