"""Calling the customer from the order page (issue 13 §5, R-SEC-2): one click shows the first-contact owner or
the current handler the order's number as a `tel:` link; the service audits every attempt. The answer is an
htmx partial, `no-store` like every page for a signed-in user (tickets.middleware.private_no_store)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST

from ..models import WorkOrder
from ..services.reveal import number_reveal_to_call

TEMPLATE = "tickets/partials/call_number.html"


@login_required
@require_POST
def order_call(request, pk: int):
    """200 with the numbers; 400 naming `reason` without one; 403 (audited) for anyone else who sees the order;
    404 for an order the user may not see. Not in transaction.atomic(): a refusal's audit row is kept."""
    try:
        numbers = number_reveal_to_call(
            order_id=pk, actor=request.user, reason=request.POST.get("reason", ""),
            ip_address=request.META.get("REMOTE_ADDR"),
        )  # fmt: skip
    except WorkOrder.DoesNotExist as exc:
        raise Http404 from exc
    except ValidationError as exc:
        errors = " ".join(message for messages in exc.message_dict.values() for message in messages)
        return render(request, TEMPLATE, {"error": errors, "field": "reason"}, status=400)
    except PermissionDenied as exc:
        return render(request, TEMPLATE, {"error": str(exc)}, status=403)
    return render(request, TEMPLATE, {"numbers": numbers})
