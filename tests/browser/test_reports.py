"""R-RP-1 in the browser: the dispatcher opens the reports from the top bar, chooses November, reads the
timeliness table, downloads the month report as XLSX (which holds the page's numbers) and follows a chart row
to the orders it counts."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.reports.data import november_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_month_report_is_read_downloaded_and_drilled_into(cast, open_as, shot, tmp_path):
    world = cast.world
    november = november_build(world)
    page = open_as(world.dispatcher)

    page.click('nav a[data-nav="reports"]')
    page.select_option('select[name="period"]', "month")
    page.fill('input[name="date"]', "2026-11-15")
    page.click("form[data-report-form] button[type=submit]")
    timeliness = page.locator('[data-table="timeliness.by_kind"] tr[data-row="dispatch"]')
    expect(timeliness).to_contain_text("75.0")
    expect(page.locator('[data-table="volumes.flags"] tr[data-row="total"]')).to_contain_text("5")
    shot(page, "14-reports-month")

    with page.expect_download() as download:
        page.click('a[data-export="xlsx"]')
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "report-branch-20261101-20261130.xlsx"
    book = load_workbook(path)
    rows = list(book["及时率"].iter_rows(values_only=True))
    dispatch = next(r for r in rows if r[0] and str(r[0]).startswith("派单"))
    assert dispatch[1:5] == (3, 1, 75.0, 150.0)

    page.click('[data-table="volumes.flags"] tr[data-row="is_repeat"] a')
    expect(page.locator("[data-total]")).to_have_attribute("data-total", "1")
    expect(page.locator(f'tr[data-order="{november.north.number}"]')).to_be_visible()
    shot(page, "15-reports-orders")
