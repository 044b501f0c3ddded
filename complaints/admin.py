from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import BusinessItem, CallReason, ComplaintCategory, Customer, ReplyScript, SkillGroup
from .numbers import mask_number


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Numbers are masked in the list and on the customer's page (R-SEC-2); search takes a full number. A
    new customer's number is typed in the add form; once saved it is shown masked and not edited here.
    The audited reveal is added from above (tickets/admin_customer.py): the audit lives with the orders'
    unmask audit in `tickets`, which this app may not import."""

    list_display = ["masked_number", "name", "tier", "brand", "home_city", "created_at"]
    list_filter = ["tier", "home_city"]
    search_fields = ["=number", "name"]
    readonly_fields = ["created_at"]
    masked_fields = ["masked_number", "masked_contact_numbers"]

    @admin.display(description=_("number"))
    def masked_number(self, customer):
        return mask_number(customer.number)

    @admin.display(description=_("other contact numbers"))
    def masked_contact_numbers(self, customer):
        return "、".join(mask_number(str(n)) for n in customer.contact_numbers or []) or "—"

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f not in self.masked_fields]
        if obj is None:
            return fields
        return [*self.masked_fields, *(f for f in fields if f not in ("number", "contact_numbers"))]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if obj is None else [*self.masked_fields, *readonly]


class ChildCategoryInline(admin.TabularInline):
    model = ComplaintCategory
    fields = ["name", "is_active", "sort_order"]
    extra = 0
    show_change_link = True


@admin.register(ComplaintCategory)
class ComplaintCategoryAdmin(admin.ModelAdmin):
    """R-WO-3: retire, never delete while orders use a category (the FK is PROTECT)."""

    list_display = ["path_label", "keywords", "is_active", "sort_order"]
    list_filter = ["is_active", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "keywords"]
    autocomplete_fields = ["parent"]
    inlines = [ChildCategoryInline]
    actions = ["retire", "reinstate"]
    list_select_related = ["parent__parent"]

    @admin.action(description=_("Retire (hide for new orders)"))
    def retire(self, request, queryset):
        count = queryset.update(is_active=False)
        self.message_user(request, _("%(n)d categories retired.") % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("Reinstate"))
    def reinstate(self, request, queryset):
        count = queryset.update(is_active=True)
        self.message_user(request, _("%(n)d categories reinstated.") % {"n": count}, messages.SUCCESS)


@admin.register(CallReason, BusinessItem)
class NamedReferenceAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]


@admin.register(SkillGroup)
class SkillGroupAdmin(admin.ModelAdmin):
    list_display = ["city", "name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["city", "name"]


@admin.register(ReplyScript)
class ReplyScriptAdmin(admin.ModelAdmin):
    """R-KB-1, maintained by knowledge editors. Retire a script rather than delete it: the seed in
    load_reference_data brings a deleted seeded script back, never a retired one."""

    list_display = ["title", "scenario", "is_active", "applies_to_descendants", "sort_order", "updated_at"]
    list_filter = ["is_active", ("categories", admin.RelatedOnlyFieldListFilter), "applies_to_descendants"]
    search_fields = ["title", "scenario", "body"]
    filter_horizontal = ["categories"]
    readonly_fields = ["updated_at", "updated_by"]
    fields = ["title", "scenario", "body", "guidance", "categories", "applies_to_descendants", "is_active",
              "sort_order", "source", "updated_at", "updated_by"]  # fmt: skip
    actions = ["retire", "reinstate"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "categories":
            # Choices show path labels ("top → leaf"); fetch the parents with them.
            kwargs["queryset"] = ComplaintCategory.objects.select_related("parent__parent")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Retire (hide on the order form)"), permissions=["change"])
    def retire(self, request, queryset):
        count = queryset.update(is_active=False, updated_by=request.user, updated_at=timezone.now())
        self.message_user(request, _("%(n)d scripts retired.") % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("Reinstate"), permissions=["change"])
    def reinstate(self, request, queryset):
        count = queryset.update(is_active=True, updated_by=request.user, updated_at=timezone.now())
        self.message_user(request, _("%(n)d scripts reinstated.") % {"n": count}, messages.SUCCESS)
