"""Admin for work orders (R-ADM-1). Orders are read-only here: the state is never edited directly and
changes only through actions that call the services (STYLE.md)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from complaints.numbers import mask_number, normalize_number

from . import admin_customer, admin_saved_views, services  # noqa: F401  admin_customer: the audited reveal (R-SEC-2)
from .batch_selectors import batch_rules_forget
from .models import (
    Attachment,
    Batch,
    BatchCandidate,
    BatchLogEntry,
    BatchMembership,
    BatchRules,
    Callback,
    ClockTallyHour,
    Contact,
    DepartmentReply,
    ExtensionRequest,
    FinalReply,
    NumberUnmaskAudit,
    RoutingRule,
    TimelineEntry,
    WorkOrder,
    WorkOrderRules,
)
from .services.tallies import clock_tally_recount_hour


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TimelineInline(ReadOnlyInline):
    model = TimelineEntry
    fields = ["at", "actor", "kind", "state_before", "state_after", "note"]
    readonly_fields = fields
    ordering = ["at", "id"]


class ContactInline(ReadOnlyInline):
    model = Contact
    fields = ["occurred_at", "direction", "channel", "reached", "summary", "recorded_by"]
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["uploaded_at", "kind", "file", "size", "uploaded_by"]
    readonly_fields = fields


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the services write (R-ADM-1): shown, never added, changed or deleted here. Used by the apps above."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = [
        "number", "order_type", "state", "urgency", "masked_number", "category", "accepting_unit", "handling_unit",
        "accepted_at", "handling_due_at",
    ]  # fmt: skip
    list_filter = ["state", "order_type", "urgency", "channel", "is_major", "is_repeat", "is_batch", "is_escalated"]
    list_select_related = ["category__parent", "accepting_unit", "handling_unit"]
    search_fields = ["number"]
    search_help_text = _("Order number, or the full accepted number (shown masked).")
    date_hierarchy = "accepted_at"
    inlines = [TimelineInline, ContactInline, AttachmentInline]
    exclude = ["accepted_number", "contact_number"]
    readonly_fields = ["masked_number"]
    actions = ["approve_department_reply", "close_after_callback"]
    show_full_result_count = False

    @admin.display(description=_("accepted number"))
    def masked_number(self, order):
        return mask_number(order.accepted_number)

    def get_readonly_fields(self, request, obj=None):
        return ["masked_number", *[f.name for f in WorkOrder._meta.fields if f.name not in self.exclude]]

    def get_search_results(self, request, queryset, search_term):
        """Search by number prefix or by an exact accepted number (never a partial phone number)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        number = normalize_number(term)
        if number.isdigit() or "-" in number:
            return queryset.filter(accepted_number=number) | queryset.filter(number__istartswith=term), False
        return queryset.filter(number__istartswith=term), False

    def has_change_permission(self, request, obj=None):
        # Viewing needs view permission; actions below check the transition permissions themselves.
        return False

    def _run(self, request, queryset, service, **kwargs):
        done = 0
        for order in queryset:
            try:
                service(order_id=order.id, actor=request.user, **kwargs)
                done += 1
            except (services.TransitionRefused, PermissionDenied, ValidationError, WorkOrder.DoesNotExist) as exc:
                self.message_user(request, f"{order.number}: {exc}", messages.ERROR)
        if done:
            self.message_user(request, _("%(n)d orders updated.") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Approve the department reply"))
    def approve_department_reply(self, request, queryset):
        self._run(request, queryset, services.work_order_approve_reply)

    @admin.action(description=_("Close (after the callback)"))
    def close_after_callback(self, request, queryset):
        self._run(request, queryset, services.work_order_close)


@admin.register(TimelineEntry)
class TimelineEntryAdmin(ReadOnlyAdmin):
    """R-AUD-1: append-only; nobody edits or deletes it here."""

    list_display = ["at", "order", "actor", "kind", "state_before", "state_after"]
    list_filter = ["kind"]
    search_fields = ["order__number"]
    list_select_related = ["order", "actor"]


@admin.register(NumberUnmaskAudit)
class NumberUnmaskAuditAdmin(ReadOnlyAdmin):
    """Every attempt to see a full number, shown or refused (R-SEC-2); append-only (R-AUD-1)."""

    list_display = ["at", "user", "order", "customer", "granted", "reason", "ip_address"]
    list_filter = ["granted"]
    search_fields = ["order__number", "user__username"]
    list_select_related = ["order", "user", "customer"]


@admin.register(DepartmentReply, FinalReply, Callback)
class OrderRecordAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "order"]
    search_fields = ["order__number"]
    list_select_related = ["order"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Evidence (R-FL-8) is removed by a superuser only — not by a staff user holding the delete permission —
    through the service: on the order's timeline, and the stored file goes with the row."""

    list_display = ["original_name", "order", "kind", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["order__number", "original_name"]
    list_select_related = ["order", "uploaded_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def delete_model(self, request, obj):
        services.attachment_delete(attachment_id=obj.pk, actor=request.user)

    def delete_queryset(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            services.attachment_delete(attachment_id=pk, actor=request.user)


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    """延期 requests (R-FL-7). Decisions go through the service: approve as requested from here; a rejection
    needs a reason, given in the API or the order page."""

    list_display = ["order", "status", "requested_by", "requested_at", "current_due_at", "requested_due_at"]
    list_filter = ["status"]
    search_fields = ["order__number"]
    list_select_related = ["order", "requested_by"]
    actions = ["approve_as_requested"]

    @admin.action(description=_("Approve as requested"))
    def approve_as_requested(self, request, queryset):
        done = 0
        for extension in queryset:
            try:
                services.extension_decide(extension_id=extension.id, actor=request.user, approve=True)
                done += 1
            except (services.TransitionRefused, PermissionDenied, ValidationError, WorkOrder.DoesNotExist) as exc:
                self.message_user(request, f"{extension.order}: {exc}", messages.ERROR)
        if done:
            self.message_user(request, _("%(n)d requests approved.") % {"n": done}, messages.SUCCESS)


@admin.register(ClockTallyHour)
class ClockTallyHourAdmin(ReadOnlyAdmin):
    """The hours counted for the dashboard's timeliness rate (R-RP-1). After a data correction an hour can be
    counted again; beat counts new hours by itself."""

    list_display = ["hour", "clocks", "counted_at"]
    date_hierarchy = "hour"
    actions = ["recount"]

    @admin.action(description=_("Count these hours again"), permissions=["view"])
    def recount(self, request, queryset):
        clocks = sum(clock_tally_recount_hour(hour=marker.hour) for marker in queryset)
        self.message_user(
            request, _("%(hours)d hours counted again: %(clocks)d clocks.") % {"hours": len(queryset), "clocks": clocks}
        )


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """Issue 13 §7: the unit the dispatch form suggests for a category (and its sub-categories without a rule)."""

    list_display = ["category", "unit", "note"]
    autocomplete_fields = ["category"]
    list_select_related = ["category__parent", "unit"]


@admin.register(WorkOrderRules)
class WorkOrderRulesAdmin(admin.ModelAdmin):
    """One row of tunable rules (R-WO-10, R-FL-5); changes are kept in the admin's history."""

    list_display = ["__str__", "backdate_limit_days", "repeat_window_days", "unreachable_attempts",
                    "unreachable_spacing", "unreachable_window", "updated_at"]  # fmt: skip

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not WorkOrderRules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


# --- batch complaints (R-SP-2) ---------------------------------------------------------------------------------
@admin.register(BatchRules)
class BatchRulesAdmin(admin.ModelAdmin):
    """The batch-detection thresholds (R-SP-2, one row); changes are kept in the admin's history and apply to the
    next complaint (this process at once, the others within batch_selectors.RULES_TTL_SECONDS)."""

    list_display = ["__str__", "min_complaints", "window", "is_active", "updated_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not BatchRules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        batch_rules_forget()


@admin.register(BatchCandidate)
class BatchCandidateAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "since", "offered_at", "count_at_offer", "closed_at", "closed_by"]
    list_filter = ["status"]
    list_select_related = ["category", "skill_group", "closed_by"]


class BatchMembershipInline(ReadOnlyInline):
    model = BatchMembership
    fields = ["order", "attached_at", "attached_by", "detached_at", "detached_by", "detach_reason"]
    readonly_fields = fields


class BatchLogInline(ReadOnlyInline):
    model = BatchLogEntry
    fields = ["at", "actor", "kind", "state_before", "state_after", "note"]
    readonly_fields = fields


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ["label", "title", "state", "skill_group", "category", "handler", "created_at"]
    list_filter = ["state"]
    list_select_related = ["skill_group", "category", "handler"]
    inlines = [BatchMembershipInline, BatchLogInline]
