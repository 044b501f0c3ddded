"""Holiday-duty reference data and the roster's rows, edited here: duty halls, covered groups, escalation waits,
duty phones, distributor contacts, rotations. History: Django admin's LogEntry (the "History" page of every
row), whose message here names each changed field with its old and new value (`ValueHistoryAdmin`). Duty
orders, call tasks, escalations, the log and handovers are read-only: they move only through the services.
Saving a rotation (with its members), deleting one, or changing a hall's duty days writes that hall's roster
again after commit (`roster_refresh`, R-HD-6): the shifts ahead follow the edit at once, not at the next day's
beat."""

from functools import partial

from django.contrib import admin
from django.db import transaction
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
from .services import roster_refresh


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


def _roster_refresh_on_commit(request, hall_id: int, reason: str) -> None:
    """After the admin's transaction: the hall's shifts ahead written again (a failure is logged by on_commit's
    `robust`; the edit itself stays, and the daily build and the gap warning still follow)."""
    transaction.on_commit(partial(roster_refresh, hall_id=hall_id, reason=reason, actor=request.user), robust=True)


# What decides a hall's roster: its duty days (weekends or only the holiday table) and how far ahead it is written.
HALL_ROSTER_FIELDS = {"weekends_are_duty_days", "roster_warning_days", "is_active"}


@admin.register(DutyHall)
class DutyHallAdmin(ValueHistoryAdmin):
    list_display = ["unit", "fallback_person", "shift_leader", "summary_unit", "weekends_are_duty_days", "is_active"]
    autocomplete_fields = ["fallback_person", "shift_leader"]
    inlines = [CoveredGroupInline, EscalationWaitInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and HALL_ROSTER_FIELDS & set(form.changed_data) and obj.is_active:
            _roster_refresh_on_commit(request, obj.id, _("the hall's duty days changed in the admin"))


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

    def save_related(self, request, form, formsets, change):
        """After the members are saved too: the roster of the rotation's hall (and of the hall it left)."""
        super().save_related(request, form, formsets, change)
        halls = {form.instance.hall_id, form.initial.get("hall")} - {None}
        for hall_id in sorted(halls):
            _roster_refresh_on_commit(request, hall_id, _("rotation “%(name)s” edited in the admin") % {
                "name": form.instance.name})  # fmt: skip

    def delete_model(self, request, obj):
        hall_id, name = obj.hall_id, obj.name
        super().delete_model(request, obj)
        _roster_refresh_on_commit(request, hall_id, _("rotation “%(name)s” deleted in the admin") % {"name": name})


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
