"""The roles of SPEC §1 as Django groups and the permissions each one holds. Seeded by
`load_reference_data`; administrators may change a group's permissions in admin afterwards."""

from django.utils.translation import gettext_lazy as _

T = "tickets."

ROLES: dict[str, dict] = {
    "front_line": {
        "label": _("Front line (一线/营业员/话务员)"),
        "perms": [T + "add_workorder", T + "view_workorder", T + "reply_customer", T + "log_contact"],
    },
    "store_manager": {
        "label": _("Store manager (店面经理)"),
        "perms": [T + "add_workorder", T + "view_workorder", T + "reply_customer", T + "log_contact",
                  T + "approve_reply_manager", T + "unmask_number"],
    },
    "account_manager": {
        "label": _("Account manager (客户经理)"),
        "perms": [T + "add_workorder", T + "view_workorder", T + "claim_workorder", T + "reply_department",
                  T + "reply_customer", T + "log_contact"],
    },
    "account_manager_supervisor": {
        "label": _("Regional account-manager supervisor (区域客户经理主管)"),
        "perms": [T + "view_workorder", T + "approve_reply_manager"],
    },
    "channel_manager": {
        "label": _("Channel manager (渠道经理)"),
        "perms": [T + "add_workorder", T + "view_workorder", T + "claim_workorder", T + "reply_department",
                  T + "log_contact"],
    },
    "channel_supervisor": {"label": _("Regional channel supervisor (区域渠道主管)"), "perms": [T + "view_workorder"]},
    "interface_admin": {
        "label": _("Interface major-complaint admin (界面重大投诉管理员)"),
        "perms": [T + "view_workorder"],
    },
    "branch_major_chief": {
        "label": _("Branch major-complaint chief (分公司重大投诉总管)"),
        "perms": [T + "view_workorder", T + "view_all_orders", T + "approve_reply_manager"],
    },
    "dispatcher": {
        "label": _("Dispatcher / customer-service centre (客服中心/转单员)"),
        "perms": [T + "add_workorder", T + "view_workorder", T + "view_all_orders", T + "dispatch_workorder",
                  T + "review_reply", T + "reply_customer", T + "callback_workorder", T + "log_contact",
                  T + "unmask_number", T + "approve_reply_manager", T + "decide_extension"],
    },
    "handler": {
        "label": _("Handling department member (支撑/职能部门处理人)"),
        "perms": [T + "view_workorder", T + "claim_workorder", T + "reply_department", T + "log_contact",
                  T + "approve_reply_professional"],
    },
    "legal": {
        "label": _("Legal office (法律室)"),
        "perms": [T + "view_workorder", T + "view_all_orders", T + "approve_reply_legal"],
    },
    "duty_staff": {
        "label": _("Holiday duty staff (节假日值班人员)"),
        "perms": [T + "add_workorder", T + "view_workorder", T + "log_contact"],
    },
    "shift_leader": {"label": _("Shift leader (值班长)"), "perms": [T + "view_workorder", T + "view_all_orders"]},
    "qa_inspector": {"label": _("Quality inspector (质检员)"), "perms": [T + "view_workorder", T + "view_all_orders"]},
    "knowledge_editor": {
        "label": _("Knowledge editor (采编员)"),
        "perms": ["complaints.add_complaintcategory", "complaints.change_complaintcategory",
                  "complaints.view_complaintcategory", "complaints.add_replyscript",
                  "complaints.change_replyscript", "complaints.view_replyscript"],
    },
    "admin": {"label": _("Administrator (管理员)"), "perms": []},
}  # fmt: skip

# Major complaints (SPEC §4, the escalation app). Permission strings only: org imports nothing above it.
# Who declares and who reviews through each interface is interface data (escalation.Interface).
E = "escalation."
for _role, _codenames in {
    "front_line": ["classify_major"],
    "store_manager": ["classify_major", "review_declaration"],
    "account_manager": ["classify_major"],
    "account_manager_supervisor": ["classify_major", "review_declaration"],
    "channel_manager": ["classify_major"],
    "channel_supervisor": ["classify_major", "review_declaration"],
    "interface_admin": ["work_declaration"],
    "branch_major_chief": ["resolve_as_chief"],
    "dispatcher": ["classify_major"],
    "handler": ["give_support_opinion"],
    "legal": ["give_legal_opinion"],
}.items():
    ROLES[_role]["perms"].extend(E + codename for codename in _codenames)

# Tariff disputes (SPEC §5, the tariff_disputes app). Permission strings only. R-TD-5: the approval level of a
# refund is data (tariff_disputes.ApprovalThreshold names the permission of each level); the branch leader is
# a role of its own (分公司领导). A green-channel desk (绿色通道) is given `green_channel` in admin.
ROLES["branch_leader"] = {
    "label": _("Branch leader (分公司领导)"),
    "perms": [T + "view_workorder", T + "view_all_orders"],
}
TD = "tariff_disputes."
for _role, _codenames in {
    "front_line": ["work_dispute"],
    "store_manager": ["work_dispute", "approve_refund_level1"],
    "account_manager": ["work_dispute"],
    "dispatcher": ["work_dispute", "approve_refund_level2", "retry_refund"],
    "handler": ["work_dispute"],
    "branch_leader": ["approve_refund_level3", "retry_refund"],
}.items():
    ROLES[_role]["perms"].extend(TD + codename for codename in _codenames)
