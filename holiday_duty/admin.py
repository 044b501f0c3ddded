"""Holiday-duty reference data and the roster's rows, edited here: duty halls, covered groups, escalation waits,
duty phones, distributor contacts, rotations. History: Django admin's LogEntry (the "History" page of every
row), whose message here names each changed field with its old and new value (`ValueHistoryAdmin`). Duty
orders, call tasks, escalations, the log and handovers are read-only: they move only through the services."""

from django.contrib import admin
from django.utils.translation import gettext as _

from tickets.admin import ReadOnlyAdmin

from .models import (
    CallTask,
    CoveredGroup,
    DistributorContact,
    DutyEscalation,
    DutyHall,
    DutyLogEntry,
    DutyOrder,
    DutyPhone,
    EscalationWait,
    Handover,
    RosterOverride,
    Rotation,
    RotationMember,
    Shift,
    ShiftSwap,
)


class ValueHistoryAdmin(admin.ModelAdmin):
    """The admin's history line names each changed field with its value before and after (who and when are
    LogEntry's own columns), so an edit of a wait or a contact can be traced and undone."""

    def construct_change_message(self, request, form, formsets, add=False):
        if add or not form.changed_data:
            return super().construct_change_message(request, form, formsets, add)
        parts = []
        for name in form.changed_data:
            label = form.fields[name].label or name
            before, after = form.initial.get(name, ""), form.cleaned_data.get(name, "")
            parts.append(f"{label}: {before} → {after}")
        return _("Changed") + " " + "; ".join(parts)


class EscalationWaitInline(admin.TabularInline):
    model = EscalationWait
    extra = 0


class CoveredGroupInline(admin.TabularInline):
    model = CoveredGroup
    extra = 0


@admin.register(DutyHall)
class DutyHallAdmin(ValueHistoryAdmin):
    list_display = ["unit", "fallback_person", "shift_leader", "summary_unit", "weekends_are_duty_days", "is_active"]
    autocomplete_fields = ["fallback_person", "shift_leader"]
    inlines = [CoveredGroupInline, EscalationWaitInline]


@admin.register(CoveredGroup)
class CoveredGroupAdmin(ValueHistoryAdmin):
    list_display = ["unit", "hall", "kind", "is_active"]
    list_filter = ["kind", "is_active"]


@admin.register(EscalationWait)
class EscalationWaitAdmin(ValueHistoryAdmin):
    list_display = ["hall", "level", "wait"]


@admin.register(DutyPhone)
class DutyPhoneAdmin(ValueHistoryAdmin):
    list_display = ["user", "phone"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "phone"]
    autocomplete_fields = ["user"]


@admin.register(DistributorContact)
class DistributorContactAdmin(ValueHistoryAdmin):
    list_display = ["distributor", "name", "phone", "email", "group", "is_active"]
    list_filter = ["group", "is_active"]


class RotationMemberInline(admin.TabularInline):
    model = RotationMember
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Rotation)
class RotationAdmin(ValueHistoryAdmin):
    list_display = ["name", "hall", "anchor", "shift_length", "is_active"]
    inlines = [RotationMemberInline]


@admin.register(Shift)
class ShiftAdmin(ReadOnlyAdmin):
    list_display = ["person", "hall", "starts_at", "ends_at", "source"]
    list_filter = ["hall", "source"]
    date_hierarchy = "starts_at"


@admin.register(RosterOverride)
class RosterOverrideAdmin(ReadOnlyAdmin):
    list_display = ["kind", "person", "replaces", "starts_at", "ends_at", "reason", "created_by"]


@admin.register(ShiftSwap)
class ShiftSwapAdmin(ReadOnlyAdmin):
    list_display = ["shift", "from_person", "to_person", "state", "requested_at", "agreed_by", "answered_at"]


@admin.register(DutyOrder)
class DutyOrderAdmin(ReadOnlyAdmin):
    list_display = ["order", "group", "duty_day", "state", "owner", "handler", "feedback_due_at", "feedback_at"]
    list_filter = ["state", "group", "duty_day"]


@admin.register(CallTask)
class CallTaskAdmin(ReadOnlyAdmin):
    list_display = ["duty_order", "callee_name", "number", "assigned_to", "outcome", "outcome_at"]


@admin.register(DutyEscalation)
class DutyEscalationAdmin(ReadOnlyAdmin):
    list_display = ["duty_order", "reason", "level", "state", "started_at", "next_check_at"]


@admin.register(DutyLogEntry)
class DutyLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["day", "at", "kind", "actor", "duty_order", "text"]
    list_filter = ["hall", "kind", "day"]


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ["hall", "outgoing", "incoming", "written_at", "signed_at", "signed_by"]
