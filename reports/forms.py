"""The report's choice of audience, period and unit (R-RP-1), validated like every other input: a unit the user
may not see is a field error worded like a unit that does not exist (SPEC §1)."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .periods import KINDS, MAX_DAYS, Period, period_containing, period_range
from .selectors import AUDIENCES, UnitNotVisible, audience_for_user, report_scope, report_unit_choices
from .sources import Scope

MIN_DATE, MAX_DATE = date(2000, 1, 1), date(2099, 12, 31)


class ReportForm(forms.Form):
    audience = forms.ChoiceField(
        label=_("Report for"), choices=[(k, v[0]) for k, v in AUDIENCES.items()], required=False
    )
    period = forms.ChoiceField(label=_("Period"), choices=list(KINDS.items()), required=False)
    date = forms.DateField(
        label=_("Containing the day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    from_ = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    unit = forms.TypedChoiceField(
        label=_("Unit"), coerce=int, required=False, empty_value=None,
        # The same words for a unit that does not exist and one the user may not see (SPEC §1).
        error_messages={"invalid_choice": _("Choose a unit from the list.")},
    )  # fmt: skip

    def __init__(self, data=None, *, user, **kwargs):
        if data is not None and "from" in data:
            data = data.copy()
            data["from_"] = data.get("from")
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["unit"].choices = [("", _("Everything I see"))] + [
            (u.pk, u.name) for u in report_unit_choices(user=user)
        ]
        self.period: Period | None = None
        self.scope: Scope | None = None

    def clean_unit(self):
        unit = self.cleaned_data.get("unit")
        try:
            self.scope = report_scope(user=self.user, unit_id=unit)
        except UnitNotVisible:
            raise forms.ValidationError(_("Choose a unit from the list."), code="invalid_choice") from None
        return unit

    def clean(self):
        data = super().clean()
        for name in ("date", "from_", "to"):
            value = data.get(name)
            if value is not None and not (MIN_DATE <= value <= MAX_DATE):
                self.add_error(name, _("Enter a date between 2000 and 2099."))
                return data
        kind = data.get("period") or "month"
        today = timezone.localdate()
        if kind == "range":
            first, last = data.get("from_"), data.get("to")
            if first is None or last is None:
                self.add_error("from_" if first is None else "to", _("A date range needs both ends."))
                return data
            try:
                self.period = period_range(first, last)
            except ValueError:
                self.add_error(
                    "to", _("The end must be on or after the start, at most %(days)d days later.") % {"days": MAX_DAYS}
                )
        else:
            self.period = period_containing(kind, data.get("date") or today)
        data["audience"] = data.get("audience") or audience_for_user(user=self.user)
        return data
