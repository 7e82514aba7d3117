"""The UN documents themselves: the Working Group report and the State's addendum.

Formats (detected from the text, PDF or Word):

* `un-report`    Report of the Working Group on the UPR (`A/HRC/59/15`): the State
                 under review, the session, and the recommendations section, one
                 paragraph per recommendation (clusters included); a paragraph of
                 recommendations that "enjoy the support" of the State (cycles 2–3)
                 gives their response, with the report as its source.
* `un-addendum`  The State's views (`A/HRC/59/15/Add.1`): lists of paragraph numbers
                 under "accepts"/"takes note" (see `number_lists`), or, in cycle 1,
                 sentences per recommendation, read as *proposed* responses that a
                 person confirms on the review's page.

The report is written by the common write phase (`write.run`); the addendum only
sets responses (`Recommendation.record_response`, which keeps the history). An
addendum that arrives before its report is kept as `ProposedResponse`s and applied
when the report is imported.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from imports.parsing import parse_recommendation_list
from recommendations.models import Response, paragraph_sort_key
from recommendations.touch import touched

from . import document_text
from .core import ImportFailed, ImportReport, ImportRow, ParsedFile
from .number_lists import DASHES, parse_number_list

REPORT, ADDENDUM = "un-report", "un-addendum"
FORMATS = (REPORT, ADDENDUM)

TITLE_RE = re.compile(r"Report\s+of\s+the\s+Working\s+Group\s+on\s+the\s+Universal\s+"
                      r"Periodic\s+Review\s*\**\s*\n\s*(?P<state>[^\n*]+?)\s*\**\s*\n",
                      re.IGNORECASE)
REVIEW_OF_RE = re.compile(r"\breview\s+of\s+(?P<state>[A-Z][\w’'() -]{1,80}?)\s+(?:was\s+held|on\s+"
                          r"\d)", re.IGNORECASE)
SESSION_RE = re.compile(r"held\s+its\s+(?P<ordinal>[a-z]+(?:[- ][a-z]+)?|\d{1,3}(?:st|nd|rd|th))"
                        r"\s+session", re.IGNORECASE)
WG_SYMBOL_RE = re.compile(r"A/HRC/WG\.6/(?P<session>\d{1,3})/")
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"]
DATE_RE = re.compile(r"(?P<day>\d{1,2})\s+(?P<month>" + "|".join(MONTHS) +
                     r")\s*,?\s*(?P<year>(?:19|20)\d\d)", re.IGNORECASE)
REVIEW_DATE_RE = re.compile(r"review\s+of\s+.{2,80}?\s+(?:was\s+held\s+.{0,60}?)?\bon\s+",
                            re.IGNORECASE | re.DOTALL)
TOP_PARAGRAPH_RE = re.compile(r"^\s*(?P<number>\d{1,3})\.\s+(?P<text>\S.*)$")
ITEM_RE = re.compile(r"^\s*(?P<head>\d{1,3})\.(?P<item>\d{1,3})\.?(?:\s+(?P<text>.*))?$")
SECTION_START_RE = re.compile(r"conclusions\s+and\s*/\s*or\s+recommendations", re.IGNORECASE)
# The heading cut after `and/or` (or `and`): its second line starts with the rest.
SECTION_CUT_RE = re.compile(r"conclusions\s+and(?:\s*/\s*or)?\s*$", re.IGNORECASE)
SECTION_END_RE = re.compile(r"^\s*\d{1,3}\.\s+all\s+conclusions\b"
                            r"|^\s*all\s+conclusions\s+and\s*/\s*or\b|^\s*annex\b",
                            re.IGNORECASE)
TOTALS_RE = re.compile(
    r"(?P<supported>\d{1,4})\s+(?:are\s+|were\s+|have\s+been\s+)?(?:now\s+)?(?:supported|accepted)"
    r"\s*,?\s+and\s+(?P<noted>\d{1,4})\s+(?:are\s+|were\s+|have\s+been\s+)?(?:now\s+)?noted",
    re.IGNORECASE)
RECEIVED_RE = re.compile(r"received\s+(?P<total>\d{1,4})\s+recommendations", re.IGNORECASE)

_UNITS = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
          "ninth"]
_TEENS = ["tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
          "sixteenth", "seventeenth", "eighteenth", "nineteenth"]
_TENS = {"twent": 20, "thirt": 30, "fort": 40, "fift": 50, "sixt": 60, "sevent": 70,
         "eight": 80, "ninet": 90}


def ordinal_number(word: str) -> int | None:
    """`forty-eighth` → 48, `thirty-fourth` → 34, `48th` → 48."""
    word = word.lower().replace(" ", "-")
    digits = re.fullmatch(r"(\d{1,3})(?:st|nd|rd|th)", word)
    if digits:
        return int(digits.group(1))
    if word in _UNITS[1:]:
        return _UNITS.index(word)
    if word in _TEENS:
        return 10 + _TEENS.index(word)
    tens_part, _, unit_part = word.partition("-")
    for stem, value in _TENS.items():
        if tens_part == stem + "ieth" and not unit_part:
            return value
        if tens_part == stem + "y" and unit_part in _UNITS[1:]:
            return value + _UNITS.index(unit_part)
    return None


def parse_date(text: str) -> dt.date | None:
    match = DATE_RE.search(text)
    if not match:
        return None
    try:
        return dt.date(int(match.group("year")), MONTHS.index(match.group("month").lower()) + 1,
                       int(match.group("day")))
    except ValueError:
        return None


# The words of a negative answer: read as noted, before any `accept`/`support` they hold
# ("not accepted", "cannot be accepted", "does not support", "rejected").
NEGATIVE_RE = re.compile(
    r"\b(?:takes?\s+note|noted|rejec(?:ts?|ted|tion)|"
    r"(?:does|do|did|can|could|will|would|shall)\s*n[o']t\s+(?:be\s+)?"
    r"(?:accept|support|enjoy)\w*|cannot\s+(?:be\s+)?(?:accept|support)\w*|"
    r"(?:unable|not\s+in\s+a\s+position)\s+to\s+(?:accept|support)|"
    r"not\s+(?:be\s+)?(?:accepted|supported)|not\s+enjoy\s+the\s+support)\b")
PARTIAL_RE = re.compile(r"\bpartially\b|\bin\s+part\b|\bpartly\b")
POSITIVE_RE = re.compile(r"\b(?:accepts?|supports?|enjoys?\s+the\s+support|supported|"
                         r"accepted)\b")


def classify_list_paragraph(text: str) -> str:
    """The response a list paragraph gives its numbers, from its own words ("" = none)."""
    lowered = " ".join(text.lower().split())
    if PARTIAL_RE.search(lowered):
        return Response.PARTIALLY_SUPPORTED
    if NEGATIVE_RE.search(lowered) or re.search(r"\bnotes\b", lowered):
        return Response.NOTED
    if POSITIVE_RE.search(lowered):
        return Response.SUPPORTED
    if re.search(r"will be examined|will examine", lowered):
        return Response.PENDING
    return ""


# Cycle 1: what a sentence answer most likely means. Checked in this order.
READINGS = [
    (Response.PARTIALLY_SUPPORTED, PARTIAL_RE.pattern),
    (Response.NOTED, NEGATIVE_RE.pattern + r"|definitive\s+statement"),
    (Response.SUPPORTED, r"\baccepts?\b|\bsupports?\b|\bagrees?\b|\baccepted\b|"
                         r"\bsupported\b|\balready\s+(?:been\s+)?implemented\b"),
]


def propose_reading(sentence: str) -> str:
    lowered = " ".join(sentence.lower().split())
    for response, pattern in READINGS:
        if re.search(pattern, lowered):
            return response
    return ""


@dataclass
class ListedResponse:
    paragraph: str
    response: str
    source_paragraph: str
    wording: str = ""
    needs_confirmation: bool = False


@dataclass
class UNDocument:
    kind: str
    symbol: str = ""
    report_symbol: str = ""
    state: str = ""
    session: int | None = None
    session_hints: list[str] = field(default_factory=list)
    review_date: dt.date | None = None
    # Addendum: the numbered paragraphs that list recommendations, as text.
    lists: list[tuple[str, str, str]] = field(default_factory=list)  # (para, response, text)
    sentence_answers: list[tuple[str, str]] = field(default_factory=list)  # (number, words)
    stated_supported: int | None = None
    stated_noted: int | None = None
    stated_received: int | None = None
    unreadable: list[str] = field(default_factory=list)


@dataclass
class UNParsedFile(ParsedFile):
    document: UNDocument | None = None


# --- reading --------------------------------------------------------------------------

def read_pages(path: Path, file_type: str) -> tuple[list[str], bool]:
    """(pages, is_pdf) of a PDF or Word file."""
    if file_type == "pdf":
        return document_text.pdf_pages(path), True
    return document_text.docx_pages(document_text.open_word(path)), False


def detect_kind(pages: list[str]) -> str:
    """REPORT, ADDENDUM, or "" from the first page's text."""
    head = "\n".join(pages[:2])[:6000]
    if not re.search(r"Working\s+Group\s+on\s+the\s+Universal\s+Periodic\s+Review", head,
                     re.IGNORECASE):
        return ""
    symbol = document_text.SYMBOL_RE.search(head)
    if re.search(r"^\s*Addendum\s*$", head, re.IGNORECASE | re.MULTILINE) or (
            symbol and "/Add." in symbol.group(0)):
        return ADDENDUM
    return REPORT


def why_not_a_un_document(pages: list[str], pdf: bool) -> str:
    """What was looked for and not found, for a document read as no report or addendum."""
    text = "\n".join(pages)
    if pdf and not text.strip():
        return ("This PDF is not a report of the Working Group on the Universal Periodic "
                "Review that can be read: it has no text (a scan without a text layer?), so "
                "neither its title nor its recommendations could be found. Use the document "
                "from documents.un.org, which has text.")
    symbol = document_text.SYMBOL_RE.search(text)
    found = []
    if symbol:
        found.append(f"the symbol {symbol.group(0)}")
    if SECTION_START_RE.search(text):
        found.append("a 'Conclusions and/or recommendations' heading")
    return ("This document is not a report of the Working Group on the Universal Periodic "
            "Review nor its addendum, as far as can be read: the title 'Report of the Working "
            "Group on the Universal Periodic Review' was not found on its first pages" + (
                f" (found: {', '.join(found)})." if found else
                ", nor a UN document symbol (A/HRC/…).") +
            (" A Word document can also be an OHCHR thematic list: that needs a table with "
             "a 'Recommendation' column." if not pdf else ""))


def _symbol(pages: list[str], addendum: bool) -> str:
    counts = Counter(m.group(0) for page in pages for m in document_text.SYMBOL_RE.finditer(page)
                     if ("/Add." in m.group(0)) == addendum)
    return counts.most_common(1)[0][0] if counts else ""


def _state_name(head: str, is_state_name: Callable[[str], bool] | None = None,
                more: str = "") -> str:
    """The State under review: the line under the title, else `the review of X was held`
    (a name the title wraps over two lines); a known name is preferred."""
    candidates = []
    match = TITLE_RE.search(head)
    if match and match.group("state").strip().lower() != "addendum":
        candidates.append(match.group("state").strip())
    # The review sentence may be on page 3 or later (2008 reports).
    for match in REVIEW_OF_RE.finditer(" ".join((head + "\n" + more).split())):
        candidates.append(match.group("state").strip())
        if len(candidates) > 4:
            break
    for candidate in candidates:
        if is_state_name is not None and is_state_name(candidate):
            return candidate
    return candidates[0] if candidates else ""


def _paragraphs(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Top-level numbered paragraphs (`3. The Government ...`) with their lines."""
    paragraphs: list[tuple[str, list[str]]] = []
    expected = None
    for line in lines:
        match = TOP_PARAGRAPH_RE.match(line)
        if match and not ITEM_RE.match(line) and (
                expected is None or int(match.group("number")) == expected):
            expected = int(match.group("number")) + 1
            paragraphs.append((match.group("number"), [match.group("text")]))
        elif paragraphs:
            paragraphs[-1][1].append(line)
    return paragraphs


def read_document(path: Path, file_type: str, parsed: UNParsedFile,
                  is_state_name: Callable[[str], bool] | None = None) -> None:
    pages, pdf = read_pages(path, file_type)
    kind = detect_kind(pages)
    if not kind:
        raise ImportFailed(why_not_a_un_document(pages, pdf))
    parsed.format = kind
    document = parsed.document = UNDocument(kind=kind)
    head = "\n".join(pages[:2])[:8000]
    document.symbol = _symbol(pages, kind == ADDENDUM)
    document.report_symbol = re.sub(r"/Add\.\d+$", "", document.symbol)
    document.state = _state_name(head, is_state_name, "\n".join(pages)[:60000])
    lines = document_text.document_lines(pages, pdf=pdf)
    parsed.notes.append(f"File type: PDF, {len(pages)} page(s)" if pdf
                        else "File type: Word document (.docx)")
    kind_name = "Working Group report" if kind == REPORT else "addendum (the State's views)"
    parsed.notes.append(f"Document: {kind_name} {document.symbol or '(no symbol found)'}, "
                        f"State under review: {document.state or '(not found)'}")
    if kind == REPORT:
        _read_report(lines, "\n".join(pages), parsed, is_state_name)
    else:
        _read_addendum(lines, parsed)


def _read_report(lines: list[str], full_text: str, parsed: UNParsedFile,
                 is_state_name: Callable[[str], bool] | None) -> None:
    document = parsed.document
    start = find_section_start(lines)
    # The session and the review sentence may be on any page before the section.
    intro = document_text.join_lines(lines[:start] if start else lines[:400])
    match = SESSION_RE.search(intro)
    if match and ordinal_number(match.group("ordinal")):
        document.session = ordinal_number(match.group("ordinal"))
        document.session_hints.append(f"the introduction names session {document.session}")
    date_at = REVIEW_DATE_RE.search(intro)
    if date_at:
        document.review_date = parse_date(intro[date_at.end():date_at.end() + 40])
    wg = Counter(int(m.group("session")) for m in WG_SYMBOL_RE.finditer(full_text))
    if wg:
        number = wg.most_common(1)[0][0]
        document.session_hints.append(f"the documents of the review are A/HRC/WG.6/{number}/…")
        document.session = document.session or number
    if start is None:
        contents = bool(_section_headings(lines))
        parsed.error(None, "The report's 'Conclusions and/or recommendations' section was not "
                           "found: " + ("only its line in the table of contents, with no "
                                        "numbered paragraph after it." if contents else
                                        "no heading of that name in the document."))
        return
    items: list[dict] = []
    top: dict | None = None
    expected_top: int | None = None
    for number, line in enumerate(lines[start + 1:], start=start + 2):
        if SECTION_END_RE.match(line):
            break
        item = ITEM_RE.match(line)
        if item and top is not None and item.group("head") == top["number"]:
            items.append({"paragraph": f"{item.group('head')}.{int(item.group('item'))}",
                          "lines": [item.group("text") or ""], "line": number, "top": top})
            continue
        para = TOP_PARAGRAPH_RE.match(line)
        if para and not item:
            value = int(para.group("number"))
            next_item = (top or {}).get("short", 0) + 1
            if top is not None and value == next_item and not (
                    value == expected_top and classify_list_paragraph(para.group("text"))):
                # Cycle 1: `1. Ratify ... (Brazil);` numbered from 1 inside the paragraph.
                top["short"] = value
                items.append({"paragraph": f"{top['number']}.{value}",
                              "lines": [para.group("text")], "line": number, "top": top})
                continue
            if expected_top is None or value == expected_top:
                top = {"number": para.group("number"), "lines": [para.group("text")],
                       "short": 0}
                expected_top = value + 1
                continue
        if items and items[-1]["top"] is top:
            items[-1]["lines"].append(line)
        elif top is not None:
            top["lines"].append(line)
    tops_seen: dict[str, str] = {}
    for entry in items:
        top = entry["top"]
        if top["number"] not in tops_seen:
            words = document_text.join_lines(top["lines"])
            tops_seen[top["number"]] = classify_list_paragraph(words)
            parsed.notes.append(f"Paragraph {top['number']}: {words[:160]}")
        response = tops_seen[top["number"]]
        text = document_text.join_lines(entry["lines"])
        parsed.rows_read += 1
        found = parse_recommendation_list(f"{entry['paragraph']} {text}",
                                          is_state_name=is_state_name)
        if not found:
            document.unreadable.append(f"line {entry['line']}: {text[:120]}")
            parsed.error(entry["line"], f"{entry['paragraph']}: no recommendation read")
            continue
        for rec in found:
            for message in rec.errors:
                parsed.error(entry["line"], f"{rec.paragraph or entry['paragraph']}: {message}")
            given = response in (Response.SUPPORTED, Response.NOTED,
                                 Response.PARTIALLY_SUPPORTED)
            parsed.rows.append(ImportRow(
                row=entry["line"], text=rec.text, paragraph=rec.paragraph or entry["paragraph"],
                recommending_states=rec.state_names, response=response if given else "",
                source_symbol=document.symbol if given else "",
                source_paragraph=top["number"] if given else "",
                state_under_review=document.state, session=document.session,
                wg_report_symbol=document.symbol, examined=response == Response.PENDING))
    if not items:
        found = [t["number"] for t in tops] if (tops := _section_tops(lines[start + 1:])) \
            else []
        parsed.error(None, "No numbered recommendation was found in the report: the heading "
                           "'Conclusions and/or recommendations' was found (line "
                           f"{start + 1}), " + (
                               f"then paragraph(s) {', '.join(found[:5])} but no numbered "
                               "recommendation under them (like 105.1 or 1.)." if found else
                               "but no numbered paragraph after it."))


_TOC_RE = re.compile(r"\.{4,}|…{2,}|(?:\s\d{1,3}\s*[–-]\s*\d{1,3}\s+\d{1,3}\s*$)")


def _section_headings(lines: list[str]) -> list[tuple[int, str]]:
    """(index of its last line, its words) of every 'Conclusions and/or recommendations'
    heading, one line or wrapped over two (`II. Conclusions and/or` + `recommendations`)."""
    found = []
    for index, line in enumerate(lines):
        if SECTION_START_RE.search(line):
            found.append((index, line))
        elif SECTION_CUT_RE.search(line) and index + 1 < len(lines):
            joined = f"{line.rstrip()} {lines[index + 1].strip()}"
            if SECTION_START_RE.search(joined):
                found.append((index + 1, joined))
    return found


def find_section_start(lines: list[str]) -> int | None:
    """The line of the real 'Conclusions and/or recommendations' heading: not the table
    of contents' line (`II. Conclusions and/or recommendations ....... 105–108 14`),
    in any case, with footnote marks (`RECOMMENDATIONS**`), on one line or two; the one
    followed by a numbered paragraph."""
    candidates = [i for i, words in _section_headings(lines) if not _TOC_RE.search(words)]
    for index in candidates:
        following = [line for line in lines[index + 1:index + 12] if line.strip()]
        if any(TOP_PARAGRAPH_RE.match(line) for line in following):
            return index
    return candidates[-1] if candidates else None


def _section_tops(lines: list[str]) -> list[dict]:
    tops = []
    for line in lines:
        if SECTION_END_RE.match(line):
            break
        match = TOP_PARAGRAPH_RE.match(line)
        if match and not ITEM_RE.match(line):
            tops.append({"number": match.group("number")})
    return tops


def _list_region(text: str) -> str:
    """The run of numbers in a list paragraph: from its first number to its last one."""
    start = re.search(r"recommendations?\s*(?:No\.?\s*)?:?\s*(?=\d)", text, re.IGNORECASE)
    first = re.search(r"\d{1,3}\.\d{1,3}", text)
    begin = start.end() if start else (first.start() if first else None)
    if begin is None:
        return ""
    run = re.match(r"(?:\s*(?:\d[\d.]*|[,;" + re.escape(DASHES) +
                   r"]|(?:and|to|through)(?=\s*\d)|\.))+", text[begin:])
    return run.group(0) if run else ""


_NUMBERS_ONLY_RE = re.compile(r"^[\s\d.,;" + re.escape(DASHES) + r"]*\d[\s\d.,;" +
                              re.escape(DASHES) + r"]*$")


def _before_headings(lines: list[str]) -> list[str]:
    """A list paragraph's lines up to the first explanation heading (`140.11-14` alone
    on its line after the sentence that ends the list)."""
    for index in range(1, len(lines)):
        line, previous = lines[index].strip(), lines[index - 1].strip()
        if previous.endswith(".") and _NUMBERS_ONLY_RE.match(line) and not \
                line.endswith(","):
            return lines[:index]
    return lines


# `Recommendation 3`, `Recommendations No. 87.3:` or `87.3` alone, then the answer.
# Or `87.3: Accepted.` / `87.3 – Not accepted`: a number then an answer word.
ANSWER_RE = re.compile(
    r"^\s*(?:Recommendations?\s*(?:No\.?\s*)?(?P<n1>\d{1,3}(?:\.\d{1,3})?)\s*[.:)–-]?"
    r"|(?P<n2>\d{1,3}\.\d{1,3})\s*[.:]?(?=\s*$)"
    r"|(?P<n3>\d{1,3}\.\d{1,3})\.?\s*[:–—-]?\s+(?=(?:not\s+|partially\s+)?"
    r"(?:accepted|supported|noted|rejected)\b))\s*(?P<text>.*)$", re.IGNORECASE)


_FULL_NUMBER_RE = re.compile(r"\d{1,3}\.\d{1,3}")
_NUMBER_CHARS = r"[\s\d.,;" + re.escape(DASHES) + r"]"
_HEADING_NUMBERS_RE = re.compile(rf"^{_NUMBER_CHARS}*\d{_NUMBER_CHARS}*$")
# A heading without colon: `Georgia accepts the following recommendations`,
# `Recommendations accepted by Georgia` (no full stop: prose ends with one).
_HEADING_END_RE = re.compile(r"recommendations?\b[^.:;]{0,60}?\s*\**$", re.IGNORECASE)


def _numbers_line(text: str) -> bool:
    """Only recommendation numbers: `106.14, 106.51`, `106.1-106.10`, `106.1 to 106.10`,
    `106.3 and 106.4`, after a bullet or the word `Recommendations (Nos.)`."""
    words = re.sub(r"^\s*[•·▪◦‣*]?\s*(?:recommendations?\s*(?:nos?\.?)?\s*:?)?", "", text,
                   flags=re.IGNORECASE)
    words = re.sub(r"\b(?:and|to|through)\b|[()]", " ", words, flags=re.IGNORECASE)
    return bool(_HEADING_NUMBERS_RE.match(words)) and bool(_FULL_NUMBER_RE.search(text))


def _heading_response(text: str) -> str:
    if not text or text[0].isdigit() or len(text) > 220 or \
            "recommendation" not in text.lower() or re.search(r"[a-z)]\.\s", text):
        return ""  # a numbered paragraph, or prose (a heading is one clause)
    response = classify_list_paragraph(text)
    return response if response != Response.PENDING else ""


def _answer_heading(lines: list[str], index: int) -> tuple[int, str, str, str] | None:
    """A heading at `lines[index]` that gives the answer for the numbers under it
    (`Georgia accepts the following recommendations:`, `… partially accepts …`, `… does
    not accept …`): (lines it takes, response, its words, numbers on its own line).

    The heading may wrap onto a second line, end without a colon when a line of numbers
    follows (`Georgia accepts the following recommendations`), or carry the numbers
    after its colon."""
    for span in (1, 2):
        if index + span > len(lines):
            break
        if span == 2 and (lines[index].endswith((".", ":", ";")) or
                          _FULL_NUMBER_RE.search(lines[index]) or
                          _numbers_line(lines[index + 1]) or len(lines[index + 1]) > 120
                          or lines[index + 1][:1].isdigit()):
            break
        text = " ".join(lines[index:index + span])
        head, colon, rest = text.rpartition(":")
        if colon and (not rest.strip() or _numbers_line(rest)):
            response = _heading_response(head)
            if response:
                return span, response, head.strip(), rest.strip().rstrip(".")
        # The first line with words after the heading (Word leaves empty paragraphs).
        following = next((line for line in lines[index + span:index + span + 4] if line), "")
        if not colon and _HEADING_END_RE.search(text) and _numbers_line(following):
            response = _heading_response(text)
            if response:
                return span, response, text.rstrip("* "), ""
    return None


def _heading_lists(lines: list[str]) -> list[tuple[str, str, str]]:
    """Addenda that answer under headings, with number lines under each heading
    (`106.14, 106.51`, `106.1-106.10`) and prose after them: (label, response, numbers)
    per heading, the label being the heading's words (there is no paragraph number)."""
    found: list[list] = []
    lines = [" ".join(line.split()) for line in lines]
    index = 0
    while index < len(lines):
        heading = _answer_heading(lines, index)
        if heading:
            span, response, label, numbers = heading
            found.append([label, response, [numbers] if numbers else []])
            index += span
            continue
        if found and _numbers_line(lines[index]):
            found[-1][2].append(lines[index].rstrip("."))
        index += 1
    return [(f"“{label}”", response, ", ".join(numbers))
            for label, response, numbers in found if numbers]


def _read_addendum(lines: list[str], parsed: UNParsedFile) -> None:
    document = parsed.document
    text = document_text.join_lines(lines)
    totals = TOTALS_RE.search(text)
    if totals:
        document.stated_supported = int(totals.group("supported"))
        document.stated_noted = int(totals.group("noted"))
    received = RECEIVED_RE.search(text)
    if received:
        document.stated_received = int(received.group("total"))
    date_at = re.search(r"review\s+of\s+.{2,60}?\s+on\s+", text, re.IGNORECASE)
    if date_at:
        document.review_date = parse_date(text[date_at.end():date_at.end() + 40])
    headed = _heading_lists(lines)
    if headed:
        document.lists = headed
        return
    for number, para_lines in _paragraphs(lines):
        words = document_text.join_lines(_before_headings(para_lines))
        first_sentence = re.split(r"(?<=[a-z])\.\s", words, maxsplit=1)[0]
        response = classify_list_paragraph(first_sentence[:400])
        region = _list_region(words)
        is_list = bool(re.search(r"\d\.\d", region) or len(re.findall(r"\d+", region)) > 1)
        if response and response != Response.PENDING and is_list:
            document.lists.append((number, response, region))
        elif is_list and len(re.findall(r"\d{1,3}\.\d{1,3}", region)) > 1:
            document.unreadable.append(f"para. {number} lists recommendations but says "
                                       f"nothing this importer reads as a response: "
                                       f"“{words[:120]}”")
    if document.lists:
        return
    # Cycle 1: an answer per recommendation, in sentences.
    current: list | None = None
    answers: list[list] = []
    for line in lines:
        match = ANSWER_RE.match(line)
        if match:
            current = [match.group("n1") or match.group("n2") or match.group("n3"),
                       [match.group("text")]]
            answers.append(current)
        elif current is not None:
            current[1].append(line)
    document.sentence_answers = [(number, document_text.join_lines(words))
                                 for number, words in answers]


def read_un_document(path: Path, file_type: str,
                     is_state_name: Callable[[str], bool] | None = None) -> UNParsedFile:
    parsed = UNParsedFile(format=REPORT)
    read_document(path, file_type, parsed, is_state_name)
    return parsed


def looks_like_un_document(path: Path, file_type: str) -> bool:
    """Cheap check for Word files: is this a WG report/addendum rather than a thematic list?"""
    if file_type == "pdf":
        return True
    try:
        pages, _pdf = read_pages(path, file_type)
    except ImportFailed:
        return False
    return bool(detect_kind(pages))


# --- the addendum's responses ---------------------------------------------------------

def addendum_responses(document: UNDocument, *, prefix: str, known: set[str] | None
                       ) -> tuple[dict[str, ListedResponse], list[str]]:
    """Paragraph → response from the addendum's lists (or sentence readings); problems."""
    responses: dict[str, ListedResponse] = {}
    problems: list[str] = []
    conflicts: dict[str, list[str]] = {}
    for source_paragraph, response, region in document.lists:
        # A paragraph number (`5`) or, for an addendum that answers under headings, the
        # heading's words in quotes: the response then cites the addendum alone.
        where = source_paragraph if source_paragraph.startswith("“") else \
            f"para. {source_paragraph}"
        cited = "" if source_paragraph.startswith("“") else source_paragraph
        numbers = parse_number_list(region, prefix=prefix, known=known)
        problems += [f"{where}: {p}" for p in numbers.problems]
        for paragraph in numbers.paragraphs:
            previous = responses.get(paragraph)
            if paragraph in conflicts:
                conflicts[paragraph].append(f"{Response(response).label} ({where})")
                continue
            if previous is not None and previous.response != response:
                # Never guessed: the number is left unanswered and reported.
                conflicts[paragraph] = [f"{Response(previous.response).label} "
                                        f"({previous.wording})",
                                        f"{Response(response).label} ({where})"]
                del responses[paragraph]
                continue
            if previous is None:
                responses[paragraph] = ListedResponse(paragraph, response, cited,
                                                      wording=where)
    for paragraph, answers in conflicts.items():
        problems.append(f"{paragraph} is answered twice, differently: " +
                        " and ".join(answers) + "; left without a response")
    for listed in responses.values():
        listed.wording = ""
    for number, words in document.sentence_answers:
        paragraph = number if "." in number else f"{prefix}.{int(number)}" if prefix else ""
        if not paragraph:
            problems.append(f"{number}: a short number but no report paragraph to put it in")
            continue
        if known is not None and paragraph not in known:
            problems.append(f"{paragraph} is not a recommendation of the report")
            continue
        reading = propose_reading(words)
        if not reading:
            problems.append(f"{paragraph}: no reading found in “{words[:100]}”")
            reading = Response.PENDING
        responses[paragraph] = ListedResponse(paragraph, reading, "", wording=words,
                                              needs_confirmation=True)
    return responses, problems


def apply_responses(review, responses: dict[str, ListedResponse], symbol: str,
                    report: ImportReport, user) -> list[str]:
    """Set responses on the review's recommendations; keep the rest (and readings to
    confirm) as ProposedResponse. Returns the paragraphs without recommendation."""
    from imports.models import ProposedResponse
    from recommendations.models import Recommendation

    recommendations = {r.paragraph: r for r in Recommendation.objects.filter(review=review)}
    existing = {p.paragraph: p for p in ProposedResponse.objects.filter(review=review)}
    waiting: list[str] = []
    for paragraph, listed in responses.items():
        recommendation = recommendations.get(paragraph)
        if recommendation is None or listed.needs_confirmation:
            if recommendation is None:
                waiting.append(paragraph)
            ProposedResponse.objects.update_or_create(
                review=review, paragraph=paragraph, defaults={
                    "response": listed.response, "source_symbol": symbol,
                    "source_paragraph": listed.source_paragraph, "wording": listed.wording,
                    "needs_confirmation": listed.needs_confirmation, "created_by": user})
            existing.pop(paragraph, None)
            report.responses_kept += 1
            continue
        label = f"{symbol}, para. {listed.source_paragraph}" if listed.source_paragraph \
            else symbol
        if paragraph in existing:
            # An earlier reading of the same number, now answered clearly.
            existing.pop(paragraph).delete()
        if recommendation.response == listed.response:
            if recommendation.response_source != label:
                # The same response from a list derived from this addendum came first:
                # the UN document's own citation replaces the list's, in the same history
                # row (the history does not get a second, identical position).
                latest = recommendation.responses.order_by("-created_at", "-id").first()
                if latest is not None and latest.response == listed.response:
                    latest.source_symbol = symbol
                    latest.source_paragraph = listed.source_paragraph
                    latest.save(update_fields=["source_symbol", "source_paragraph"])
                    label = latest.source_label
                recommendation.response_source = label
                recommendation.save(update_fields=["response_source"])
                touched([recommendation.pk])
                report.updated += 1
                continue
            report.unchanged += 1
            continue
        recommendation.record_response(listed.response, source_symbol=symbol,
                                       source_paragraph=listed.source_paragraph, user=user)
        touched([recommendation.pk])
        report.updated += 1
        report.responses_recorded += 1
    return waiting


def _record_addendum_provenance(review, responses: dict[str, ListedResponse],
                                report: ImportReport) -> None:
    """The addendum as a source of the recommendations it answers (once per file)."""
    from pathlib import PurePath

    from django.utils import timezone

    from imports.models import RecommendationSource
    from recommendations.models import Recommendation

    now = timezone.now()
    name = PurePath(report.path or "").name[:255]
    ids = Recommendation.objects.filter(review=review, paragraph__in=[
        p for p, listed in responses.items() if not listed.needs_confirmation]).values_list(
        "pk", "paragraph")
    RecommendationSource.objects.bulk_create([RecommendationSource(
        recommendation_id=pk, source=ADDENDUM, file_name=name, rows="", match="paragraph",
        imported_at=now) for pk, _paragraph in ids], ignore_conflicts=True)
    if ids:
        report.notes.append(f"What the addendum added: responses for {len(ids)} "
                            "recommendations (and its provenance on them)")


def apply_waiting(review, report: ImportReport, user) -> None:
    """After a report import: apply the clear responses an earlier addendum left waiting."""
    from imports.models import ProposedResponse
    from recommendations.models import Recommendation

    waiting = list(ProposedResponse.objects.filter(review=review, needs_confirmation=False))
    if not waiting:
        return
    recommendations = {r.paragraph: r for r in Recommendation.objects.filter(review=review)}
    applied = 0
    for proposal in waiting:
        recommendation = recommendations.get(proposal.paragraph)
        if recommendation is None:
            report.notes.append(f"The addendum {proposal.source_symbol} answers "
                                f"{proposal.paragraph}, which the report does not have.")
            continue
        recommendation.record_response(proposal.response, source_symbol=proposal.source_symbol,
                                       source_paragraph=proposal.source_paragraph, user=user)
        touched([recommendation.pk])
        proposal.delete()
        applied += 1
    report.notes.append(f"Responses from the addendum imported earlier applied: {applied}")


# --- the import -----------------------------------------------------------------------

def _session_for(document: UNDocument, report: ImportReport):
    from reviews.models import Session

    sessions = {s.number: s for s in Session.objects.all()}
    by_date = None
    if document.review_date:
        by_date = Session.objects.for_date(document.review_date).first()
    if document.session is not None and document.session in sessions:
        if by_date is not None and by_date.number != document.session:
            report.notes.append(f"The review date {document.review_date} falls in session "
                                f"{by_date.number}, the text says {document.session}; "
                                f"kept {document.session}.")
        return sessions[document.session]
    if by_date is not None:
        report.notes.append(f"Session {by_date.number} from the date of the review "
                            f"({document.review_date})")
        return by_date
    return None


def _responses_summary(review) -> dict[str, int]:
    from recommendations.models import Recommendation

    counts = Counter(Recommendation.objects.filter(review=review).values_list("response",
                                                                            flat=True))
    return {str(Response(k).label): v for k, v in sorted(counts.items())}


def import_parsed(parsed: UNParsedFile, report: ImportReport, *, state_iso3: str | None,
                  session: int | None, dry_run: bool, user, progress, alias_map) -> None:
    """Write a parsed WG report or addendum (or roll it back for a dry run)."""
    from django.db import DatabaseError, transaction

    document = parsed.document
    report.notes += [f"Could not read: {line}" for line in document.unreadable]
    from recommendations import touch

    try:
        with transaction.atomic(), touch.batched():
            if parsed.format == REPORT:
                _import_report(parsed, report, state_iso3=state_iso3, session=session,
                               user=user, progress=progress, alias_map=alias_map)
            else:
                _import_addendum(parsed, report, state_iso3=state_iso3, session=session,
                                 user=user, alias_map=alias_map)
            if dry_run or report.errors:
                transaction.set_rollback(True)
    except DatabaseError as exc:
        report.errors.append({"row": None, "message": f"database refused the import: {exc}"})


def _import_report(parsed: UNParsedFile, report: ImportReport, *, state_iso3, session, user,
                   progress, alias_map) -> None:
    from imports import write
    from reviews.models import Review
    from states.models import normalize_name

    document = parsed.document
    found = _session_for(document, report) if session is None else None
    parsed.session = session or (found.number if found else None)
    parsed.state_under_review = document.state
    for row in parsed.rows:
        row.session = parsed.session
    if document.session_hints:
        report.notes.append("Session: " + "; ".join(document.session_hints))
    write.run(parsed, report, state_iso3=state_iso3, session=session, dry_run=False,
              user=user, progress=progress, alias_map=alias_map)
    if report.errors:
        return
    state = alias_map.get(normalize_name(document.state)) if document.state else None
    review = Review.objects.filter(state=state, session__number=parsed.session).first() \
        if state else None
    if review is None:
        return
    report.notes.append(f"Review: {review} ({document.symbol})")
    if document.review_date and review.move_review_date(document.review_date):
        report.notes.append(f"Date of the review from the report: {document.review_date} "
                            "(the deadlines follow it)")
    apply_waiting(review, report, user)
    by_kind = _responses_summary(review)
    report.notes.append("Responses: " + ", ".join(f"{k} {v}" for k, v in by_kind.items()))


def _find_review(document: UNDocument, report: ImportReport, *, state_iso3, session,
                 alias_map, user):
    from reviews.models import Review, Session
    from states.models import normalize_name

    if document.report_symbol:
        review = Review.objects.filter(wg_report_symbol=document.report_symbol).select_related(
            "state", "session").first()
        if review is not None:
            from imports.undo import capture_reviews

            capture_reviews(review_ids=[review.pk])
            report.notes.append(f"Review: {review}, matched by the report's symbol "
                                f"{document.report_symbol}")
            return review
    name = document.state or state_iso3 or ""
    state = alias_map.get(normalize_name(name)) if name else None
    if state is None:
        report.errors.append({"row": None, "message": (
            f"unknown State under review {name!r}" if name else
            "the addendum does not say which State is under review: give --state ISO3")})
        return None
    number = session or (_session_for(document, report) or Session()).number
    if number is None:
        report.errors.append({"row": None, "message": (
            "The addendum does not say which session it belongs to, and no review in the "
            f"tracker has its report {document.report_symbol or '(no symbol found)'} yet. "
            "Import the Working Group report first, or give the session of the review "
            "(--session N, or the session field of the import page).")})
        return None
    found = Session.objects.filter(number=number).first()
    if found is None:
        report.errors.append({"row": None, "message": f"unknown session number {number}"})
        return None
    from imports.undo import capture_reviews

    capture_reviews(keys=[(state.pk, found.pk)])
    review = Review.objects.filter(state=state, session=found).first()
    if review is None:
        review = Review(state=state, session=found, wg_report_symbol=document.report_symbol)
        review.save()
        report.reviews_created += 1
        report.notes.append(f"Review: {review} (created; its report is not imported yet)")
    else:
        report.notes.append(f"Review: {review}")
        if not review.wg_report_symbol and document.report_symbol:
            review.wg_report_symbol = document.report_symbol
            review.save()
    return review


def _import_addendum(parsed: UNParsedFile, report: ImportReport, *, state_iso3, session,
                     user, alias_map) -> None:
    from recommendations.models import Recommendation

    document = parsed.document
    review = _find_review(document, report, state_iso3=state_iso3, session=session,
                          alias_map=alias_map, user=user)
    if review is None:
        return
    if document.symbol and review.addendum_symbol != document.symbol:
        review.addendum_symbol = document.symbol
        review.save()
    current = dict(Recommendation.objects.filter(review=review).values_list("paragraph",
                                                                            "response"))
    known = set(current) or None
    heads = Counter(p.split(".")[0] for p, r in current.items()
                    if "." in p and r == Response.PENDING) or \
        Counter(p.split(".")[0] for p in current if "." in p)
    if not heads:
        heads = Counter(m.group(1) for _n, _r, region in document.lists
                        for m in re.finditer(r"(\d{1,3})\.\d", region))
    prefix = heads.most_common(1)[0][0] if heads else ""
    responses, problems = addendum_responses(document, prefix=prefix, known=known)
    report.notes += [f"Could not read: {p}" for p in problems]
    twice = {p.split(" ", 1)[0] for p in problems if " is answered twice" in p}
    nowhere = sorted((p for p, r in current.items() if r == Response.PENDING
                      and p not in responses and p not in twice), key=paragraph_sort_key)
    if current and nowhere and responses:
        report.notes.append(f"Answered nowhere in the addendum ({len(nowhere)}): "
                            f"{', '.join(nowhere)}")
    if twice:
        report.notes.append(f"Answered twice, differently, left without a response "
                            f"({len(twice)}): "
                            f"{', '.join(sorted(twice, key=paragraph_sort_key))}")
    parsed.rows_read = report.rows_read = len(responses)
    if not responses:
        report.errors.append({"row": None, "message": (
            "The addendum lists no recommendation numbers that could be read: no numbered "
            "paragraph nor heading that says what the State accepts, supports or notes "
            "(\"… accepts the following recommendations:\") with numbers like 106.14 or "
            "106.1-106.10 after it, and no answer per recommendation (\"Recommendation 3\" "
            "then a sentence).")})
        return
    kinds = Counter(listed.response for listed in responses.values()
                    if not listed.needs_confirmation)
    if kinds:
        report.notes.append("Responses in the addendum: " + ", ".join(
            f"{Response(k).label} {v}" for k, v in sorted(kinds.items())))
    to_confirm = [r for r in responses.values() if r.needs_confirmation]
    if to_confirm:
        report.notes.append(f"Answers in sentences: {len(to_confirm)} proposed readings to "
                            "confirm on the review's page")
    if document.stated_supported is not None:
        got = (kinds.get(Response.SUPPORTED, 0), kinds.get(Response.NOTED, 0))
        stated = (document.stated_supported, document.stated_noted)
        if got == stated:
            report.notes.append(f"Check: the addendum says {stated[0]} supported and "
                                f"{stated[1]} noted; its lists give the same.")
        else:
            report.notes.append(f"CHECK FAILED: the addendum says {stated[0]} supported and "
                                f"{stated[1]} noted, its lists give {got[0]} and {got[1]}.")
    for paragraph, listed in responses.items():
        before = current.get(paragraph)
        if before not in (None, Response.PENDING, listed.response) and \
                not listed.needs_confirmation:
            report.notes.append(f"{paragraph}: the addendum says {listed.response}, it was "
                                f"{before} (changed; the history keeps both)")
    waiting = apply_responses(review, responses, document.symbol, report, user)
    _record_addendum_provenance(review, responses, report)
    if waiting and current:
        report.notes.append(f"Not in the report: {', '.join(waiting[:50])}")
    elif waiting:
        report.notes.append(f"{len(waiting)} responses kept until the report is imported")
    if current:
        if document.stated_received is not None and document.stated_received != len(current):
            report.notes.append(f"CHECK FAILED: the addendum speaks of "
                                f"{document.stated_received} recommendations, the review has "
                                f"{len(current)}.")
        pending = list(Recommendation.objects.filter(review=review, response=Response.PENDING)
                       .values_list("paragraph", flat=True))
        if pending:
            report.notes.append(f"CHECK FAILED: {len(pending)} recommendations still have no "
                                f"response: {', '.join(pending[:50])}")
        else:
            report.notes.append(f"Check: all {len(current)} recommendations have a response.")
        report.notes.append("Responses: " + ", ".join(
            f"{k} {v}" for k, v in _responses_summary(review).items()))
