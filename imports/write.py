"""Resolution and the write phase, the same for every format.

1. Resolve names once for the whole file (alias map, sessions, reviews, themes,
   groups): unknown names are errors naming the rows.
2. Merge rows that are one recommendation (UPR Info's one-row-per-State):
   keys are the UHRI annotation id, else (review, paragraph), else
   (review, text_key).
3. Load the existing recommendations of the affected reviews in a fixed number
   of queries, and compare: unchanged rows are not touched at all (no
   updated_at change, no history row), so importing a file twice is a no-op.
4. Write in one transaction with bulk inserts (bulk_create_with_history keeps
   the audit trail) — or roll it all back for a dry run or on any error.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from imports.parsing import lookup_state, resolve_state_names
from imports.readers.core import ImportReport, ImportRow, ParsedFile
from recommendations import touch
from recommendations.models import (
    SDG,
    AffectedGroup,
    Recommendation,
    Response,
    ResponseRecord,
    Theme,
    ThemeSource,
    paragraph_sort_key,
    text_key,
)
from recommendations.touch import DELETED, touched
from reviews.models import Review, Session
from states.models import State, normalize_name

BATCH = 1000

# What each format says about a recommendation; what it does not say is left as is
# (UPR Info has no SDGs: importing it never clears SDGs someone added).
PROVIDES = {
    "upr-info": {"themes", "action_category"},
    "uhri": {"themes", "sdgs", "affected_groups", "paragraph"},
    "ohchr-list": {"themes", "sdgs", "affected_groups", "paragraph"},
    "un-report": {"paragraph"},
    "app-export": {"themes", "sdgs", "affected_groups", "paragraph", "action_category",
                   "all_themes"},
}


@dataclass
class Planned:
    """One recommendation of the file, resolved, with the rows it came from."""

    row: ImportRow
    review_key: tuple[int, int]
    states: list[State]
    rows: list[int]
    text_key: str = ""
    theme_ids: list[int] = field(default_factory=list)
    group_ids: list[int] = field(default_factory=list)


# Source ranking: the UN documents themselves over the lists derived from them (OHCHR
# thematic lists, UHRI), over the secondary UPR Info database. A record's text or
# response from a source never gives way to a source ranked lower (the report says so
# instead); the app's own export is a copy of the records and is not ranked.
SOURCE_RANK = {"un-report": 3, "un-addendum": 3, "ohchr-list": 2, "uhri": 2, "upr-info": 1}
SOURCE_NAMES = {"un-report": "the Working Group report", "un-addendum": "the addendum",
                "ohchr-list": "the OHCHR thematic list", "uhri": "the UHRI export",
                "upr-info": "the UPR Info export", "app-export": "this app's export"}


def text_flaws(text: str) -> int:
    """How broken a text's spacing looks: spaces around a hyphen or an apostrophe inside a
    word (`asylum ‑ seekers`, `Slovenia ’ s`), before punctuation, or doubled. The
    cleaner of two texts with the same words is the one with fewer."""
    import re

    return (len(re.findall(r"\w\s+[-‐‑]\s*\w|\w\s*[-‐‑]\s+\w", text))
            + len(re.findall(r"\w\s+[’']\s*\w|\w[’']\s+(?:s|t|re|ve|ll|d)\b", text))
            + len(re.findall(r"\s[,;:.)](?!\d)|\(\s", text)) + text.count("  "))


# Matches that are the same record as the file's (re-importing a source); the others
# merge another source's record of the same recommendation (see Importer.diff).
IDENTITY_MATCHES = {"annotation", "paragraph", "text"}
NEAR_MATCH_THRESHOLD = 0.9


def compact_text(text: str) -> str:
    """A recommendation's text blind to case, punctuation and every space: Word
    documents break words (`program me`, `provid ing`)."""
    return normalize_name(text).replace(" ", "")


def cluster_parts(text: str, is_state_name: Callable[[str], bool] | None = None) -> list[str]:
    """The wordings of a cluster stored as one text (`A (Indonesia); B (Niger)`)."""
    from imports.parsing import parse_recommendation_list

    if ";" not in text:
        return []
    items = parse_recommendation_list(text, is_state_name=is_state_name)
    if len(items) != 1 or len(items[0].parts) < 2:
        return []
    return [p.text for p in items[0].parts]


@dataclass
class Matches:
    """How the file's recommendations meet the database's (see `find_matches`)."""

    merged: dict[int, list[tuple[Planned, str]]] = field(default_factory=dict)
    new: list[Planned] = field(default_factory=list)
    folds: dict[int, list[int]] = field(default_factory=dict)
    near: list[tuple[Planned, int, float]] = field(default_factory=list)


class NearIndex:
    """The database's recommendations by review, with their normalised texts and an
    index from each word to the records that use it (issue 22: near matching compared
    every pair, 154 s of CPU for 1,000 rows against 5,000).

    Two texts at least 90 % alike (difflib ratio) share most of their words, so only
    the records that share at least a quarter of the text's informative words (those in
    at most half the review's records) are candidates; a text that shares no word with
    a record cannot be 90 % alike to it. Candidates come in the order of `existing`,
    so that ties resolve as before.
    """

    def __init__(self, records) -> None:
        self.records: dict[int, list[tuple[dict, str]]] = defaultdict(list)
        self.words: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for r in records:
            review = self.records[r["review_id"]]
            text = normalize_name(r["text"])
            for word in set(text.split()):
                self.words[r["review_id"]][word].append(len(review))
            review.append((r, text))

    def candidates(self, review_id: int, text: str) -> list[tuple[dict, str]]:
        from itertools import chain

        review = self.records.get(review_id)
        if not review:
            return []
        postings = self.words[review_id]
        known = [w for w in set(text.split()) if w in postings]
        if not known:
            return []
        common = max(8, len(review) // 2)
        informative = [w for w in known if len(postings[w]) <= common]
        if not informative:  # nothing but very common words: every record is a candidate
            return review
        shared = Counter(chain.from_iterable(postings[w] for w in informative))
        need = max(1, len(informative) // 4)
        return [review[i] for i in sorted(shared) if shared[i] >= need]


def find_matches(plans: list[tuple[Planned, int]], existing: dict[int, dict], *,
                 is_state_name: Callable[[str], bool] | None = None,
                 threshold: float = NEAR_MATCH_THRESHOLD) -> Matches:
    """Find, for each recommendation of a file, the one in the database it is.

    The one merge rule every importer uses (OHCHR lists, UPR Info, UHRI, UN documents):
    `plans` are the file's recommendations with their review id, `existing` the
    database's of the same reviews (dicts with id, review_id, paragraph, text,
    uhri_annotation_id). In order, over all plans at each step:

    1. identity: the UHRI annotation id, else the paragraph (`186.48`) where both have
       one, else the same text (blind to whitespace) where at most one has a paragraph;
    2. cluster: the file's paragraph adopts several wordings and the database has
       them as separate records without paragraph (UPR Info: one row per wording) —
       the first takes the paragraph, the others are folded into it; or the file's
       text is one wording of a cluster the database has under its paragraph;
    3. near: the most similar text of the same review, at least `threshold` alike
       (difflib ratio), never across two different paragraphs.

    A record matched by identity or near is taken once; several wordings may merge
    into one cluster record.
    """
    import difflib

    result = Matches()
    by_annotation = {r["uhri_annotation_id"]: r for r in existing.values()
                     if r["uhri_annotation_id"]}
    by_paragraph = {(r["review_id"], r["paragraph"]): r for r in existing.values()
                    if r["paragraph"]}
    by_text: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for r in sorted(existing.values(), key=lambda r: r["id"]):
        by_text[(r["review_id"], compact_text(r["text"]))].append(r)
    claimed: set[int] = set()
    folded: set[int] = set()
    pending: list[tuple[Planned, int]] = []

    def take(planned: Planned, rec_id: int, kind: str) -> None:
        result.merged.setdefault(rec_id, []).append((planned, kind))

    for planned, review_id in plans:
        row = planned.row
        match, kind = None, ""
        if row.uhri_annotation_id:
            match, kind = by_annotation.get(row.uhri_annotation_id), "annotation"
        if match is None and row.paragraph:
            match, kind = by_paragraph.get((review_id, row.paragraph)), "paragraph"
        if match is None:
            candidates = [r for r in by_text.get((review_id, compact_text(row.text)), [])
                          if r["id"] not in claimed and (not row.paragraph or not r["paragraph"])]
            if candidates:
                match = candidates[0]
                kind = "text" if bool(row.paragraph) == bool(match["paragraph"]) else "merge"
        if match is not None and match["id"] not in claimed:
            claimed.add(match["id"])
            take(planned, match["id"], kind)
        else:
            pending.append((planned, review_id))

    # 2. clusters, both ways.
    part_index: dict[tuple[int, str], int] = {}
    if pending:
        for r in existing.values():
            if r["paragraph"] and ";" in r["text"]:
                for part in cluster_parts(r["text"], is_state_name):
                    part_index.setdefault((r["review_id"], compact_text(part)), r["id"])
    still: list[tuple[Planned, int]] = []
    for planned, review_id in pending:
        row = planned.row
        if row.parts and row.paragraph:
            found = []
            for part in row.parts:
                found += [r for r in by_text.get((review_id, compact_text(part)), [])
                          if not r["paragraph"] and r["id"] not in claimed
                          and r["id"] not in folded and r not in found]
            if found:
                keep, *gone = found
                claimed.add(keep["id"])
                folded.update(r["id"] for r in gone)
                claimed.update(r["id"] for r in gone)
                take(planned, keep["id"], "cluster")
                if gone:
                    result.folds[keep["id"]] = [r["id"] for r in gone]
                continue
        if not row.paragraph:
            rec_id = part_index.get((review_id, compact_text(row.text)))
            if rec_id is not None and rec_id not in folded:
                claimed.add(rec_id)
                take(planned, rec_id, "cluster")
                continue
        still.append((planned, review_id))

    # 3. near matches: same review, compatible paragraphs, not taken. Only candidates
    # that share one of the text's rarest words are compared (NearIndex), each record's
    # text normalised once: near-linear, where comparing every pair was quadratic.
    index = NearIndex(existing.values()) if still else None
    for planned, review_id in still:
        row = planned.row
        text = normalize_name(row.text)
        best, best_ratio = None, threshold
        for r, other in index.candidates(review_id, text):
            if r["id"] in claimed or (row.paragraph and r["paragraph"]
                                      and r["paragraph"] != row.paragraph):
                continue
            if min(len(text), len(other)) < best_ratio * max(len(text), len(other)):
                continue
            matcher = difflib.SequenceMatcher(None, text, other, autojunk=False)
            if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
                continue
            ratio = matcher.ratio()
            if ratio >= best_ratio:
                best, best_ratio = r, ratio
        if best is None:
            result.new.append(planned)
            continue
        claimed.add(best["id"])
        take(planned, best["id"], "near")
        result.near.append((planned, best["id"], best_ratio))
    return result


def combine(plans: list[Planned]) -> Planned:
    """Several recommendations of a file that merge into one record: one Planned with
    the first's wording and everyone's States, themes, SDGs and groups."""
    if len(plans) == 1:
        return plans[0]
    # A paragraph source's row speaks for the record; the others add to it.
    plans = sorted(plans, key=lambda p: not p.row.paragraph)
    first = plans[0]
    row = ImportRow(**{**first.row.__dict__, "themes": list(first.row.themes),
                       "theme_slugs": list(first.row.theme_slugs), "sdgs": list(first.row.sdgs),
                       "affected_groups": list(first.row.affected_groups)})
    states = list(first.states)
    rows = list(first.rows)
    for other in plans[1:]:
        states += [s for s in other.states if s not in states]
        rows += other.rows
        row.themes += [t for t in other.row.themes if t not in row.themes]
        row.sdgs += [g for g in other.row.sdgs if g not in row.sdgs]
        row.affected_groups += [g for g in other.row.affected_groups
                                if g not in row.affected_groups]
        row.action_category = row.action_category or other.row.action_category
        row.response = row.response or other.row.response
    return Planned(row=row, review_key=first.review_key, states=states, rows=rows,
                   text_key=first.text_key)


def _label(symbol: str, paragraph: str) -> str:
    # Same as ResponseRecord.source_label.
    if symbol and paragraph:
        return f"{symbol}, para. {paragraph}"
    return symbol or paragraph


def _unique_slug(name: str, taken: set[str]) -> str:
    base = slugify(name)[:190] or "theme"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


class Importer:
    def __init__(self, parsed: ParsedFile, report: ImportReport, *, state_iso3: str | None,
                 session: int | None, user, progress: Callable[[int, int], None] | None,
                 alias_map: dict[str, State], source_name: str = "") -> None:
        self.parsed, self.report = parsed, report
        self.source_name = (source_name or "")[:255]
        self.state_option, self.session_option = state_iso3, session
        self.user, self.progress = user, progress
        self.alias_map = alias_map
        self.provides = PROVIDES[parsed.format]
        self.rows_total = parsed.rows_read
        self.kept_counts: Counter = Counter()

    def error(self, row: int | None, message: str) -> None:
        self.report.errors.append({"row": row, "message": message})

    def unknown(self, name: str, row: int, role: str) -> None:
        """Collect a name that resolves to no State, with its rows and the closest States."""
        for entry in self.report.unknown_names:
            if entry["name"] == name and entry["role"] == role:
                if row not in entry["rows"]:
                    entry["rows"].append(row)
                return
        closest = self.alias_map.closest(name) if hasattr(self.alias_map, "closest") else []
        self.report.unknown_names.append({
            "name": name, "role": role, "rows": [row],
            "suggestions": [{"iso3": s.iso3, "name": s.name} for s in closest]})

    def tick(self, done: int) -> None:
        if self.progress:
            self.progress(min(done, self.rows_total), self.rows_total)

    # --- 1. resolution ----------------------------------------------------------------

    def resolve_review_keys(self) -> dict[int, tuple[State, Session]]:
        """Row number → (State under review, Session); errors for what cannot be resolved."""
        sessions = {s.number: s for s in Session.objects.select_related("cycle")}
        option_state = None
        if self.state_option:
            option_state = lookup_state(self.alias_map, self.state_option)
            if option_state is None:
                self.error(None, f"--state {self.state_option!r} is not a known State")
        if self.session_option is not None and self.session_option not in sessions:
            self.error(None, f"--session {self.session_option} is not a known session number")
        resolved: dict[int, tuple[State, Session]] = {}
        symbols = {row.wg_report_symbol for row in self.parsed.rows if row.wg_report_symbol}
        by_symbol = dict(Review.objects.filter(wg_report_symbol__in=symbols).values_list(
            "wg_report_symbol", "session__number")) if symbols else {}
        for row in self.parsed.rows:
            name = row.state_under_review or self.parsed.state_under_review
            state = lookup_state(self.alias_map, name) if name else option_state
            if name and state is None:
                self.unknown(name, row.row, "State under review")
                self.error(row.row, f"unknown State under review {name!r}")
                continue
            if state is None:
                self.error(row.row, "the file does not say which State is under review: "
                                    "give --state ISO3")
                continue
            if option_state and state != option_state:
                self.error(row.row, f"the file is about {state.name}, not {option_state.name} "
                                    "(--state)")
                continue
            number = row.session or self.parsed.session or self.session_option or \
                by_symbol.get(row.wg_report_symbol)
            if number is None:
                if any(e["message"].startswith("the file does not say which session")
                       for e in self.report.errors):
                    continue  # said once for the whole file
                self.error(row.row, "the file does not say which session: give --session N" + (
                    f" (no review in the tracker has its report {row.wg_report_symbol} yet: "
                    "importing the report first gives it)" if row.wg_report_symbol else ""))
                continue
            if self.session_option is not None and number != self.session_option:
                self.error(row.row, f"the file is about session {number}, not "
                                    f"{self.session_option} (--session)")
                continue
            if number not in sessions:
                self.error(row.row, f"unknown session number {number}")
                continue
            resolved[row.row] = (state, sessions[number])
        return resolved

    def plan(self) -> list[Planned]:
        review_of = self.resolve_review_keys()
        self.review_objects: dict[tuple[int, int], tuple[State, Session]] = {}
        merged: dict[tuple, Planned] = {}
        for row in self.parsed.rows:
            if row.row not in review_of:
                continue
            state, session = review_of[row.row]
            review_key = (state.pk, session.pk)
            self.review_objects[review_key] = (state, session)
            states, unknown = resolve_state_names(row.recommending_states, self.alias_map)
            for name in unknown:
                self.unknown(name, row.row, "recommending State")
                self.error(row.row, f"unknown recommending State {name!r}")
            row.text = (row.text or "").strip()
            row.paragraph = (row.paragraph or "").strip().rstrip(".")
            if not row.text:
                self.error(row.row, "empty recommendation text")
                continue
            row_text_key = text_key(row.text)
            if row.uhri_annotation_id:
                key: tuple = ("uhri", row.uhri_annotation_id)
            elif row.paragraph:
                key = (review_key, "p", row.paragraph)
            else:
                # Blind to whitespace: `program me` and `programme` are one text.
                key = (review_key, "t", compact_text(row.text))
            planned = merged.get(key)
            if planned is None:
                merged[key] = Planned(row=row, review_key=review_key, states=states,
                                      rows=[row.row], text_key=row_text_key)
                continue
            # Joint recommendation spread over rows: one recommendation, all its States.
            planned.rows.append(row.row)
            planned.states += [s for s in states if s not in planned.states]
            first = planned.row
            first.themes += [t for t in row.themes if t not in first.themes]
            first.theme_slugs += [t for t in row.theme_slugs if t not in first.theme_slugs]
            first.sdgs += [g for g in row.sdgs if g not in first.sdgs]
            first.affected_groups += [g for g in row.affected_groups
                                      if g not in first.affected_groups]
            if row.response and first.response and row.response != first.response:
                self.report.notes.append(
                    f"rows {planned.rows[0]} and {row.row} are one recommendation with "
                    f"different responses; kept {first.response!r}")
            first.action_category = first.action_category or row.action_category
        plans = []
        for planned in merged.values():
            if not planned.states:
                if planned.row.no_state_reason:
                    self.report.skipped[planned.row.no_state_reason] = \
                        self.report.skipped.get(planned.row.no_state_reason, 0) + \
                        len(planned.rows)
                elif not any(e["row"] in planned.rows for e in self.report.errors):
                    self.error(planned.rows[0], "no recommending State")
                continue
            plans.append(planned)
        self.resolve_taxonomies(plans)
        return plans

    def resolve_taxonomies(self, plans: list[Planned]) -> None:
        """Match themes and affected groups by name (creating missing ones later)."""
        all_themes = list(Theme.objects.select_related("canonical"))
        self.themes_by_name = {(t.source, normalize_name(t.name)): t for t in all_themes}
        self.themes_by_slug = {t.slug: t for t in all_themes}
        # A new source label with the name of a known theme is a synonym of its canonical one.
        canonical_by_name: dict[str, Theme] = {}
        for t in sorted(all_themes, key=lambda t: t.canonical_id is not None):
            canonical_by_name.setdefault(normalize_name(t.name), t.canonical or t)
        self.groups_by_name = {normalize_name(g.name): g for g in AffectedGroup.objects.all()}
        self.sdg_numbers = set(SDG.objects.values_list("number", flat=True))
        self.new_themes: dict[tuple[str, str], Theme] = {}
        self.new_groups: dict[str, AffectedGroup] = {}
        theme_slugs = set(self.themes_by_slug)
        group_slugs = {g.slug for g in self.groups_by_name.values()}
        for planned in plans:
            row = planned.row
            for goal in row.sdgs:
                if goal not in self.sdg_numbers:
                    self.error(row.row, f"SDG {goal} does not exist")
            if row.theme_slugs:
                names = row.themes if len(row.themes) == len(row.theme_slugs) else row.theme_slugs
                for slug, name in zip(row.theme_slugs, names, strict=True):
                    if slug not in self.themes_by_slug:
                        canonical = canonical_by_name.get(normalize_name(name))
                        theme = Theme(name=name, slug=slug, source=ThemeSource.USER,
                                      canonical=canonical,
                                      group=canonical.group if canonical else "other")
                        self.themes_by_slug[slug] = theme
                        self.new_themes[(theme.source, normalize_name(name))] = theme
            else:
                for name in row.themes:
                    key = (row.theme_source, normalize_name(name))
                    if key not in self.themes_by_name:
                        canonical = canonical_by_name.get(normalize_name(name))
                        theme = Theme(name=name, source=row.theme_source,
                                      slug=_unique_slug(name, theme_slugs),
                                      canonical=canonical,
                                      group=canonical.group if canonical else "other")
                        if canonical is None:
                            canonical_by_name[normalize_name(name)] = theme
                        self.themes_by_name[key] = self.new_themes[key] = theme
            for name in row.affected_groups:
                key = normalize_name(name)
                if key and key not in self.groups_by_name:
                    group = AffectedGroup(name=name[:200], slug=_unique_slug(name, group_slugs))
                    self.groups_by_name[key] = self.new_groups[key] = group

    def themes_of(self, row: ImportRow) -> list[Theme]:
        if row.theme_slugs:
            return [self.themes_by_slug[s] for s in row.theme_slugs]
        return [self.themes_by_name[(row.theme_source, normalize_name(n))] for n in row.themes]

    def groups_of(self, row: ImportRow) -> list[AffectedGroup]:
        return [self.groups_by_name[normalize_name(n)] for n in row.affected_groups
                if normalize_name(n)]

    # --- 2. write ---------------------------------------------------------------------

    def write(self, plans: list[Planned]) -> None:
        from imports.undo import capture_reviews

        now = timezone.now()
        # The before image, for an undo (a no-op outside imports.undo.recording()).
        capture_reviews(keys=list(self.review_objects), recommendation_ids=list(
            Recommendation.objects.filter(uhri_annotation_id__in=[
                p.row.uhri_annotation_id for p in plans if p.row.uhri_annotation_id])
            .values_list("pk", flat=True)))
        reviews = self.ensure_reviews()
        for theme in self.new_themes.values():
            theme.save()
        for group in self.new_groups.values():
            group.save()
        review_ids = {key: review.pk for key, review in reviews.items()}
        self.review_labels = {review.pk: str(review) for review in reviews.values()}

        fields = ("id", "review_id", "paragraph", "text", "text_key", "response",
                  "response_source", "action_category", "uhri_annotation_id")
        existing = {r["id"]: r for r in Recommendation.objects.filter(
            review_id__in=review_ids.values()).values(*fields)}
        annotation_ids = [p.row.uhri_annotation_id for p in plans if p.row.uhri_annotation_id]
        if annotation_ids:
            for r in Recommendation.objects.filter(
                    uhri_annotation_id__in=annotation_ids).values(*fields):
                existing[r["id"]] = r
        relations = self.load_relations(list(existing))
        self.held_rank = self.load_ranks(list(existing))
        self.has_pending = set(ResponseRecord.objects.filter(
            recommendation_id__in=list(existing), response=Response.PENDING).values_list(
            "recommendation_id", flat=True)) if existing else set()
        matches = find_matches(
            [(p, review_ids[p.review_key]) for p in plans], existing,
            is_state_name=lambda name: lookup_state(self.alias_map, name) is not None)

        to_create: list[tuple[Planned, Recommendation]] = []
        to_update: list[tuple[Planned, int, dict]] = []
        self.provenance: list[tuple[Planned, int | None, str]] = []
        self.folds: dict[int, list[int]] = {}
        for match_id, group in matches.merged.items():
            planned = combine([p for p, _kind in group])
            merge = any(kind not in IDENTITY_MATCHES for _p, kind in group)
            folded = matches.folds.get(match_id, [])
            if folded:
                self.folds[match_id] = folded
            changes = self.diff(planned, review_ids[planned.review_key], existing[match_id],
                                relations, merge=merge, folded=folded)
            if changes:
                to_update.append((planned, match_id, changes))
            else:
                self.report.unchanged += 1
            self.provenance += [(p, match_id, kind) for p, kind in group]
        for planned in matches.new:
            obj = self.new_recommendation(planned, review_ids[planned.review_key])
            to_create.append((planned, obj))
        self.report.matched_exact = sum(
            1 for group in matches.merged.values() for _p, kind in group if kind != "near")
        self.report.matched_near = sum(
            1 for group in matches.merged.values() for _p, kind in group if kind == "near")
        self.report.new = len(matches.new)
        for planned, match_id, similarity in matches.near:
            self.report.near_matches.append({
                "rows": planned.rows, "review": self.review_labels.get(
                    review_ids[planned.review_key], ""),
                "paragraph": existing[match_id]["paragraph"] or planned.row.paragraph,
                "file_text": planned.row.text, "database_text": existing[match_id]["text"],
                "similarity": round(similarity, 3), "recommendation_id": match_id})
        self.report.created = len(to_create)
        self.report.updated = len(to_update)
        self.report.notes.append(self.contribution(to_create, to_update, matches))
        self.create(to_create, now)
        self.provenance += [(p, obj.pk, "new") for p, obj in to_create]
        self.tick(self.rows_total * 3 // 4)
        self.update(to_update, now)
        self.fold(now)
        self.record_provenance(now)
        self.fill_review_symbols(reviews, plans)
        touched([*(obj.pk for _p, obj in to_create), *(pk for _p, pk, _c in to_update),  # touch
                 *self.folds])

    def fold(self, now) -> None:
        """Recommendations a paragraph's cluster absorbed (one UPR Info text per part):
        their assessments, follow-up links, responses and provenance move to the
        paragraph's recommendation, and they are removed."""
        if not self.folds:
            return
        from imports.models import RecommendationSource
        from recommendations.models import Assessment, FollowUpAction

        links = FollowUpAction.recommendations.through
        for keep, gone in self.folds.items():
            Assessment.objects.filter(recommendation_id__in=gone).update(recommendation_id=keep)
            ResponseRecord.objects.filter(recommendation_id__in=gone).update(
                recommendation_id=keep)
            have = set(links.objects.filter(recommendation_id=keep).values_list(
                "followupaction_id", flat=True))
            links.objects.bulk_create(
                [links(recommendation_id=keep, followupaction_id=a) for a in set(
                    links.objects.filter(recommendation_id__in=gone).values_list(
                        "followupaction_id", flat=True)) - have])
            sources = set(RecommendationSource.objects.filter(recommendation_id=keep)
                          .values_list("source", "file_name"))
            for source in RecommendationSource.objects.filter(recommendation_id__in=gone):
                if (source.source, source.file_name) not in sources:
                    sources.add((source.source, source.file_name))
                    source.recommendation_id = keep
                    source.save(update_fields=["recommendation"])
            touched([keep])
            touched(gone, action=DELETED)
            for obj in Recommendation.objects.filter(pk__in=gone):
                obj._change_reason = "merged into its paragraph's recommendation"
                obj.delete()
            self.report.folded += len(gone)

    def record_provenance(self, now) -> None:
        from imports.models import RecommendationSource

        name = self.source_name
        rows = [RecommendationSource(
            recommendation_id=rec_id, source=self.parsed.format, file_name=name,
            rows=", ".join(str(r) for r in planned.rows)[:200], match=kind, imported_at=now)
            for planned, rec_id, kind in self.provenance if rec_id]
        # The first import of a file is its date: importing it again adds nothing.
        RecommendationSource.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)

    def ensure_reviews(self) -> dict[tuple[int, int], Review]:
        keys = self.review_objects
        found = {(r.state_id, r.session_id): r for r in Review.objects.filter(
            state_id__in={k[0] for k in keys}, session_id__in={k[1] for k in keys})}
        for key, (state, session) in keys.items():
            if key not in found:
                # Few per file: save() fills the document symbols and deadlines.
                review = Review(state=state, session=session)
                review.save()
                found[key] = review
                self.report.reviews_created += 1
        return {key: found[key] for key in keys}

    def contribution(self, to_create, to_update, matches: Matches) -> str:
        """What this source added to the records (the report's line for it)."""
        added: Counter = Counter()
        for _planned, _pk, changes in to_update:
            for name in changes:
                if name == "m2m":
                    added.update(f"m2m:{k}" for k in changes["m2m"])
                else:
                    added[name] += 1
        names = {"text": "texts (cleaner or corrected)", "paragraph": "paragraph numbers",
                 "response": "responses", "m2m:recommending_states": "recommending States",
                 "m2m:themes": "themes", "m2m:sdgs": "SDGs",
                 "m2m:affected_groups": "affected groups", "review_id": "reviews",
                 "action_category": "action categories", "uhri_annotation_id": "UHRI ids",
                 "prepend_pending": "'will be examined' steps in the response history",
                 "cite": "the UN document's citation of the response"}
        parts = [f"{len(to_create)} new recommendations"] + [
            f"{names.get(k, k)} on {v}" for k, v in sorted(added.items())]
        matched = sum(len(g) for g in matches.merged.values())
        parts.append(f"its provenance on {matched + len(to_create)}")
        kept = [f"{v} {k}s of a higher-ranked source kept" for k, v in
                sorted(self.kept_counts.items())]
        return (f"What {SOURCE_NAMES.get(self.parsed.format, 'this file')} added: " +
                ", ".join(parts) + (f"; {', '.join(kept)}" if kept else ""))

    def load_ranks(self, ids: list[int]) -> dict[int, int]:
        """Record id → the highest rank of the sources it was imported from."""
        from imports.models import RecommendationSource

        ranks: dict[int, int] = {}
        for chunk in range(0, len(ids), 5000):
            for rec_id, source in RecommendationSource.objects.filter(
                    recommendation_id__in=ids[chunk:chunk + 5000]).values_list(
                    "recommendation_id", "source").distinct():
                ranks[rec_id] = max(ranks.get(rec_id, 0), SOURCE_RANK.get(source, 0))
        return ranks

    def outranked(self, match: dict) -> bool:
        """Whether the record comes from a source ranked above this file's."""
        mine = SOURCE_RANK.get(self.parsed.format)
        return mine is not None and getattr(self, "held_rank", {}).get(match["id"], 0) > mine

    def kept(self, kind: str, planned: Planned, match: dict, detail: str) -> None:
        """Say in the report what this file would have changed and did not."""
        self.kept_counts[kind] += 1
        if self.kept_counts[kind] <= 5:
            where = match["paragraph"] or planned.row.paragraph or f"row {planned.rows[0]}"
            self.report.notes.append(f"{where}: {detail}")

    def load_relations(self, ids: list[int]) -> dict[str, dict[int, set[int]]]:
        relations: dict[str, dict[int, set[int]]] = {}
        for name in ("recommending_states", "themes", "sdgs", "affected_groups"):
            through = getattr(Recommendation, name).through
            target = getattr(Recommendation, name).field.m2m_reverse_field_name()
            mapping: dict[int, set[int]] = defaultdict(set)
            for chunk in range(0, len(ids), 5000):
                for rec_id, other in through.objects.filter(
                        recommendation_id__in=ids[chunk:chunk + 5000]).values_list(
                        "recommendation_id", target + "_id"):
                    mapping[rec_id].add(other)
            relations[name] = mapping
        return relations

    def wanted_relations(self, planned: Planned, current: dict[str, set[int]] | None = None,
                         theme_pks: dict[int, str] | None = None) -> dict[str, set[int] | None]:
        """The M2M sets the file asks for; None = the format says nothing about it."""
        row = planned.row
        wanted: dict[str, set[int] | None] = {
            "recommending_states": {s.pk for s in planned.states},
            "sdgs": set(row.sdgs) if "sdgs" in self.provides else None,
            "affected_groups": {g.pk for g in self.groups_of(row)}
            if "affected_groups" in self.provides else None,
        }
        themes = {t.pk for t in self.themes_of(row)}
        if "all_themes" not in self.provides and current is not None:
            # Keep themes of other sources (added by users or another import).
            themes |= {pk for pk in current.get("themes", set())
                       if theme_pks.get(pk) != row.theme_source}
        wanted["themes"] = themes
        return wanted

    def diff(self, planned: Planned, review_id: int, match: dict,
             relations: dict[str, dict[int, set[int]]], *, merge: bool = False,
             folded: list[int] | None = None) -> dict:
        """What must change on `match` for it to say what the file says.

        `merge`: another source's record of the same recommendation: add what the file
        knows (paragraph, States, themes, SDGs, groups, response source), never remove
        or reword, except that a source with paragraphs gives its wording to a record
        that had none. `folded`: records merged into this one, whose States etc. join.
        """
        row = planned.row
        changes: dict = {}
        if match["review_id"] != review_id:
            changes["review_id"] = review_id
        mine = SOURCE_RANK.get(self.parsed.format)
        raises = mine is not None and mine > getattr(self, "held_rank", {}).get(match["id"], 0)
        if row.text != match["text"]:
            if compact_text(row.text) == compact_text(match["text"]):
                # The same words: the cleaner spacing stays, whatever the order of imports;
                # as clean (`’` or `'`): the higher-ranked source's.
                flaws, held = text_flaws(row.text), text_flaws(match["text"])
                if flaws < held or (flaws == held and raises):
                    changes["text"] = row.text
            elif self.outranked(match):
                self.kept("text", planned, match, "the text of a higher-ranked source is "
                          f"kept; {SOURCE_NAMES.get(self.parsed.format, 'this file')} words "
                          f"it “{row.text[:120]}”")
            elif merge:
                if row.paragraph and not match["paragraph"]:
                    changes["text"] = row.text
            else:
                changes["text"] = row.text
        if "paragraph" in self.provides and row.paragraph and row.paragraph != match["paragraph"]:
            changes["paragraph"] = row.paragraph
        if "action_category" in self.provides and row.action_category is not None \
                and row.action_category != match["action_category"]:
            changes["action_category"] = row.action_category
        if row.uhri_annotation_id and row.uhri_annotation_id != match["uhri_annotation_id"]:
            changes["uhri_annotation_id"] = row.uhri_annotation_id
        if merge and match["action_category"] is not None:
            changes.pop("action_category", None)
        label = _label(row.source_symbol, row.source_paragraph)
        if row.response and row.response == match["response"]:
            # The same response from a second source adds provenance, not a history row;
            # the UN document's citation replaces a derived list's, in the same row.
            if label and label != match["response_source"] and raises:
                changes["cite"] = True
        elif row.response and match["response"] != Response.PENDING and self.outranked(match):
            self.kept("response", planned, match, f"kept the response {match['response']} "
                      f"({match['response_source'] or 'no source'}); "
                      f"{SOURCE_NAMES.get(self.parsed.format, 'this file')} says "
                      f"{row.response}")
        elif row.response and not merge:
            changes["response"] = row.response
        elif row.response and row.response != Response.PENDING and (
                match["response"] == Response.PENDING
                or (label and not match["response_source"])):
            # Merging: a documented position (with its source) beats an undocumented one.
            if row.response != match["response"] or label:
                changes["response"] = row.response
        if row.examined and match["response"] != Response.PENDING and raises and \
                match["id"] not in getattr(self, "has_pending", set()):
            # The report said "will be examined" before the list that came first gave the
            # answer: its step goes first in the history, as when the report comes first.
            changes["prepend_pending"] = True
        if not hasattr(self, "_theme_sources"):
            self._theme_sources = {t.pk: t.source for t in self.themes_by_name.values()}
        current = {name: relations[name].get(match["id"], set()) for name in relations}
        wanted = self.wanted_relations(planned, current, self._theme_sources)
        for name, target in wanted.items():
            if target is None:
                continue
            if name == "recommending_states" and current[name] and self.outranked(match):
                if target - current[name]:
                    self.kept("State", planned, match, "the recommending States of a "
                              "higher-ranked source are kept")
                continue
            if merge or folded:
                target = target | current[name]
            for other in folded or ():
                target = target | relations[name].get(other, set())
            if target != current[name]:
                changes.setdefault("m2m", {})[name] = target
        return changes

    def new_recommendation(self, planned: Planned, review_id: int) -> Recommendation:
        row = planned.row
        response = row.response or Response.PENDING
        # bulk_create bypasses save(): derive text_key/paragraph_sort here.
        return Recommendation(
            review_id=review_id, paragraph=row.paragraph, paragraph_sort=paragraph_sort_key(
                row.paragraph), text=row.text, text_key=planned.text_key, response=response,
            response_source=_label(row.source_symbol, row.source_paragraph),
            action_category=row.action_category,
            uhri_annotation_id=row.uhri_annotation_id or None)

    def insert_relations(self, pairs: dict[str, list[tuple[int, int]]]) -> None:
        for name, rows in pairs.items():
            if not rows:
                continue
            descriptor = getattr(Recommendation, name)
            through = descriptor.through
            target = descriptor.field.m2m_reverse_field_name() + "_id"
            through.objects.bulk_create(
                [through(recommendation_id=r, **{target: o}) for r, o in rows],
                batch_size=BATCH)

    def create(self, items: list[tuple[Planned, Recommendation]], now) -> None:
        if not items:
            return
        objs = bulk_create_with_history([obj for _p, obj in items], Recommendation,
                                        batch_size=BATCH, default_user=self.user,
                                        default_change_reason="import", default_date=now)
        pairs: dict[str, list[tuple[int, int]]] = defaultdict(list)
        records = []
        for (planned, _), obj in zip(items, objs, strict=True):
            for name, target in self.wanted_relations(planned).items():
                pairs[name] += [(obj.pk, other) for other in sorted(target or ())]
            records.append(ResponseRecord(
                recommendation_id=obj.pk, response=obj.response,
                source_symbol=planned.row.source_symbol,
                source_paragraph=planned.row.source_paragraph, created_by=self.user))
        self.insert_relations(pairs)
        bulk_create_with_history(records, ResponseRecord, batch_size=BATCH,
                                 default_user=self.user, default_change_reason="import",
                                 default_date=now)
        touched([obj.pk for obj in objs])

    def update(self, items: list[tuple[Planned, int, dict]], now) -> None:
        if not items:
            return
        fields = {"updated_at", "version"}
        removals: dict[str, list[int]] = defaultdict(list)
        pairs: dict[str, list[tuple[int, int]]] = defaultdict(list)
        objs = []
        # Whole rows: the history rows copy every field.
        loaded = Recommendation.objects.in_bulk([pk for _p, pk, _c in items])
        items = [(planned, loaded[pk], changes) for planned, pk, changes in items]
        for _planned, obj, changes in items:
            for name in ("review_id", "text", "paragraph", "action_category",
                         "uhri_annotation_id"):
                if name in changes:
                    setattr(obj, name, changes[name])
                    fields.add(name)
            obj.text_key, obj.paragraph_sort = text_key(obj.text), paragraph_sort_key(
                obj.paragraph)
            obj.updated_at = now
            # Editors holding the old version must not overwrite the import silently.
            obj.version += 1
            for name, target in changes.get("m2m", {}).items():
                removals[name].append(obj.pk)
                pairs[name] += [(obj.pk, other) for other in sorted(target)]
            objs.append(obj)
        fields |= {"text_key", "paragraph_sort"} if fields & {"text", "paragraph"} else set()
        bulk_update_with_history(objs, Recommendation, sorted(fields), batch_size=BATCH,
                                 default_user=self.user, default_change_reason="import",
                                 default_date=now)
        for name, ids in removals.items():
            getattr(Recommendation, name).through.objects.filter(
                recommendation_id__in=ids).delete()
        self.insert_relations(pairs)
        touched([obj.pk for obj in objs])
        for planned, obj, changes in items:
            if changes.get("prepend_pending"):
                first = obj.responses.order_by("created_at", "id").first()
                step = ResponseRecord.objects.create(recommendation=obj,
                                                     response=Response.PENDING,
                                                     created_by=self.user)
                if first is not None:
                    ResponseRecord.objects.filter(pk=step.pk).update(
                        created_at=first.created_at - dt.timedelta(microseconds=1))
            if changes.get("cite"):
                latest = obj.responses.order_by("-created_at", "-id").first()
                if latest is not None and latest.response == obj.response:
                    latest.source_symbol = planned.row.source_symbol
                    latest.source_paragraph = planned.row.source_paragraph
                    latest.save(update_fields=["source_symbol", "source_paragraph"])
                obj.response_source = _label(planned.row.source_symbol,
                                             planned.row.source_paragraph)
                obj.save(update_fields=["response_source"])
            if "response" in changes:
                # Rare (a State changed its position): the model method keeps the history.
                obj.record_response(changes["response"], source_symbol=planned.row.source_symbol,
                                    source_paragraph=planned.row.source_paragraph,
                                    user=self.user)

    def fill_review_symbols(self, reviews: dict[tuple[int, int], Review],
                            plans: list[Planned]) -> None:
        symbols: dict[tuple[int, int], Counter] = defaultdict(Counter)
        for planned in plans:
            if planned.row.wg_report_symbol:
                symbols[planned.review_key][planned.row.wg_report_symbol] += 1
        for key, counter in symbols.items():
            review = reviews[key]
            symbol = counter.most_common(1)[0][0]
            if not review.wg_report_symbol:
                review.wg_report_symbol = symbol
                review.save()
                self.report.notes.append(f"{review}: Working Group report {symbol}")
            elif review.wg_report_symbol != symbol:
                self.report.notes.append(f"{review}: the file cites {symbol}, the review has "
                                         f"{review.wg_report_symbol} (kept)")


SAMPLE_SIZE = 5


def _sample(planned: Planned, importer: Importer) -> dict:
    """One recommendation as the importer read it, for the dry run's report."""
    row = planned.row
    return {"row": planned.rows[0] if planned.rows else row.row,
            "state_under_review": row.state_under_review, "session": row.session,
            "paragraph": row.paragraph, "text": row.text[:400],
            "recommending_states": [s.name for s in planned.states],
            "response": row.response,
            "themes": [t.canonical_theme.name for t in importer.themes_of(row)]}


def bound_transaction() -> None:
    """On PostgreSQL, bound the import's transaction (issue 22: 5,000 rows used to hold
    one open for 14.5 minutes): no statement may run longer, and the transaction may not
    sit idle longer, than settings.IMPORT_TRANSACTION_TIMEOUT seconds; past either the
    database ends it, the import fails with the reason and nothing is written."""
    from django.conf import settings

    if connection.vendor != "postgresql":
        return
    seconds = int(getattr(settings, "IMPORT_TRANSACTION_TIMEOUT", 300))
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, true), "
                       "set_config('idle_in_transaction_session_timeout', %s, true)",
                       [f"{seconds}s", f"{seconds}s"])


def run(parsed: ParsedFile, report: ImportReport, *, state_iso3: str | None,
        session: int | None, dry_run: bool, user,
        progress: Callable[[int, int], None] | None,
        alias_map: dict[str, State] | None = None, source_name: str = "",
        new_aliases: dict[str, State] | None = None) -> None:
    """Resolve, compare and write (or roll back) `parsed` into the database.

    `new_aliases` (name → State, already in `alias_map`) are saved as StateAlias rows in
    the same transaction: only if the whole import succeeds, never on a dry run.
    """
    from pathlib import PurePath

    importer = Importer(parsed, report, state_iso3=state_iso3, session=session, user=user,
                        progress=progress,
                        alias_map=alias_map or State.objects.alias_map(),
                        source_name=source_name or PurePath(report.path or "").name)
    importer.tick(0)
    plans = importer.plan()
    if report.errors:
        return
    report.sample = [_sample(planned, importer) for planned in plans[:SAMPLE_SIZE]]
    importer.tick(importer.rows_total // 2)
    try:
        with transaction.atomic(), touch.batched():
            bound_transaction()
            for name, state in (new_aliases or {}).items():
                if State.objects.add_alias(name, state, user=user,
                                           via="import") is not None:
                    report.aliases_added.append({"name": name, "iso3": state.iso3})
            importer.write(plans)
            if dry_run:
                transaction.set_rollback(True)
    except ValueError as exc:  # an alias refused (too long, or another State's name)
        report.created = report.updated = report.unchanged = 0
        report.errors.append({"row": None, "message": f"alias refused: {exc}"})
        return
    except DatabaseError as exc:
        report.created = report.updated = report.unchanged = 0
        report.errors.append({"row": None, "message": f"database refused the import: {exc}"})
        # A session PostgreSQL ended for idling in the transaction is reopened next time.
        connection.close_if_unusable_or_obsolete()
        return
    importer.tick(importer.rows_total)
    if not dry_run and (report.created or report.updated):
        from recommendations.tasks import link_recurring_for_states

        link_recurring_for_states({key[0] for key in importer.review_objects})
