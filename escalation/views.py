"""Browser side of major complaints (R-UI-1, R-MAJ-6): the panel on the order page, its POST actions (each
one service call) and the queues. The panel offers only what this user may do now; a button posted anyway
reaches the service, which refuses it (403 / 409) and nothing changes."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed, has_transition_perm

from complaints.numbers import mask_number
from tickets.models import OrderState, OrderType
from tickets.permissions import can_flag, order_visible_to
from tickets.selectors import work_order_visible_list
from tickets.services import TransitionRefused
from tickets.views.order import order_for_page, order_page_context

from . import selectors, services
from .models import CONTENT_FIELDS, Declaration, DeclarationState, EscalatedCase, EscalatedReply, OpinionKind

TIMELINE_KIND_LABELS = {
    "major_reported": gettext_lazy("Reported as a major complaint"),
    "major_classified": gettext_lazy("Classified as a major complaint"),
    "major_opinion": gettext_lazy("Supervisor's opinion"),
    "major_replied": gettext_lazy("Major complaint: customer replied"),
    "declaration_created": gettext_lazy("Declaration drafted"),
    "declaration_edited": gettext_lazy("Declaration edited"),
    "declaration_opinion_support": gettext_lazy("Support department's opinion"),
    "declaration_opinion_legal": gettext_lazy("Legal office's opinion"),
    "declaration_submitted": gettext_lazy("Declaration submitted"),
    "declaration_approved": gettext_lazy("Declaration approved"),
    "declaration_returned": gettext_lazy("Declaration returned"),
    "declaration_accepted": gettext_lazy("Declaration accepted by the interface"),
    "declaration_referred": gettext_lazy("Declaration referred to the branch chief"),
    "declaration_resolved": gettext_lazy("Declaration resolved"),
    "declaration_closed": gettext_lazy("Declaration closed"),
    "declaration_reminded": gettext_lazy("Declaration: reminder"),
    "declaration_escalated": gettext_lazy("Declaration: escalated a level"),
    "escalated_tracker": gettext_lazy("Escalated complaint: tracker and deadline set"),
    "escalated_deadline": gettext_lazy("Escalated complaint: its deadline is the handling deadline"),
    "escalated_reply": gettext_lazy("Escalated-reply form written"),
}

TRANSITIONS = {
    "submit": gettext_lazy("Submit for review"),
    "approve": gettext_lazy("Approve"),
    "return_to_declarer": gettext_lazy("Return to the declarer"),
    "accept": gettext_lazy("Accept"),
    "refer": gettext_lazy("Refer to the branch chief"),
    "resolve": gettext_lazy("Resolve"),
    "close": gettext_lazy("Close the declaration"),
}
NEEDS_TEXT = {"return_to_declarer": "reason", "refer": "reason", "resolve": "resolution"}
# What the page says once an action went through: what was done, not a bare "Done."
DONE = {
    "classify": gettext_lazy("Classified as a major complaint."),
    "opinion": gettext_lazy("Handling opinion recorded."),
    "reply": gettext_lazy("Reply to the customer recorded."),
    "declare": gettext_lazy("Declaration drafted."),
    "edit": gettext_lazy("Declaration saved."),
    "give_opinion": gettext_lazy("Opinion given."),
    "submit": gettext_lazy("Declaration submitted for review."),
    "approve": gettext_lazy("Declaration approved."),
    "return_to_declarer": gettext_lazy("Declaration returned to the declarer."),
    "accept": gettext_lazy("Declaration accepted."),
    "refer": gettext_lazy("Declaration referred to the branch chief."),
    "resolve": gettext_lazy("Declaration resolved."),
    "close": gettext_lazy("Declaration closed."),
    "escalated_reply": gettext_lazy("Escalated-reply form saved."),
    "escalated_tracker": gettext_lazy("Tracker and handling deadline set."),
}
# The parts of the escalated-reply form (R-SP-4), in the order of the paper form.
_NOT_PARTS = ("id", "order", "author", "created_at")
ESCALATED_REPLY_FIELDS = [f for f in EscalatedReply._meta.fields if f.name not in _NOT_PARTS]

QUEUE_LABELS = {
    "supervisor": gettext_lazy("Major: opinions due"),
    "drafts": gettext_lazy("Major: my declarations"),
    "opinions": gettext_lazy("Major: opinions asked"),
    "review": gettext_lazy("Major: to review"),
    "interface": gettext_lazy("Major: at my interface"),
    "chief": gettext_lazy("Major: referred to me"),
}


def allowed_transitions(*, declaration: Declaration, user) -> list[str]:
    return [
        name
        for name in TRANSITIONS
        if can_proceed(getattr(declaration, name)) and has_transition_perm(getattr(declaration, name), user)
    ]


def order_panel(request, order) -> dict | None:
    """The major-complaint panel of the order page (registered with tickets in apps.py)."""
    user = request.user
    major = selectors.major_for_order(order_id=order.id)
    open_complaint = order.order_type == OrderType.COMPLAINT and order.state != OrderState.CLOSED
    base = {
        "template": "escalation/order_panel.html",
        "criteria": selectors.criterion_list(),
        **_panel_failure(request),
        # what the user typed into a refused form, kept (field → value)
        "typed": {
            key: {f: _failed_value(request, key, f) for f in FORM_FIELDS.get(key, ())}
            for key in ("classify", "opinion", "reply", "declare")
        },
        "typed_errors": {
            key: {f: _failed_errors(request, key, f) for f in FORM_FIELDS.get(key, ())}
            for key in ("classify", "opinion", "reply", "declare")
        },
    }
    if major is None:
        # Flagging an order major is tickets' flag change (its own permission): offer it only to those it admits.
        if open_complaint and user.has_perm("escalation.classify_major") and can_flag(order, user, ["is_major"]):
            return {
                **base, "major": None, "may_classify": True, "interfaces": selectors.interface_list(),
                "classify_checked": _failed_ids(request, "classify", ()),
                "classify_interface": _int_or_none(_failed_value(request, "classify", "interface")),
            }  # fmt: skip
        return None
    if not selectors.major_visible_to(major=major, user=user):
        return None
    declaration = Declaration.objects.filter(major=major).first()
    may_opine = major.opinion_at is None and user.id == major.supervisor_id
    context = {
        **base,
        "major": major,
        "major_criteria": list(major.criteria.all()),
        "interfaces": selectors.interface_list(),
        "may_classify": declaration is None and open_complaint and user.has_perm("escalation.classify_major"),
        "may_opine": may_opine,
        "repliers": selectors.replier_candidates(major=major) if may_opine else [],
        "typed_replier": _int_or_none(_failed_value(request, "opinion", "replier")),
        "may_reply": major.replied_at is None and major.replier_id == user.id,
        "may_declare": declaration is None and user.groups.filter(name=major.interface.declaring_role).exists(),
        "declaration": declaration,
        "content_fields": CONTENT_FIELDS,
        "classify_checked": _failed_ids(request, "classify", (c.id for c in major.criteria.all())),
        "classify_interface": _int_or_none(_failed_value(request, "classify", "interface")) or major.interface_id,
    }
    if declaration is not None:
        declaration = selectors.declaration_detail(declaration_id=declaration.id)
        editable = declaration.state in (DeclarationState.DRAFT, DeclarationState.RETURNED)
        context.update(
            declaration=declaration,
            declaration_fields=[
                (
                    declaration._meta.get_field(n).verbose_name,
                    _failed_value(request, "edit", n, getattr(declaration, n)),
                    n,
                    _failed_errors(request, "edit", n),
                )
                for n in CONTENT_FIELDS
            ],
            declaration_criteria_ids=_failed_ids(request, "edit", (c.id for c in declaration.criteria.all())),
            may_edit=editable and user.id == declaration.declarer_id,
            opinion_kinds=[
                (
                    kind,
                    label,
                    _failed_value(request, f"opinion-{kind}", "text"),
                    _failed_errors(request, f"opinion-{kind}", "text"),
                    _failed_errors(request, f"opinion-{kind}", "attachment"),
                )
                for kind, label in OpinionKind.choices
                if editable and selectors.may_give_opinion(declaration=declaration, user=user, kind=kind)
            ],
            opinions_missing=[OpinionKind(k).label for k in selectors.opinions_missing(declaration=declaration)],
            transitions=[
                (
                    name,
                    TRANSITIONS[name],
                    NEEDS_TEXT.get(name),
                    _failed_value(request, name, NEEDS_TEXT.get(name, "note")),
                    _failed_errors(request, name, NEEDS_TEXT.get(name, "note")),
                    "attachment" in FORM_FIELDS[name],
                    _failed_errors(request, name, "attachment"),
                )
                for name in allowed_transitions(declaration=declaration, user=user)
            ],
        )
    return context


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


def _int_or_none(value):
    return int(value) if value and str(value).isdigit() else None


def _content(post) -> dict:
    return {name: post.get(name, "") for name in CONTENT_FIELDS if name in post}


ACTIONS: dict[str, Callable] = {
    "classify": lambda order, major, decl, user, post, files: services.major_complaint_classify(
        order_id=order.id, actor=user, criterion_ids=_ids(post.getlist("criteria")),
        interface_id=_int_or_none(post.get("interface")), note=post.get("note", ""),
    ),
    "opinion": lambda order, major, decl, user, post, files: services.major_complaint_opinion(
        major_id=major.id, actor=user, opinion=post.get("opinion", ""), plan=post.get("plan", ""),
        reply_script=post.get("reply_script", ""), replier_id=_int_or_none(post.get("replier")),
    ),
    "reply": lambda order, major, decl, user, post, files: services.major_complaint_reply(
        major_id=major.id, actor=user, content=post.get("content", "")
    ),
    "declare": lambda order, major, decl, user, post, files: services.declaration_create(
        major_id=major.id, actor=user, criterion_ids=_ids(post.getlist("criteria")) or None, **_content(post)
    ),
    "edit": lambda order, major, decl, user, post, files: services.declaration_update(
        declaration_id=decl.id, actor=user, criterion_ids=_ids(post.getlist("criteria")) or None, **_content(post)
    ),
    "give_opinion": lambda order, major, decl, user, post, files: services.declaration_opinion_give(
        declaration_id=decl.id, actor=user, kind=post.get("kind", ""), text=post.get("text", ""),
        attachment=files.get("attachment"),
    ),
    "submit": lambda o, m, decl, user, post, f: services.declaration_submit(declaration_id=decl.id, actor=user),
    # A decision's evidence (issue 9: rows with attachments), under the opinions' limits (R-FL-8).
    "approve": lambda o, m, decl, user, post, f: services.declaration_approve(
        declaration_id=decl.id, actor=user, note=post.get("note", ""), attachment=f.get("attachment")
    ),
    "return_to_declarer": lambda o, m, decl, user, post, f: services.declaration_return(
        declaration_id=decl.id, actor=user, reason=post.get("reason", ""), attachment=f.get("attachment")
    ),
    "accept": lambda o, m, decl, user, post, f: services.declaration_accept(
        declaration_id=decl.id, actor=user, note=post.get("note", ""), attachment=f.get("attachment")
    ),
    "refer": lambda o, m, decl, user, post, f: services.declaration_refer(
        declaration_id=decl.id, actor=user, reason=post.get("reason", ""), attachment=f.get("attachment")
    ),
    "resolve": lambda o, m, decl, user, post, f: services.declaration_resolve(
        declaration_id=decl.id, actor=user, resolution=post.get("resolution", ""), attachment=f.get("attachment")
    ),
    "close": lambda o, m, decl, user, post, f: services.declaration_close(
        declaration_id=decl.id, actor=user, note=post.get("note", ""), attachment=f.get("attachment")
    ),
}  # fmt: skip


def _yes_no(value):
    return {"yes": True, "no": False}.get(value)


def _instant(value):
    """A browser's datetime-local value as an aware instant; None when absent or unreadable (the service then
    names the part as missing)."""
    parsed = parse_datetime(value) if value else None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _reply_parts(post) -> dict:
    parts = {}
    for field in ESCALATED_REPLY_FIELDS:
        value = post.get(field.name, "")
        if isinstance(field, models.BooleanField):
            parts[field.name] = _yes_no(value)
        elif isinstance(field, models.DateTimeField):
            parts[field.name] = _instant(value)
        else:
            parts[field.name] = value
    return parts


ACTIONS["escalated_reply"] = lambda order, major, decl, user, post, files: services.escalated_reply_record(
    order_id=order.id, actor=user, **_reply_parts(post)
)
ACTIONS["escalated_tracker"] = lambda order, major, decl, user, post, files: services.escalated_case_set(
    order_id=order.id, actor=user, tracker_id=_int_or_none(post.get("tracker")), due_at=_instant(post.get("due_at"))
)
ESCALATED_ACTIONS = ("escalated_reply", "escalated_tracker")

# The fields of each panel form (the name its inputs carry), and how a service's error keys map onto them:
# an error on another key is shown at the top of the form.
FORM_FIELDS: dict[str, tuple[str, ...]] = {
    "classify": ("criteria", "interface", "note"),
    "opinion": ("opinion", "plan", "reply_script", "replier"),
    "reply": ("content",),
    "declare": (*CONTENT_FIELDS, "criteria"),
    "edit": (*CONTENT_FIELDS, "criteria"),
    "give_opinion": ("text", "attachment"),
    "approve": ("note", "attachment"), "accept": ("note", "attachment"), "close": ("note", "attachment"),
    "return_to_declarer": ("reason", "attachment"), "refer": ("reason", "attachment"),
    "resolve": ("resolution", "attachment"), "submit": (),
    "escalated_reply": tuple(f.name for f in ESCALATED_REPLY_FIELDS),
    "escalated_tracker": ("tracker", "due_at"),
}  # fmt: skip
ERROR_KEYS = {
    "criterion_ids": "criteria",
    "interface_id": "interface",
    "replier_id": "replier",
    "tracker_id": "tracker",
}


def _form_key(name: str, post) -> str:
    """The form on the page that was posted (as its data-action-form names it)."""
    return f"opinion-{post.get('kind', '')}" if name == "give_opinion" else name


def _failure(request, form_key: str) -> dict | None:
    failed = getattr(request, "escalation_failed", None)
    return failed if failed and failed["form"] == form_key else None


def _failed_value(request, form_key: str, field: str, default=""):
    failed = _failure(request, form_key)
    return failed["data"].get(field, "") if failed else default


def _failed_errors(request, form_key: str, field: str) -> list[str]:
    failed = _failure(request, form_key)
    return failed["errors"].get(field, []) if failed else []


def _failed_ids(request, form_key: str, default) -> set[int]:
    failed = _failure(request, form_key)
    return set(_ids(failed["data"].getlist("criteria"))) if failed else set(default)


def _panel_failure(request) -> dict:
    """What the template needs of a refused form: which one, its errors by field, the rest, the refusal."""
    failed = getattr(request, "escalation_failed", None)
    if not failed:
        return {"failed_form": "", "failed_errors": {}, "failed_other": [], "failed_message": ""}
    return {
        "failed_form": failed["form"],
        "failed_errors": failed["errors"],
        "failed_other": failed["other"],
        "failed_message": failed["message"],
    }


def _split_errors(name: str, exc: ValidationError) -> tuple[dict[str, list[str]], list[str]]:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    fields = set(FORM_FIELDS.get(name, ()))
    by_field: dict[str, list[str]] = {}
    other: list[str] = []
    for key, msgs in detail.items():
        key = ERROR_KEYS.get(key, key)
        if key in fields:
            by_field.setdefault(key, []).extend(str(m) for m in msgs)
        else:
            other.extend(str(m) for m in msgs)
    return by_field, other


def _refused(request, *, order, name: str, errors=None, other=(), message: str = "", status: int):
    """The page again, the posted form bound with what the user typed and its errors beside the fields, with
    the status of the refusal (the way tickets answers its own refused actions)."""
    request.escalation_failed = {
        "form": _form_key(name, request.POST), "data": request.POST, "errors": errors or {}, "other": list(other),
        "message": message,
    }  # fmt: skip
    if order_visible_to(order, request.user):
        page_order = order_for_page(request.user, order.pk)
        context = order_page_context(request, page_order)
        context["refusal"] = message
        return render(request, "tickets/order.html", context, status=status)
    return render(request, "escalation/major.html", _major_page_context(request, order), status=status)


@login_required
@require_POST
def order_action(request, pk: int, name: str):
    """One POST per action. Success goes back to the order page with a message; a refusal shows the page
    again with the form as typed and its errors: 400 (what is wrong, by field), 403, 409 (not now)."""
    action = ACTIONS.get(name)
    if action is None:
        raise Http404
    user = request.user
    major = selectors.major_for_order(order_id=pk)
    if major is None or name in ESCALATED_ACTIONS:
        order = get_object_or_404(work_order_visible_list(user=user), pk=pk)
    else:
        if not selectors.major_visible_to(major=major, user=user):
            raise Http404
        order = major.order
    declaration = Declaration.objects.filter(major=major).first() if major else None
    if name in TRANSITIONS or name in ("edit", "give_opinion"):
        if declaration is None:
            raise Http404
    elif name in ("opinion", "reply", "declare") and major is None:
        raise Http404
    anchor = "#escalated" if name in ESCALATED_ACTIONS else "#major"
    if order_visible_to(order, user):
        target = reverse("order-detail", args=[order.pk]) + anchor
    else:
        target = reverse("escalation-major", args=[order.pk])
    try:
        action(order, major, declaration, user, request.POST, request.FILES)
    except ValidationError as exc:
        by_field, other = _split_errors(name, exc)
        return _refused(request, order=order, name=name, errors=by_field, other=other, status=400)
    except TransitionRefused as exc:
        message = exc.detail or _("This changed meanwhile; reload and try again.")
        return _refused(request, order=order, name=name, message=str(message), status=409)
    except (ConcurrentTransition, TransitionNotAllowed):
        message = _("This changed meanwhile; reload and try again.")
        return _refused(request, order=order, name=name, message=message, status=409)
    except PermissionDenied as exc:
        return _refused(request, order=order, name=name, message=str(exc) or _("You may not do this."), status=403)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    messages.success(request, DONE.get(name, _("Done.")))
    return HttpResponseRedirect(target)


def _major_page_context(request, order) -> dict:
    return {
        "order": order,
        "masked_number": mask_number(order.accepted_number),
        "panel": order_panel(request, order),
        "may_see_order": order_visible_to(order, request.user),
    }


@login_required
@require_GET
def major_page(request, pk: int):
    """The major complaint of order `pk` on its own page: for the people it waits for who do not see the order
    itself (an interface administrator, the support department asked, the chief)."""
    major = selectors.major_for_order(order_id=pk)
    if major is None or not selectors.major_visible_to(major=major, user=request.user):
        raise Http404
    return render(request, "escalation/major.html", _major_page_context(request, major.order))


@login_required
@require_GET
def declaration_file_download(request, pk: int, kind: str, row_id: int):
    """The file of an opinion or a decision of declaration `pk` (R-FL-8), as confidential as the declaration
    (R-SEC-2): only for who sees it; anyone else, or an id of another declaration's row, gets the same 404."""
    row = selectors.declaration_file(declaration_id=pk, kind=kind, row_id=row_id, user=request.user)
    if row is None:
        raise Http404
    return FileResponse(row.attachment.open("rb"), as_attachment=True, filename=row.attachment_name)


@login_required
@require_GET
def queue(request, name: str):
    """R-MAJ-6: what waits for this user, oldest due first, with the remaining time."""
    if name not in selectors.QUEUE_NAMES:
        raise Http404
    if name not in selectors.queues_for_user(user=request.user):
        raise PermissionDenied
    rows = selectors.queue_rows(name=name, user=request.user)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    now = timezone.now()
    for row in page.object_list:
        row.order = row.order if name == "supervisor" else row.major.order
        row.remaining = (row.due_at - now).total_seconds() if row.due_at else None
    context = {
        "queue_name": name,
        "queue_label": QUEUE_LABELS[name],
        "page": page,
        "now": now,
        "queues": [(n, QUEUE_LABELS[n], c) for n, c in selectors.queue_counts(user=request.user).items()],
    }
    return render(request, "escalation/queue.html", context)


@login_required
@require_GET
def escalated_reply_document(request, pk: int):
    """R-SP-4: the latest escalated-reply form (用户申诉处理反馈单) as a printable document for the external body;
    `?download=1` saves it as a file."""
    order = get_object_or_404(work_order_visible_list(user=request.user), pk=pk)
    reply = EscalatedReply.objects.filter(order=order).select_related("author").first()
    if reply is None:
        raise Http404
    case = EscalatedCase.objects.filter(order=order).select_related("tracker").first()
    response = render(request, "escalation/escalated_reply.html", {"order": order, "reply": reply, "case": case})
    if request.GET.get("download"):
        filename = f"{order.number}-escalated-reply.html"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def escalated_panel(request, order) -> dict | None:
    """The escalated complaint's tracker, deadline and form on the order page (R-SP-3, R-SP-4)."""
    if not order.is_escalated:
        return None
    case = EscalatedCase.objects.filter(order=order).select_related("tracker").first()
    reply = EscalatedReply.objects.filter(order=order).first()
    user = request.user
    # Who may write it: the same rule as the service and the API (the tracker, or who replies to customers).
    may_write = order.state != OrderState.CLOSED and (
        (case is not None and case.tracker_id == user.id) or user.has_perm("tickets.reply_customer")
    )
    # The dispatcher names the tracker and sets the deadline (R-SP-3), the same rule as the service.
    may_set_tracker = order.state != OrderState.CLOSED and user.has_perm("tickets.dispatch_workorder")
    typed_due = _failed_value(request, "escalated_tracker", "due_at")
    return {
        "template": "escalation/escalated_panel.html",
        "may_set_tracker": may_set_tracker,
        "trackers": (
            selectors.tracker_candidates(order=order, user=user, current_id=case.tracker_id if case else None)
            if may_set_tracker
            else []
        ),
        "typed_tracker": _int_or_none(_failed_value(request, "escalated_tracker", "tracker"))
        or (case.tracker_id if case else None),
        "typed_due_at": typed_due or (f"{timezone.localtime(case.due_at):%Y-%m-%dT%H:%M}" if case else ""),
        "tracker_errors": _failed_errors(request, "escalated_tracker", "tracker"),
        "due_at_errors": _failed_errors(request, "escalated_tracker", "due_at"),
        "case": case,
        "reply": reply,
        "may_write_reply": may_write,
        "reply_fields": [_reply_field(request, field, reply) for field in ESCALATED_REPLY_FIELDS] if may_write else [],
        **_panel_failure(request),
    }


def _reply_field(request, field, reply) -> dict:
    """One part of the escalated-reply form: what the user typed into a refused form, else the latest version."""
    if isinstance(field, models.BooleanField):
        kind = "yes_no"
    elif isinstance(field, models.DateTimeField):
        kind = "datetime"
    elif isinstance(field, models.CharField):
        kind = "line"
    else:
        kind = "text"
    if _failure(request, "escalated_reply"):
        value = _failed_value(request, "escalated_reply", field.name)
    elif reply is None:
        value = ""
    else:
        value = getattr(reply, field.name)
        if kind == "yes_no":
            value = "yes" if value else "no"
        elif kind == "datetime":
            value = f"{timezone.localtime(value):%Y-%m-%dT%H:%M}"
    return {
        "name": field.name,
        "label": field.verbose_name,
        "kind": kind,
        "value": value,
        "errors": _failed_errors(request, "escalated_reply", field.name),
    }
