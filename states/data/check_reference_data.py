#!/usr/bin/env python3
"""Check the reference data CSVs against each other and against the shared UPR data.

Standalone: needs only the standard library, python-calamine and python-docx.

    .venv/bin/python states/data/check_reference_data.py [--shared PATH]

PATH defaults to ../shared/data relative to the repository root (i.e. the
``shared/`` directory beside the clone), falling back to /work/shared/data.
Exits 1 if any check fails, and prints a summary either way.
"""

import argparse
import csv
import datetime
import html
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
STATES_CSV = HERE / "states.csv"
ALIASES_CSV = HERE / "aliases.csv"
UN_NAMES_CSV = HERE / "aliases_un_names.csv"
CYCLES_CSV = REPO / "reviews" / "data" / "cycles.csv"
SESSIONS_CSV = REPO / "reviews" / "data" / "sessions.csv"
THEMES_CSV = REPO / "recommendations" / "data" / "themes.csv"
SDGS_CSV = REPO / "recommendations" / "data" / "sdgs.csv"
GROUPS_CSV = REPO / "recommendations" / "data" / "affected_groups.csv"

REGIONS = {"AFR", "APG", "EEG", "GRULAC", "WEOG"}
# Members per group as decided in SOURCES.md (Türkiye, Israel, USA in WEOG;
# Kiribati, Cyprus and the Central Asian States in APG). Observers apart.
EXPECTED_MEMBERS = {"AFR": 54, "APG": 54, "EEG": 23, "GRULAC": 33, "WEOG": 29}
EXPECTED_OBSERVERS = {"PSE": "APG", "VAT": "WEOG"}
# UPR Info's regional-group labels -> ours.
UPR_INFO_RGRP = {"Africa": "AFR", "Asia": "APG", "EEG": "EEG", "GRULAC": "GRULAC", "WEOG": "WEOG"}
CYCLE_SESSIONS = {1: range(1, 13), 2: range(13, 27), 3: range(27, 41), 4: range(41, 55)}
UNKNOWN = "&#40;Unknown&#41;"
# Parenthesised text at the end of an OHCHR recommendation that is not a State.
NOT_A_STATE = re.compile(r"^No\.\s*\d+$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def normalise(name):
    """The name-matching normalisation shared with the importers."""
    s = html.unescape(name)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.lower().replace("&", " and ")
    s = re.sub(r"\bsaint\b", "st", s)
    s = re.sub(r"[^0-9a-z]+", " ", s).strip()
    if s.startswith("the "):
        s = s[4:]
    return s


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_upr_info_csv(path):
    # Mac Roman, bare CR line endings: newline='' lets csv handle the CRs.
    with open(path, encoding="mac_roman", newline="") as f:
        return list(csv.DictReader(f))


def split_top_level(text, sep=","):
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def trailing_state_groups(rec):
    """Top-level (...) groups followed by another group, ';', '.' or the end."""
    groups, depth, start = [], 0, None
    for i, ch in enumerate(rec):
        if ch == "(":
            if depth == 0:
                start = i
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                if re.match(r"\s*(?:\(|;|\.|$)", rec[i + 1:]):
                    groups.append(rec[start + 1:i])
    return groups


def docx_rows(path):
    import docx  # python-docx

    table = docx.Document(str(path)).tables[0]
    for row in table.rows[1:]:
        yield [c.text for c in row.cells]


def docx_recommending_states(path):
    names = Counter()
    for cells in docx_rows(path):
        if cells[0].startswith("Theme:"):
            continue
        rec = re.split(r"\n\s*source of position", cells[0], flags=re.I)[0]
        for group in trailing_state_groups(rec):
            for name in split_top_level(group):
                if not NOT_A_STATE.match(name):
                    names[name] += 1
    return names


def docx_themes_sdgs_persons(path):
    themes, sdgs, persons = set(), set(), set()
    for cells in docx_rows(path):
        if cells[0].startswith("Theme:"):
            themes.add(cells[0][len("Theme:"):].strip())
            continue
        mode = "theme"
        for line in "\n".join(cells[2:]).split("\n"):
            line = line.strip()
            low = line.lower()
            if not line:
                continue
            if low.startswith("sdgs"):
                mode = "sdg"
                continue
            if low.startswith("affected persons") or low.startswith("groups of persons"):
                mode = "person"
                continue
            if not line.startswith("- "):
                continue
            value = line[2:].strip()
            m = re.match(r"(\d+) - (.+)$", value)
            if m:
                sdgs.add((int(m.group(1)), m.group(2)))
            elif mode == "theme":
                themes.add(value)
            elif mode == "person":
                persons.add(value)
    return themes, sdgs, persons


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=None)
    args = ap.parse_args()
    shared = args.shared
    if shared is None:
        shared = REPO.parent / "shared" / "data"
        if not shared.is_dir():
            shared = Path("/work/shared/data")
    upr = shared / "upr-info-2015"
    ohchr = shared / "ohchr-thematic-lists"

    # ---- states -------------------------------------------------------
    states = read_csv(STATES_CSV)
    by_iso3 = {s["iso3"]: s for s in states}
    if len(states) != 195:
        fail(f"states.csv has {len(states)} rows, expected 195")
    for col in ("iso3", "iso2", "name"):
        dup = [k for k, n in Counter(s[col] for s in states).items() if n > 1]
        if dup:
            fail(f"duplicate {col}: {dup}")
    for s in states:
        if not re.fullmatch(r"[A-Z]{3}", s["iso3"]) or not re.fullmatch(r"[A-Z]{2}", s["iso2"]):
            fail(f"bad ISO code in {s}")
        if s["region"] not in REGIONS:
            fail(f"bad region in {s}")
        if s["status"] not in ("member", "observer"):
            fail(f"bad status in {s}")
    members = Counter(s["region"] for s in states if s["status"] == "member")
    observers = {s["iso3"]: s["region"] for s in states if s["status"] == "observer"}
    if sum(members.values()) != 193:
        fail(f"{sum(members.values())} members, expected 193")
    if dict(members) != EXPECTED_MEMBERS:
        fail(f"members per group {dict(members)} != {EXPECTED_MEMBERS}")
    if observers != EXPECTED_OBSERVERS:
        fail(f"observers {observers} != {EXPECTED_OBSERVERS}")
    for iso3, region in [("TUR", "WEOG"), ("ISR", "WEOG"), ("USA", "WEOG"), ("KIR", "APG"),
                         ("CYP", "APG"), ("KAZ", "APG"), ("KGZ", "APG"), ("TJK", "APG"),
                         ("TKM", "APG"), ("UZB", "APG"), ("GEO", "EEG"), ("ARM", "EEG"),
                         ("AZE", "EEG")]:
        if by_iso3.get(iso3, {}).get("region") != region:
            fail(f"{iso3} should be in {region}")

    # ---- aliases ------------------------------------------------------
    aliases = read_csv(ALIASES_CSV) + read_csv(UN_NAMES_CSV)
    lookup = {}  # normalised name -> iso3
    for s in states:
        lookup[normalise(s["name"])] = s["iso3"]
    for a in aliases:
        if a["iso3"] not in by_iso3:
            fail(f"alias for unknown iso3: {a}")
            continue
        key = normalise(a["alias"])
        if not key:
            fail(f"empty alias: {a}")
        elif lookup.setdefault(key, a["iso3"]) != a["iso3"]:
            fail(f"normalised alias {key!r} maps to both {lookup[key]} and {a['iso3']}")

    def resolve(name):
        return lookup.get(normalise(name))

    # ---- State names in the shared data -------------------------------
    found = defaultdict(set)  # source -> names
    rgrp_seen = defaultdict(set)
    unknown_rows = 0
    rows = read_upr_info_csv(upr / "sessions-01-05.csv")
    n_rows = len(rows)
    for r in rows:
        for col, rcol in (("To", "To-Rgrp"), ("From", "From-Rgrp")):
            found["sessions-01-05.csv"].add(r[col])
            rgrp_seen[(r[col], r[rcol])].add("sessions-01-05.csv")
        if r["From"] == UNKNOWN:
            unknown_rows += 1
    pledges = read_upr_info_csv(upr / "voluntary-pledges.csv")
    for r in pledges:
        for col, rcol in (("To", "To-Rgrp"), ("From", "From-Rgrp")):
            found["voluntary-pledges.csv"].add(r[col])
            rgrp_seen[(r[col], r[rcol])].add("voluntary-pledges.csv")

    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(upr / "sessions-01-05.xls"))
    xls_rows = wb.get_sheet_by_index(0).to_python()
    header = [str(h) for h in xls_rows[0]]
    if header[0] != "SuR" or header[4] != "RS":
        fail(f"unexpected xls header {header}")
    for r in xls_rows[1:]:
        for i in (0, 4):
            if str(r[i]).strip():
                found["sessions-01-05.xls"].add(str(r[i]))

    docx_states = {}
    docx_files = sorted(ohchr.glob("*.docx"))
    for p in docx_files:
        names = docx_recommending_states(p)
        docx_states[p.name] = names
        found[p.name].update(names)

    unresolved = defaultdict(set)
    for src, names in found.items():
        for name in names:
            if name == UNKNOWN:
                continue
            if resolve(name) is None:
                unresolved[src].add(name)
    for src, names in unresolved.items():
        fail(f"{src}: unresolved State names {sorted(names)}")

    # Region labels in UPR Info data agree with ours?
    region_notes = []
    for name, rgrp in sorted(rgrp_seen):
        iso3 = resolve(name)
        if iso3 is None:
            continue
        st = by_iso3[iso3]
        if rgrp == "Observer":
            if st["status"] != "observer":
                fail(f"{name} is Observer in UPR Info data but {st['status']} here")
        elif UPR_INFO_RGRP.get(rgrp) != st["region"]:
            region_notes.append(f"{name}: UPR Info {rgrp}, here {st['region']}")

    # ---- cycles and sessions -------------------------------------------
    def d(s):
        return datetime.date.fromisoformat(s)

    cycles = {int(c["number"]): (d(c["start_date"]), d(c["end_date"]))
              for c in read_csv(CYCLES_CSV)}
    if sorted(cycles) != [1, 2, 3, 4]:
        fail(f"cycles {sorted(cycles)}")
    sessions = read_csv(SESSIONS_CSV)
    nums = [int(s["number"]) for s in sessions]
    if nums != list(range(1, 55)):
        fail("sessions are not exactly 1..54 in order")
    prev_end = None
    for s in sessions:
        n, c = int(s["number"]), int(s["cycle"])
        start, end = d(s["start_date"]), d(s["end_date"])
        if n not in CYCLE_SESSIONS.get(c, ()):
            fail(f"session {n} in cycle {c}")
        if end < start:
            fail(f"session {n} ends before it starts")
        if prev_end and start <= prev_end:
            fail(f"session {n} overlaps the previous one")
        prev_end = end
        cs, ce = cycles[c]
        if not (cs <= start and end <= ce):
            fail(f"session {n} ({start}..{end}) outside cycle {c} ({cs}..{ce})")
    for c, rng in CYCLE_SESSIONS.items():
        first = next(s for s in sessions if int(s["number"]) == rng[0])
        if d(first["start_date"]) != cycles[c][0]:
            fail(f"cycle {c} does not start with session {rng[0]}")
    if d(sessions[0]["start_date"]).strftime("%Y-%m") != "2008-04":
        fail("session 1 is not in April 2008")
    if d(sessions[40]["start_date"]).strftime("%Y-%m") != "2022-11":
        fail("session 41 is not in November 2022")

    # ---- themes ---------------------------------------------------------
    themes = read_csv(THEMES_CSV)
    slugs = [t["slug"] for t in themes]
    dup = [k for k, n in Counter(slugs).items() if n > 1]
    if dup:
        fail(f"duplicate theme slugs {dup}")
    for t in themes:
        if not SLUG_RE.match(t["slug"]):
            fail(f"bad slug {t['slug']!r}")
        if t["source"] not in ("upr-info", "uhri"):
            fail(f"bad theme source {t}")
    upr_themes = {t["name"] for t in themes if t["source"] == "upr-info"}
    uhri_themes = {normalise(t["name"]) for t in themes if t["source"] == "uhri"}
    issues = Counter()
    for r in rows:
        for i in r["Issue"].split(","):
            if i:
                issues[i] += 1
    pledge_issues = {i for r in pledges for i in r["Issue"].split(",") if i}
    missing = (set(issues) | pledge_issues) - upr_themes
    if missing:
        fail(f"UPR Info issues missing from themes.csv: {sorted(missing)}")
    extra = upr_themes - set(issues)
    if extra:
        fail(f"upr-info themes not in the data: {sorted(extra)}")

    docx_themes, docx_sdgs, docx_persons = set(), set(), set()
    for p in docx_files:
        t, s, g = docx_themes_sdgs_persons(p)
        docx_themes |= t
        docx_sdgs |= s
        docx_persons |= g
    missing = sorted(t for t in docx_themes if normalise(t) not in uhri_themes)
    if missing:
        fail(f"UHRI themes missing from themes.csv: {missing}")

    # ---- SDGs -----------------------------------------------------------
    sdgs = {int(s["number"]): s["title"] for s in read_csv(SDGS_CSV)}
    if sorted(sdgs) != list(range(1, 18)):
        fail(f"SDG numbers {sorted(sdgs)}")
    for n, title in sorted(docx_sdgs):
        if normalise(sdgs.get(n, "")) != normalise(title):
            fail(f"SDG {n}: docx says {title!r}, sdgs.csv says {sdgs.get(n)!r}")

    # ---- affected groups ------------------------------------------------
    groups = read_csv(GROUPS_CSV)
    gslugs = [g["slug"] for g in groups]
    if len(gslugs) != len(set(gslugs)) or not all(SLUG_RE.match(s) for s in gslugs):
        fail("affected group slugs not unique / not slugs")
    gnames = {normalise(g["name"]) for g in groups}
    missing = sorted(p for p in docx_persons if normalise(p) not in gnames)
    if missing:
        fail(f"affected persons missing from affected_groups.csv: {missing}")

    # ---- summary --------------------------------------------------------
    print()
    print("Reference data summary")
    print(f"  states.csv: {len(states)} rows = {sum(members.values())} members + "
          f"{len(observers)} observers ({', '.join(sorted(observers))})")
    print("  members per group: " + ", ".join(f"{r} {members[r]}" for r in sorted(REGIONS)))
    print(f"  aliases.csv: {len(aliases)} aliases; {len(lookup)} distinct normalised names")
    for src in sorted(found):
        names = found[src] - {UNKNOWN}
        print(f"  {src}: {len(names)} distinct State names, "
              f"{len(names) - len(unresolved.get(src, ()))} resolved")
    print(f"  sessions-01-05.csv: {n_rows} rows; {unknown_rows} with recommending State {UNKNOWN}")
    for name, counter in docx_states.items():
        print(f"  {name} recommending States ({len(counter)}): {', '.join(sorted(counter))}")
    if region_notes:
        print("  regional-group labels differing from UPR Info data (expected special cases):")
        for note in region_notes:
            print("    " + note)
    print(f"  cycles.csv: {len(cycles)} cycles; sessions.csv: {len(sessions)} sessions "
          f"({sessions[0]['start_date']} .. {sessions[-1]['end_date']})")
    print(f"  themes.csv: {len(themes)} themes = {len(upr_themes)} upr-info "
          f"({len(issues)} distinct Issue labels in sessions-01-05.csv) + {len(uhri_themes)} uhri")
    print(f"  sdgs.csv: {len(sdgs)} goals; affected_groups.csv: {len(groups)} groups")
    print()
    if failures:
        print(f"FAILED: {len(failures)} problem(s)")
        return 1
    print("OK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
