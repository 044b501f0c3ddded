"""Issue 9 §5: a fresh start shows a major complaint in progress per interface in the queues."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from escalation.models import Declaration
from escalation.selectors import queue_counts

pytestmark = pytest.mark.django_db


def test_the_demo_data_fills_the_major_complaint_queues():
    call_command("load_reference_data", verbosity=0)
    call_command("load_demo_data", verbosity=0)
    call_command("load_demo_data", verbosity=0)  # idempotent

    states = dict(Declaration.objects.values_list("interface__code", "state"))
    assert states == {"hall": "draft", "channel": "submitted", "group": "accepted"}
    user = get_user_model().objects.get
    assert queue_counts(user=user(username="handler"))["opinions"] == 1
    assert queue_counts(user=user(username="front_line"))["drafts"] == 1
    assert queue_counts(user=user(username="channel_supervisor"))["review"] == 1
    assert queue_counts(user=user(username="interface_admin"))["interface"] == 1
