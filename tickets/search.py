"""Reads for the counter's two questions (issue 13 §1): "which order is it?" (search) and "what has this
customer had from us?" (history). Both start from the visibility rule (SPEC §1, R-SEC-1) and cover orders in
every state, closed ones too.

A search term is read as what it looks like:
- a full accepted or contact number → those orders (rank 0), nothing else;
- an order number (letters and digits, e.g. TS202611210001) → that order (rank 0), or orders whose number
  starts with it (rank 1);
- 4 to 10 digits → the end of an accepted or contact number ("the last 4 digits", rank 1);
- any text → the customer's name (rank 2) and the words of the request (rank 3).
An order found several ways takes its best rank; within a rank open orders come first, then the newest.

PostgreSQL answers the substring conditions from the pg_trgm GIN indexes of migration 0011 (content, accepted and
contact numbers); SQLite (development) scans with LIKE. The ranked ids are one query; the rows of a page are read
by `tickets.queues.queue_rows` like a queue's (a fixed number of queries whatever the page)."""

import re
from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, Lookup, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from complaints.models import Customer
from complaints.numbers import FIXED_LINE_RE, MOBILE_RE, normalize_number
from deadlines.clock_models import Clock, ClockState

from .models import FinalReply, OrderState, WorkOrder
from .selectors import orders_with_urges, work_order_visible_base

SEARCH_TERM_MAX = 100
ORDER_NUMBER_RE = re.compile(r"^[A-Za-z]{1,4}\d{4,}$")
SUFFIX_RE = re.compile(r"^\d{4,10}$")
# Customers matched by name per search: a common name ("王") must not turn the query into a list of thousands.
NAME_MATCHES_MAX = 200
CONTENT_TERM_MIN = 2  # one character matches half the table and no trigram index can serve it
# The best hits a search returns: fetched in one query (no separate COUNT over every match of a common word),
# then paged. Nobody reads past the first pages of a search; a longer list asks for a sharper term.
SEARCH_HITS_MAX = 500


@dataclass(frozen=True)
class SearchTerm:
    text: str  # as typed, trimmed
    full_number: str = ""  # a complete accepted / contact number, normalised
    order_number: str = ""  # upper-cased
    suffix: str = ""  # the last digits of a number

    @property
    def is_number(self) -> bool:
        """A full number is the one term that must never reach a URL or a log (R-SEC-2)."""
        return bool(self.full_number)


class TextContains(Lookup):
    """`column ILIKE '%text%'` on PostgreSQL — the form a pg_trgm GIN index answers (Django's `icontains` is
    `UPPER(column) LIKE UPPER(…)`, which no index on the column serves); LIKE elsewhere (SQLite's LIKE ignores
    the case of ASCII letters). Used as an expression: `TextContains(F("content"), "掉线")`."""

    lookup_name = "text_contains"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [f"%{connection.ops.prep_for_like_query(value)}%"]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        operator = "ILIKE" if connection.vendor == "postgresql" else "LIKE"
        return f"{lhs} {operator} {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


def search_term_errors(raw: str) -> list[str]:
    """What is wrong with a search term as typed (the `q` field's errors)."""
    if "\x00" in (raw or ""):
        return [_("Null characters are not allowed.")]
    if len((raw or "").strip()) > SEARCH_TERM_MAX:
        return [_("At most %(max)d characters.") % {"max": SEARCH_TERM_MAX}]
    return []


def search_term_parse(raw: str) -> SearchTerm:
    text = " ".join((raw or "").split())[:SEARCH_TERM_MAX]
    number = normalize_number(text)
    if MOBILE_RE.match(number) or FIXED_LINE_RE.match(number):
        return SearchTerm(text=text, full_number=number)
    if ORDER_NUMBER_RE.match(text):
        return SearchTerm(text=text, order_number=text.upper())
    if SUFFIX_RE.match(number):
        return SearchTerm(text=text, suffix=number)
    return SearchTerm(text=text)


def _closed_last() -> Case:
    """1 for a closed order, 0 for an open one: sorting by it puts open orders first."""
    return Case(When(state=OrderState.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField())


def _customer_ids_named(text: str) -> list[int]:
    named = Customer.objects.filter(TextContains(F("name"), text)).order_by("id").values_list("id", flat=True)
    return list(named[:NAME_MATCHES_MAX])


def _ranked_conditions(term: SearchTerm) -> list[tuple[int, Q]]:
    """(rank, condition) pairs for the term; an empty list finds nothing."""
    if term.full_number:
        return [(0, Q(accepted_number=term.full_number) | Q(contact_number=term.full_number))]
    ranked: list[tuple[int, Q]] = []
    if term.order_number:
        ranked += [(0, Q(number=term.order_number)), (1, Q(number__startswith=term.order_number))]
    if term.suffix:
        ranked.append((1, Q(accepted_number__endswith=term.suffix) | Q(contact_number__endswith=term.suffix)))
    if not term.order_number and not term.suffix and term.text:
        named = _customer_ids_named(term.text)
        if named:
            ranked.append((2, Q(customer_id__in=named)))
    if len(term.text) >= CONTENT_TERM_MIN:
        ranked.append((3, Q(TextContains(F("content"), term.text))))
    return ranked


def order_search_best(*, user, term: SearchTerm) -> list[tuple[int, int]]:
    """The best `SEARCH_HITS_MAX` (id, rank) hits, in order: what the pages of the results are cut from."""
    return list(order_search_hits(user=user, term=term)[:SEARCH_HITS_MAX])


def order_search_hits(*, user, term: SearchTerm) -> QuerySet:
    """(id, rank) of the orders `user` may see that match `term`, best first (see the module docstring): a
    queryset to page through."""
    ranked = _ranked_conditions(term)
    if not ranked:
        return WorkOrder.objects.none().values_list("id", flat=True)
    matches = Q()
    for _rank, condition in ranked:
        matches |= condition
    rank = Case(*(When(condition, then=Value(r)) for r, condition in ranked), output_field=IntegerField())
    return (
        work_order_visible_base(user=user)
        .filter(matches)
        .annotate(rank=rank, is_closed=_closed_last())
        .order_by("rank", "is_closed", "-accepted_at", "-id")
        .values_list("id", "rank")
    )


def _live_clocks() -> Prefetch:
    live = Clock.objects.filter(state__in=ClockState.live()).order_by("due_at", "id")
    return Prefetch("clocks", queryset=live, to_attr="live_clocks")


def order_search_rows(*, user, hits) -> list[WorkOrder]:
    """The orders of one page of (id, rank) hits, in that order, each with `rank`, its live clocks
    (`live_clocks`, nearest due first) and what a result row shows (SPEC §1 applied again)."""
    ranks = dict(hits)
    rows = (
        work_order_visible_base(user=user)
        .filter(id__in=list(ranks))
        .select_related("customer", "handling_unit", "assignee", "accepting_unit", "accepted_by")
        .prefetch_related(_live_clocks())
    )
    by_id = {order.id: order for order in rows}
    for order in by_id.values():
        order.rank = ranks[order.id]
    return [by_id[pk] for pk, _rank in hits if pk in by_id]


def customer_order_list(*, user, customer_id: int) -> QuerySet[WorkOrder]:
    """The customer's whole history as far as `user` may see it (SPEC §1): every order in every state, open
    ones first, then the newest; with their category path, urge count (`urges`), people and units."""
    visible = work_order_visible_base(user=user).filter(customer_id=customer_id).values("id")
    return (
        orders_with_urges()
        .filter(id__in=visible)
        .select_related("customer", "assignee", "handling_unit", "accepting_unit", "accepted_by")
        .prefetch_related(
            _live_clocks(),
            Prefetch("final_replies", queryset=FinalReply.objects.filter(sent_at__isnull=False)
                     .order_by("-sent_at", "-id"), to_attr="sent_replies"),
        )
        .annotate(is_closed=_closed_last())
        .order_by("is_closed", "-accepted_at", "-id")
    )  # fmt: skip


def customer_visible_exists(*, user, customer_id: int) -> bool:
    """A customer is reachable by id only through an order the user may see (R-SEC-1, issue 8 §1)."""
    return work_order_visible_base(user=user).filter(customer_id=customer_id).exists()
