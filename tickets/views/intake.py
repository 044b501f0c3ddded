"""Accepting a customer in one screen (R-UI-1): the form, and its htmx helpers — the customer card of the
accepted number with its open orders (R-SP-1 催办 hint) and its recently closed ones ("repeat of this",
R-SP-1 (b)), the category picker (leaves only, R-WO-3) and the reply scripts of the chosen category (R-KB-1)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from complaints import selectors as complaint_selectors
from complaints.numbers import FIXED_LINE_RE, MOBILE_RE, mask_number, normalize_number

from .. import services
from ..forms import IntakeForm, form_add_service_errors
from ..forms.intake import SERVICE_FIELD_MAP
from ..models import WorkOrder
from ..reference import repeat_window
from ..repeat_selectors import repeat_candidate_list
from ..selectors import intake_city_choices, open_orders_for_number, orders_with_urges, work_order_visible_list

CATEGORY_RESULTS_MAX = 30
CARRIED_FIELDS = ("customer_name", "customer_tier", "customer_brand", "customer_home_city", "urgency")


def customer_card_context(user, raw_number: str) -> dict:
    """The customer of a complete accepted number and that number's open orders; {} while incomplete."""
    number = normalize_number(raw_number or "")
    if not (MOBILE_RE.match(number) or FIXED_LINE_RE.match(number)):
        return {"number_complete": False}
    customer = complaint_selectors.customer_get_by_number(number=number)
    open_orders = _mark_visible(user, list(open_orders_for_number(number=number).order_by("-accepted_at")[:5]))
    return {
        "number_complete": True,
        "customer": customer,
        "masked": mask_number(number),
        "is_club": bool(customer and customer.is_club),
        "open_orders": open_orders,
        # R-SP-1 (b): closed within the repeat window, with their final reply: "repeat of this".
        "recent_closed": repeat_candidate_list(number=number, user=user) if customer else [],
        "repeat_days": repeat_window().days,
    }


def _mark_visible(user, orders: list) -> list:
    """`visible_to_user` on each order: the card links only to the orders this user may open."""
    visible = set(work_order_visible_list(user=user).filter(pk__in=[o.pk for o in orders]).values_list("pk", flat=True))
    for order in orders:
        order.visible_to_user = order.pk in visible
    return orders


def category_leaves(query: str = "") -> list[dict]:
    """Active leaves (the only categories a complaint may use, R-WO-3) matching `query` in their own or their
    parent's name or keywords, in tree order, as {"id", "top", "label"} ("top → … → leaf")."""
    labels = complaint_selectors.category_path_labels()
    leaves = complaint_selectors.category_leaf_list()
    if query:
        # the leaf's or its parent's name, or the customers' own words for it (keywords, issue 13 §2: 乱扣费 → 通信费用)
        leaves = leaves.filter(
            Q(name__icontains=query) | Q(parent__name__icontains=query) | Q(keywords__icontains=query)
            | Q(parent__keywords__icontains=query)
        )  # fmt: skip
    ids = leaves.order_by(Coalesce("parent__sort_order", "sort_order"), "parent_id", "sort_order", "id")
    rows = []
    for pk in ids.values_list("id", flat=True)[:CATEGORY_RESULTS_MAX]:
        label = labels.get(pk, "")
        rows.append({"id": pk, "top": label.split(" → ")[0], "label": label})
    return rows


RECENT_LEAVES = 5


def recent_leaves(user) -> list[dict]:
    """The leaves this user chose on their latest orders (issue 13 §2), newest first, at most RECENT_LEAVES, still
    active: the few categories a hall employee picks all day are one keystroke away."""
    labels = complaint_selectors.category_path_labels()
    active = set(complaint_selectors.category_leaf_list().values_list("id", flat=True))
    chosen = (
        WorkOrder.objects.filter(accepted_by=user, category__isnull=False)
        .order_by("-accepted_at")
        .values_list("category_id", flat=True)[:50]
    )
    rows, seen = [], set()
    for pk in chosen:
        if pk in active and pk not in seen:
            seen.add(pk)
            rows.append({"id": pk, "top": "", "label": labels.get(pk, "")})
        if len(rows) == RECENT_LEAVES:
            break
    return rows


def reply_scripts(category_id: int | None) -> list:
    """R-KB-1 scripts for the category, from `complaints.selectors.reply_scripts_for_category` once the
    knowledge base provides it; nothing before that."""
    selector = getattr(complaint_selectors, "reply_scripts_for_category", None)
    if selector is None or category_id is None:
        return []
    return list(selector(category_id=category_id))


def _intake_context(request, form: IntakeForm, same_matter_id: int | None = None) -> dict:
    data = form.data if form.is_bound else form.initial
    category_id = form.cleaned_data.get("category") if form.is_bound and hasattr(form, "cleaned_data") else None
    category_id = category_id or _int(data.get("category"))
    category = complaint_selectors.category_leaf_list().filter(pk=category_id).first() if category_id else None
    card = customer_card_context(request.user, data.get("accepted_number", "")) if data else {}
    return {
        "form": form,
        "card": card,
        "club_locked": card.get("is_club", False),
        "existing_customer": card.get("customer"),
        "category": category,
        "category_label": complaint_selectors.category_path_labels().get(category.id) if category else "",
        "scripts": reply_scripts(category.id if category else None),
        "leaves": category_leaves(),
        "recent": recent_leaves(request.user),
        "cities": intake_city_choices(),
        "show_unit": form.fields["accepting_unit"].queryset.count() > 1,
        # R-SP-1 (b): the recent order of the same matter the clerk must answer about (repeat / different).
        "same_matter": next((o for o in card.get("recent_closed", []) if o.id == same_matter_id), None),
    }


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@permission_required("tickets.add_workorder", raise_exception=True)
@require_http_methods(["GET", "POST"])
def intake(request):
    visible = work_order_visible_list(user=request.user)
    if request.method == "GET":
        form = IntakeForm(initial=_repeat_initial(request, visible), user=request.user, visible_orders=visible)
        return render(request, "tickets/intake.html", _intake_context(request, form))
    form = IntakeForm(_repeat_chosen(request.POST), request.FILES, user=request.user, visible_orders=visible)
    same_matter_id = None
    if form.is_valid():
        try:
            order = services.work_order_accept(
                actor=request.user, intake=form.to_intake(), files=form.cleaned_data["attachments"],
                attachment_kind=form.cleaned_data["attachment_kind"],
            )  # fmt: skip
        except ValidationError as exc:
            same_matter_id, exc = _same_matter_candidate(exc)
            form_add_service_errors(form, exc, SERVICE_FIELD_MAP)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Order %(number)s accepted.") % {"number": order.number})
            return redirect("order-detail", pk=order.pk)
    return render(request, "tickets/intake.html", _intake_context(request, form, same_matter_id), status=400)


def _repeat_chosen(post):
    """The "repeat of this" button (named `repeat_of`, carrying the earlier order's number) submits the form with
    everything typed, flagged repeat and linked to that order (R-SP-1 (b)); the service checks the link."""
    if not post.get("repeat_of"):
        return post
    post = post.copy()
    post.update({"is_repeat": "on", "same_matter": ""})
    post["previous_order"] = post["repeat_of"]
    return post


def _repeat_initial(request, visible) -> dict:
    """`?repeat_of=<order number>` (from the customer's history): a repeat complaint of that order, its number
    and category filled in. By the order's number, so the customer's never travels in a URL (R-SEC-2)."""
    number = request.GET.get("repeat_of", "").strip()[:20]
    previous = visible.filter(number=number, order_type="complaint").first() if number.isalnum() else None
    if previous is None:
        return {}
    return {
        "accepted_number": previous.accepted_number, "is_repeat": True, "previous_order": previous.number,
        "category": previous.category_id,
    }  # fmt: skip


def _same_matter_candidate(exc: ValidationError) -> tuple[int | None, ValidationError]:
    """The service names the recent order of the same matter (`same_matter.candidate`, its id) for the API; the
    page shows that order with the choice instead of the id."""
    if not hasattr(exc, "error_dict") or "same_matter.candidate" not in exc.message_dict:
        return None, exc
    errors = exc.message_dict
    candidate = _int(errors.pop("same_matter.candidate")[0])
    return candidate, ValidationError(errors)


@login_required
@permission_required("tickets.add_workorder", raise_exception=True)
@require_POST
def intake_customer(request):
    """htmx: the customer card for the number typed so far, plus the urgency control (locked at 特急 for
    a club customer, R-WO-4) and the new-customer fields, swapped out of band.

    POST, not GET (R-SEC-2): the full accepted number travels in the body, so it never reaches a URL, an
    access log or a proxy's log; the response carries no-store (`tickets.middleware.private_no_store`).
    Intake staff only, like the intake page: the card lists open orders of every hall (R-SP-1, R-SEC-1)."""
    card = customer_card_context(request.user, request.POST.get("accepted_number", ""))
    # Unbound, with what was typed so far as initial values: the swapped fields keep them, without errors.
    typed = {name: request.POST[name] for name in CARRIED_FIELDS if name in request.POST}
    form = IntakeForm(initial=typed, user=request.user, visible_orders=work_order_visible_list(user=request.user))
    context = {
        "card": card,
        "form": form,
        "club_locked": card.get("is_club", False),
        "existing_customer": card.get("customer"),
        "cities": intake_city_choices(),
        "oob": True,
    }
    return render(request, "tickets/partials/customer_card.html", context)


@login_required
@permission_required("tickets.add_workorder", raise_exception=True)
@require_POST
def intake_urge(request, pk: int):
    """htmx: log the customer's urge (催办) on an open order from the customer card (R-SP-1 (a)); the row comes
    back with the count, or with the error where the clerk typed. The row posts the number typed in the
    intake form: an order of another hall is urged only with its accepted number (`work_order_urge`), and
    answers 404 otherwise — before any 400/409 could show its row. The row shows what the card shows."""
    # Each row's note has its own name: htmx posts the whole intake form, with every row's note in it.
    note, error, status = request.POST.get(f"urge_note_{pk}", request.POST.get("urge_note", "")), "", 200
    try:
        services.work_order_urge(
            order_id=pk, actor=request.user, note=note, channel=request.POST.get("channel", "phone"),
            accepted_number=request.POST.get("accepted_number", ""),
        )  # fmt: skip
        note = ""
    except ValidationError as exc:
        error, status = " ".join(m for ms in exc.message_dict.values() for m in ms), 400
        note = note.replace("\x00", "")
    except services.TransitionRefused as exc:
        error, status = exc.detail, 409
    except WorkOrder.DoesNotExist as exc:
        raise Http404 from exc
    order = _mark_visible(request.user, [orders_with_urges().get(pk=pk)])[0]
    context = {"o": order, "note": note, "error": error, "done": not error}
    return render(request, "tickets/partials/urge_row.html", context, status=status)


@login_required
@require_GET
def intake_categories(request):
    """htmx: the active leaf categories matching the search text (all leaves for an empty search)."""
    query = request.GET.get("category_q", "").strip()[:50]
    if "\x00" in query:  # PostgreSQL refuses NUL in a string: a 400 naming the field, not a 500
        context = {"leaves": [], "q": "", "error": _("Null characters are not allowed."), "field": "category_q"}
        return render(request, "tickets/partials/category_results.html", context, status=400)
    recent = [] if query else recent_leaves(request.user)
    context = {"leaves": category_leaves(query), "q": query, "recent": recent}
    return render(request, "tickets/partials/category_results.html", context)


@login_required
@require_GET
def intake_category_pick(request):
    """htmx: choose a leaf — the chosen category (hidden input, out of band) and its reply scripts."""
    category_id = _int(request.GET.get("category"))
    leaf = complaint_selectors.category_leaf_list().filter(pk=category_id).first() if category_id else None
    label = complaint_selectors.category_path_labels().get(leaf.id) if leaf else ""
    context = {"category": leaf, "category_label": label, "scripts": reply_scripts(leaf.id if leaf else None)}
    return render(request, "tickets/partials/category_pick.html", context)
