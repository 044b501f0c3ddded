"""The report pages, the orders behind a figure and the exports (R-RP-1) in the browser's terms: what a reader
sees, may choose and downloads, and the audit of every export."""

import csv
import io
from datetime import date

import pytest
import time_machine
from openpyxl import load_workbook

from reports.models import ReportExport
from reports.periods import period_containing
from reports.selectors import report_build, report_scope
from tests.reports.data import AFTER, november_build

pytestmark = pytest.mark.django_db
NOVEMBER = {"period": "month", "date": "2026-11-15", "audience": "branch"}


@pytest.fixture
def november(world, clocks):
    return november_build(world)


def test_the_branch_report_page_shows_every_section_with_definitions(world, november, login):
    with time_machine.travel(AFTER, tick=False):
        page = login(world.dispatcher).get("/reports/", NOVEMBER)
    assert page.status_code == 200
    html = page.content.decode()
    for section in ("volumes", "timeliness", "satisfaction", "first_contact", "repeats", "tariff", "major", "holiday"):
        assert f'data-section="{section}"' in html
    assert "及时率 = 按时完成数" in html  # each figure says how it is counted
    assert "<svg" in html and "style=" not in html  # server-rendered charts, no inline style (CSP)


def test_the_qa_inspectors_report_has_their_sections_only(world, november, login):
    with time_machine.travel(AFTER, tick=False):
        html = login(world.dispatcher).get("/reports/", {**NOVEMBER, "audience": "qa"}).content.decode()
    assert 'data-section="satisfaction"' in html and 'data-section="tariff"' not in html


def test_a_unit_outside_what_the_user_sees_is_a_field_error(world, november, login):
    # given the south hall's store manager choosing the north hall
    with time_machine.travel(AFTER, tick=False):
        page = login(world.store_manager).get("/reports/", {**NOVEMBER, "unit": world.hall_north.pk})
        missing = login(world.store_manager).get("/reports/", {**NOVEMBER, "unit": 999999})
        export = login(world.store_manager).get("/reports/export.xlsx", {**NOVEMBER, "unit": world.hall_north.pk})
    # then the form refuses it exactly like a unit that does not exist
    assert page.status_code == missing.status_code == 400
    error = page.content.decode().split('class="field__error">')[1].split("<")[0]
    assert error and error == missing.content.decode().split('class="field__error">')[1].split("<")[0]
    assert export.status_code == 400
    assert not ReportExport.objects.exists()


BAD_PERIODS = [
    {"period": "decade"}, {"date": "2026-13-01"}, {"period": "range", "from": "2026-11-02"},
    {"period": "range", "from": "2026-11-02", "to": "2026-11-01"}, {"date": "1000-01-01"},
]  # fmt: skip


@pytest.mark.parametrize("bad", BAD_PERIODS)
def test_bad_periods_are_field_errors_not_500(world, login, bad):
    assert login(world.dispatcher).get("/reports/", {**NOVEMBER, **bad}).status_code == 400


def test_the_xlsx_holds_the_same_numbers_as_the_page(world, november, login):
    with time_machine.travel(AFTER, tick=False):
        response = login(world.dispatcher).get("/reports/export.xlsx", NOVEMBER)
        report = report_build(
            user=world.dispatcher, period=period_containing("month", date(2026, 11, 15)),
            scope=report_scope(user=world.dispatcher, unit_id=None),
        )  # fmt: skip
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    # the first sheet says the period, the unit and as of when
    cover = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True)}
    assert cover["期间"] == "2026-11-01 – 2026-11-30" and cover["单位"] == "全分公司"
    assert cover["截至"].startswith("2026-12-02")
    # one sheet per section, header row frozen, the same numbers as the report
    assert [sheet.title for sheet in book.worksheets[1:]] == [s.title for s in report.sections]
    volumes = book.worksheets[1]
    assert volumes.freeze_panes == "A2"
    rows = list(volumes.iter_rows(values_only=True))
    assert rows[0][:4] == ("按类型", "本期", "上期", "环比变化%")
    assert rows[1][:3] == ("投诉 (Complaint)", 5, 0) or rows[1][1:3] == (5, 0)
    timeliness = list(book.worksheets[2].iter_rows(values_only=True))
    dispatch = next(r for r in timeliness if r[0] and str(r[0]).startswith("派单"))
    assert dispatch[1:5] == (3, 1, 75.0, 150.0)
    assert book.worksheets[2]["D2"].number_format == '0.0"%"'
    # and the export is in the audit
    audit = ReportExport.objects.get()
    assert (audit.user, audit.kind, audit.file_format) == (world.dispatcher, "report", "xlsx")
    assert audit.parameters["date"] == "2026-11-01"


def test_the_csv_is_utf8_with_a_bom(world, november, login):
    with time_machine.travel(AFTER, tick=False):
        response = login(world.dispatcher).get("/reports/export.csv", NOVEMBER)
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert "及时率" in body


def test_a_chart_row_links_to_the_orders_it_counts_and_their_export_masks_numbers(world, november, login):
    client = login(world.dispatcher)
    with time_machine.travel(AFTER, tick=False):
        # the repeat flag's row of November: one order, the north hall's
        page = client.get("/reports/orders/", {**NOVEMBER, "basis": "orders", "flag": "is_repeat"})
        breached = client.get("/reports/orders/", {**NOVEMBER, "basis": "clocks", "kind": "dispatch"})
        export = client.get("/reports/orders/export.csv", {**NOVEMBER, "basis": "orders"})
        unmasked = client.get("/reports/orders/export.csv", {**NOVEMBER, "basis": "orders", "unmask": "1"})
    assert page.status_code == 200
    assert 'data-total="1"' in page.content.decode() and november.north.number in page.content.decode()
    assert 'data-total="4"' in breached.content.decode()
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8").lstrip("\ufeff"))))
    assert len(rows) == 1 + 5  # header + November's five orders, no cap
    assert all("****" in row[4] for row in rows[1:])
    # the dispatcher may unmask (tickets.unmask_number) and asked: full numbers, and the audit says so
    rows = list(csv.reader(io.StringIO(b"".join(unmasked.streaming_content).decode("utf-8").lstrip("\ufeff"))))
    assert sorted(row[4] for row in rows[1:])[0].startswith("1371") and not any("****" in r[4] for r in rows[1:])
    # legal sees every order but may not unmask: asking changes nothing
    with time_machine.travel(AFTER, tick=False):
        legal = login(world.legal).get("/reports/orders/export.csv", {**NOVEMBER, "basis": "orders", "unmask": "1"})
    rows = list(csv.reader(io.StringIO(b"".join(legal.streaming_content).decode("utf-8").lstrip("\ufeff"))))
    assert len(rows) == 6 and all("****" in row[4] for row in rows[1:])
    audit = ReportExport.objects.order_by("id").values_list("user__username", "kind", "numbers_unmasked")
    assert list(audit) == [("dispatcher", "orders", False), ("dispatcher", "orders", True), ("legal", "orders", False)]


def test_the_order_list_of_a_hall_manager_holds_only_their_orders(world, november, login):
    with time_machine.travel(AFTER, tick=False):
        page = login(world.store_manager).get("/reports/orders/", {**NOVEMBER, "basis": "orders"})
        refused = login(world.store_manager).get("/reports/orders/", {**NOVEMBER, "unit": world.hall_north.pk})
        bad = login(world.store_manager).get("/reports/orders/", {**NOVEMBER, "category_l1": "x"})
    assert 'data-total="4"' in page.content.decode()
    assert november.north.number not in page.content.decode()
    assert refused.status_code == 400 and bad.status_code == 400


def test_the_api_gives_the_same_figures_and_400_for_bad_input(world, november, api):
    api.force_login(world.dispatcher)
    with time_machine.travel(AFTER, tick=False):
        response = api.get("/api/v1/reports/", NOVEMBER)
        bad_unit = api.get("/api/v1/reports/", {**NOVEMBER, "unit": "abc"})
        bad_range = api.get("/api/v1/reports/", {"period": "range", "from": "2026-11-05", "to": "2026-11-01"})
        too_long = api.get("/api/v1/reports/", {"date": "9" * 100})
        empty_from = api.get("/api/v1/reports/?from=")  # found by schemathesis: a present date must hold one
    assert response.status_code == 200
    sections = {s["key"]: s for s in response.json()["sections"]}
    by_kind = next(t for t in sections["timeliness"]["tables"] if t["key"] == "by_kind")
    dispatch = next(r for r in by_kind["rows"] if r["key"] == "dispatch")
    assert dispatch["values"] == [3, 1, 75.0, 150.0]
    assert response.json()["period"] == {"kind": "month", "first": "2026-11-01", "last": "2026-11-30"}
    assert bad_unit.status_code == 400 and "unit" in bad_unit.json()
    assert bad_range.status_code == 400 and "to" in bad_range.json()
    assert too_long.status_code == 400 and "date" in too_long.json()
    assert empty_from.status_code == 400 and "from" in empty_from.json()
