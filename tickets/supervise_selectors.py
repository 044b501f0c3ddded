"""Reads of the supervisor's actions (issue 13 §4): whom an order can be reassigned to."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet


def reassign_candidates(*, unit_ids) -> QuerySet:
    """Active members of these units who may claim orders (hold `claim_workorder` through a group or directly):
    the people an order of these units can be given to. One query."""
    perm = Permission.objects.filter(content_type__app_label="tickets", codename="claim_workorder")
    holds = Q(groups__permissions__in=perm) | Q(user_permissions__in=perm) | Q(is_superuser=True)
    users = get_user_model().objects.filter(org_units__in=[u for u in unit_ids if u], is_active=True)
    return users.filter(holds).distinct().order_by("last_name", "first_name", "id")
