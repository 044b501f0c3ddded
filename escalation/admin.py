"""R-ADM-1: interfaces and criteria are reference data, edited here (with Django admin's history of every
change); major complaints and declarations are read-only here: they move only through the services."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tickets.admin import ReadOnlyAdmin

from .models import (
    Criterion,
    Declaration,
    DeclarationDecision,
    DeclarationOpinion,
    EscalatedCase,
    EscalatedReply,
    EscalationRules,
    Interface,
    MajorComplaint,
)


@admin.register(Interface)
class InterfaceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "declaring_role", "reviewing_role", "is_active", "position"]
    list_editable = ["is_active", "position"]
    filter_horizontal = ["admins"]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active", "position"]
    list_editable = ["is_active", "position"]


class OpinionInline(admin.TabularInline):
    model = DeclarationOpinion
    extra = 0
    fields = ["round", "kind", "author", "text", "content_version", "file", "given_at"]
    readonly_fields = fields
    file_kind = "opinion"

    @admin.display(description=_("attachment"))
    def file(self, row) -> str:
        """A link to the download that applies the declaration's visibility (not the storage's own URL)."""
        if not row.attachment:
            return "—"
        url = reverse("escalation-declaration-file", args=[row.declaration_id, self.file_kind, row.pk])
        return format_html('<a href="{}">{}</a>', url, row.attachment_name)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DecisionInline(OpinionInline):
    model = DeclarationDecision
    fields = ["round", "step", "decision", "author", "text", "file", "at"]
    readonly_fields = fields
    file_kind = "decision"


@admin.register(MajorComplaint)
class MajorComplaintAdmin(ReadOnlyAdmin):
    list_display = ["order", "interface", "reported_at", "supervisor", "opinion_at", "replied_at"]
    list_filter = ["interface"]
    search_fields = ["order__number"]


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdmin):
    list_display = ["major", "interface", "state", "declarer", "reviewer", "interface_admin", "chief", "round_number"]
    list_filter = ["interface", "state"]
    search_fields = ["major__order__number"]
    inlines = [OpinionInline, DecisionInline]


@admin.register(EscalationRules)
class EscalationRulesAdmin(admin.ModelAdmin):
    list_display = ["__str__", "media_liaison_unit"]

    def has_add_permission(self, request):
        return not EscalationRules.objects.exists()  # one row


@admin.register(EscalatedCase)
class EscalatedCaseAdmin(ReadOnlyAdmin):
    list_display = ["order", "tracker", "due_at", "set_by", "set_at"]


@admin.register(EscalatedReply)
class EscalatedReplyAdmin(ReadOnlyAdmin):
    list_display = ["order", "author", "created_at", "liable"]
