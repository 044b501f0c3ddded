"""The shape a report is handed to pages, exports and the API in: sections of tables, each row with the filter
of the orders it counts (the drill-down link), each table with its Chinese definition."""

from dataclasses import dataclass, field


@dataclass
class Row:
    key: str
    label: str
    values: list  # numbers (int, float; Decimal for yuan) or None (nothing to divide by)
    filter: dict = field(default_factory=dict)  # query parameters of the order list behind the row; {} = none


@dataclass
class Table:
    key: str
    title: str
    definition: str
    columns: list[str]
    rows: list[Row]
    chart_column: int = 0  # which value the bar chart draws
    percent_columns: tuple[int, ...] = ()
    drill: str = "orders"  # the basis of the order list: orders, clocks, callbacks, urges; "" = no list

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "definition": self.definition,
            "columns": self.columns,
            "rows": [{"key": r.key, "label": r.label, "values": r.values, "filter": r.filter} for r in self.rows],
        }


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table]
    missing: str = ""  # why a section has no tables (an app that does not exist yet)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "missing": self.missing,
            "tables": [t.as_dict() for t in self.tables],
        }


def rate(part: int, whole: int) -> float | None:
    """A percentage to one decimal; None when there is nothing to divide by (shown as —, not as 0 %)."""
    return round(100 * part / whole, 1) if whole else None


def change(now: int, before: int) -> float | None:
    """Change against the previous period in %, None when the previous period had none."""
    return round(100 * (now - before) / before, 1) if before else None


def median(pairs) -> float | None:
    """Exact median of values given as (value, count) pairs; the mean of the two middle values for an even
    count. None for no values."""
    pairs = sorted(pairs)
    total = sum(n for _v, n in pairs)
    if not total:
        return None
    lower, upper = (total - 1) // 2, total // 2  # 0-based positions of the middle value(s)
    seen, low_value, high_value = 0, None, None
    for value, n in pairs:
        if low_value is None and lower < seen + n:
            low_value = value
        if upper < seen + n:
            high_value = value
            break
        seen += n
    return (low_value + high_value) / 2
