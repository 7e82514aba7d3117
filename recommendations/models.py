import datetime as dt
import hashlib
import re

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.db.models.lookups import FieldGetDbPrepValueMixin
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reviews.models import Review
from states.models import Institution, State, normalize_name

from .change_feed import Change  # noqa: F401  (the change feed's table)
from .touch import touched


class Response(models.TextChoices):
    SUPPORTED = "supported", _("Supported")
    NOTED = "noted", _("Noted")
    PARTIALLY_SUPPORTED = "partially_supported", _("Partially supported")
    PENDING = "pending", _("Pending")
    NOT_SUPPORTED = "not_supported", _("Not supported")

    @classmethod
    def parse(cls, value: str) -> "Response | None":
        """Map the words the sources use (`Accepted`, `Supported/Noted`...) to a response."""
        return RESPONSE_WORDS.get(re.sub(r"[^a-z]+", " ", (value or "").lower()).strip())


RESPONSE_WORDS = {
    "supported": Response.SUPPORTED,
    "accepted": Response.SUPPORTED,
    "support": Response.SUPPORTED,
    "noted": Response.NOTED,
    "partially supported": Response.PARTIALLY_SUPPORTED,
    "supported noted": Response.PARTIALLY_SUPPORTED,
    "partially accepted": Response.PARTIALLY_SUPPORTED,
    "pending": Response.PENDING,
    "will be examined": Response.PENDING,
    "to be examined": Response.PENDING,
    "not supported": Response.NOT_SUPPORTED,
    "rejected": Response.NOT_SUPPORTED,
}


PARAGRAPH_QUERY = re.compile(r"^\d{1,4}(\.\d{1,4}){0,3}$")


class ImplementationStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    PARTIALLY_IMPLEMENTED = "partially_implemented", _("Partially implemented")
    FULLY_IMPLEMENTED = "fully_implemented", _("Fully implemented")
    # Only civil society says this; a government reports "not started".
    NOT_IMPLEMENTED = "not_implemented", _("Not implemented")


# A government never reports "not implemented" (the last choice): assessments only.
GOVERNMENT_CHOICES = ImplementationStatus.choices[:-1]


class Actor(models.TextChoices):
    GOVERNMENT = "government", _("Government")
    CIVIL_SOCIETY = "civil_society", _("Civil society")


class ActionCategory(models.IntegerChoices):
    """UPR Info's classification of how much action a recommendation asks for."""

    MINIMAL = 1, _("1 – Minimal action")
    CONTINUING = 2, _("2 – Continuing action")
    CONSIDERING = 3, _("3 – Considering action")
    GENERAL = 4, _("4 – General action")
    SPECIFIC = 5, _("5 – Specific action")


class ThemeSource(models.TextChoices):
    UPR_INFO = "upr-info", _("UPR Info")
    UHRI = "uhri", _("Universal Human Rights Index")
    OHCHR = "ohchr", _("OHCHR")
    USER = "user", _("Added by users")


NAME_TRANSLATIONS_VERSION_KEY = "name-translations:version"


class NameTranslationQuerySet(models.QuerySet):
    def names(self, kind: str, language: str | None = None) -> dict[str, str]:
        """{key: name} for `kind` in `language` (default: the active language); {} in
        English. One query per kind and language, cached until a translation is saved or
        deleted (recommendations.names.forget)."""
        from django.core.cache import cache

        from core import ratelimit
        from states.names import base_language

        language = base_language(language)
        if language == "en":
            return {}
        # The cache is an optimisation: when it is down (core.ratelimit.guarded logs
        # it), the names are read from the database (issue 22).
        version = ratelimit.guarded(cache.get_or_set, NAME_TRANSLATIONS_VERSION_KEY, 1, None)
        cache_key = f"name-translations:{version}:{kind}:{language}"
        names = (None if version is ratelimit.UNAVAILABLE
                 else ratelimit.guarded(cache.get, cache_key, default=None))
        if names is None:
            names = dict(self.filter(kind=kind, language=language).values_list("key", "name"))
            if kind == NameTranslation.Kind.THEME:
                _share_with_synonyms(names)
            if version is not ratelimit.UNAVAILABLE:
                ratelimit.guarded(cache.set, cache_key, names, 3600)
        return names


def _share_with_synonyms(names: dict[str, str]) -> None:
    """A canonical theme without a translation of its own takes one of its source
    labels' (the seeded UPR Info themes), and a source label without one takes its
    canonical theme's."""
    pairs = list(Theme.objects.filter(canonical__isnull=False)
                 .values_list("slug", "canonical__slug"))
    for slug, canonical in pairs:
        if slug in names:
            names.setdefault(canonical, names[slug])
    for slug, canonical in pairs:
        if canonical in names:
            names.setdefault(slug, names[canonical])


class NameTranslation(models.Model):
    """The name of a taxonomy entry in one interface language, edited in the admin.

    Generic on purpose: `kind` says what is named and `key` is its stable code (a theme's
    or affected group's slug, an SDG's number), so canonical themes or any new taxonomy
    are translated the same way. English stays on the model itself; a missing translation
    falls back to it."""

    class Kind(models.TextChoices):
        THEME = "theme", _("theme")
        SDG = "sdg", _("Sustainable Development Goal")
        AFFECTED_GROUP = "affected_group", _("affected group")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=200,
                           help_text=_("The slug (themes, affected groups) or number (SDGs)."))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    name = models.CharField(_("name"), max_length=300)

    objects = NameTranslationQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "key", "language"]
        constraints = [models.UniqueConstraint(fields=["kind", "key", "language"],
                                               name="one_name_per_language")]
        verbose_name = _("name translation")
        verbose_name_plural = _("name translations")

    def __str__(self) -> str:
        return f"{self.kind} {self.key} [{self.language}]: {self.name}"


def translated_name(kind: str, key, english: str, language: str | None = None) -> str:
    """`english` in `language` (default: the active one), from NameTranslation."""
    return NameTranslation.objects.names(kind, language).get(str(key)) or english


class ThemeGroup(models.TextChoices):
    """The groups UHRI files its themes under; the theme picker shows these headings."""

    INTERNATIONAL = "international", _("International framework and cooperation")
    NATIONAL = "national", _("National framework and institutions")
    CROSS_CUTTING = "cross-cutting", _("Cross-cutting issues")
    CIVIL_POLITICAL = "civil-political", _("Civil and political rights")
    ESC = "esc", _("Economic, social and cultural rights")
    WOMEN = "women", _("Women's rights")
    GROUPS = "groups", _("Rights of specific persons or groups")
    OTHER = "other", _("Other")


class ThemeQuerySet(models.QuerySet):
    def pickable(self) -> "ThemeQuerySet":
        """The canonical themes: what users see and pick (no two share a name)."""
        return self.filter(canonical__isnull=True)

    def with_synonyms(self) -> "ThemeQuerySet":
        """These themes, their canonical themes and every source label mapped onto those."""
        roots = Theme.objects.filter(pk__in=self.values("pk")).values_list("pk", "canonical_id")
        ids = {pk if canonical is None else canonical for pk, canonical in roots}
        return Theme.objects.filter(models.Q(pk__in=ids) | models.Q(canonical_id__in=ids))

    def canonical_names(self) -> dict[str, str]:
        """slug → the name of its canonical theme (`Theme.canonical_theme.name`), in one
        query: how pages that group by theme name the group of a stored row's label."""
        return dict(self.values_list(
            "slug", Coalesce("canonical__name", "name", output_field=models.CharField())))


class Theme(models.Model):
    """A theme of the canonical taxonomy (`canonical` empty), or a source's label for one.

    UPR Info issues, UHRI themes and the OHCHR list headings name the same themes
    differently ("Migrants" twice, "NHRI" / "National Human Rights Institution (NHRI)").
    A source label is kept as its own row, so an imported recommendation keeps the word
    its source used, and points at the canonical theme it means; users pick canonical
    themes, and filtering by one also finds its labels (`ThemeQuerySet.with_synonyms`).
    """

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    source = models.CharField(_("source"), max_length=10, choices=ThemeSource.choices)
    group = models.CharField(_("group"), max_length=20, choices=ThemeGroup.choices,
                             default=ThemeGroup.OTHER)
    canonical = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="synonyms",
        verbose_name=_("canonical theme"),
        help_text=_("Empty for a theme of the canonical list; otherwise the canonical theme "
                    "this source label means."))

    objects = ThemeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "name"], name="theme_name_per_source"),
            models.CheckConstraint(condition=~models.Q(canonical=models.F("pk")),
                                   name="theme_not_its_own_canonical"),
        ]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        return translated_name(NameTranslation.Kind.THEME, self.slug, self.name)

    @property
    def canonical_theme(self) -> "Theme":
        return self.canonical or self

    def clean(self) -> None:
        if self.canonical_id and self.canonical.canonical_id:
            raise ValidationError({"canonical": _(
                "A canonical theme cannot itself be a synonym; pick %(theme)s instead.")
                % {"theme": self.canonical.canonical}})


class SDG(models.Model):
    """A Sustainable Development Goal (1–17)."""

    number = models.PositiveSmallIntegerField(
        primary_key=True, validators=[MinValueValidator(1), MaxValueValidator(17)])
    title = models.CharField(_("title"), max_length=100)

    class Meta:
        ordering = ["number"]
        verbose_name = _("Sustainable Development Goal")
        verbose_name_plural = _("Sustainable Development Goals")

    def __str__(self) -> str:
        return f"{_('SDG')} {self.number}: {self.localized_title}"

    @property
    def localized_title(self) -> str:
        return translated_name(NameTranslation.Kind.SDG, self.number, self.title)


class AffectedGroup(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("affected group")
        verbose_name_plural = _("affected groups")

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        return translated_name(NameTranslation.Kind.AFFECTED_GROUP, self.slug, self.name)


def text_key(text: str) -> str:
    """A stable key for a recommendation's text, blind to case, spacing and punctuation."""
    return hashlib.sha1(normalize_name(text).encode()).hexdigest()


def paragraph_sort_key(paragraph: str) -> str:
    """`140.2` sorts before `140.10`: zero-pad every number in the paragraph."""
    return re.sub(r"\d+", lambda m: m.group().zfill(6), paragraph or "")[:60]


class RecommendationQuerySet(models.QuerySet):
    def for_state(self, iso3: str) -> "RecommendationQuerySet":
        return self.filter(review__state__iso3=iso3)

    def made_by(self, iso3: str) -> "RecommendationQuerySet":
        return self.filter(recommending_states__iso3=iso3)

    def supported(self) -> "RecommendationQuerySet":
        return self.filter(response=Response.SUPPORTED)

    def noted(self) -> "RecommendationQuerySet":
        return self.filter(response=Response.NOTED)

    def in_cycle(self, number: int) -> "RecommendationQuerySet":
        return self.filter(review__session__cycle__number=number)

    def search(self, q: str) -> "RecommendationQuerySet":
        """Full-text search: PostgreSQL's web-search syntax over a GIN-indexed tsvector,
        or every word as a substring on SQLite. A query that is a paragraph number
        (`140.2`) also finds that paragraph; one that names a State (`Brazil`, `BRA`)
        also finds the recommendations that State made."""
        q = (q or "").strip()
        if not q:
            return self
        if connection.vendor == "postgresql":
            match = models.Q(
                search_vector=SearchQuery(q, config="english", search_type="websearch"))
        else:
            match = models.Q()
            for word in q.split():
                match &= models.Q(text__icontains=word.strip('"'))
        paragraph = q.rstrip(".")
        if PARAGRAPH_QUERY.match(paragraph):
            match |= models.Q(paragraph=paragraph) | models.Q(paragraph__startswith=paragraph
                                                                + ".")
        state = State.objects.resolve(q) if '"' not in q else None
        if state is not None:
            through = Recommendation.recommending_states.through
            match |= models.Exists(through.objects.filter(
                recommendation_id=models.OuterRef("pk"), state_id=state.pk))
        return self.filter(match)

    def with_related(self) -> "RecommendationQuerySet":
        return self.select_related("review__state", "review__session__cycle").prefetch_related(
            "recommending_states", "sdgs", "affected_groups",
            models.Prefetch("themes", queryset=Theme.objects.select_related("canonical")))

    # Counting helpers for the dashboard, State and review pages: one query each,
    # whatever the number of rows.

    def distribution(self, field: str, choices) -> list[dict]:
        """Rows of {value, label, count, percent} for `field`, in the order of `choices`,
        values outside `choices` after them, and "" (nothing recorded) last."""
        return distribution_rows(
            dict(self.order_by().values_list(field).annotate(n=models.Count("id"))), choices)

    def response_distribution(self) -> list[dict]:
        return self.distribution("response", Response.choices)

    def government_distribution(self) -> list[dict]:
        return self.distribution("government_status", GOVERNMENT_CHOICES)

    def civil_society_distribution(self) -> list[dict]:
        return self.distribution("civil_society_status", ImplementationStatus.choices)

    def counts_by_cycle_and_response(self) -> dict[int, dict[str, int]]:
        """{cycle number: {response: count}} in one query."""
        per_cycle: dict[int, dict[str, int]] = {}
        rows = (self.order_by().values_list("review__session__cycle__number", "response")
                .annotate(n=models.Count("id")))
        for number, response, n in rows:
            per_cycle.setdefault(number, {})[response] = n
        return per_cycle


class Recommendation(models.Model):
    """One recommendation of a review, as adopted, with its recommending States.

    `response`, `government_status` and `civil_society_status` are the latest
    entries of their histories, kept on the row so lists filter and sort without
    joins; only the methods below change them, together with the history.
    """

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="recommendations",
                               verbose_name=_("review"))
    paragraph = models.CharField(_("paragraph"), max_length=30, blank=True,
                                 help_text=_("Paragraph in the Working Group report, e.g. 140.1"))
    paragraph_sort = models.CharField(max_length=60, blank=True, editable=False)
    text = models.TextField(_("text"))
    text_key = models.CharField(max_length=40, editable=False, db_index=True)
    recommending_states = models.ManyToManyField(
        State, related_name="recommendations_made", verbose_name=_("recommending States"))
    response = models.CharField(_("response"), max_length=20, choices=Response.choices,
                                default=Response.PENDING, db_index=True)
    response_source = models.CharField(_("source of the response"), max_length=120, blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="recommendations",
                                    verbose_name=_("themes"))
    sdgs = models.ManyToManyField(SDG, blank=True, related_name="recommendations",
                                  verbose_name=_("SDGs"))
    affected_groups = models.ManyToManyField(AffectedGroup, blank=True,
                                             related_name="recommendations",
                                             verbose_name=_("affected groups"))
    action_category = models.PositiveSmallIntegerField(
        _("action category"), choices=ActionCategory.choices, null=True, blank=True)
    uhri_annotation_id = models.CharField(_("UHRI annotation id"), max_length=64, unique=True,
                                          null=True, blank=True)
    government_status = models.CharField(_("government status"), max_length=25, blank=True,
                                         choices=ImplementationStatus.choices, db_index=True)
    civil_society_status = models.CharField(_("civil society assessment"), max_length=25,
                                            blank=True, choices=ImplementationStatus.choices)
    # Asks again what an earlier recommendation to the same State asked (see
    # recommendations/recurrence.py); computed by a task, never at page time.
    recurring = models.BooleanField(_("recurring"), default=False, db_index=True,
                                    editable=False)
    # Kept up to date by a trigger on PostgreSQL (see migrations); unused on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords(excluded_fields=["search_vector", "paragraph_sort", "text_key",
                                                 "recurring"])
    objects = RecommendationQuerySet.as_manager()

    class Meta:
        ordering = ["review_id", "paragraph_sort", "id"]
        indexes = [
            models.Index(fields=["review", "paragraph_sort"]),
            models.Index(fields=["review", "text_key"]),
        ]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")

    def __str__(self) -> str:
        label = self.paragraph or _("recommendation")
        return f"{label}: {self.text[:80]}"

    def get_absolute_url(self) -> str:
        return reverse("recommendations:recommendation_detail", args=[self.pk])

    def save(self, *args, **kwargs) -> None:
        self.text = (self.text or "").strip()
        self.paragraph = (self.paragraph or "").strip().rstrip(".")
        self.text_key = text_key(self.text)
        self.paragraph_sort = paragraph_sort_key(self.paragraph)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            # Derived keys are written only with their source field, so that saving a
            # status never writes keys computed from a stale in-memory text.
            derived = {"text_key"} if "text" in update_fields else set()
            derived |= {"paragraph_sort"} if "paragraph" in update_fields else set()
            kwargs["update_fields"] = {*update_fields, *derived, "updated_at"}
        super().save(*args, **kwargs)
        touched([self.pk])

    @staticmethod
    def check_recommending_states(states: "list[State] | models.QuerySet") -> None:
        if not states:
            raise ValidationError(
                {"recommending_states": _("A recommendation needs at least one recommending "
                                          "State.")})

    @property
    def state(self) -> State:
        return self.review.state

    # Row behaviour: each keeps a history row and the denormalised field in step.

    def record_response(self, response: str, *, source_symbol: str = "",
                        source_paragraph: str = "", date: dt.date | None = None,
                        user=None) -> "ResponseRecord":
        with transaction.atomic():
            record = ResponseRecord.objects.create(
                recommendation=self, response=response, source_symbol=source_symbol,
                source_paragraph=source_paragraph, date=date, created_by=user)
            self.response = response
            self.response_source = record.source_label
            self.save(update_fields=["response", "response_source"])
            touched([self.pk])  # touch
        return record

    def add_assessment(self, *, actor: str, status: str, user=None, comment: str = "",
                       evidence_url: str = "", organisation: str = "",
                       assessed_on: dt.date | None = None) -> "Assessment":
        with transaction.atomic():
            assessment = Assessment(
                recommendation=self, actor=actor, status=status, comment=comment,
                evidence_url=evidence_url, organisation=organisation, created_by=user,
                assessed_on=assessed_on or timezone.localdate())
            assessment.full_clean()
            assessment.save()
            self.refresh_latest_statuses()
        return assessment

    def refresh_latest_statuses(self) -> None:
        """The latest entry of each history: by the date the person entered, then by the
        order of entry (a later correction of the same day wins); withdrawn ones aside."""
        from .touch import touched

        latest = {}
        for actor, status in (self.assessments.filter(withdrawn_at__isnull=True)
                              .order_by("assessed_on", "created_at", "id")
                              .values_list("actor", "status")):
            latest[actor] = status
        self.government_status = latest.get(Actor.GOVERNMENT, "")
        self.civil_society_status = latest.get(Actor.CIVIL_SOCIETY, "")
        self.save(update_fields=["government_status", "civil_society_status"])
        touched([self.pk])

    def bump_version(self) -> None:
        Recommendation.objects.filter(pk=self.pk).update(version=F("version") + 1)
        touched([self.pk])
        self.refresh_from_db(fields=["version"])

    # Permissions: one place for the API and the pages (see accounts.roles).

    def user_can_edit(self, user) -> bool:
        from accounts.roles import can_edit_recommendations

        return can_edit_recommendations(user)

    def user_can_assess(self, user, actor: str) -> bool:
        from accounts.roles import can_assess

        return can_assess(user, actor, self.review.state_id)


class SimilarRecommendation(models.Model):
    """An earlier recommendation to the same State that `recommendation` asks again,
    found by recommendations.recurrence (computed, never edited by hand)."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE,
                                       related_name="earlier_links")
    earlier = models.ForeignKey(Recommendation, on_delete=models.CASCADE,
                                related_name="later_links")
    score = models.FloatField()
    method = models.CharField(max_length=20)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["recommendation", "-score", "earlier_id"]
        constraints = [
            models.UniqueConstraint(fields=["recommendation", "earlier"],
                                    name="similar_recommendation_once"),
        ]
        verbose_name = _("similar earlier recommendation")
        verbose_name_plural = _("similar earlier recommendations")

    def __str__(self) -> str:
        return f"{self.recommendation_id} ~ {self.earlier_id} ({self.score:.2f}, {self.method})"


class SimilarityFeedback(models.Model):
    """A person's "this is not the same ask" about a computed match. Kept by the pair (a
    recomputation of the links does not lose it); the pair is no longer shown or counted
    as recurring, and `evaluate_similarity --feedback` uses the marks as negatives to
    tune the thresholds."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE,
                                       related_name="similarity_feedback")
    earlier = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    method = models.CharField(max_length=20)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["recommendation", "earlier"],
                                               name="similarity_feedback_once")]
        verbose_name = _("wrong match")
        verbose_name_plural = _("wrong matches")

    def __str__(self) -> str:
        return f"{self.recommendation_id} ≁ {self.earlier_id} ({self.score:.2f}, {self.method})"


class ResponseRecord(models.Model):
    """One position a State took on a recommendation, with the document that says so."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE,
                                       related_name="responses")
    response = models.CharField(_("response"), max_length=20, choices=Response.choices)
    source_symbol = models.CharField(_("source document"), max_length=60, blank=True,
                                     help_text=_("e.g. A/HRC/43/15/Add.1"))
    source_paragraph = models.CharField(_("paragraph"), max_length=30, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["recommendation", "created_at", "id"]
        verbose_name = _("response")
        verbose_name_plural = _("response history")

    def __str__(self) -> str:
        return f"{self.get_response_display()} ({self.source_label})"

    @property
    def source_label(self) -> str:
        if self.source_symbol and self.source_paragraph:
            return f"{self.source_symbol}, para. {self.source_paragraph}"
        return self.source_symbol or self.source_paragraph


class Assessment(models.Model):
    """A dated judgement of how far a recommendation is implemented, by government or
    civil society; the two histories are kept apart and never overwrite each other."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE,
                                       related_name="assessments")
    actor = models.CharField(_("assessed by"), max_length=15, choices=Actor.choices)
    status = models.CharField(_("status"), max_length=25, choices=ImplementationStatus.choices)
    comment = models.TextField(_("comment"), blank=True)
    evidence_url = models.URLField(_("evidence link"), max_length=500, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    assessed_on = models.DateField(_("date"), default=timezone.localdate)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="assessments")
    # A withdrawn entry stays (and in its history) but no longer counts as the latest.
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["recommendation", "assessed_on", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(actor="government", status="not_implemented"),
                name="government_never_not_implemented"),
        ]
        indexes = [models.Index(fields=["actor", "assessed_on"])]
        verbose_name = _("implementation assessment")
        verbose_name_plural = _("implementation assessments")

    def __str__(self) -> str:
        return f"{self.get_actor_display()}: {self.get_status_display()} ({self.assessed_on})"

    def clean(self) -> None:
        if self.actor == Actor.GOVERNMENT and self.status == ImplementationStatus.NOT_IMPLEMENTED:
            raise ValidationError({"status": _("A government status is one of not started, "
                                               "in progress, partially or fully implemented.")})
        check_not_future(self.assessed_on, "assessed_on")

    def user_can_change(self, user) -> bool:
        """Its author may correct or withdraw an entry, and an administrator may."""
        from accounts.roles import is_admin

        if not getattr(user, "is_authenticated", False):
            return False
        return is_admin(user) or (self.created_by_id is not None
                                  and self.created_by_id == user.pk)

    def correct(self, *, user, status: str, comment: str = "", evidence_url: str = "",
                organisation: str | None = None,
                assessed_on: dt.date | None = None) -> "Assessment":
        """Replace what the entry says; the earlier wording stays in its history."""
        with transaction.atomic():
            self.status, self.comment, self.evidence_url = status, comment, evidence_url
            if organisation is not None:
                self.organisation = organisation
            if assessed_on:
                self.assessed_on = assessed_on
            self.full_clean()
            self._change_reason = "corrected"
            self.save()
            self.recommendation.refresh_latest_statuses()
        return self

    def withdraw(self, *, user) -> "Assessment":
        with transaction.atomic():
            self.withdrawn_at, self.withdrawn_by = timezone.now(), user
            self._change_reason = "withdrawn"
            self.save(update_fields=["withdrawn_at", "withdrawn_by"])
            self.recommendation.refresh_latest_statuses()
        return self


def check_not_future(date: dt.date | None, field: str) -> None:
    """A status or assessment says what is true on a day that has come: a date in the
    future would stay "latest" until that day, whatever is entered meanwhile."""
    if date and date > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future (today is "
                                        "%(today)s).") % {"today": timezone.localdate()}})


class FollowUpActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUpActionQuerySet(models.QuerySet):
    def open(self) -> "FollowUpActionQuerySet":
        return self.filter(status__in=[FollowUpActionStatus.PLANNED,
                                       FollowUpActionStatus.IN_PROGRESS])

    def overdue(self, today: dt.date | None = None) -> "FollowUpActionQuerySet":
        return self.open().filter(target_date__lt=today or timezone.localdate())

    def due_within(self, days: int, today: dt.date | None = None) -> "FollowUpActionQuerySet":
        today = today or timezone.localdate()
        return self.open().filter(target_date__gte=today,
                                  target_date__lte=today + dt.timedelta(days=days))


class FollowUpAction(models.Model):
    """What a government does about one or several of its recommendations."""

    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="follow_up_actions",
                              verbose_name=_("State"))
    recommendations = models.ManyToManyField(Recommendation, related_name="follow_up_actions",
                                             verbose_name=_("recommendations"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="follow_up_actions", verbose_name=_("responsible institution"))
    # The institution's name as written (kept in step with `institution` by the services),
    # for the API, exports and reports that read it as text.
    responsible_institution = models.CharField(_("responsible institution"), max_length=300,
                                               blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=15, choices=FollowUpActionStatus.choices,
                              default=FollowUpActionStatus.PLANNED)
    indicators = models.TextField(_("indicators"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="follow_up_actions")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()
    objects = FollowUpActionQuerySet.as_manager()

    class Meta:
        ordering = ["target_date", "id"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("recommendations:followupaction_detail", args=[self.pk])

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return bool(
            self.target_date
            and self.status in (FollowUpActionStatus.PLANNED, FollowUpActionStatus.IN_PROGRESS)
            and self.target_date < (today or timezone.localdate()))

    def user_can_edit(self, user) -> bool:
        from accounts.roles import can_manage_follow_up

        return can_manage_follow_up(user, self.state_id)

    def user_can_report(self, user) -> bool:
        """May file a government progress report on this action (focal point, or a
        contributor of its responsible institution)."""
        from accounts.roles import can_report_progress

        return can_report_progress(user, state_id=self.state_id,
                                   institution_id=self.institution_id)


# The list's read model (issue 24): one row per recommendation with every value the list
# filters and sorts on, and the finished API row, kept exact by recommendations.touch.


class ValuesField(models.Field):
    """A set of integers or short codes: a PostgreSQL array (GIN-indexed in the migration)
    or, on SQLite, a JSON array in a text column. `__overlap=[...]` matches a row holding
    any of the values, on both."""

    def __init__(self, *args, kind: str = "integer", **kwargs) -> None:
        self.kind = kind
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.kind != "integer":
            kwargs["kind"] = self.kind
        kwargs.pop("default", None)
        return name, path, args, kwargs

    def db_type(self, connection) -> str:
        if connection.vendor == "postgresql":
            return "integer[]" if self.kind == "integer" else "varchar(20)[]"
        return "text"

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        value = sorted({int(v) if self.kind == "integer" else str(v) for v in value})
        if connection.vendor == "postgresql":
            return value
        import json

        return json.dumps(value)

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str):
            import json

            return json.loads(value)
        return value


@ValuesField.register_lookup
class Overlap(FieldGetDbPrepValueMixin, models.Lookup):
    lookup_name = "overlap"

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        cast = "integer[]" if self.lhs.output_field.kind == "integer" else "varchar(20)[]"
        return f"{lhs} && ({rhs})::{cast}", [*lhs_params, *rhs_params]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return (f"EXISTS (SELECT 1 FROM json_each({lhs}) a JOIN json_each({rhs}) b "
                f"ON a.value = b.value)", [*lhs_params, *rhs_params])


class RecommendationRow(models.Model):
    """What the recommendation list reads: one row per recommendation, written only by
    recommendations.readmodel (a listener of touch.touched, and `rebuild_list_rows`).

    Each filter of the list is a condition on one column of this table (arrays with GIN
    indexes on PostgreSQL), and `row_json` is the finished API row in English with its
    URL relative (`/api/v1/…`), so a page is one indexed scan and no per-row work."""

    id = models.BigIntegerField(primary_key=True)  # the recommendation's
    # No cascade from Django's collector: readmodel drops the row when its recommendation
    # goes (post_delete), counting it once however many hooks touch it on the way.
    recommendation = models.OneToOneField(Recommendation, on_delete=models.DO_NOTHING,
                                          db_constraint=False, related_name="list_row")
    review_id = models.BigIntegerField()
    paragraph = models.CharField(max_length=30, blank=True)
    paragraph_sort = models.CharField(max_length=60, blank=True)
    state_id = models.BigIntegerField()  # under review
    state_iso3 = models.CharField(max_length=3)
    region = models.CharField(max_length=6)
    cycle_id = models.BigIntegerField()
    session_id = models.BigIntegerField()
    session_number = models.PositiveSmallIntegerField()
    response = models.CharField(max_length=20)
    government_status = models.CharField(max_length=25, blank=True)
    civil_society_status = models.CharField(max_length=25, blank=True)
    action_category = models.PositiveSmallIntegerField(null=True)
    recurring = models.BooleanField(default=False)
    recommending_state_ids = ValuesField()
    recommending_regions = ValuesField(kind="code")
    # The themes tagged and the canonical themes they map onto.
    theme_ids = ValuesField()
    sdg_ids = ValuesField()
    group_ids = ValuesField()
    # Every filtered value above as one integer, under one GIN index: see
    # recommendations.tags.
    tags = ValuesField()
    search_vector = SearchVectorField(null=True)  # PostgreSQL; copied from the recommendation
    row_json = models.TextField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["review_id", "paragraph_sort", "id"]
        indexes = [
            models.Index(fields=["review_id", "paragraph_sort", "id"], name="listrow_default"),
            models.Index(fields=["state_id", "review_id", "paragraph_sort", "id"],
                         name="listrow_state"),
            # State under review + cycle (its reviews of one cycle): the count is an
            # index-only scan and the page is read in order. Without it PostgreSQL ANDed
            # the State's 3,800 rows with a bitmap of the cycle's 320,000 (34 ms at
            # 500,000 rows, issue 24).
            models.Index(fields=["state_id", "cycle_id", "review_id", "paragraph_sort", "id"],
                         name="listrow_state_cycle"),
            models.Index(fields=["session_id"], name="listrow_session"),
            models.Index(fields=["cycle_id"], name="listrow_cycle"),
            models.Index(fields=["region"], name="listrow_region"),
            models.Index(fields=["response"], name="listrow_response"),
            models.Index(fields=["government_status"], name="listrow_gov_status"),
            models.Index(fields=["updated_at", "id"], name="listrow_updated"),
            models.Index(fields=["created_at", "id"], name="listrow_created"),
        ]

    def __str__(self) -> str:
        return f"list row {self.pk}"


class ListVersion(models.Model):
    """A shard of the list's version, summed over all rows when read (readmodel.versions):
    `rows` goes up in every transaction that changes what a recommendation list shows
    (the listener of touch.touched), `codes` takes a new random value when reference
    data changes (States, themes, SDGs, groups, cycles, sessions). The list's ETag is the
    sum of `rows` and its Last-Modified the latest `changed_at`, read in one query with
    the sum of `total`, the unfiltered count; cached code look-ups are kept while the
    sum of `codes` stays. Each writing transaction bumps a shard no other open
    transaction holds (readmodel.bump), so writers never queue on one row."""

    rows = models.BigIntegerField(default=0)
    codes = models.BigIntegerField(default=0)
    # The number of RecommendationRow rows, kept with them: the unfiltered list's count.
    total = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"rows {self.rows}, codes {self.codes}"


# What the pages count (issue 24): small tables kept exact with the read model, so that
# the first view after a write reads a few hundred rows instead of every recommendation.

def distribution_rows(counts: dict[str, int], choices) -> list[dict]:
    """Rows of {value, label, count, percent} from {value: count}, in the order of
    `choices`, values outside `choices` after them, and "" (nothing recorded) last."""
    total = sum(counts.values()) or 1
    rows = [(value, label) for value, label in choices]
    rows += [(value, value) for value in counts if value and value not in dict(choices)]
    rows.append(("", None))
    return [
        {"value": value, "label": label, "count": counts.get(value, 0),
         "percent": round(100 * counts.get(value, 0) / total, 1)}
        for value, label in rows if counts.get(value, 0) or value != ""
    ]


class TallyQuerySet(models.QuerySet):
    def counts(self, *fields: str) -> dict[tuple, int]:
        """{(values of `fields`): recommendations} in one query."""
        rows = self.order_by().values_list(*fields).annotate(total=models.Sum("n"))
        return {tuple(row[:-1]): row[-1] for row in rows if row[-1]}


class ReviewTallyQuerySet(TallyQuerySet):
    """Counting over the tally, with RecommendationQuerySet's results:
    `ReviewTally.objects.filter(review=r).response_distribution()` equals
    `r.recommendations.all().response_distribution()` (more in recommendations.tally)."""

    def distribution(self, field: str, choices) -> list[dict]:
        return distribution_rows({key[0]: n for key, n in self.counts(field).items()},
                                 choices)

    def response_distribution(self) -> list[dict]:
        return self.distribution("response", Response.choices)


class ReviewTally(models.Model):
    """How many recommendations of a review have each combination of response, statuses
    and recurring flag: what the home, States, State and review pages count (by cycle or
    State under review through the review, a small join). A few dozen rows per review.

    Written only by recommendations.readmodel, in the transaction that rewrites
    RecommendationRow: the rows it removes and the rows it writes give a net change per
    key, inserted here as rows of their own (a key's count is the sum of its rows: no
    writer waits for another's lock), so the tally commits or rolls back with them;
    `tally.compact()` folds them together now and then. `rebuild_list_rows` counts it again from the
    recommendations; `tally.stale()` compares the two."""

    # No constraint and no cascade: the rows go with the recommendations they count
    # (readmodel), never with the review before them.
    # (The key's index, which starts with the review, serves its look-ups.)
    review = models.ForeignKey(Review, on_delete=models.DO_NOTHING, db_constraint=False,
                               db_index=False, related_name="+")
    response = models.CharField(max_length=20)
    government_status = models.CharField(max_length=25, blank=True)
    civil_society_status = models.CharField(max_length=25, blank=True)
    recurring = models.BooleanField()
    n = models.BigIntegerField()

    objects = ReviewTallyQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(
            fields=["review", "response", "government_status", "civil_society_status",
                    "recurring"], name="reviewtally_key")]

    def __str__(self) -> str:
        return f"review {self.review_id}: {self.n}"


class MadeTally(models.Model):
    """How many recommendations each State made (a joint one counts for each of its
    States), kept like ReviewTally. A table of its own, keyed by the State alone: a
    write that changes no recommending State (a status, a response) never writes here,
    and the States list reads one row per State."""

    state = models.ForeignKey(State, on_delete=models.DO_NOTHING, db_constraint=False,
                              related_name="+")
    n = models.BigIntegerField()

    def __str__(self) -> str:
        return f"State {self.state_id}: {self.n}"


class RegionTally(models.Model):
    """Recommendations per session, region under review, recommending region and
    response, kept like ReviewTally: what the regional matrix counts (analysis.
    cooperation). A recommendation counts once under each region among its recommending
    States (two WEOG co-sponsors: one WEOG recommendation), and once more under
    `recommending_region` "" (ALL), whatever its co-sponsors: the matrix's column totals.

    Its columns are named as RecommendationRow's (`cycle_id`, `session_id`, `region`,
    `response`), so the list's own filters of those (RecommendationRowFilter) apply to
    it unchanged. A few thousand rows, where the matrix counted every link of every
    recommendation."""

    ALL = ""

    session_id = models.BigIntegerField()
    cycle_id = models.BigIntegerField()
    region = models.CharField(max_length=6)  # of the State under review
    recommending_region = models.CharField(max_length=6, blank=True)
    response = models.CharField(max_length=20)
    n = models.BigIntegerField()

    objects = TallyQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.recommending_region or 'all'} -> {self.region}: {self.n}"


class ThemeTally(models.Model):
    """Recommendations per theme, session, region under review and response, kept like
    ReviewTally: what "a theme over time" counts (analysis.cooperation). A recommendation
    counts once under each id of its row's `theme_ids`: its themes and their canonical
    themes. Since a row holds the canonical theme of each label it has, the list's
    `theme=X` finds exactly the rows counted under X's canonical theme (or X itself if it
    has none): one key per theme, no double count.

    Its columns are named as RecommendationRow's, so the list's filters of cycle,
    session, region and response (RecommendationRowFilter) apply to it unchanged."""

    theme_id = models.BigIntegerField()
    session_id = models.BigIntegerField()
    cycle_id = models.BigIntegerField()
    region = models.CharField(max_length=6)  # of the State under review
    response = models.CharField(max_length=20)
    n = models.BigIntegerField()

    objects = TallyQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["theme_id"], name="themetally_theme")]

    def __str__(self) -> str:
        return f"theme {self.theme_id} -> {self.region}: {self.n}"
