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

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

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
from recommendations.parsing import resolve_state_names
from reviews.models import Review, Session
from states.models import State, normalize_name

from .core import ImportReport, ImportRow, ParsedFile

BATCH = 1000

# What each format says about a recommendation; what it does not say is left as is
# (UPR Info has no SDGs: importing it never clears SDGs someone added).
PROVIDES = {
    "upr-info": {"themes", "action_category"},
    "uhri": {"themes", "sdgs", "affected_groups", "paragraph"},
    "ohchr-list": {"themes", "sdgs", "affected_groups", "paragraph"},
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
                 alias_map: dict[str, State]) -> None:
        self.parsed, self.report = parsed, report
        self.state_option, self.session_option = state_iso3, session
        self.user, self.progress = user, progress
        self.alias_map = alias_map
        self.provides = PROVIDES[parsed.format]
        self.rows_total = parsed.rows_read

    def error(self, row: int | None, message: str) -> None:
        self.report.errors.append({"row": row, "message": message})

    def tick(self, done: int) -> None:
        if self.progress:
            self.progress(min(done, self.rows_total), self.rows_total)

    # --- 1. resolution ----------------------------------------------------------------

    def resolve_review_keys(self) -> dict[int, tuple[State, Session]]:
        """Row number → (State under review, Session); errors for what cannot be resolved."""
        sessions = {s.number: s for s in Session.objects.select_related("cycle")}
        option_state = None
        if self.state_option:
            option_state = self.alias_map.get(normalize_name(self.state_option))
            if option_state is None:
                self.error(None, f"--state {self.state_option!r} is not a known State")
        if self.session_option is not None and self.session_option not in sessions:
            self.error(None, f"--session {self.session_option} is not a known session number")
        resolved: dict[int, tuple[State, Session]] = {}
        for row in self.parsed.rows:
            name = row.state_under_review or self.parsed.state_under_review
            state = self.alias_map.get(normalize_name(name)) if name else option_state
            if name and state is None:
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
            number = row.session or self.parsed.session or self.session_option
            if number is None:
                self.error(row.row, "the file does not say which session: give --session N")
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
                key = (review_key, "t", row_text_key)
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
        now = timezone.now()
        reviews = self.ensure_reviews()
        for theme in self.new_themes.values():
            theme.save()
        for group in self.new_groups.values():
            group.save()
        review_ids = {key: review.pk for key, review in reviews.items()}

        existing = {r["id"]: r for r in Recommendation.objects.filter(
            review_id__in=review_ids.values()).values(
            "id", "review_id", "paragraph", "text", "text_key", "response", "response_source",
            "action_category", "uhri_annotation_id")}
        annotation_ids = [p.row.uhri_annotation_id for p in plans if p.row.uhri_annotation_id]
        if annotation_ids:
            for r in Recommendation.objects.filter(uhri_annotation_id__in=annotation_ids).values(
                    "id", "review_id", "paragraph", "text", "text_key", "response",
                    "response_source", "action_category", "uhri_annotation_id"):
                existing[r["id"]] = r
        by_annotation = {r["uhri_annotation_id"]: r for r in existing.values()
                         if r["uhri_annotation_id"]}
        by_paragraph = {(r["review_id"], r["paragraph"]): r for r in existing.values()
                        if r["paragraph"]}
        by_text: dict[tuple, list[dict]] = defaultdict(list)
        for r in existing.values():
            by_text[(r["review_id"], r["text_key"])].append(r)
        relations = self.load_relations(list(existing))

        claimed: set[int] = set()
        to_create: list[tuple[Planned, Recommendation]] = []
        to_update: list[tuple[Planned, int, dict]] = []
        for planned in plans:
            row = planned.row
            review_id = review_ids[planned.review_key]
            match = None
            if row.uhri_annotation_id:
                match = by_annotation.get(row.uhri_annotation_id)
            if match is None and row.paragraph:
                match = by_paragraph.get((review_id, row.paragraph))
            if match is None:
                candidates = [r for r in by_text.get((review_id, planned.text_key), [])
                              if r["id"] not in claimed and (
                                  not row.paragraph or not r["paragraph"])]
                match = candidates[0] if candidates else None
            if match is not None and match["id"] in claimed:
                match = None
            if match is None:
                to_create.append((planned, self.new_recommendation(planned, review_id)))
                continue
            claimed.add(match["id"])
            changes = self.diff(planned, review_id, match, relations)
            if changes:
                to_update.append((planned, match["id"], changes))
            else:
                self.report.unchanged += 1
        self.report.created = len(to_create)
        self.report.updated = len(to_update)
        self.create(to_create, now)
        self.tick(self.rows_total * 3 // 4)
        self.update(to_update, now)
        self.fill_review_symbols(reviews, plans)

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
             relations: dict[str, dict[int, set[int]]]) -> dict:
        row = planned.row
        changes: dict = {}
        if match["review_id"] != review_id:
            changes["review_id"] = review_id
        if row.text != match["text"]:
            changes["text"] = row.text
        if "paragraph" in self.provides and row.paragraph and row.paragraph != match["paragraph"]:
            changes["paragraph"] = row.paragraph
        if "action_category" in self.provides and row.action_category is not None \
                and row.action_category != match["action_category"]:
            changes["action_category"] = row.action_category
        if row.uhri_annotation_id and row.uhri_annotation_id != match["uhri_annotation_id"]:
            changes["uhri_annotation_id"] = row.uhri_annotation_id
        if row.response:
            label = _label(row.source_symbol, row.source_paragraph)
            if row.response != match["response"] or (label and label != match["response_source"]):
                changes["response"] = row.response
        if not hasattr(self, "_theme_sources"):
            self._theme_sources = {t.pk: t.source for t in self.themes_by_name.values()}
        current = {name: relations[name].get(match["id"], set()) for name in relations}
        wanted = self.wanted_relations(planned, current, self._theme_sources)
        for name, target in wanted.items():
            if target is not None and target != current[name]:
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
        for planned, obj, changes in items:
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


def run(parsed: ParsedFile, report: ImportReport, *, state_iso3: str | None,
        session: int | None, dry_run: bool, user,
        progress: Callable[[int, int], None] | None,
        alias_map: dict[str, State] | None = None) -> None:
    """Resolve, compare and write (or roll back) `parsed` into the database."""
    importer = Importer(parsed, report, state_iso3=state_iso3, session=session, user=user,
                        progress=progress,
                        alias_map=alias_map or State.objects.alias_map())
    importer.tick(0)
    plans = importer.plan()
    if report.errors:
        return
    report.sample = [_sample(planned, importer) for planned in plans[:SAMPLE_SIZE]]
    importer.tick(importer.rows_total // 2)
    try:
        with transaction.atomic():
            importer.write(plans)
            if dry_run:
                transaction.set_rollback(True)
    except DatabaseError as exc:
        report.created = report.updated = report.unchanged = 0
        report.errors.append({"row": None, "message": f"database refused the import: {exc}"})
        return
    importer.tick(importer.rows_total)
