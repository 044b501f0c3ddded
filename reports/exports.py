"""Reports and order lists as files (R-RP-1): XLSX (openpyxl, one sheet per section, Chinese headers, the header
row frozen, number formats; the period, unit and "as of" on the first sheet) and CSV (UTF-8 with a BOM, so
Excel opens the Chinese right). Order lists are written row by row (CSV streams, XLSX in openpyxl's
write-only mode to a temporary file): no row cap, memory flat whatever the size."""

import csv
import io
import tempfile
from collections.abc import Iterator
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from complaints.numbers import mask_number

from .selectors import Report

BOM = "\ufeff"
PERCENT = '0.0"%"'
INTEGER = "#,##0"
DECIMAL = "#,##0.0"
YUAN = "#,##0.00"  # amounts of money, kept as Decimal (R-TD-6)


def _number_format(value, percent: bool) -> str | None:
    if percent:
        return PERCENT
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return DECIMAL if value != int(value) else INTEGER
    if isinstance(value, Decimal):
        return YUAN
    return None


def _cover_rows(report: Report) -> list[tuple[str, str]]:
    return [
        (_("Report"), _("Work-order report (%(audience)s)") % {"audience": report.audience_label}),
        (_("Period"), report.period.label),
        (_("Previous period (trend)"), report.previous.label),
        (_("Unit"), report.scope.label),
        (_("As of"), timezone.localtime(report.as_of).strftime("%Y-%m-%d %H:%M:%S")),
    ]


def report_xlsx(report: Report) -> bytes:
    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(sheet, values):
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)

    cover = book.create_sheet(_("Report"))
    cover.freeze_panes = "A2"
    header(cover, [_("Item"), _("Value")])
    for row in _cover_rows(report):
        cover.append(list(row))
    for section in report.sections:
        sheet = book.create_sheet(section.title[:31])
        sheet.freeze_panes = "A2"
        if not section.tables:
            header(sheet, [section.title])
            sheet.append([section.missing])
            continue
        for number, table in enumerate(section.tables):
            if number:
                sheet.append([])
                header(sheet, [table.title])
                header(sheet, [_("Item"), *table.columns])
            else:
                header(sheet, [table.title, *table.columns])
            for row in table.rows:
                cells = [WriteOnlyCell(sheet, value=row.label)]
                for index, value in enumerate(row.values):
                    cell = WriteOnlyCell(sheet, value=value)
                    fmt = _number_format(value, index in table.percent_columns)
                    if fmt and value is not None:
                        cell.number_format = fmt
                    cells.append(cell)
                sheet.append(cells)
            sheet.append([_("Definition"), table.definition])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_csv(report: Report) -> str:
    """One CSV for the whole report: the cover, then each table under its section and title."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in _cover_rows(report):
        writer.writerow(row)
    for section in report.sections:
        writer.writerow([])
        writer.writerow([section.title, section.missing])
        for table in section.tables:
            writer.writerow([table.title, *table.columns])
            for row in table.rows:
                writer.writerow([row.label, *("" if v is None else v for v in row.values)])
            writer.writerow([_("Definition"), table.definition])
    return BOM + out.getvalue()


def order_columns() -> list[str]:
    return [
        _("Order number"), _("Type"), _("State"), _("Channel"), _("Accepted number"), _("Customer"),
        _("Category"), _("Accepting unit"), _("Handling unit"), _("Accepted at"), _("Closed at"), _("Flags"),
    ]  # fmt: skip


FLAG_FIELDS = ("is_major", "is_repeat", "is_batch", "is_escalated", "is_collective", "is_media")


def order_row(order, *, unmask: bool, categories: dict[int, str], flag_labels: dict[str, str]) -> list:
    number = order.accepted_number if unmask else mask_number(order.accepted_number)
    flags = "、".join(flag_labels[f] for f in FLAG_FIELDS if getattr(order, f))
    local = timezone.localtime
    return [
        order.number, order.get_order_type_display(), order.get_state_display(), order.get_channel_display(), number,
        order.customer.name, categories.get(order.category_id, ""), order.accepting_unit.name,
        order.handling_unit.name if order.handling_unit else "", local(order.accepted_at).strftime("%Y-%m-%d %H:%M:%S"),
        local(order.closed_at).strftime("%Y-%m-%d %H:%M:%S") if order.closed_at else "", flags,
    ]  # fmt: skip


class _Echo:
    def write(self, value):
        return value


def orders_csv_stream(orders, **row_options) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(order_columns())
    for order in orders.iterator(chunk_size=2000):
        yield writer.writerow(order_row(order, **row_options))


def orders_xlsx_file(orders, **row_options):
    """A temporary file holding the list (write-only workbook: rows are written and forgotten)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Orders"))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    head = []
    for title in order_columns():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    for order in orders.iterator(chunk_size=2000):
        sheet.append(order_row(order, **row_options))
    handle = tempfile.TemporaryFile()  # noqa: SIM115 -- FileResponse closes it when the download ends
    book.save(handle)
    handle.seek(0)
    return handle
