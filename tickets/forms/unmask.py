"""The reason for seeing a full customer number (R-SEC-2): required, at most 200 characters, no NUL."""

from django import forms
from django.utils.translation import gettext_lazy as _


class UnmaskForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
