"""The draft mid-term report of a review, as a Word document (python-docx) or CSV.

Two versions: `government` (responses, the government's latest status with comment and
evidence, follow-up actions, the indicators with their latest values against baseline
and target and the government's progress reports of the period) and `civil_society`
(the same, with civil society's latest assessment and its own progress reports beside
the government's). A focal point gets the government version for
their own State; NGO staff (and admins) get both. Written in the active language.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _

from accounts.roles import Role, focal_state_id, has_role, is_admin
from core.text import strip_control
from progress.models import Indicator, ProgressReport
from recommendations.models import (
    Actor,
    Assessment,
    ImplementationStatus,
    Recommendation,
    Response,
    Theme,
)
from reviews.models import Review
from states.names import collation_key

GOVERNMENT = "government"
CIVIL_SOCIETY = "civil_society"
VERSIONS = (GOVERNMENT, CIVIL_SOCIETY)
GROUPINGS = ("theme", "paragraph")


def allowed_versions(user, review: Review) -> list[str]:
    """The versions `user` may download for `review` (none for anonymous users)."""
    if is_admin(user) or has_role(user, Role.NGO):
        return [GOVERNMENT, CIVIL_SOCIETY]
    if focal_state_id(user) is not None and focal_state_id(user) == review.state_id:
        return [GOVERNMENT]
    return []


def version_label(version: str) -> str:
    return _("civil-society version") if version == CIVIL_SOCIETY else _("government version")


@dataclass
class Item:
    recommendation: Recommendation
    themes: list[str]
    states: list[str]
    government: Assessment | None
    civil_society: Assessment | None
    actions: list = field(default_factory=list)


@dataclass
class Report:
    review: Review
    version: str
    grouping: str
    groups: list[tuple[str, list[Item]]]
    status_counts: list[tuple[str, int]]
    civil_society_counts: list[tuple[str, int]]
    response_counts: list[tuple[str, int]]
    total: int
    indicators: list[Indicator] = field(default_factory=list)
    period: tuple = (None, None)

    def reports_of(self, indicator: Indicator, actor: str) -> list[ProgressReport]:
        """The indicator's reports by `actor` whose period ends within the report's."""
        start, end = self.period
        return [r for r in (indicator.government_reports() if actor == Actor.GOVERNMENT
                            else indicator.civil_society_reports())
                if (start is None or (r.period_end and r.period_end >= start))
                and (end is None or (r.period_end and r.period_end <= end))]

    @property
    def title(self) -> str:
        return _("Mid-term report on the implementation of the recommendations: %(state)s, "
                 "%(session)s (%(cycle)s)") % {
            "state": self.review.state.localized_name, "session": self.review.session,
            "cycle": self.review.session.cycle}


def _latest(assessments: list[Assessment], actor: str) -> Assessment | None:
    mine = [a for a in assessments if a.actor == actor]
    return max(mine, key=lambda a: (a.assessed_on, a.created_at, a.pk)) if mine else None


def _counts(values: list[str], choices) -> list[tuple[str, int]]:
    counts = Counter(values)
    rows = [(str(label), counts.get(value, 0)) for value, label in choices]
    rows.append((_("Not reported"), counts.get("", 0)))
    return rows


def build(review: Review, *, version: str = GOVERNMENT, grouping: str = "theme") -> Report:
    """Everything the document says, read in a fixed number of queries."""
    if version not in VERSIONS:
        raise ValueError(f"unknown version {version!r}")
    if grouping not in GROUPINGS:
        raise ValueError(f"unknown grouping {grouping!r}")
    recommendations = list(
        review.recommendations.order_by("paragraph_sort", "id").prefetch_related(
            "recommending_states", Prefetch("themes", queryset=Theme.objects.select_related(
                "canonical")), "assessments", "follow_up_actions"))
    items = []
    for rec in recommendations:
        # A withdrawn entry is no longer what anyone says.
        assessments = [a for a in rec.assessments.all() if a.withdrawn_at is None]
        items.append(Item(
            recommendation=rec,
            # The canonical themes (a UPR Info label under the theme it means), and every
            # name in the report's language.
            themes=sorted({t.canonical_theme.localized_name for t in rec.themes.all()},
                          key=collation_key),
            states=sorted((s.localized_name for s in rec.recommending_states.all()),
                          key=collation_key),
            government=_latest(assessments, Actor.GOVERNMENT),
            civil_society=_latest(assessments, Actor.CIVIL_SOCIETY),
            actions=sorted(rec.follow_up_actions.all(),
                           key=lambda a: (a.target_date is None, a.target_date, a.pk))))
    groups: dict[str, list[Item]] = {}
    if grouping == "theme":
        # Each recommendation once, under its first theme; its other themes are listed.
        for item in items:
            key = item.themes[0] if item.themes else _("No theme recorded")
            groups.setdefault(key, []).append(item)
        no_theme = _("No theme recorded")
        ordered = sorted(groups.items(),
                         key=lambda kv: (kv[0] == no_theme, collation_key(kv[0])))
    else:
        for item in items:
            head = (item.recommendation.paragraph or "").split(".")[0]
            key = (_("Paragraph %(number)s") % {"number": head} if head
                   else _("Without paragraph number"))
            groups.setdefault(key, []).append(item)
        ordered = list(groups.items())
    # The indicators measuring these recommendations, directly or through an action.
    rec_ids = [r.pk for r in recommendations]
    indicators = list(Indicator.objects.filter(state_id=review.state_id).filter(
        models.Q(recommendations__in=rec_ids) | models.Q(action__recommendations__in=rec_ids))
        .distinct().with_related().prefetch_related("action__recommendations")
        .order_by("title", "id"))
    period = (review.adoption_date or review.review_date, timezone.localdate())
    return Report(
        indicators=indicators, period=period,
        review=review, version=version, grouping=grouping, groups=ordered,
        status_counts=_counts([r.government_status for r in recommendations],
                              ImplementationStatus.choices[:-1]),
        civil_society_counts=_counts([r.civil_society_status for r in recommendations],
                                     ImplementationStatus.choices),
        response_counts=[(str(label), sum(1 for r in recommendations if r.response == value))
                         for value, label in Response.choices],
        total=len(recommendations))


def _assessment_text(assessment: Assessment | None) -> str:
    if assessment is None:
        return _("Not reported")
    text = f"{assessment.get_status_display()} ({date_format(assessment.assessed_on)})"
    if assessment.organisation:
        text += f", {assessment.organisation}"
    return text


def _action_text(action) -> str:
    parts = [action.title]
    if action.responsible_institution:
        parts.append(action.responsible_institution)
    parts.append(date_format(action.target_date) if action.target_date
                 else _("no target date"))
    parts.append(str(action.get_status_display()))
    return " — ".join(parts)


# Word ---------------------------------------------------------------------------------

def _table(document, header: tuple[str, str], rows: list[tuple[str, int]]) -> None:
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = header
    for label, count in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = _t(label), str(count)


def to_docx(report: Report) -> bytes:
    import docx
    from docx.shared import Pt

    document = docx.Document()
    # Any text from the database may hold control characters (typed or imported before
    # they were stripped on input): python-docx refuses them (issue 22), so `_t` cleans
    # every value that is not a fixed string of ours.
    document.core_properties.title = _t(report.title)
    document.core_properties.language = get_language() or ""
    document.add_heading(_t(report.title), level=0)
    review = report.review
    intro = document.add_paragraph()
    intro.add_run(_("Draft, %(version)s, generated on %(date)s by UPR Tracker. ") % {
        "version": version_label(report.version), "date": date_format(timezone.localdate())})
    if review.wg_report_symbol:
        intro.add_run(_("Working Group report: %(symbol)s. ") % {
            "symbol": _t(review.wg_report_symbol)})
    if report.grouping == "theme":
        intro.add_run(_("Each recommendation appears once, under its first theme."))

    document.add_heading(_("Summary"), level=1)
    document.add_paragraph(ngettext("%(count)s recommendation.", "%(count)s recommendations.",
                                    report.total) % {"count": report.total})
    document.add_heading(_("Responses"), level=2)
    _table(document, (_("Response"), _("Recommendations")), report.response_counts)
    document.add_heading(_("Implementation according to the government"), level=2)
    _table(document, (_("Status"), _("Recommendations")), report.status_counts)
    if report.version == CIVIL_SOCIETY:
        document.add_heading(_("Implementation according to civil society"), level=2)
        _table(document, (_("Status"), _("Recommendations")), report.civil_society_counts)

    if report.indicators:
        _indicators_docx(document, report)

    document.add_heading(_("Contents"), level=1)
    for number, (name, items) in enumerate(report.groups, 1):
        document.add_paragraph(
            ngettext("%(number)s. %(name)s (%(count)s recommendation)",
                     "%(number)s. %(name)s (%(count)s recommendations)", len(items)) % {
                "number": number, "name": _t(name), "count": len(items)},
            style="List Paragraph")

    for number, (name, items) in enumerate(report.groups, 1):
        document.add_heading(f"{number}. {_t(name)}", level=1)
        for item in items:
            rec = item.recommendation
            document.add_heading(
                _("Recommendation %(paragraph)s") % {"paragraph": _t(rec.paragraph) or rec.pk},
                level=2)
            quote = document.add_paragraph(_t(rec.text), style="Quote")
            quote.runs[0].font.size = Pt(11)
            _line(document, _("Recommended by"), ", ".join(item.states) or "—")
            if len(item.themes) > 1 or report.grouping != "theme":
                _line(document, _("Themes"), "; ".join(item.themes) or "—")
            response = str(rec.get_response_display())
            if rec.response_source:
                response += f" ({rec.response_source})"
            _line(document, _("Response"), response)
            _line(document, _("Government status"), _assessment_text(item.government))
            if item.government and item.government.comment:
                _line(document, _("Government comment"), item.government.comment)
            if item.government and item.government.evidence_url:
                _line(document, _("Evidence"), item.government.evidence_url)
            if report.version == CIVIL_SOCIETY:
                _line(document, _("Civil-society assessment"),
                      _assessment_text(item.civil_society))
                if item.civil_society and item.civil_society.comment:
                    _line(document, _("Civil-society comment"), item.civil_society.comment)
                if item.civil_society and item.civil_society.evidence_url:
                    _line(document, _("Civil-society evidence"),
                          item.civil_society.evidence_url)
            if item.actions:
                document.add_paragraph(_("Follow-up actions:"))
                for action in item.actions:
                    document.add_paragraph(_t(_action_text(action)), style="List Bullet")
            else:
                _line(document, _("Follow-up actions"), _("none recorded"))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _value(value) -> str:
    return "—" if value is None else f"{value:f}".rstrip("0").rstrip(".")


def _indicator_line(indicator: Indicator) -> str:
    """`latest 12 (baseline 4, 2024-01-01 → target 20, 2026-12-31), on track`."""
    def dated(value, day) -> str:
        return _value(value) + (f", {day.isoformat()}" if day else "")

    return _("latest %(latest)s%(unit)s (baseline %(baseline)s → target %(target)s), "
             "%(progress)s") % {
        "latest": _value(indicator.latest_value()),
        "unit": f" {indicator.unit}" if indicator.unit else "",
        "baseline": dated(indicator.baseline_value, indicator.baseline_date),
        "target": dated(indicator.target_value, indicator.target_date),
        "progress": indicator.progress_label()}


def _report_text(report: ProgressReport) -> str:
    parts = [f"{report.period_start.isoformat() if report.period_start else ''}–"
             f"{report.period_end.isoformat() if report.period_end else ''}"]
    if report.value is not None:
        parts.append(_value(report.value))
    if report.institution:
        parts.append(report.institution.name)
    if report.organisation:
        parts.append(report.organisation)
    if report.narrative:
        parts.append(report.narrative)
    public = [e.url for e in report.evidence.all() if e.is_public and e.url]
    if public:
        parts.append(", ".join(public))
    return " — ".join(parts)


def _indicators_docx(document, report: Report) -> None:
    document.add_heading(_("Indicators"), level=1)
    start, end = report.period
    if start:
        document.add_paragraph(_("Progress reports from %(start)s to %(end)s.") % {
            "start": start.isoformat(), "end": end.isoformat()})
    for indicator in report.indicators:
        document.add_heading(_t(indicator.title), level=2)
        _line(document, _("Responsible institution"),
              indicator.institution.name if indicator.institution else "—")
        _line(document, _("Recommendations"), ", ".join(
            r.paragraph or str(r.pk) for r in indicator.recommendations.all()) or "—")
        _line(document, _("Government"), _indicator_line(indicator))
        reports = report.reports_of(indicator, Actor.GOVERNMENT)
        document.add_paragraph(_("Government progress reports:") if reports
                               else _("Government progress reports: none in the period"))
        for item in reports:
            document.add_paragraph(_t(_report_text(item)), style="List Bullet")
        if report.version == CIVIL_SOCIETY:
            _line(document, _("Latest value according to civil society"),
                  _value(indicator.latest_value(Actor.CIVIL_SOCIETY)))
            reports = report.reports_of(indicator, Actor.CIVIL_SOCIETY)
            document.add_paragraph(
                _("Civil-society progress reports:") if reports
                else _("Civil-society progress reports: none in the period"))
            for item in reports:
                document.add_paragraph(_t(_report_text(item)), style="List Bullet")


def _line(document, label: str, value: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(pgettext("label: value", "%(label)s: ") % {"label": label}).bold = True
    paragraph.add_run(_t(value))


def _t(value) -> str:
    return strip_control("" if value is None else str(value))


# CSV ----------------------------------------------------------------------------------

def csv_rows(report: Report) -> list[list[str]]:
    header = [_("Group"), _("Paragraph"), _("Recommendation"), _("Recommended by"),
              _("Themes"), _("Response"), _("Source of the response"),
              _("Government status"), _("Government status date"), _("Government comment"),
              _("Evidence"), _("Follow-up actions"), _("Indicators"),
              _("Government progress reports")]
    if report.version == CIVIL_SOCIETY:
        header += [_("Civil-society assessment"), _("Civil-society assessment date"),
                   _("Organisation"), _("Civil-society comment"),
                   _("Civil-society evidence"), _("Civil-society progress reports")]
    by_rec: dict[int, list[Indicator]] = {}
    for indicator in report.indicators:
        ids = {r.pk for r in indicator.recommendations.all()}
        if indicator.action_id:
            ids |= {r.pk for r in indicator.action.recommendations.all()}
        for rec_id in ids:
            by_rec.setdefault(rec_id, []).append(indicator)

    def reports_cell(indicators: list[Indicator], actor: str) -> str:
        return "; ".join(f"{i.title}: {_report_text(r)}" for i in indicators
                         for r in report.reports_of(i, actor))

    rows = [header]
    for name, items in report.groups:
        for item in items:
            rec, gov, cs = item.recommendation, item.government, item.civil_society
            row = [name, rec.paragraph, rec.text, "; ".join(item.states),
                   "; ".join(item.themes), str(rec.get_response_display()), rec.response_source,
                   str(gov.get_status_display()) if gov else "",
                   gov.assessed_on.isoformat() if gov else "", gov.comment if gov else "",
                   gov.evidence_url if gov else "",
                   "; ".join(_action_text(a) for a in item.actions)]
            indicators = by_rec.get(rec.pk, [])
            row += ["; ".join(f"{i.title}: {_indicator_line(i)}" for i in indicators),
                    reports_cell(indicators, Actor.GOVERNMENT)]
            if report.version == CIVIL_SOCIETY:
                row += [str(cs.get_status_display()) if cs else "",
                        cs.assessed_on.isoformat() if cs else "",
                        cs.organisation if cs else "", cs.comment if cs else "",
                        cs.evidence_url if cs else "",
                        reports_cell(indicators, Actor.CIVIL_SOCIETY)]
            rows.append([_guard(v) for v in row])
    return rows


def _guard(value) -> str:
    """No spreadsheet formula from a cell (as the recommendations export does)."""
    text = strip_control("" if value is None else str(value))  # before the guard
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(csv_rows(report))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
