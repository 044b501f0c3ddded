"""Admin for calendars and the holiday table (SPEC §3.1, R-ADM-1)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from deadlines.models import BusinessCalendar, Clock, ClockPolicy, HolidayDate, HolidayYear, WeeklyPeriod
from deadlines.recompute import clocks_recompute_for_years
from deadlines.selectors import holiday_year_problems, holiday_year_summary
from deadlines.services import (
    SCHEDULE_KINDS,
    HolidayImportInvalid,
    HolidayYearIncomplete,
    holiday_import_apply,
    holiday_import_plan,
    holiday_import_problems,
    holiday_rows_changed,
    holiday_year_confirm,
)

IMPORT_MAX_BYTES = 256 * 1024


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
    """R-CAL-YEAR: a rest or make-up day added, changed or deleted here returns a confirmed year to draft (with a
    warning: confirm it again under "Holiday years"); a one-off closure does not. Running working-day clocks that
    touch the year are recomputed after the change either way."""

    list_display = ["date", "weekday", "kind", "festival", "name", "source"]
    list_filter = ["kind", YearListFilter, "festival", "source"]
    search_fields = ["name"]
    fields = ["date", "kind", "festival", "name", "source", "updated_at"]
    readonly_fields = ["source", "updated_at"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj: HolidayDate) -> str:
        return WeeklyPeriod.Weekday(obj.date.weekday()).label

    def save_model(self, request, obj, form, change):
        # An administrator's row wins over the package: the seed never overwrites "manual" rows.
        obj.source = HolidayDate.Source.MANUAL
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            before_kind = form.initial.get("kind") if change else None
            before_date = form.initial.get("date") if change else None
            years = {obj.date.year} | ({before_date.year} if before_date else set())
            touched = {"date", "kind", "festival"} & set(form.changed_data) if change else {"date"}
            schedule = bool(touched) and (obj.kind in SCHEDULE_KINDS or before_kind in SCHEDULE_KINDS)
            self._rows_changed(request, years=years, schedule=schedule, what=str(obj))

    def delete_model(self, request, obj):
        with transaction.atomic():
            super().delete_model(request, obj)
            self._rows_changed(request, years={obj.date.year}, schedule=obj.kind in SCHEDULE_KINDS, what=str(obj))

    def delete_queryset(self, request, queryset):
        rows = list(queryset)
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            years = {row.date.year for row in rows}
            schedule = any(row.kind in SCHEDULE_KINDS for row in rows)
            self._rows_changed(request, years=years, schedule=schedule, what=gettext("%(n)s rows") % {"n": len(rows)})

    def _rows_changed(self, request, *, years, schedule: bool, what: str) -> None:
        reason = gettext("holiday rows edited in the admin (%(what)s)") % {"what": what}
        for year in holiday_rows_changed(years=years, actor=request.user, reason=reason, schedule=schedule):
            url = reverse("admin:deadlines_holidayyear_changelist")
            self.message_user(
                request,
                gettext(
                    "%(year)s was confirmed and its schedule changed: it is back to draft, its working-day deadlines "
                    "are provisional again. Confirm it again under Holiday years (%(url)s)."
                )
                % {"year": year, "url": url},
                messages.WARNING,
            )


class HolidayImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        required=False,
        help_text=_("Columns date,kind,name (see fixtures/holidays-2027-sample.csv)."),
    )
    csv_text = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > IMPORT_MAX_BYTES:
                raise forms.ValidationError({"file": gettext("The file is larger than 256 KB.")})
            try:
                data["csv_text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError({"file": gettext("The file is not UTF-8 text.")}) from exc
        elif not data.get("csv_text"):
            raise forms.ValidationError({"file": gettext("Choose a CSV file.")})
        if "\x00" in data["csv_text"]:
            raise forms.ValidationError({"file": gettext("The file is not a text file.")})
        return data


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    """R-CAL-YEAR: a year's schedule is complete only when an administrator confirms it here (button on the year,
    or the action); the refusal names every missing festival. Import a year from a CSV file with a preview."""

    list_display = ["year", "state", "rest_days", "makeup_days", "makeup_days_none", "confirmed_by", "confirmed_at"]
    list_filter = ["state"]
    ordering = ["-year"]
    readonly_fields = ["state", "confirmed_by", "confirmed_at", "notes", "updated_at"]
    actions = ["confirm_years", "recompute_clocks"]
    change_form_template = "admin/deadlines/holidayyear/change_form.html"
    change_list_template = "admin/deadlines/holidayyear/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.insert(0, "year")
            if obj.is_confirmed:  # reopen by editing its rows; a confirmed year's flags stay as confirmed
                fields.insert(1, "makeup_days_none")
        return fields

    def has_delete_permission(self, request, obj=None):
        return False  # a year's confirmation is an audit record

    @admin.display(description=_("rest days"))
    def rest_days(self, obj: HolidayYear) -> int:
        return holiday_year_summary(year=obj.year)["rest"]

    @admin.display(description=_("make-up days"))
    def makeup_days(self, obj: HolidayYear) -> int:
        return holiday_year_summary(year=obj.year)["makeup"]

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="deadlines_holidayyear_import"),
            path(
                "<int:object_id>/confirm/",
                self.admin_site.admin_view(require_POST(self.confirm_view)),
                name="deadlines_holidayyear_confirm",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context["year_problems"] = holiday_year_problems(year=obj.year)
            extra_context["year_summary"] = holiday_year_summary(year=obj.year)
            extra_context["can_confirm"] = not obj.is_confirmed and self.has_change_permission(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def _confirm(self, request, year: int) -> bool:
        try:
            holiday_year_confirm(year=year, actor=request.user)
        except HolidayYearIncomplete as refused:
            self.message_user(
                request,
                gettext("%(year)s cannot be confirmed:") % {"year": year},
                messages.ERROR,
            )
            for problem in refused.problems:
                self.message_user(request, f"{year}: {problem}", messages.ERROR)
            return False
        row = HolidayYear.objects.get(year=year)
        self.log_change(request, row, gettext("Confirmed the holiday schedule of %(year)s.") % {"year": year})
        self.message_user(
            request,
            gettext("%(year)s is confirmed; running working-day deadlines in it are being recomputed.")
            % {"year": year},
            messages.SUCCESS,
        )
        return True

    def confirm_view(self, request, object_id: int):
        obj = get_object_or_404(HolidayYear, pk=object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        self._confirm(request, obj.year)
        return HttpResponseRedirect(reverse("admin:deadlines_holidayyear_change", args=[obj.pk]))

    @admin.action(description=_("Confirm the selected years (R-CAL-YEAR)"), permissions=["change"])
    def confirm_years(self, request, queryset):
        for row in queryset.order_by("year"):
            if not row.is_confirmed:
                self._confirm(request, row.year)

    @admin.action(
        description=_("Recompute running working-day deadlines in the selected years"), permissions=["change"]
    )
    def recompute_clocks(self, request, queryset):
        moved = clocks_recompute_for_years(years=queryset.values_list("year", flat=True))
        self.message_user(request, gettext("%(n)s running deadlines moved.") % {"n": moved}, messages.SUCCESS)

    def import_view(self, request):
        """Upload → preview (added, changed, removed; errors per line) → confirm import (the same text, posted
        back and checked again)."""
        if not (self.has_change_permission(request) and request.user.has_perm("deadlines.change_holidaydate")):
            raise PermissionDenied
        plan = None
        form = HolidayImportForm()
        if request.method == "POST":
            form = HolidayImportForm(request.POST, request.FILES)
            if form.is_valid():
                text = form.cleaned_data["csv_text"]
                if "apply" in request.POST:
                    try:
                        plan = holiday_import_apply(text=text, actor=request.user)
                    except HolidayImportInvalid as invalid:
                        plan = invalid.plan
                    else:
                        row = HolidayYear.objects.get(year=plan.year)
                        self.log_change(
                            request,
                            row,
                            gettext("Imported %(added)s added, %(changed)s changed, %(removed)s removed rows.")
                            % {"added": len(plan.added), "changed": len(plan.changed), "removed": len(plan.removed)},
                        )
                        self.message_user(
                            request,
                            gettext(
                                "Imported %(year)s: %(added)s added, %(changed)s changed, %(removed)s removed. "
                                "Check the year and confirm it."
                            )
                            % {
                                "year": plan.year,
                                "added": len(plan.added),
                                "changed": len(plan.changed),
                                "removed": len(plan.removed),
                            },  # fmt: skip
                            messages.SUCCESS,
                        )
                        return HttpResponseRedirect(reverse("admin:deadlines_holidayyear_change", args=[row.pk]))
                else:
                    plan = holiday_import_plan(text=text)
                form = HolidayImportForm(initial={"csv_text": text})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Import a holiday year from a CSV file"),
            "form": form,
            "plan": plan,
            "year_problems": holiday_import_problems(plan=plan) if plan and plan.ok else None,
        }
        return TemplateResponse(request, "admin/deadlines/holidayyear/import.html", context)


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
