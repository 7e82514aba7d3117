"""Undo an import job or a paste as one step (issue 23).

While a real import (or a paste) writes, a `Journal` records the *before image* of
every review it is about to touch: the review's fields, each of its recommendations
(fields, recommending States, themes, SDGs, groups, the ids of its responses, sources,
assessments and follow-up links) and its proposed responses. The writers call
`capture_reviews()` before they change anything; outside `recording()` that is a no-op.
After the import, the job keeps the journal (`ImportJob.undo`) with the ids that exist
afterwards.

`plan(job)` says what an undo would do and what of other people's it would touch
(assessments and follow-up actions added since, later edits); `undo(job, user=...)`
does it in one transaction: recommendations the import created are deleted (the change
feed hears of it first: `touched(ids, "deleted")`), those it changed or merged away are
put back as they were (fields, relations, responses, sources, moved assessments), reviews
it created are deleted, proposed responses and the State aliases it saved are restored.
Every restored row is a new entry of its history ("undo of import …"). `version` and
`updated_at` move forward (an undo is a change that mirrors and editors must see).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

RELATIONS = ("recommending_states", "themes", "sdgs", "affected_groups")
RECOMMENDATION_FIELDS = ("review_id", "paragraph", "text", "response", "response_source",
                         "action_category", "uhri_annotation_id", "government_status",
                         "civil_society_status")
REVIEW_SKIP = {"id", "updated_at", "created_at", "version"}

_journal: contextvars.ContextVar[Journal | None] = contextvars.ContextVar(
    "import_journal", default=None)


class Journal:
    def __init__(self) -> None:
        self.reviews: dict[int, dict] = {}            # review id → fields before
        self.review_keys: set[tuple[int, int]] = set()  # (state, session) looked at
        self.recommendations: dict[int, dict] = {}    # id → before image
        self.proposed: dict[int, list[dict]] = {}     # review id → proposed responses

    def capture_reviews(self, keys: Iterable[tuple[int, int]] = (),
                        review_ids: Iterable[int] = (),
                        recommendation_ids: Iterable[int] = ()) -> None:
        from imports.models import ProposedResponse
        from reviews.models import Review

        keys = set(keys) - self.review_keys
        self.review_keys |= keys
        reviews = []
        if keys:
            from django.db.models import Q

            query = Q()
            for state_id, session_id in keys:
                query |= Q(state_id=state_id, session_id=session_id)
            reviews += list(Review.objects.filter(query).values())
        ids = set(review_ids) - set(self.reviews)
        if ids:
            reviews += list(Review.objects.filter(pk__in=ids).values())
        fresh = [r for r in reviews if r["id"] not in self.reviews]
        for review in fresh:
            self.reviews[review["id"]] = {k: v for k, v in review.items()
                                          if k not in REVIEW_SKIP}
            self.proposed[review["id"]] = [
                {k: v for k, v in p.items()} for p in
                ProposedResponse.objects.filter(review_id=review["id"]).values()]
        from recommendations.models import Recommendation

        wanted = Recommendation.objects.filter(review_id__in=[r["id"] for r in fresh])
        extra = set(recommendation_ids) - set(self.recommendations)
        if extra:
            wanted = wanted | Recommendation.objects.filter(pk__in=extra)
        self.recommendations.update(snapshot(wanted.values_list("pk", flat=True),
                                             skip=set(self.recommendations)))

    def as_dict(self) -> dict:
        from recommendations.models import Recommendation
        from reviews.models import Review

        after_reviews = set(Review.objects.filter(
            pk__in=list(self.reviews)).values_list("pk", flat=True))
        for state_id, session_id in self.review_keys:
            after_reviews |= set(Review.objects.filter(
                state_id=state_id, session_id=session_id).values_list("pk", flat=True))
        after = list(Recommendation.objects.filter(review_id__in=after_reviews)
                     .values_list("pk", flat=True))
        return {"reviews": {str(k): _jsonable(v) for k, v in self.reviews.items()},
                "review_ids_after": sorted(after_reviews),
                "recommendations": {str(k): _jsonable(v)
                                    for k, v in self.recommendations.items()},
                "proposed": {str(k): [_jsonable(p) for p in v]
                             for k, v in self.proposed.items()},
                "recommendation_ids_after": sorted(after),
                "finished_at": timezone.now().isoformat()}


def _jsonable(data: dict) -> dict:
    import datetime as dt

    return {k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v)
            for k, v in data.items()}


def snapshot(ids: Iterable[int], skip: set[int] = frozenset()) -> dict[int, dict]:
    """Before images of these recommendations, a fixed number of queries."""
    from imports.models import RecommendationSource
    from recommendations.models import Assessment, FollowUpAction, Recommendation

    ids = [i for i in ids if i not in skip]
    if not ids:
        return {}
    images = {r["id"]: {f: r[f] for f in RECOMMENDATION_FIELDS}
              for r in Recommendation.objects.filter(pk__in=ids).values("id",
                                                                        *RECOMMENDATION_FIELDS)}
    for image in images.values():
        for name in (*RELATIONS, "responses", "sources", "assessments", "follow_up_actions"):
            image[name] = []
    for name in RELATIONS:
        through = getattr(Recommendation, name).through
        target = getattr(Recommendation, name).field.m2m_reverse_field_name() + "_id"
        for rec_id, other in through.objects.filter(recommendation_id__in=ids).values_list(
                "recommendation_id", target).order_by(target):
            images[rec_id][name].append(other)
    from recommendations.models import ResponseRecord

    # A second source may cite a response row differently in place (issue 20: the UN
    # document's citation replaces a list's): keep each row's citation to put it back.
    for image in images.values():
        image["citations"] = {}
    for rec_id, pk, symbol, paragraph in ResponseRecord.objects.filter(
            recommendation_id__in=ids).values_list(
            "recommendation_id", "pk", "source_symbol", "source_paragraph"):
        images[rec_id]["citations"][str(pk)] = [symbol, paragraph]
    for name, model in (("responses", ResponseRecord), ("sources", RecommendationSource),
                        ("assessments", Assessment)):
        for rec_id, pk in model.objects.filter(recommendation_id__in=ids).values_list(
                "recommendation_id", "pk").order_by("pk"):
            images[rec_id][name].append(pk)
    links = FollowUpAction.recommendations.through
    for rec_id, action_id in links.objects.filter(recommendation_id__in=ids).values_list(
            "recommendation_id", "followupaction_id").order_by("followupaction_id"):
        images[rec_id]["follow_up_actions"].append(action_id)
    return images


def capture_reviews(**kwargs) -> None:
    """Called by every writer of an import before it changes a review's data."""
    journal = _journal.get()
    if journal is not None:
        journal.capture_reviews(**kwargs)


@contextmanager
def recording():
    """Journal what the imports inside write (the job runner and the paste page)."""
    journal = Journal()
    token = _journal.set(journal)
    try:
        yield journal
    finally:
        _journal.reset(token)


# Undo -----------------------------------------------------------------------------

class CannotUndo(Exception):
    pass


def check_undoable(job) -> None:
    from imports.models import ImportJob

    if job.dry_run:
        raise CannotUndo(_("A dry run wrote nothing: there is nothing to undo."))
    if job.status != ImportJob.Status.SUCCEEDED:
        raise CannotUndo(_("Only an import that finished can be undone."))
    if job.undone_at:
        raise CannotUndo(_("This import was undone already."))
    if not job.undo:
        raise CannotUndo(_("This import was made before imports could be undone."))


def plan(job) -> dict:
    """What undoing `job` would do, and what of others' it would touch."""
    from recommendations.models import Assessment, FollowUpAction, Recommendation

    check_undoable(job)
    data = job.undo
    before = {int(k): v for k, v in data["recommendations"].items()}
    after = set(data["recommendation_ids_after"])
    now_ids = set(Recommendation.objects.filter(pk__in=after).values_list("pk", flat=True))
    created = sorted((after - set(before)) & now_ids)
    restored = sorted(set(before) - after)  # merged away by the import: put back
    current = snapshot(sorted(set(before) & now_ids))
    changed = sorted(pk for pk, image in current.items()
                     if _differs(image, before[pk]))
    gone_since = sorted((set(before) & after) - now_ids)  # deleted by someone since
    finished = data.get("finished_at")
    touched_ids = [*created, *changed]
    assessments = list(Assessment.objects.filter(recommendation_id__in=touched_ids)
                       .exclude(pk__in=[a for pk in changed for a in before[pk]["assessments"]])
                       .select_related("created_by", "recommendation").order_by("id"))
    actions = list(FollowUpAction.objects.filter(recommendations__in=created).distinct()
                   .order_by("id"))
    edits = []
    if finished:
        history = Recommendation.history.filter(id__in=touched_ids, history_date__gt=finished)
        edits = list(history.select_related("history_user").order_by("history_date")[:50])
    reviews_created = sorted(set(data["review_ids_after"]) - {int(k) for k in data["reviews"]})
    return {"created": created, "changed": changed, "restored": restored,
            "gone_since": gone_since, "reviews_created": reviews_created,
            "assessments": assessments, "follow_up_actions": actions, "later_edits": edits,
            "aliases": [a.get("name") for a in (job.report or {}).get("aliases_added") or []],
            "needs_confirmation": bool(assessments or actions or edits)}


def _differs(now: dict, before: dict) -> bool:
    keys = (*RECOMMENDATION_FIELDS, *RELATIONS, "responses", "sources", "assessments",
            "follow_up_actions")
    return any(_norm(now.get(k)) != _norm(before.get(k)) for k in keys)


def _norm(value):
    return sorted(value) if isinstance(value, list) else value


@transaction.atomic
def undo(job, *, user=None) -> dict:
    """Undo `job` as one step (see the module's docstring). Returns the plan it carried out."""
    from imports.models import ImportJob, ProposedResponse, RecommendationSource
    from recommendations.models import (
        Assessment,
        FollowUpAction,
        Recommendation,
        ResponseRecord,
    )
    from recommendations.services import delete_recommendations
    from recommendations.tasks import link_recurring_for_states
    from recommendations.touch import touched
    from reviews.models import Review
    from states.models import StateAlias

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    done = plan(job)
    data = job.undo
    reason = f"undo of import {job.original_name}"[:100]
    before = {int(k): v for k, v in data["recommendations"].items()}
    state_ids = set(Review.objects.filter(pk__in=data["review_ids_after"])
                    .values_list("state_id", flat=True))

    delete_recommendations(Recommendation.objects.filter(pk__in=done["created"]), user=user,
                           reason=reason)
    # Merged away by the import: the rows come back with their ids.
    for pk in done["restored"]:
        image = before[pk]
        rec = Recommendation(pk=pk, **{f: image[f] for f in RECOMMENDATION_FIELDS})
        rec._history_user, rec._change_reason = user, reason
        rec.save(force_insert=True)
    links = FollowUpAction.recommendations.through
    for pk in [*done["changed"], *done["restored"]]:
        image = before[pk]
        rec = Recommendation.objects.get(pk=pk)
        for name in RECOMMENDATION_FIELDS:
            setattr(rec, name, image[name])
        rec.version += 1
        rec._history_user, rec._change_reason = user, reason
        rec.save()
        for name in RELATIONS:
            getattr(rec, name).set(image[name])
        # Rows the import added go; rows it moved here from a merged record go back.
        ResponseRecord.objects.filter(recommendation_id=pk).exclude(
            pk__in=image["responses"]).exclude(
            pk__in=[r for other in before.values() for r in other["responses"]]).delete()
        ResponseRecord.objects.filter(pk__in=image["responses"]).update(recommendation_id=pk)
        for record_id, (symbol, paragraph) in (image.get("citations") or {}).items():
            ResponseRecord.objects.filter(pk=int(record_id)).exclude(
                source_symbol=symbol, source_paragraph=paragraph).update(
                source_symbol=symbol, source_paragraph=paragraph)
        RecommendationSource.objects.filter(recommendation_id=pk).exclude(
            pk__in=[s for other in before.values() for s in other["sources"]]).delete()
        RecommendationSource.objects.filter(pk__in=image["sources"]).update(
            recommendation_id=pk)
        Assessment.objects.filter(pk__in=image["assessments"]).update(recommendation_id=pk)
        have = set(links.objects.filter(recommendation_id=pk).values_list(
            "followupaction_id", flat=True))
        links.objects.bulk_create([links(recommendation_id=pk, followupaction_id=a)
                                   for a in set(image["follow_up_actions"]) - have])
    # Reviews: back to their fields; the ones the import created go (nothing left in them).
    for pk, fields in data["reviews"].items():
        review = Review.objects.filter(pk=int(pk)).first()
        if review is None:
            continue
        changed = False
        for name, value in fields.items():
            field = Review._meta.get_field(name.removesuffix("_id")
                                           if name.endswith("_id") else name)
            value = field.to_python(value) if value is not None else None
            if getattr(review, field.attname) != value:
                setattr(review, field.attname, value)
                changed = True
        if changed:
            review._history_user, review._change_reason = user, reason
            review.save()
    Review.objects.filter(pk__in=done["reviews_created"], recommendations__isnull=True).delete()
    # Proposed responses of these reviews: exactly as before.
    for review_id, rows in data["proposed"].items():
        ProposedResponse.objects.filter(review_id=int(review_id)).delete()
        ProposedResponse.objects.bulk_create([ProposedResponse(**{
            k: v for k, v in row.items()}) for row in rows])
        for row in rows:  # auto_now_add stamped them now: their own date back
            ProposedResponse.objects.filter(pk=row["id"]).update(created_at=row["created_at"])
    if done["aliases"]:
        StateAlias.objects.filter(
            name__in=[" ".join(n.split())[:100] for n in done["aliases"] if n]).delete()
    touched([*done["changed"], *done["restored"]])
    for pk in [*done["changed"], *done["restored"]]:
        Recommendation.objects.get(pk=pk).refresh_latest_statuses()
    job.undone_at, job.undone_by = timezone.now(), user
    job.save(update_fields=["undone_at", "undone_by"])
    link_recurring_for_states(state_ids)
    return done
