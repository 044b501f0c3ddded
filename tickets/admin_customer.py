"""The admin's customer page with the audited reveal of the full number (R-SEC-2, issue 8 §1).

complaints/admin.py shows the number masked; the reveal is registered here, one layer up, because its
audit row (NumberUnmaskAudit, with the orders' unmasks, append-only R-AUD-1) is a tickets model and
`complaints` may not import `tickets`. The reveal is a POST with a reason; the number is in that one
response only (no-store, tickets.middleware), never in a URL or a log. Someone without the permission
`tickets.unmask_number` is refused (403) and the attempt is on record too."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.admin import CustomerAdmin
from complaints.models import Customer
from complaints.numbers import mask_number

from . import services
from .forms.unmask import UnmaskForm


class CustomerRevealAdmin(CustomerAdmin):
    masked_fields = ["masked_number_reveal", "masked_contact_numbers"]

    @admin.display(description=gettext_lazy("number"))
    def masked_number_reveal(self, customer):
        url = reverse("admin:complaints_customer_reveal", args=[customer.pk])
        return format_html(
            '<span data-number>{}</span> <a class="button" href="{}" data-reveal>{}</a>',
            mask_number(customer.number), url, _("Show the full number (logged)"),
        )  # fmt: skip

    def get_urls(self):
        reveal = path(
            "<path:object_id>/reveal/", self.admin_site.admin_view(self.reveal_view), name="complaints_customer_reveal"
        )
        return [reveal, *super().get_urls()]

    def reveal_view(self, request, object_id):
        """GET: the reason form. POST: the number once, audited; 400 naming `reason` without one; 403 (and
        audited) without the permission. Not in transaction.atomic(): a refusal's row must be kept."""
        customer = self.get_object(request, object_id)
        if customer is None or not self.has_view_permission(request, customer):
            raise Http404(_("No such customer."))
        form = UnmaskForm(request.POST) if request.method == "POST" else UnmaskForm()
        number, refusal, status = None, "", 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    number = services.customer_number_unmask(
                        customer=customer, actor=request.user, reason=form.cleaned_data["reason"],
                        ip_address=request.META.get("REMOTE_ADDR"),
                    )  # fmt: skip
                except PermissionDenied as exc:
                    refusal, status = str(exc), 403
            else:
                status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": customer,
            "title": _("Full number of %(customer)s") % {"customer": customer},
            "form": form,
            "number": number,
            "contact_numbers": customer.contact_numbers if number else [],
            "refusal": refusal,
            "masked": mask_number(customer.number),
        }
        return TemplateResponse(request, "admin/complaints/customer/reveal.html", context, status=status)


admin.site.unregister(Customer)
admin.site.register(Customer, CustomerRevealAdmin)
