from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ApiToken, OrgUnit
from .selectors import unit_supervisor_map


class SupervisorFilter(admin.SimpleListFilter):
    """逐级上报 (R-CLK-BREACH): units with a supervisor of their own, those that report to one above, and those
    whose breaches reach nobody above the responsible person."""

    title = _("supervisor (逐级上报)")
    parameter_name = "supervisor"

    def lookups(self, request, model_admin):
        return [("own", _("Has its own")), ("inherited", _("Reports to a unit above")), ("none", _("Nobody"))]

    def queryset(self, request, queryset):
        if self.value() == "own":
            return queryset.filter(supervisor__isnull=False)
        if self.value() in ("inherited", "none"):
            reach = unit_supervisor_map()
            ids = [unit for unit, sup in reach.items() if (sup is None) == (self.value() == "none")]
            return queryset.filter(supervisor__isnull=True, id__in=ids)
        return queryset


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "city", "supervisor_shown", "is_active"]
    list_filter = [SupervisorFilter, "kind", "is_active", "city"]
    list_select_related = ["parent", "supervisor"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["members"]

    @admin.display(description=_("supervisor"), ordering="supervisor__username")
    def supervisor_shown(self, unit: OrgUnit) -> str:
        if unit.supervisor_id:
            return unit.supervisor.get_full_name() or unit.supervisor.get_username()
        return "⚠ " + str(_("none (reports to the unit above)") if unit.parent_id else _("none"))

    def changelist_view(self, request, extra_context=None):
        """Warn while a unit has no supervisor (R-CLK-BREACH 逐级上报); an error while a breach would reach nobody
        above the responsible person."""
        if request.method == "GET":
            reach = unit_supervisor_map()
            lacking = list(OrgUnit.objects.filter(is_active=True, supervisor__isnull=True).order_by("code"))
            nobody = [unit for unit in lacking if reach.get(unit.id) is None]
            if nobody:
                names = "、".join(unit.name for unit in nobody)
                messages.error(request, ngettext(
                    "%(n)d unit has no supervisor at or above it: its breaches reach nobody above the responsible "
                    "person (逐级上报, R-CLK-BREACH). Choose one: %(names)s",
                    "%(n)d units have no supervisor at or above them: their breaches reach nobody above the "
                    "responsible person (逐级上报, R-CLK-BREACH). Choose one: %(names)s",
                    len(nobody),
                ) % {"n": len(nobody), "names": names})  # fmt: skip
            others = [unit for unit in lacking if reach.get(unit.id) is not None]
            if others:
                messages.warning(request, ngettext(
                    "%(n)d unit has no supervisor of its own; its breaches go to the supervisor above it: %(names)s",
                    "%(n)d units have no supervisor of their own; their breaches go to the supervisor above them: "
                    "%(names)s",
                    len(others),
                ) % {"n": len(others), "names": "、".join(unit.name for unit in others)})  # fmt: skip
        return super().changelist_view(request, extra_context)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by the API only (the key is shown once, to its user); here an administrator sees
    them and revokes one by deleting it."""

    list_display = ["user", "name", "created_at", "last_used_at", "expires_at"]
    list_filter = ["expires_at"]
    search_fields = ["user__username", "name"]
    fields = ["user", "name", "created_at", "last_used_at", "expires_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
