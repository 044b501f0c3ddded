"""Saved views in the admin (issue 13 §3): an administrator shares a view with roles or units; the conditions are
checked against the whitelist on save (SavedView.clean)."""

from django.contrib import admin

from .models import SavedView


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ["name", "queue", "owner", "sort", "created_at"]
    list_filter = ["queue"]
    search_fields = ["name", "owner__username"]
    filter_horizontal = ["shared_roles", "shared_units"]
    raw_id_fields = ["owner"]
    readonly_fields = ["created_at"]
