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

PostgreSQL answers the words of the request from the GIN index of their 2-character pieces (bigrams, the standard
index for Chinese text: a two-character word, the commonest term, has no trigram; migration 0017) and the numbers'
and names' substrings from the pg_trgm GIN indexes of migration 0011; SQLite (development) scans with LIKE. The ids
are one query per kind of match (`order_search_best`; the words a few, by windows of time); the rows of a page are
read in one more, with their live clocks (a fixed number of queries whatever the page)."""

import re
from dataclasses import dataclass
from datetime import UTC, date, timedelta

from django.db.models import BooleanField, Case, F, Func, IntegerField, Lookup, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Customer
from complaints.numbers import FIXED_LINE_RE, MOBILE_RE, normalize_number
from deadlines.clock_models import Clock, ClockState
from org.selectors import user_is_branch_level, user_scope_unit_ids

from .models import FinalReply, OrderState, WorkOrder
from .selectors import orders_with_urges, work_order_visible_base

SEARCH_TERM_MAX = 100
ORDER_NUMBER_RE = re.compile(r"^[A-Za-z]{1,4}\d{4,}$")
SUFFIX_RE = re.compile(r"^\d{4,10}$")
# Customers matched by name per search: a common name ("王") must not turn the query into a list of thousands.
NAME_MATCHES_MAX = 200
CONTENT_TERM_MIN = 2  # one character matches half the table and has no bigram
# The best hits a search returns: fetched in one query (no separate COUNT over every match of a common word),
# then paged. Nobody reads past the first pages of a search; a longer list asks for a sharper term.
SEARCH_HITS_MAX = 500
CONTENT_RANK = 3
# Words of the request are read newest first by windows of accepted time: a common word fills the list from the
# last days' matches without reading the hundred thousand older ones (every candidate the index names costs a read
# of its row). The first window is short; each next one is sized from the matches per day found so far, and after
# CONTENT_WINDOWS_MAX of them (or three years) one query takes all the rest.
CONTENT_FIRST_WINDOW = timedelta(days=3)
CONTENT_WINDOWS_MAX = 6
CONTENT_WINDOW_MARGIN = 1.5
CONTENT_WINDOW_DAYS_MAX = 1100  # windows reach back three years at most; one query takes the rest
# The index's tokens (migration 0017): its columns, and the day its day tokens count from.
TOKEN_COLUMNS = ("content", "accepted_at", "accepting_unit_id", "handling_unit_id", "accepted_by_id", "assignee_id")
TOKEN_EPOCH = date(2000, 1, 1)


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
    the case of ASCII letters). Used as an expression: `TextContains(F("name"), "欧阳娜")`."""

    lookup_name = "text_contains"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [f"%{connection.ops.prep_for_like_query(value)}%"]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        operator = "ILIKE" if connection.vendor == "postgresql" else "LIKE"
        return f"{lhs} {operator} {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


class SearchTokensMatch(Func):
    """On PostgreSQL, the orders the GIN index of migration 0017 names for a term: `tickets_search_tokens(…) @>
    tickets_bigrams(term)` (every 2-character piece of the term, lower case) `&& days` (accepted on one of these
    days, if given) `&& visible` (one of the visibility rule's units or people, if given), in one index scan — a
    filter before the exact conditions (ILIKE, time, visibility), which stay. Elsewhere no condition (SQLite scans)."""

    function = "tickets_search_tokens"
    output_field = BooleanField()
    conditional = True

    def __init__(self, term: str, *, days=(), visible=()):
        super().__init__(*(F(column) for column in TOKEN_COLUMNS))
        self.term, self.days, self.visible = term, list(days), list(visible)

    def as_sql(self, compiler, connection, **extra_context):
        tokens, tokens_params = super().as_sql(compiler, connection, **extra_context)
        sql, params = f"{tokens} @> tickets_bigrams(%s)", [*tokens_params, self.term]
        for group in (self.days, self.visible):
            if group:
                sql, params = f"{sql} AND {tokens} && %s::text[]", [*params, *tokens_params, group]
        return f"({sql})", params

    def as_sqlite(self, compiler, connection, **extra_context):
        return "1 = 1", []


def _day_tokens(since, until) -> list[str]:
    """The index's tokens of the UTC days from `since` to `until`, both included (migration 0017)."""
    first, last = since.astimezone(UTC).date(), until.astimezone(UTC).date()
    return [f"@d{(first - TOKEN_EPOCH).days + n}" for n in range((last - first).days + 1)]


def _visible_tokens(user) -> list[str]:
    """The index's tokens of what makes an order visible to `user` (SPEC §1, `order_visibility_q`: the units of
    their scope accepting or handling it, or them accepting or holding it); none for branch level (sees all)."""
    if user_is_branch_level(user=user):
        return []
    units = sorted(user_scope_unit_ids(user=user))
    return [*(f"@a{u}" for u in units), *(f"@h{u}" for u in units), f"@b{user.pk}", f"@s{user.pk}"]


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
    by windows of accepted time, newest first (`_content_windows`)."""
    hits: list[tuple[int, int]] = []
    for rank, ids in order_search_tiers(user=user, term=term):
        if len(hits) >= limit:
            break
        if rank == CONTENT_RANK:
            hits += _content_windows(ids, term=term.text, visible=_visible_tokens(user), hits=hits, limit=limit)
        else:
            hits += [(pk, rank) for pk in _not_found_yet(ids, hits)[: limit - len(hits)]]
    return hits


def _not_found_yet(ids: QuerySet, hits: list[tuple[int, int]]) -> QuerySet:
    return ids.exclude(id__in=[pk for pk, _rank in hits]) if hits else ids  # found by a better kind already


def _content_windows(ids: QuerySet, *, term: str, visible: list[str], hits, limit: int) -> list[tuple[int, int]]:
    """The content matches (`ids`, newest first) that fill `hits` up to `limit`, read window by window backwards
    from now: CONTENT_FIRST_WINDOW, then sized by the matches per day so far (with a margin, at least twice the
    last; four times the last after an empty one), each looked up in the index by the term's bigrams, the window's
    days and what makes an order visible to the user (`visible`); the last query takes the rest. A first window
    without a match asks whether the word has at most the missing number of matches at all (a rare word, a number
    or a name nobody wrote in a request): then those are the answer."""
    found: list[tuple[int, int]] = []
    now = timezone.now()
    newer_than, window = None, CONTENT_FIRST_WINDOW
    for _step in range(CONTENT_WINDOWS_MAX):
        since = (newer_than or now) - window
        # the first window's days reach into tomorrow (UTC): an order accepted a moment "in the future" by a clock
        days = _day_tokens(since, newer_than or now + timedelta(days=1))
        part = ids.filter(SearchTokensMatch(term, days=days, visible=visible), accepted_at__gte=since)
        part = part.filter(accepted_at__lt=newer_than) if newer_than is not None else part
        found += [(pk, CONTENT_RANK) for pk in _not_found_yet(part, hits)[: limit - len(hits) - len(found)]]
        newer_than = since
        missing = limit - len(hits) - len(found)
        if missing <= 0:
            return found
        if not found and _step == 0:
            few = _all_if_few(ids.filter(SearchTokensMatch(term, visible=visible)), hits=hits, missing=missing)
            if few is not None:
                return few  # a rare word (or none): every match in one query
        if found:
            per_day = len(found) / ((now - since) / timedelta(days=1))
            window = max(window * 2, timedelta(days=CONTENT_WINDOW_MARGIN * missing / per_day))
        else:
            window *= 4
        if now - since + window > timedelta(days=CONTENT_WINDOW_DAYS_MAX):
            break  # so few matches a day that the rest are few: one query
    rest = ids.filter(SearchTokensMatch(term, visible=visible), accepted_at__lt=newer_than)
    return found + [(pk, CONTENT_RANK) for pk in _not_found_yet(rest, hits)[: limit - len(hits) - len(found)]]


def _all_if_few(ids: QuerySet, *, hits, missing: int) -> list[tuple[int, int]] | None:
    """Every match of `ids`, newest first, if there are no more than `missing` (None if there are more): one query,
    unordered, that stops reading at `missing` + 1 rows, sorted here."""
    rows = list(
        _not_found_yet(ids, hits).order_by().values_list("id", Coalesce("accepted_at", "received_at"))[: missing + 1]
    )
    if len(rows) > missing:
        return None
    return [(pk, CONTENT_RANK) for pk, _at in sorted(rows, key=lambda row: (row[1], row[0]), reverse=True)]


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
        # The customer on the outer rows too: read through its index, not a hash join of the whole table with the
        # visible ids (150 ms at 100,000 orders, bench/pages.py).
        .filter(customer_id=customer_id, id__in=visible)
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
