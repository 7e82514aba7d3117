"""Lists of recommendation numbers as States write them in their addenda. Pure functions.

    140.7, 140.8                full numbers
    1–5, 14–16                  short numbers: items of the report's recommendations
                                paragraph (`prefix`), here 115.1–115.5 and 115.14–115.16
    122.17-18, 122.30–33        ranges, hyphen or en/em dash, spaces allowed (`122.34- 35`),
    106.1 to 106.10             or the word `to` (`through`)
    140.82-85, 87               a short number after a full one: same paragraph
    140.35. 140.36              a period slipped in for a comma
    122.6266                    a range whose hyphen was lost in extraction (`122.62-66`):
                                recognised because 6266 is not an item of the report

`known` (the report's paragraph numbers, when the report is there) decides the lost
hyphen; without it, an item number above `MAX_ITEM` that splits into an increasing
range is read as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DASHES = "-‐‑‒–—−"
MAX_ITEM = 400  # no report has had this many recommendations in one paragraph
MAX_SPAN = 40  # the longest range seen in an addendum is 14 (`122.91-104`)

# A number (full `140.7` or short `7`), optionally a range to a second number.
_TOKEN_RE = re.compile(
    rf"(?P<start>\d{{1,4}}(?:\.\d{{1,5}})?)(?:(?:\s*[{DASHES}]\s*|\s+(?:to|through)\s+)"
    rf"(?P<end>\d{{1,4}}(?:\.\d{{1,4}})?))?", re.IGNORECASE)


@dataclass
class NumberList:
    paragraphs: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _split_lost_hyphen(item: str, known: set[str] | None, prefix: str) -> list[int] | None:
    """`6266` → [62..66] when 6266 is not an item of the report.

    A cut is plausible when both ends have about as many digits (`62|66`, `98|102`),
    the range runs forwards and is short (at most `MAX_SPAN`), and, with the report at
    hand, both ends are items of it. The shortest plausible range wins.
    """
    if known is not None and f"{prefix}.{item}" in known:
        return None
    if known is None and int(item) <= MAX_ITEM:
        return None
    candidates = []
    for cut in range(1, len(item)):
        left, right = item[:cut], item[cut:]
        if right.startswith("0") or len(right) not in (len(left), len(left) + 1):
            continue
        low, high = int(left), int(right)
        if not low < high <= low + MAX_SPAN:
            continue
        if known is not None and not ({f"{prefix}.{low}", f"{prefix}.{high}"} <= known):
            continue
        candidates.append((high - low, low, high))
    if not candidates:
        return None
    _span, low, high = min(candidates)
    return list(range(low, high + 1))


def parse_number_list(text: str, *, prefix: str = "", known: set[str] | None = None
                      ) -> NumberList:
    """The paragraph numbers a list names, in order, without repeats.

    `prefix` is the report's recommendations paragraph (`140`); it gives short numbers
    their paragraph. `known` is the set of the report's paragraph numbers (`140.1`...).
    """
    result = NumberList()
    seen: set[str] = set()
    text = re.sub(r"\s+", " ", text or "")
    current = prefix

    def add(paragraph: str) -> None:
        if known is not None and paragraph not in known:
            result.problems.append(f"{paragraph} is not a recommendation of the report")
            return
        if paragraph not in seen:
            seen.add(paragraph)
            result.paragraphs.append(paragraph)

    position = 0
    while True:
        match = _TOKEN_RE.search(text, position)
        if match is None:
            break
        position = match.end()
        start, end = match.group("start"), match.group("end")
        # `140.35. 140.36`: the `.` after 35 is a slip, the regex already stopped there.
        if "." in start:
            head, item = start.split(".", 1)
            current = head
        else:
            if not current:
                result.problems.append(f"{start}: a short number but no paragraph to put "
                                       "it in")
                continue
            item = start
        if end is not None:
            end_item = end.split(".", 1)[1] if "." in end else end
            if "." in end and end.split(".", 1)[0] != current:
                result.problems.append(f"{match.group(0)}: a range across two paragraphs")
                continue
            low, high = int(item), int(end_item)
            if high < low:
                result.problems.append(f"{match.group(0)}: a range that runs backwards")
                continue
            for number in range(low, high + 1):
                add(f"{current}.{number}")
            continue
        split = _split_lost_hyphen(item, known, current) if len(item) >= 3 else None
        if split:
            for number in split:
                add(f"{current}.{number}")
            continue
        add(f"{current}.{int(item)}")
    return result
