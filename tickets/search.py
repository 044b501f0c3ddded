"""Reads for the counter's two questions (issue 13 §1): "which order is it?" (search) and "what has this
customer had from us?" (history). Both start from the visibility rule (SPEC §1, R-SEC-1) and cover orders in
every state, closed ones too.

A search term is read as what it looks like:
- a full accepted or contact number → those orders (rank 0), nothing else;
- an order number (letters and digits, e.g. TS202611210001) → that order (rank 0), or orders whose number
  starts with it (rank 1);
- 4 to 10 digits → the end of an accepted or contact number ("the last 4 digits", rank 1);
- any text → the customer's name (rank 2) and the words of the request (rank 3).
An order found several ways takes its best rank; within a rank the newest come first.

PostgreSQL answers the substring conditions from the pg_trgm GIN indexes of migration 0011 (content, accepted and
contact numbers); SQLite (development) scans with LIKE. The ids are one query per kind of match (`order_search_best`);
the rows of a page are read in one more, with their live clocks (a fixed number of queries whatever the page)."""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Case, F, IntegerField, Lookup, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
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
CONTENT_RANK = 3
# How far back each query for words of the request reaches (the last one: all the rest).
CONTENT_PERIODS = (timedelta(days=31), timedelta(days=366), None)


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
        if self._without_trigrams(connection):
            return "%s", [value]
        return "%s", [f"%{connection.ops.prep_for_like_query(value)}%"]

    def _without_trigrams(self, connection) -> bool:
        """Under 3 characters a pattern has no trigram: pg_trgm would then read its whole index (every row) before
        rechecking, slower than reading the table; strpos() keeps the planner off the index (and, unlike lower(),
        costs nothing per row: two letters of a Latin word then match their case exactly — Chinese has none)."""
        return connection.vendor == "postgresql" and len(self.rhs) < 3

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if self._without_trigrams(connection):
            return f"strpos({lhs}, {rhs}) > 0", [*lhs_params, *rhs_params]
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
    """Customers whose name holds `text`; under 3 characters, whose name starts with it (a whole two-character
    name, or a surname and a first character: an index on the name's start serves it, none serves its middle)."""
    condition = Q(name__startswith=text) if len(text) < 3 else Q(TextContains(F("name"), text))
    named = Customer.objects.filter(condition).order_by("id").values_list("id", flat=True)
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
        ranked.append((CONTENT_RANK, Q(TextContains(F("content"), term.text))))
    return ranked


def order_search_best(*, user, term: SearchTerm, limit: int = SEARCH_HITS_MAX) -> list[tuple[int, int]]:
    """The best `limit` (id, rank) hits of the orders `user` may see, in order: what the pages of the results are
    cut from. One query per kind of match, best kind first, each newest first and cut at what is still missing,
    so that the weaker kinds are not read once the better ones fill the list. Words of the request are looked up
    by periods, newest first (`CONTENT_PERIODS`): a common word fills the list from last month's matches without
    fetching the hundred thousand older ones; a rare word costs one more query per period."""
    hits: list[tuple[int, int]] = []
    now = timezone.now()
    for rank, ids in order_search_tiers(user=user, term=term):
        periods = CONTENT_PERIODS if rank == CONTENT_RANK else (None,)
        newer_than = None
        for period in periods:
            if len(hits) >= limit:
                return hits
            since = now - period if period is not None else None
            part = ids.filter(accepted_at__lt=newer_than) if newer_than is not None else ids
            part = part.filter(accepted_at__gte=since) if since is not None else part
            if hits:
                part = part.exclude(id__in=[pk for pk, _rank in hits])  # found by a better kind already
            hits += [(pk, rank) for pk in part[: limit - len(hits)]]
            newer_than = since
    return hits


def order_search_tiers(*, user, term: SearchTerm) -> list[tuple[int, QuerySet]]:
    """(rank, ids of the visible orders matching that kind, newest first) for each kind of match of `term`."""
    base = work_order_visible_base(user=user)
    # COALESCE: the same time, but no index on accepted_at can produce that order. Otherwise the planner, which
    # cannot estimate a substring's frequency, may walk the whole table newest first hoping to stop early — 10 s
    # at 1,000,000 orders for a word nobody wrote (bench/search.py). The matches are read from the trigram or
    # number indexes and sorted instead.
    newest = Coalesce("accepted_at", "received_at").desc()
    return [
        (rank, base.filter(condition).order_by(newest, "-id").values_list("id", flat=True))
        for rank, condition in _ranked_conditions(term)
    ]


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
