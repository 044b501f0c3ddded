"""The reports in the admin (R-ADM-1): counted days with a recount (of the chosen days, or of a date range), the
export audit (read only), and the monthly report's recipients per unit and the mails sent."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from tickets.admin import ReadOnlyAdmin

from .models import MonthlyReportMail, MonthlyReportRecipient, ReportExport, TallyDay
from .services import daily_tally_recount, daily_tally_recount_range, last_countable_day


class RecountRangeForm(forms.Form):
    first = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        if first and last and (last < first or (last - first).days > 3660):
            raise forms.ValidationError(_("The end must be on or after the start, at most ten years later."))
        return data


@admin.register(TallyDay)
class TallyDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "orders", "clocks", "counted_at"]
    readonly_fields = ["day", "orders", "clocks", "counted_at"]
    date_hierarchy = "day"
    actions = ["recount"]
    change_list_template = "reports/admin/tallyday_changelist.html"

    def has_change_permission(self, request, obj=None):
        # The recount is a change of the tallies (never of an order): whoever may change reports may run it.
        return request.user.has_perm("reports.change_tallyday")

    @admin.action(description=_("Count the chosen days again"), permissions=["change"])
    def recount(self, request, queryset):
        days = [marker.day for marker in queryset if marker.day <= last_countable_day()]
        for day in days:
            daily_tally_recount(day=day)
        self.message_user(request, _("%(n)d days counted again.") % {"n": len(days)}, messages.SUCCESS)

    def get_urls(self):
        extra = [path("recount/", self.admin_site.admin_view(self.recount_range_view), name="reports_tallyday_recount")]
        return extra + super().get_urls()

    def recount_range_view(self, request):
        if not self.has_change_permission(request):
            return redirect("admin:reports_tallyday_changelist")
        form = RecountRangeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            n = daily_tally_recount_range(first=form.cleaned_data["first"], last=form.cleaned_data["last"])
            self.message_user(request, _("%(n)d days counted again.") % {"n": n}, messages.SUCCESS)
            return redirect("admin:reports_tallyday_changelist")
        context = {**self.admin_site.each_context(request), "form": form, "title": _("Count a date range again"),
                   "opts": self.model._meta}  # fmt: skip
        return render(request, "reports/admin/recount_range.html", context)


@admin.register(ReportExport)
class ReportExportAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "kind", "file_format", "numbers_unmasked"]
    list_filter = ["kind", "file_format", "numbers_unmasked"]
    date_hierarchy = "at"
    search_fields = ["user__username"]


@admin.register(MonthlyReportRecipient)
class MonthlyReportRecipientAdmin(admin.ModelAdmin):
    list_display = ["unit", "email", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["unit__name", "email"]
    autocomplete_fields = ["unit"]


@admin.register(MonthlyReportMail)
class MonthlyReportMailAdmin(ReadOnlyAdmin):
    list_display = ["month", "unit", "claimed_at", "sent_at"]
    date_hierarchy = "month"
