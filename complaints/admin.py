from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import BusinessItem, CallReason, ComplaintCategory, Customer, SkillGroup
from .numbers import mask_number


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Numbers are masked in the list (R-SEC-2); search takes a full number."""

    list_display = ["masked_number", "name", "tier", "brand", "home_city", "created_at"]
    list_filter = ["tier", "home_city"]
    search_fields = ["=number", "name"]
    readonly_fields = ["created_at"]

    @admin.display(description=_("number"))
    def masked_number(self, customer):
        return mask_number(customer.number)


class ChildCategoryInline(admin.TabularInline):
    model = ComplaintCategory
    fields = ["name", "is_active", "sort_order"]
    extra = 0
    show_change_link = True


@admin.register(ComplaintCategory)
class ComplaintCategoryAdmin(admin.ModelAdmin):
    """R-WO-3: retire, never delete while orders use a category (the FK is PROTECT)."""

    list_display = ["path_label", "is_active", "sort_order"]
    list_filter = ["is_active", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name"]
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
