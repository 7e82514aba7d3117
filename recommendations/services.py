"""Workflows that span several rows: creating and editing recommendations with their
recommending States and response history, follow-up actions, and edits guarded
against lost updates. The API, the pages and the importers call these."""

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext as _

from core.versioning import StaleEdit, claim_version
from reviews.models import Review
from states.models import Institution, State

from .models import FollowUpAction, Recommendation, Response
from .touch import touched


def _check_states(states: Sequence[State]) -> None:
    Recommendation.check_recommending_states(states)


@transaction.atomic
def create_recommendation(*, review: Review, text: str, recommending_states: Sequence[State],
                          paragraph: str = "", response: str = Response.PENDING,
                          source_symbol: str = "", source_paragraph: str = "",
                          response_date: dt.date | None = None, themes: Iterable = (),
                          sdgs: Iterable = (), affected_groups: Iterable = (),
                          action_category: int | None = None,
                          uhri_annotation_id: str | None = None, user=None,
                          link_recurring: bool = True) -> Recommendation:
    _check_states(recommending_states)
    if not (text or "").strip():
        raise ValidationError({"text": _("The text of the recommendation is required.")})
    paragraph = (paragraph or "").strip().rstrip(".")
    if paragraph and review.recommendations.filter(paragraph=paragraph).exists():
        raise ValidationError({"paragraph": _("This review already has a recommendation "
                                              "with paragraph %(p)s.") % {"p": paragraph}})
    recommendation = Recommendation.objects.create(
        review=review, paragraph=paragraph, text=text, action_category=action_category,
        uhri_annotation_id=uhri_annotation_id or None)
    recommendation.recommending_states.set(recommending_states)
    recommendation.themes.set(themes)
    recommendation.sdgs.set(sdgs)
    recommendation.affected_groups.set(affected_groups)
    symbol, date = response_source_for(review, response)
    source_symbol = source_symbol or symbol
    # A paragraph number alone ("140.1") is no source: only with its document.
    recommendation.record_response(
        response, source_symbol=source_symbol,
        source_paragraph=(source_paragraph or paragraph) if source_symbol else "",
        date=response_date or date, user=user)
    touched([recommendation.pk])
    if link_recurring:
        _link_recurring(review.state_id)
    return recommendation


def _link_recurring(state_id: int) -> None:
    """Recompute "asked before" for the State after the edit commits (a Celery task)."""
    from .tasks import link_recurring_for_states

    link_recurring_for_states([state_id])


def response_source_for(review: Review, response: str) -> tuple[str, dt.date | None]:
    """Where a hand-entered or pasted response comes from, and when: the State answers in
    the addendum to the Working Group report (its symbol; dated by the Council's adoption
    of the outcome), while "pending" is what the report itself records at the review."""
    # Without the review's own dates, the session's: a response is never undated.
    session_start = getattr(review.session, "start_date", None)
    if response == Response.PENDING:
        return (review.wg_report_symbol or review.addendum_symbol,
                review.review_date or session_start)
    return (review.addendum_symbol or review.wg_report_symbol,
            review.adoption_date or review.review_date or session_start)


@transaction.atomic
def create_recommendations(*, review: Review, items: Sequence[dict],
                           user=None) -> list[Recommendation]:
    """Create many recommendations of one review, all or nothing.

    Each item holds the keyword arguments of `create_recommendation` (without review
    and user). Errors are collected per item and raised together, keyed `items[i]`.
    """
    errors: dict[str, list] = {}
    created = []
    for index, item in enumerate(items):
        try:
            with transaction.atomic():
                created.append(create_recommendation(review=review, user=user,
                                                     link_recurring=False, **item))
        except ValidationError as exc:
            errors[f"items[{index}]"] = exc.messages
    if errors:
        raise ValidationError(errors)
    if created:
        _link_recurring(review.state_id)
    return created


RECOMMENDATION_FIELDS = {"paragraph", "text", "action_category", "uhri_annotation_id"}


@transaction.atomic
def update_recommendation(recommendation: Recommendation, *, expected_version: int | None,
                          user=None, recommending_states: Sequence[State] | None = None,
                          themes: Iterable | None = None, sdgs: Iterable | None = None,
                          affected_groups: Iterable | None = None, response: str | None = None,
                          source_symbol: str = "", source_paragraph: str = "",
                          response_date: dt.date | None = None,
                          **fields) -> Recommendation:
    """Apply an edit made against `expected_version`; raises StaleEdit if it is stale."""
    unknown = set(fields) - RECOMMENDATION_FIELDS
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    if recommending_states is not None:
        _check_states(recommending_states)
    claim_version(recommendation, expected_version)
    for name, value in fields.items():
        setattr(recommendation, name, value)
    if fields:
        recommendation.save(update_fields=[*fields, "version"])
    else:
        recommendation.save(update_fields=["version"])
    for manager, values in ((recommendation.recommending_states, recommending_states),
                            (recommendation.themes, themes), (recommendation.sdgs, sdgs),
                            (recommendation.affected_groups, affected_groups)):
        if values is not None:
            manager.set(values)
    if response and response != recommendation.response:
        recommendation.record_response(response, source_symbol=source_symbol,
                                       source_paragraph=source_paragraph, date=response_date,
                                       user=user)
    touched([recommendation.pk])  # touch
    if "text" in fields:
        _link_recurring(recommendation.review.state_id)
    return recommendation


@transaction.atomic
def create_follow_up_action(*, state: State, recommendations: Sequence[Recommendation],
                            title: str, user=None, **fields) -> FollowUpAction:
    """A follow-up action of `state`; every linked recommendation must be addressed to it."""
    _check_action_recommendations(state, recommendations)
    _resolve_institution(state, fields)
    action = FollowUpAction.objects.create(state=state, title=title, created_by=user, **fields)
    action.recommendations.set(recommendations)
    touched(r.pk for r in recommendations)
    return action


@transaction.atomic
def update_follow_up_action(action: FollowUpAction, *, expected_version: int | None,
                            recommendations: Sequence[Recommendation] | None = None,
                            **fields) -> FollowUpAction:
    if recommendations is not None:
        _check_action_recommendations(action.state, recommendations)
    if "institution" in fields or "responsible_institution" in fields:
        fields.setdefault("institution", None if "responsible_institution" in fields
                          else action.institution)
        fields.setdefault("responsible_institution", "")
        _resolve_institution(action.state, fields)
    claim_version(action, expected_version)
    before = set(action.recommendations.values_list("pk", flat=True))
    for name, value in fields.items():
        setattr(action, name, value)
    action.save(update_fields=[*fields, "version", "updated_at"])
    if recommendations is not None:
        action.recommendations.set(recommendations)
        before |= {r.pk for r in recommendations}
    touched(before)
    return action


def _resolve_institution(state: State, fields: dict) -> None:
    """An action's institution is chosen (`institution`) or named (`responsible_institution`,
    matched to one of the State's institutions, else recorded as a new one); either way
    both fields end up saying the same."""
    institution = fields.get("institution")
    if institution is not None:
        if institution.state_id != state.pk:
            raise ValidationError({"institution": _(
                "%(institution)s is not an institution of %(state)s.") % {
                "institution": institution.name, "state": state.name}})
    elif fields.get("responsible_institution", "").strip():
        institution = Institution.objects.match_or_create(state.pk,
                                                          fields["responsible_institution"])
    fields["institution"] = institution
    fields["responsible_institution"] = institution.name if institution else ""


def _check_action_recommendations(state: State,
                                  recommendations: Sequence[Recommendation]) -> None:
    if not recommendations:
        raise ValidationError({"recommendations": _("Link at least one recommendation.")})
    # One query for all the reviews' States, not one per recommendation.
    review_states = dict(Review.objects.filter(pk__in={r.review_id for r in recommendations})
                         .values_list("pk", "state_id"))
    foreign = [r for r in recommendations if review_states.get(r.review_id) != state.pk]
    if foreign:
        raise ValidationError({"recommendations": _(
            "Recommendations %(ids)s are not addressed to %(state)s.") % {
            "ids": ", ".join(str(r.pk) for r in foreign), "state": state.name}})


__all__ = ["StaleEdit", "claim_version"]  # re-exported: callers catch StaleEdit here


def counts_by_cycle_and_response(recommendations) -> dict:
    """{"count", "by_response": {response: n}, "by_cycle": {cycle number: {"count",
    "by_response"}}} for a set of recommendations, in one query."""
    rows = (recommendations.order_by()
            .values_list("review__session__cycle__number", "response")
            .annotate(n=Count("id")))
    result: dict = {"count": 0, "by_response": {}, "by_cycle": {}}
    for cycle, response, n in rows:
        result["count"] += n
        result["by_response"][response] = result["by_response"].get(response, 0) + n
        slot = result["by_cycle"].setdefault(cycle, {"count": 0, "by_response": {}})
        slot["count"] += n
        slot["by_response"][response] = slot["by_response"].get(response, 0) + n
    result["by_cycle"] = dict(sorted(result["by_cycle"].items()))
    return result


def state_counts(state: State) -> dict:
    """What a State received (as State under review) and made (alone or jointly)."""
    received = Recommendation.objects.filter(review__state=state)
    through = Recommendation.recommending_states.through
    made = Recommendation.objects.filter(Exists(through.objects.filter(
        recommendation_id=OuterRef("pk"), state_id=state.pk)))
    return {"received": counts_by_cycle_and_response(received),
            "made": counts_by_cycle_and_response(made)}


def deletion_impact(recommendations, *, user=None) -> dict:
    """What deleting these recommendations would take with them, for the page (and the
    API) to show before anyone confirms: their assessments (those entered by someone
    else than `user` listed apart), and the follow-up actions that link them (kept, only
    unlinked; those left with no recommendation are named)."""
    from .models import Assessment

    ids = [r.pk for r in recommendations]
    assessments = list(Assessment.objects.filter(recommendation_id__in=ids)
                       .select_related("created_by", "recommendation")
                       .order_by("recommendation_id", "assessed_on", "id"))
    others = [a for a in assessments
              if user is None or a.created_by_id != getattr(user, "pk", None)]
    actions = list(FollowUpAction.objects.filter(recommendations__in=ids).distinct()
                   .annotate(linked=Count("recommendations", distinct=True))
                   .order_by("id"))
    remaining = dict(FollowUpAction.recommendations.through.objects
                     .filter(followupaction_id__in=[a.pk for a in actions])
                     .exclude(recommendation_id__in=ids)
                     .values_list("followupaction_id").annotate(n=Count("id")))
    for action in actions:
        action.orphaned = not remaining.get(action.pk)
    return {"assessments": assessments, "others_assessments": others,
            "follow_up_actions": actions,
            "needs_confirmation": bool(others or actions)}


@transaction.atomic
def delete_recommendations(recommendations, *, user=None, reason: str = "deleted") -> int:
    """Delete recommendations, one transaction: listeners of `touched` (the change feed)
    hear of it before the rows go, and each deletion is a "-" row of the audit history
    with who did it. Their assessments, responses and sources go with them (each leaves
    its own history row); linked follow-up actions stay, unlinked."""
    from .touch import DELETED, touched

    recommendations = list(recommendations)
    if not recommendations:
        return 0
    ids = [r.pk for r in recommendations]
    touched(ids, DELETED)
    # Recompute "asked before" for the States concerned, after the commit.
    state_ids = set(Review.objects.filter(recommendations__in=ids)
                    .values_list("state_id", flat=True))
    for recommendation in recommendations:
        recommendation._history_user = user
        recommendation._change_reason = reason
        for assessment in recommendation.assessments.all():
            assessment._history_user = user
            assessment._change_reason = reason
            assessment.delete()
        recommendation.delete()
    for state_id in state_ids:
        _link_recurring(state_id)
    return len(ids)
