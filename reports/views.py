"""The report pages (R-RP-1): one per audience (shift leader, branch, QA inspector), server-rendered SVG bar
charts with the table beside each, every bar and count linking to the orders it counts; exports of the
report and of any order list. Thin: the form validates, selectors count, exports write."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from complaints.numbers import mask_number
from complaints.selectors import category_path_labels

from . import exports
from .drill import BASES, BadFilter, drill_orders, drill_params
from .figures import FLAG_LABELS
from .forms import ReportForm
from .selectors import AUDIENCES, report_build
from .services import report_export_record

BAR_WIDTH = 220
ROW_HEIGHT = 24
PAGE_SIZE = 50


def _base_params(form: ReportForm) -> dict:
    params = {**form.period.params(), "audience": form.cleaned_data["audience"]}
    if form.cleaned_data.get("unit"):
        params["unit"] = form.cleaned_data["unit"]
    return params


def _charts(report, base: dict) -> list[dict]:
    """Each table with its bars: y, width, value and the drill-down link of every row."""
    list_url = reverse("reports-orders")
    sections = []
    for section in report.sections:
        tables = []
        for table in section.tables:
            values = [row.values[table.chart_column] or 0 for row in table.rows]
            top = 100 if table.chart_column in table.percent_columns else max(values, default=0) or 1
            rows = []
            for index, row in enumerate(table.rows):
                link = ""
                if table.drill:
                    link = f"{list_url}?{urlencode({**base, 'basis': table.drill, **row.filter})}"
                value = row.values[table.chart_column]
                rows.append({
                    "row": row, "link": link, "y": index * ROW_HEIGHT, "text_y": index * ROW_HEIGHT + 12,
                    "width": round(BAR_WIDTH * (value or 0) / top, 1), "value": value,
                })  # fmt: skip
            tables.append({"table": table, "rows": rows, "height": max(len(rows), 1) * ROW_HEIGHT,
                           "percent": table.chart_column in table.percent_columns})  # fmt: skip
        sections.append({"section": section, "tables": tables})
    return sections


def _form(request) -> ReportForm:
    return ReportForm(request.GET if request.GET else None, user=request.user)


@login_required
@require_GET
def report_page(request):
    form = _form(request)
    if request.GET and not form.is_valid():
        return render(request, "reports/report.html", {"form": form, "audiences": AUDIENCES}, status=400)
    if not request.GET:
        form = ReportForm({"period": "month"}, user=request.user)
        form.is_valid()
    report = report_build(
        user=request.user, period=form.period, scope=form.scope, audience=form.cleaned_data["audience"]
    )
    base = _base_params(form)
    context = {
        "form": form, "report": report, "sections": _charts(report, base), "audiences": AUDIENCES,
        "bar_x": 170, "bar_width": BAR_WIDTH, "query": urlencode(base),
        "audience_links": [(key, label, urlencode({**base, "audience": key}))
                           for key, (label, _s) in AUDIENCES.items()],
    }  # fmt: skip
    return render(request, "reports/report.html", context)


def _filename(report, ext: str) -> str:
    return f"report-{report.audience}-{report.period.first:%Y%m%d}-{report.period.last:%Y%m%d}.{ext}"


@login_required
@require_GET
def report_export(request, file_format: str):
    form = _form(request)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose a valid period and unit."))
    report = report_build(
        user=request.user, period=form.period, scope=form.scope, audience=form.cleaned_data["audience"]
    )
    report_export_record(user=request.user, kind="report", file_format=file_format, parameters=_base_params(form))
    if file_format == "xlsx":
        response = HttpResponse(
            exports.report_xlsx(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(exports.report_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, file_format)}"'
    return response


def _drill(request):
    """(form, basis, params, orders) of the order list, or an HttpResponseBadRequest."""
    form = _form(request)
    if not form.is_valid():
        return None, HttpResponseBadRequest(_("Choose a valid period and unit."))
    basis = request.GET.get("basis") or "orders"
    if basis not in BASES:
        return None, HttpResponseBadRequest(_("Unknown list."))
    try:
        params = drill_params(request.GET)
    except BadFilter as error:
        return None, HttpResponseBadRequest(_("Bad filter: %(name)s") % {"name": error.name})
    orders = drill_orders(user=request.user, period=form.period, scope=form.scope, basis=basis, params=params)
    return (form, basis, params, orders), None


@login_required
@require_GET
def order_list(request):
    found, refusal = _drill(request)
    if refusal:
        return refusal
    form, basis, params, orders = found
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({**_base_params(form), "basis": basis, **params})
    categories = category_path_labels()
    rows = [(o, mask_number(o.accepted_number), categories.get(o.category_id, "")) for o in page]
    context = {
        "form": form, "page": page, "rows": rows, "query": query,
        "may_unmask": request.user.has_perm("tickets.unmask_number"), "period": form.period,
        "scope": form.scope,
    }  # fmt: skip
    return render(request, "reports/orders.html", context)


@login_required
@require_GET
def order_list_export(request, file_format: str):
    found, refusal = _drill(request)
    if refusal:
        return refusal
    form, basis, params, orders = found
    # R-SEC-2: full numbers only for whoever may unmask them and asks; the audit row says which it was.
    unmask = request.GET.get("unmask") == "1" and request.user.has_perm("tickets.unmask_number")
    report_export_record(
        user=request.user, kind="orders", file_format=file_format,
        parameters={**_base_params(form), "basis": basis, **params}, unmasked=unmask,
    )  # fmt: skip
    options = {"unmask": unmask, "categories": category_path_labels(), "flag_labels": FLAG_LABELS}
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    if file_format == "xlsx":
        return FileResponse(
            exports.orders_xlsx_file(orders, **options), as_attachment=True, filename=f"orders-{stamp}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )  # fmt: skip
    response = StreamingHttpResponse(
        exports.orders_csv_stream(orders, **options), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.csv"'
    return response
