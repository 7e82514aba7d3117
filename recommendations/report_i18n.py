"""Import report notes in the reader's language. The importers write their notes in
English (they are stored with the job and asserted on by tests and scripts); the page
translates the known ones when it shows them, and leaves any other note as written."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from states.models import State

NOTES = [
    (re.compile(r"^File type: Word document \(\.docx\)$"),
     _("File type: Word document (.docx)")),
    (re.compile(r"^File type: JSON \((?P<encoding>[^)]*)\)$"),
     _("File type: JSON (%(encoding)s)")),
    (re.compile(r"^File type: Excel 97–2003 workbook \(\.xls\)$"),
     _("File type: Excel 97–2003 workbook (.xls)")),
    (re.compile(r"^File type: Excel workbook \(\.xlsx\)$"),
     _("File type: Excel workbook (.xlsx)")),
    (re.compile(r"^File type: CSV, encoding (?P<encoding>\S+), line endings (?P<endings>.+)$"),
     _("File type: CSV, encoding %(encoding)s, line endings %(endings)s")),
    (re.compile(r"^The content looks like (?P<detected>.+); read as (?P<chosen>.+) as asked\.$"),
     _("The content looks like %(detected)s; read as %(chosen)s as asked.")),
    (re.compile(r"^Review from the page header: (?P<state>.+), cycle (?P<cycle>\S+), "
                r"session (?P<session>\S+)$"),
     _("Review from the page header: %(state)s, cycle %(cycle)s, session %(session)s")),
    (re.compile(r"^Layout: cycle 4 \(SDGs in their own column\)$"),
     _("Layout: cycle 4 (SDGs in their own column)")),
    (re.compile(r"^Layout: cycle 2–3 \(SDGs in the themes column\)$"),
     _("Layout: cycle 2–3 (SDGs in the themes column)")),
]


def localize_note(note: str) -> str:
    """`note` in the active language if it is one of the known notes."""
    for pattern, template in NOTES:
        match = pattern.match(note or "")
        if match:
            values = match.groupdict()
            if "state" in values:
                state = State.objects.resolve(values["state"])
                values["state"] = str(state) if state else values["state"]
            return str(template) % values if values else str(template)
    return note
