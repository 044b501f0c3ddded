"""Admin for calendars and the holiday table (SPEC §3.1, R-ADM-1)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from deadlines.models import BusinessCalendar, Clock, ClockPolicy, HolidayDate, WeeklyPeriod


class WeeklyPeriodInline(admin.TabularInline):
    model = WeeklyPeriod
    extra = 0
    fields = ["weekday", "start_time", "end_time"]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_24x7", "uses_workdays", "updated_at"]
    search_fields = ["code", "name"]
    inlines = [WeeklyPeriodInline]


@admin.register(WeeklyPeriod)
class WeeklyPeriodAdmin(admin.ModelAdmin):
    list_display = ["calendar", "weekday", "start_time", "end_time"]
    list_filter = ["calendar"]
    search_fields = ["calendar__code", "calendar__name"]


class YearListFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        return [(str(day.year), str(day.year)) for day in HolidayDate.objects.dates("date", "year", order="DESC")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(date__year=int(self.value()))
        return queryset


@admin.register(HolidayDate)
class HolidayDateAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "source"]
    list_filter = ["kind", YearListFilter, "source"]
    search_fields = ["name"]
    readonly_fields = ["source", "updated_at"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj: HolidayDate) -> str:
        return WeeklyPeriod.Weekday(obj.date.weekday()).label

    def save_model(self, request, obj, form, change):
        # An administrator's row wins over the package: the seed never overwrites "manual" rows.
        obj.source = HolidayDate.Source.MANUAL
        super().save_model(request, obj, form, change)


@admin.register(ClockPolicy)
class ClockPolicyAdmin(admin.ModelAdmin):
    """The policy table of SPEC §3.2. An edit applies to clocks started afterwards."""

    list_display = [
        "code",
        "kind",
        "name",
        "limit",
        "limit_source",
        "calendar",
        "warn_percent",
        "recurring",
        "is_active",
    ]
    list_filter = ["kind", "calendar", "is_active", "recurring"]
    search_fields = ["code", "name", "rule"]
    list_editable = ["is_active"]


@admin.register(Clock)
class ClockAdmin(admin.ModelAdmin):
    """Clocks are moved by the life-cycle services and the sweep only: read-only here."""

    list_display = ["order", "kind", "state", "started_at", "due_at", "warned_at", "breached_at", "stopped_at"]
    list_filter = ["kind", "state"]
    search_fields = ["order__number"]
    list_select_related = ["order"]
    date_hierarchy = "due_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
