"""Parse recommendation text with the recommending States in parentheses.

Shared by the importers (OHCHR thematic lists, UHRI texts) and the browser's
"paste a list" feature. Pure functions: no database access here; State names
are resolved by the caller with `resolve_state_names()`.

How items and paragraphs are decided:

* An item starts at a paragraph number (`140.1`, `166.6.`) at the start of a
  line or after the `;` that closes a previous item, and runs until the next
  one. A line that does not start with a number continues the previous item
  when that item is unfinished (text wrapped by a PDF copy), else starts a new
  item without paragraph.
* A *cluster* is several recommendations under ONE paragraph number, each
  with its own States: `122.3 Undertake ... (Indonesia); Consider ... (Niger);`.
  The WG report adopts it as one paragraph, and a recommendation is
  identified by its paragraph, so a cluster is ONE `ParsedRecommendation`:
  `state_names` is the union of its parts' States, `text` keeps each part's
  attribution as adopted (`Undertake ... (Indonesia); Consider ... (Niger)`),
  and `parts` lists the parts with their own States. When each part carries
  its own number (`140.1 ... (Peru); 140.2 ... (Chile);`), each is its own item.
* States are the balanced parenthesised groups at the end of an item:
  `(Algeria) (Cabo Verde)`, `(Chile); (Estonia)`, `(Portugal, Slovakia)`,
  `(Venezuela (Bolivarian Republic of))`. A group with digits (`(No. 29)`,
  `(2019)`) or starting in lower case is text, not a State, and stops the scan.
* `Source of position: A/HRC/43/15/Add.1 - Para.3` lines give the source of
  the position of the items before them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from states.models import normalize_name

if TYPE_CHECKING:
    from states.models import State

PARAGRAPH_RE = re.compile(r"^\s*(\d{1,4}(?:\.\d{1,4}){1,2})\.?(?=\s|$)\s*")
SOURCE_RE = re.compile(
    r"^\s*source\s+of\s+(?:the\s+)?position\s*:\s*(?P<symbol>[A-Z][\w./-]*?)"
    r"(?:\s*[-–,]\s*para(?:graph)?s?\.?\s*(?P<para>\d+[\d.]*))?\W*\w*\s*$",
    re.IGNORECASE,
)
UN_SYMBOL_RE = re.compile(r"\bA/HRC/(?:WG\.6/)?\d{1,3}/[\w.]+?(?:/Add\.\d{1,2})?(?=[\s,;]|\.?$|"
                          r"\.\s|\s*[-–])")
# A comma-part that belongs to the previous one: `Iran, Islamic Republic of`.
_NAME_TAIL_RE = re.compile(r"\bof$|^[a-z]")


@dataclass
class ClusterPart:
    text: str
    state_names: list[str]


@dataclass
class ParsedRecommendation:
    paragraph: str
    text: str
    state_names: list[str]
    line: int
    errors: list[str] = field(default_factory=list)
    # The parts of a cluster (one entry for a plain recommendation).
    parts: list[ClusterPart] = field(default_factory=list)
    source_symbol: str = ""
    source_paragraph: str = ""


def looks_like_state_group(inner: str) -> bool:
    """Whether a parenthesised group can name States (as opposed to `(No. 29)`)."""
    inner = inner.strip()
    return bool(inner) and len(inner) <= 200 and not re.search(r"\d", inner) \
        and inner[0].isupper() and ";" not in inner


def _top_level_commas(inner: str) -> list[str]:
    """`Congo (Republic of the), Chile` → two parts: commas inside parentheses stay."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif ch == "," and not depth:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    return [p.strip() for p in parts]


def split_state_group(inner: str, is_state_name: Callable[[str], bool] | None = None
                      ) -> list[str]:
    """`Portugal, Slovakia` → two names; `Iran, Islamic Republic of` stays one."""
    inner = " ".join(inner.split())
    if is_state_name and is_state_name(inner):
        return [inner]
    names: list[str] = []
    for part in _top_level_commas(inner):
        if not part:
            continue
        if names and is_state_name and not is_state_name(part) \
                and is_state_name(f"{names[-1]}, {part}"):
            names[-1] = f"{names[-1]}, {part}"
        elif names and _NAME_TAIL_RE.search(part) and not (
                is_state_name and is_state_name(part)):
            names[-1] = f"{names[-1]}, {part}"
        else:
            names.append(part)
    if names and names[0].lower().startswith("and "):
        names[0] = names[0][4:]
    # `(France and Germany)` is rare but seen in pasted lists.
    if len(names) > 1 and names[-1].lower().startswith("and "):
        names[-1] = names[-1][4:]
    return names


def is_state_group(inner: str, is_state_name: Callable[[str], bool] | None = None) -> bool:
    """A group of States: looks like names, or (with a checker) names known States even
    when written in lower case, as UN documents of the time did:
    `(the former Yugoslav Republic of Macedonia)`, `(the Netherlands, Germany)`."""
    if looks_like_state_group(inner):
        return True
    inner = inner.strip()
    if not is_state_name or not inner or len(inner) > 200 or re.search(r"\d|;", inner):
        return False
    return all(is_state_name(n) for n in split_state_group(inner, is_state_name))


# Footnote marks stuck to a closing parenthesis: `(France)1;`, `(Chile)[3]`, `(Peru)*`,
# and superscript digits anywhere.
_SUPERSCRIPTS_RE = re.compile("[\u00b9\u00b2\u00b3\u2070-\u2079]+")
_FOOTNOTE_RE = re.compile(r"\)(?:\[\d{1,3}\]|\*{1,3}|\d{1,2})(?=\s*(?:[;.,]|$))", re.MULTILINE)


def strip_footnote_marks(text: str) -> str:
    return _FOOTNOTE_RE.sub(")", _SUPERSCRIPTS_RE.sub("", text))


def _trailing_groups(text: str, is_state_name: Callable[[str], bool] | None = None
                     ) -> tuple[str, list[str]]:
    """Peel the State-like parenthesised groups off the end of an item.

    Returns the text before them and the groups' inner texts, left to right.
    """
    groups: list[str] = []
    end = len(text)
    while True:
        stripped = text[:end].rstrip().rstrip(";.,").rstrip()
        if not stripped.endswith(")"):
            break
        depth, i = 0, len(stripped) - 1
        while i >= 0:
            if stripped[i] == ")":
                depth += 1
            elif stripped[i] == "(":
                depth -= 1
                if depth == 0:
                    break
            i -= 1
        if i < 0:
            break
        inner = stripped[i + 1:-1]
        if not is_state_group(inner, is_state_name):
            break
        groups.insert(0, inner)
        end = i
    return text[:end], groups


def _split_items(text: str, is_state_name: Callable[[str], bool] | None = None
                 ) -> list[tuple[int, str]]:
    """Cut a logical item at each top-level `);` that closes a State-like group, and
    (with a checker) at `). ` + capital after a group of known States."""
    pieces: list[tuple[int, str]] = []
    depth, start, open_at = 0, 0, -1
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            if depth == 0:
                open_at = i
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                inner = text[open_at + 1:i]
                m = re.compile(r"\s*;").match(text, i + 1)
                if m is None and is_state_name:
                    m = re.compile(r"\s*\.(?=\s+\(?[A-Z])").match(text, i + 1)
                    if m and not all(is_state_name(n) for n in split_state_group(
                            inner, is_state_name)):
                        m = None
                if m and is_state_group(inner, is_state_name):
                    pieces.append((start, text[start:m.end()]))
                    start = m.end()
                    i = m.end()
                    continue
        i += 1
    if text[start:].strip():
        pieces.append((start, text[start:]))
    return pieces


def _clean_text(text: str) -> str:
    return " ".join(text.split()).strip().rstrip(";").strip()


def _build(paragraph: str, line: int, parts: list[ClusterPart]) -> ParsedRecommendation:
    names: list[str] = []
    for part in parts:
        names.extend(n for n in part.state_names if n not in names)
    if len(parts) == 1:
        text = parts[0].text
    else:
        # A cluster is adopted as one paragraph: keep who said what in its text.
        text = "; ".join(
            p.text + "".join(f" ({n})" for n in p.state_names) if p.state_names else p.text
            for p in parts if p.text or p.state_names)
    errors = []
    if not text:
        errors.append("no recommendation text")
    if not names:
        errors.append("no recommending State")
    return ParsedRecommendation(paragraph=paragraph, text=text, state_names=names, line=line,
                                errors=errors, parts=parts)


def _inner_groups(text: str) -> list[str]:
    """The balanced top-level parenthesised groups of a text, left to right."""
    groups, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                groups.append(text[start:i])
    return [g for g in groups if looks_like_state_group(g) or g[:1].islower()]


def _names_states(group: str, is_state_name: Callable[[str], bool]) -> bool:
    return all(is_state_name(n) for n in split_state_group(group, is_state_name))


def _parse_item(paragraph: str, body: str, line: int,
                is_state_name: Callable[[str], bool] | None) -> list[ParsedRecommendation]:
    """One numbered item: possibly a cluster, possibly several numbered items."""
    results: list[ParsedRecommendation] = []
    parts: list[ClusterPart] = []
    for _offset, piece in _split_items(body, is_state_name):
        m = PARAGRAPH_RE.match(piece)
        if m and parts:
            # `...(Peru); 140.2 ...`: the next item has its own number.
            results.append(_build(paragraph, line, parts))
            paragraph, parts, piece = m.group(1), [], piece[m.end():]
        before, groups = _trailing_groups(piece, is_state_name)
        if is_state_name and groups and any(_names_states(g, is_state_name) for g in groups):
            # Groups left of the first known State are text: `Protocol (OP-CAT) (France)`,
            # unless they look like a misspelt State, to be reported as unknown.
            near = getattr(is_state_name, "near", None)
            while groups and not _names_states(groups[0], is_state_name) and not (
                    near and near(groups[0])):
                before = f"{before} ({groups.pop(0)})"
        names = [n for g in groups for n in split_state_group(g, is_state_name)]
        if is_state_name:
            # Groups of known States mid-sentence count too: `Ratify … (Algeria,
            # Philippines) and adopt … (Mexico) with … (Peru);` (the text keeps them).
            inner_names = [n for g in _inner_groups(before) if _names_states(g, is_state_name)
                           for n in split_state_group(g, is_state_name)]
            names = list(dict.fromkeys(inner_names + names))
        text = _clean_text(before)
        if not text and parts:
            # `(Chile); (Estonia);`: UHRI lists each State after its own `;`.
            parts[-1].state_names.extend(n for n in names if n not in parts[-1].state_names)
            continue
        parts.append(ClusterPart(text=text, state_names=names))
    if parts:
        results.append(_build(paragraph, line, parts))
    return results


def _ends_item(body: str, is_state_name: Callable[[str], bool] | None) -> bool:
    """Whether a line closes its item: `(States);` or `(States).`, or — with a checker —
    known States and nothing after them."""
    if re.search(r"\)\s*[;.]\s*$", body):
        return True
    if is_state_name and body.rstrip().endswith(")"):
        _before, groups = _trailing_groups(body, is_state_name)
        return any(is_state_name(n) for g in groups for n in split_state_group(g, is_state_name))
    return False


def parse_recommendation_list(
    text: str, *, is_state_name: Callable[[str], bool] | None = None, cell: bool = False,
) -> list[ParsedRecommendation]:
    """Parse pasted or imported recommendations, one `ParsedRecommendation` per paragraph.

    `is_state_name` (optional) tells known State names from text in parentheses;
    without it, every trailing group that looks like a name is a candidate, and
    the caller reports the unknown ones. `cell=True` (a table cell of an OHCHR list):
    an unnumbered line after a finished numbered item is another part of that
    paragraph's cluster, not a recommendation of its own.
    """
    text = strip_footnote_marks(text or "")
    # Logical items: (line number, paragraph, body, source lines that follow).
    blocks: list[dict] = []
    for lineno, raw in enumerate((text or "").replace("\r\n", "\n").replace("\r", "\n")
                                 .split("\n"), start=1):
        line = raw.strip().lstrip("•").strip()
        if not line:
            continue
        source = SOURCE_RE.match(line)
        if source:
            # It gives the position of the item just above it (OHCHR list cells).
            if blocks and not blocks[-1]["source"]:
                symbol = source.group("symbol").rstrip(".,;")
                full = UN_SYMBOL_RE.search(line)
                if full and full.group(0).startswith(symbol):
                    symbol = full.group(0)  # `…/Add.1`, never cut to `…/Add`
                blocks[-1]["source"] = (symbol, (source.group("para") or "").rstrip("."))
            continue
        m = PARAGRAPH_RE.match(line)
        previous = blocks[-1] if blocks else None
        unfinished = previous and not previous["source"] and not _ends_item(
            previous["body"], is_state_name)
        if m:
            blocks.append({"line": lineno, "paragraph": m.group(1), "body": line[m.end():],
                           "source": None})
        elif unfinished:
            previous["body"] += " " + line
        elif cell and previous and previous["paragraph"] and not previous["source"]:
            # Each part of a cluster on its own line, ended by `.`, `;` or nothing.
            previous["body"] = re.sub(r"\)\s*[;.]?\s*$", ");", previous["body"]) + " " + line
        else:
            blocks.append({"line": lineno, "paragraph": "", "body": line, "source": None})

    results: list[ParsedRecommendation] = []
    for block in blocks:
        items = _parse_item(block["paragraph"], block["body"], block["line"], is_state_name)
        for item in items:
            if block["source"]:
                item.source_symbol, item.source_paragraph = block["source"]
        results.extend(items)
    return results


def lookup_state(alias_map: dict[str, State], name: str) -> State | None:
    """One name through `State.objects.alias_map()` (its `lookup()` when it has one)."""
    lookup = getattr(alias_map, "lookup", None)
    return lookup(name) if lookup else alias_map.get(normalize_name(name))


def resolve_state_names(names: Iterable[str], alias_map: dict[str, State]
                        ) -> tuple[list[State], list[str]]:
    """Resolve names through `State.objects.alias_map()`: (States in order, unknown names)."""
    states: list[State] = []
    unknown: list[str] = []
    for name in names:
        state = lookup_state(alias_map, name)
        if state is None and "," in name:
            # `Iran, Islamic Republic of` may be known, `Portugal, Slovakia` is two names.
            parts = [lookup_state(alias_map, p) for p in name.split(",")]
            if all(parts):
                states.extend(s for s in parts if s not in states)
                continue
        if state is None:
            if name not in unknown:
                unknown.append(name)
        elif state not in states:
            states.append(state)
    return states, unknown


class state_name_checker:  # noqa: N801 - used as a function
    """An `is_state_name` for `parse_recommendation_list` backed by the alias map;
    `near(name)` tells a misspelt State (`Sierra Lione`) from text in parentheses."""

    def __init__(self, alias_map: dict[str, State]) -> None:
        self.alias_map = alias_map

    def __call__(self, name: str) -> bool:
        return lookup_state(self.alias_map, name) is not None

    def near(self, name: str) -> bool:
        import difflib

        key = normalize_name(name)
        return len(key) > 4 and bool(difflib.get_close_matches(
            key, [k for k in self.alias_map if len(k) > 4], n=1, cutoff=0.85))
