"""R-TD-3/4/5: causes, multipliers and approval thresholds are reference data, edited here (Django admin keeps
the history of every change: the "History" page of each row, django.contrib.admin.LogEntry, with each changed
field's old and new value). Disputes, approvals, refunds, their history and the console gateway's outbox are
read-only here: they move only through the services (STYLE.md), so the admin never edits a state or an amount."""

from django.contrib import admin

from tickets.admin import ReadOnlyAdmin

from .models import (
    ApprovalRequest,
    ApprovalThreshold,
    Cause,
    Dispute,
    DisputeEvent,
    Evidence,
    FeeCategory,
    GatewayCredit,
    MultiplierPolicy,
    Refund,
)


def _shown(value) -> str:
    return "—" if value in (None, "") else str(value)


class ValuesHistoryAdmin(admin.ModelAdmin):
    """The History page of money-authority data says what each change was from and to (R-TD-4/5: which threshold
    or multiplier applied when), not only which fields changed: "up to (yuan): 100.00 → 150.00"."""

    def construct_change_message(self, request, form, formsets, add=False):
        message = super().construct_change_message(request, form, formsets, add)
        if add or not form.changed_data:
            return message
        fields = [
            f"{form.fields[name].label}: {_shown(form.initial.get(name))} → {_shown(form.cleaned_data.get(name))}"
            for name in form.changed_data
        ]
        for entry in message:
            if "changed" in entry and "name" not in entry["changed"]:
                entry["changed"]["fields"] = fields
        return message


@admin.register(Cause)
class CauseAdmin(ValuesHistoryAdmin):
    list_display = ["name", "code", "parent", "is_company_cause", "is_active", "position"]
    list_editable = ["is_active", "position"]
    list_filter = ["is_company_cause", "is_active"]


@admin.register(MultiplierPolicy)
class MultiplierPolicyAdmin(ValuesHistoryAdmin):
    list_display = ["name", "code", "company_cause", "multiplier", "is_active"]


@admin.register(FeeCategory)
class FeeCategoryAdmin(ValuesHistoryAdmin):
    list_display = ["category_name", "is_active"]
    list_editable = ["is_active"]


@admin.register(ApprovalThreshold)
class ApprovalThresholdAdmin(ValuesHistoryAdmin):
    list_display = ["level", "name", "max_amount", "permission", "allows_cash"]


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["kind", "original_name", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RefundInline(EvidenceInline):
    model = Refund
    fields = ["amount", "form", "state", "gateway_reference", "failure_reason", "attempts", "executed_at", "mismatch"]
    readonly_fields = fields


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["id", "customer", "order", "source", "state", "disputed_amount", "refund_amount", "created_at"]
    list_filter = ["state", "source", "outcome", "remedy_form"]
    search_fields = ["customer__number", "order__number"]
    raw_id_fields = ["order", "customer"]
    inlines = [EvidenceInline, RefundInline]


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    list_display = ["dispute", "amount", "level_required", "status", "requested_by", "requested_at", "decided_by"]
    list_filter = ["status", "level_required"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["dispute", "amount", "form", "state", "gateway_reference", "attempts", "created_at", "mismatch"]
    list_filter = ["state", "form"]
    search_fields = ["idempotency_key", "gateway_reference"]


@admin.register(DisputeEvent)
class DisputeEventAdmin(ReadOnlyAdmin):
    list_display = ["dispute", "kind", "actor", "state_before", "state_after", "at"]
    list_filter = ["kind"]


@admin.register(GatewayCredit)
class GatewayCreditAdmin(ReadOnlyAdmin):
    list_display = ["reference", "idempotency_key", "account", "amount", "form", "created_at"]
