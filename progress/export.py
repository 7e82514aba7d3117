"""Indicators and progress reports as CSV or XLSX (small tables: built in Python, with
the recommendations export's formula guard)."""

import csv
import io
import tempfile
from collections.abc import Iterable

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from recommendations.export import guard_formula

from .models import Indicator, ProgressReport

INDICATOR_COLUMNS = [
    "id", "state", "title", "kind", "unit", "recommendations", "action", "institution",
    "manager", "baseline_value", "baseline_date", "target_value", "target_date",
    "frequency_months", "start_date", "end_date", "progress", "latest_value",
    "civil_society_latest_value", "next_due_date", "overdue_due_dates",
]
REPORT_COLUMNS = [
    "id", "state", "indicator", "indicator_title", "action", "actor", "due_date",
    "period_start", "period_end", "value", "unit", "narrative", "institution",
    "organisation", "author", "public_evidence", "created_at",
]


def indicator_rows(indicators: Iterable[Indicator]) -> Iterable[list]:
    for i in indicators:
        yield [i.pk, i.state.iso3, i.title, i.kind, i.unit,
               "; ".join(str(r.pk) for r in i.recommendations.all()), i.action_id or "",
               i.institution.name if i.institution else "",
               i.manager.username if i.manager else "", i.baseline_value, i.baseline_date,
               i.target_value, i.target_date, i.frequency_months, i.start_date, i.end_date,
               i.progress(), i.latest_value(), i.latest_value("civil_society"),
               i.next_due_date(), "; ".join(d.isoformat() for d in i.overdue_dates())]


def report_rows(reports: Iterable[ProgressReport]) -> Iterable[list]:
    for r in reports:
        subject = r.indicator or r.action
        yield [r.pk, subject.state.iso3, r.indicator_id or "",
               r.indicator.title if r.indicator else "", r.action_id or "", r.actor,
               r.due_date, r.period_start, r.period_end, r.value,
               r.indicator.unit if r.indicator else "", r.narrative,
               r.institution.name if r.institution else "", r.organisation,
               r.created_by.username if r.created_by else "",
               "; ".join(e.url for e in r.evidence.all() if e.is_public and e.url),
               r.created_at.isoformat()]


def _cell(value):
    if value is None:
        return ""
    return guard_formula(value) if isinstance(value, str) else value


def response(name: str, columns: list[str], rows: Iterable[list], fmt: str):
    filename = f"upr-{name}-{timezone.now():%Y%m%d-%H%M%S}.{fmt}"
    if fmt == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(name.capitalize())
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=column)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in rows:
            sheet.append([_cell(v) if not hasattr(v, "isoformat") or isinstance(v, str)
                          else v for v in row])
        tmp = tempfile.TemporaryFile(suffix=".xlsx")
        workbook.save(tmp)
        tmp.seek(0)
        return FileResponse(
            tmp, as_attachment=True, filename=filename,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    result = HttpResponse(out.getvalue().encode(), content_type="text/csv; charset=utf-8")
    result["Content-Disposition"] = f'attachment; filename="{filename}"'
    return result
