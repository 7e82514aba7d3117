import html
import re
import unicodedata

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.text import strip_control
from states.names import state_name


def normalize_name(name: str) -> str:
    """The key State names are matched on: accents, case, '&' and punctuation ignored.

    `Côte d'Ivoire`, `Cote d'Ivoire` and `COTE D IVOIRE` give the same key, so
    do `St Kitts & Nevis` and `Saint Kitts and Nevis`.
    """
    name = html.unescape(name or "")
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c)).lower()
    name = name.replace("&", " and ")
    name = re.sub(r"[^a-z0-9]+", " ", name).strip()
    name = re.sub(r"\bsaint\b", "st", name)
    return re.sub(r"^the ", "", name)


def clean_alias_name(name: str) -> str:
    """An alias as it is checked and stored: no control or invisible format characters
    (`\\x01`, zero-width space, BOM, soft hyphen), surrounding whitespace stripped and inner
    runs (tab, non-breaking space…) made one space. Cleaned before the shadowing check, so
    that the key checked is the key of the name stored (issue 22)."""
    name = strip_control(name or "")
    name = "".join(c for c in name if unicodedata.category(c) != "Cf")
    return " ".join(name.split())


def compact_name(name: str) -> str:
    """`normalize_name` blind to every space: `Sierra Le one` → `sierraleone`.

    Word documents break words (`Plurinational S tate of`); this key is a fallback
    only, used where it designates one State alone (see `StateNameMap.lookup`).
    """
    return normalize_name(name).replace(" ", "").replace("saint", "st")


class StateNameMap(dict):
    """Name key (`normalize_name`) → State, plus the whitespace-blind fallback.

    A plain dict for the exact keys (importers read thousands of names), with
    `lookup()` for everything a document may do to a name, and `closest()` to
    suggest States for a name that is still unknown.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._compact: dict[str, State | None] | None = None
        # ISO3 and ISO2 code -> State (filled by StateQuerySet.alias_map).
        self.codes: dict[str, State] = {}

    def compact_keys(self) -> "dict[str, State | None]":
        if self._compact is None:
            compact: dict[str, State | None] = {}
            for key, state in self.items():
                ckey = compact_name(key)
                if len(ckey) < 4:
                    continue  # ISO codes and the like: too short to match blindly
                if ckey in compact and compact[ckey] != state:
                    compact[ckey] = None  # ambiguous: never used
                else:
                    compact[ckey] = state
            self._compact = compact
        return self._compact

    def lookup(self, name: str) -> "State | None":
        """The State `name` designates: exact key first, then the whitespace-blind key
        where it is unambiguous. None if unknown."""
        key = normalize_name(name)
        if not key:
            return None
        state = self.get(key)
        if state is None and key.endswith(" the"):
            state = self.get(key[:-4])  # ISO style: `Niger (the)`, `Bahamas (the)`
        if state is None:
            state = self.compact_keys().get(compact_name(re.sub(r"\W*\bthe\W*$", "", name)))
        return state

    def closest(self, name: str, n: int = 3) -> "list[State]":
        """The States whose names or aliases are most like `name`, best first."""
        import difflib

        key = normalize_name(name)
        if not key:
            return []
        keys = [k for k in self if len(k) > 3]
        found: list[State] = []
        for match in difflib.get_close_matches(key, keys, n=n * 4, cutoff=0.5):
            if self[match] not in found:
                found.append(self[match])
        if not found or len(found) < n:
            # `Slovak` for `Slovakia`, `Korea` for two: names that start alike.
            for k in sorted(keys):
                if (k.startswith(key) or key.startswith(k)) and self[k] not in found:
                    found.append(self[k])
        return found[:n]


def normalize_local(name: str) -> str:
    """A key for names in any script: accents and Arabic vowel marks dropped, case
    folded, punctuation as spaces (`Франция`, `فرنسا`, `法国` keep their letters)."""
    name = unicodedata.normalize("NFKD", html.unescape(name or ""))
    name = "".join(c for c in name if not unicodedata.combining(c)).casefold()
    name = name.replace("ـ", "")  # Arabic tatweel
    return re.sub(r"[\W_]+", " ", name).strip()


def _localized_keys() -> dict[str, set[str]]:
    """Normalized State names in every interface language → ISO3 codes: 195 States ×
    6 languages, built from Babel and data/un_names.csv, cached per process."""
    global _LOCALIZED_KEYS
    if _LOCALIZED_KEYS is None:
        index: dict[str, set[str]] = {}
        for iso3, iso2, name in State.objects.values_list("iso3", "iso2", "name"):
            for code, _label in settings.LANGUAGES:
                index.setdefault(normalize_local(state_name(iso3, iso2, name, code)),
                                 set()).add(iso3)
        _LOCALIZED_KEYS = index
    return _LOCALIZED_KEYS


_LOCALIZED_KEYS: dict[str, set[str]] | None = None


class RegionalGroup(models.TextChoices):
    AFRICAN = "AFR", _("African Group")
    ASIA_PACIFIC = "APG", _("Asia-Pacific Group")
    EASTERN_EUROPEAN = "EEG", _("Eastern European Group")
    LATIN_AMERICAN_CARIBBEAN = "GRULAC", _("Latin American and Caribbean Group")
    WESTERN_EUROPEAN_OTHERS = "WEOG", _("Western European and others Group")

    @classmethod
    def parse(cls, value: str) -> "RegionalGroup | None":
        """Accept the codes and the labels used by UPR Info and UHRI (`Asia`, `Africa`...)."""
        key = normalize_name(value)
        for code, aliases in REGION_ALIASES.items():
            if key == normalize_name(code) or key in aliases:
                return cls(code)
        return None


REGION_ALIASES: dict[str, set[str]] = {
    "AFR": {"africa", "african", "african group", "african states", "afr"},
    "APG": {
        "asia", "asia pacific", "asia pacific group", "asia pacific states",
        "asian states", "asia and pacific", "apg",
    },
    "EEG": {"eastern europe", "eastern european", "eastern european group",
            "eastern european states", "eeg"},
    "GRULAC": {"grulac", "latin america and caribbean", "latin american and caribbean",
               "latin american and caribbean group", "latin american and caribbean states"},
    "WEOG": {"weog", "western european and others", "western european and other states",
             "western european and others group", "western europe and others"},
}


class StateQuerySet(models.QuerySet):
    def members(self) -> "StateQuerySet":
        return self.filter(is_observer=False)

    def in_region(self, region: str) -> "StateQuerySet":
        return self.filter(region=region)

    def search(self, q: str) -> "StateQuerySet":
        """States whose name, ISO code or one of whose aliases matches `q` (accents and
        case ignored, so `cote` finds Côte d'Ivoire and `turkey` finds Türkiye)."""
        q = (q or "").strip()
        if not q:
            return self
        code = models.Q(iso3__iexact=q) | models.Q(iso2__iexact=q)
        if len(q) in (2, 3) and self.filter(code).exists():
            return self.filter(code)  # `TUR` means Türkiye, not also Turkmenistan
        key = normalize_name(q)
        match = code
        if key:
            match |= models.Q(name_key__contains=key) | models.Q(aliases__name_key__contains=key)
        local = normalize_local(q)
        if local:
            # The name in any of the six languages: `Франция`, `فرنسا`, `Allemagne`.
            codes = {iso3 for name, iso3s in _localized_keys().items() if local in name
                     for iso3 in iso3s}
            if codes:
                match |= models.Q(iso3__in=codes)
        return self.filter(match).distinct()

    def resolve(self, name: str, names: StateNameMap | None = None) -> "State | None":
        """The State a name or ISO code designates, through the aliases; None if unknown.

        Any case, with or without `the`, typographic quotes, non-breaking spaces, line
        breaks; then, where unambiguous, blind to stray spaces inside words. The one
        name resolution every importer and page uses (through `alias_map()` for bulk).
        With `names` (an `alias_map()` kept by the caller, e.g. recommendations.codes
        per version of the reference data) it reads no table.
        """
        name = (name or "").strip()
        if len(name) in (2, 3) and name.isupper():
            state = (names.codes.get(name) if names is not None else
                     self.filter(models.Q(iso3=name) | models.Q(iso2=name)).first())
            if state:
                return state
        key = normalize_name(name)
        if key:
            # A State's own name first: no alias can shadow it (alias_map() holds both,
            # own names over aliases).
            if names is not None:
                state = names.get(key)
            else:
                state = (self.filter(name_key=key).first()
                         or self.filter(aliases__name_key=key).distinct().first())
            if state:
                return state
            state = (names if names is not None else self.alias_map()).lookup(name)
            if state:
                return state
        codes = _localized_keys().get(normalize_local(name), set())
        if len(codes) != 1:
            return None
        iso3 = next(iter(codes))
        return names.codes.get(iso3) if names is not None else self.filter(iso3=iso3).first()

    def closest(self, name: str, n: int = 3) -> list["State"]:
        """Suggestions for a name that does not resolve, best first."""
        return self.alias_map().closest(name, n)

    def alias_map(self) -> StateNameMap:
        """All known name keys → State, for importers that resolve thousands of names.

        Use `.lookup(name)` on it rather than `[normalize_name(name)]`: it also reads
        names whose words a document broke with stray spaces.
        """
        states = {s.pk: s for s in self.all()}
        mapping = StateNameMap()
        for state_id, key in StateAlias.objects.values_list("state_id", "name_key"):
            if state_id in states:
                mapping[key] = states[state_id]
        # A State's own name and code always win over any alias (issue 22).
        mapping.update({s.name_key: s for s in states.values()})
        mapping.update({s.iso3.lower(): s for s in states.values()})
        mapping.codes = {**{s.iso2: s for s in states.values() if s.iso2},
                         **{s.iso3: s for s in states.values()}}
        return mapping

    def add_alias(self, name: str, state: "State", *, user=None,
                  via: str = "") -> "StateAlias | None":
        """Remember that `name` means `state` (a person confirmed it). None if the name
        already resolves to that State; ValueError if it means another State, or is
        too long to store whole.

        The key checked is the key stored (issue 22: a 120-character name used to be
        checked whole and stored cut to 100, its key becoming `france`). Saved aliases
        are logged with who saved them and from where, and keep `created_by`/`created_at`.
        """
        cleaned = clean_alias_name(name)
        key = normalize_name(cleaned)
        if not key:
            raise ValueError("an alias needs letters or digits")
        if len(cleaned) > ALIAS_MAX_LENGTH or len(key) > ALIAS_MAX_LENGTH:
            raise ValueError(f"an alias may have at most {ALIAS_MAX_LENGTH} characters")
        known = alias_conflict(key, state, self.alias_map())
        if known is not None:
            if known != state:
                raise ValueError(f"{cleaned!r} already means {known.name}")
            return None
        alias = StateAlias(state=state, name=cleaned, created_by=user)
        alias.via = via
        alias.save()
        return alias


class State(models.Model):
    """A UN Member State or an observer State (Holy See, State of Palestine)."""

    iso3 = models.CharField(_("ISO 3166 alpha-3"), max_length=3, unique=True)
    iso2 = models.CharField(_("ISO 3166 alpha-2"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_key = models.CharField(max_length=100, editable=False, db_index=True)
    region = models.CharField(_("regional group"), max_length=6, choices=RegionalGroup.choices)
    is_observer = models.BooleanField(_("observer State"), default=False)

    objects = StateQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("State")
        verbose_name_plural = _("States")

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        """The name in the active language (English: `name`; others: CLDR or the UN's)."""
        return state_name(self.iso3, self.iso2, self.name)

    def name_in(self, language: str) -> str:
        return state_name(self.iso3, self.iso2, self.name, language)

    def save(self, *args, **kwargs) -> None:
        global _LOCALIZED_KEYS
        self.name_key = normalize_name(self.name)
        super().save(*args, **kwargs)
        _LOCALIZED_KEYS = None


ALIAS_MAX_LENGTH = 100


def alias_conflict(key: str, state: "State", mapping: StateNameMap | None = None
                   ) -> "State | None":
    """The State that name key `key` already designates, as a State's own name, code or
    alias, or through the whitespace-blind key; None if it is free."""
    mapping = State.objects.alias_map() if mapping is None else mapping
    known = mapping.get(key)
    if known is None:
        compact = compact_name(key)
        if len(compact) >= 4:
            known = mapping.compact_keys().get(compact)
    return known


class StateAlias(models.Model):
    """Another name a State goes by in imported data (`Turkey`, `DPR Korea`...).

    An alias never shadows a State's own name or another State's alias (checked on
    every save, whatever the route: add_alias, the admin); who added it and when is kept.
    """

    state = models.ForeignKey(State, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("alias"), max_length=ALIAS_MAX_LENGTH)
    name_key = models.CharField(max_length=ALIAS_MAX_LENGTH, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("added by"), editable=False)
    created_at = models.DateTimeField(_("added on"), auto_now_add=True, null=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("State alias")
        verbose_name_plural = _("State aliases")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        self.name = clean_alias_name(self.name)
        key = normalize_name(self.name)
        if not key:
            raise ValidationError({"name": _("An alias needs letters or digits.")})
        if len(key) > ALIAS_MAX_LENGTH:
            raise ValidationError({"name": _("This alias is too long.")})
        if self.state_id is None:
            return
        mapping = State.objects.alias_map()
        if self.pk:  # an edit: the alias's own old key is not a conflict
            old = StateAlias.objects.filter(pk=self.pk).values_list("name_key", flat=True)
            for old_key in old:
                mapping.pop(old_key, None)
                mapping._compact = None
        known = alias_conflict(key, self.state, mapping)
        if known is not None and known.pk != self.state_id:
            raise ValidationError({"name": _("“%(name)s” already means %(state)s.") % {
                "name": self.name, "state": known.name}})

    def save(self, *args, **kwargs) -> None:
        import logging

        self.clean()  # every route, not only forms: no alias may shadow another State
        self.name_key = normalize_name(self.name)
        created = self.pk is None
        super().save(*args, **kwargs)
        logging.getLogger("states.aliases").info(
            "State alias %r -> %s %s by %s at %s%s", self.name, self.state.iso3,
            "added" if created else "changed",
            getattr(self.created_by, "username", None) or "(no user)",
            self.created_at.isoformat() if self.created_at else "?",
            f" (from the {self.via})" if getattr(self, "via", "") else "")


class InstitutionKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    AGENCY = "agency", _("Agency")
    PARLIAMENT = "parliament", _("Parliament")
    JUDICIARY = "judiciary", _("Judiciary")
    NHRI = "nhri", _("National human rights institution")
    LOCAL = "local", _("Local or regional government")
    OTHER = "other", _("Other")


class InstitutionQuerySet(models.QuerySet):
    def for_state(self, state_id: int) -> "InstitutionQuerySet":
        return self.filter(state_id=state_id)

    def match(self, state_id: int, name: str) -> "Institution | None":
        """The State's institution called `name` or with that short name, blind to case,
        accents and punctuation (`Ministry of Justice`, `ministry of justice.`, `MoJ`)."""
        key = normalize_name(name)
        if not key:
            return None
        for institution in self.filter(state_id=state_id):
            if key in (normalize_name(institution.name), normalize_name(institution.short_name)):
                return institution
        return None

    def match_or_create(self, state_id: int, name: str) -> "Institution | None":
        """`match`, or a new institution of the State with that name (kind "other")."""
        name = " ".join((name or "").split())[:300]
        if not name:
            return None
        return self.match(state_id, name) or self.create(state_id=state_id, name=name)


class Institution(models.Model):
    """A ministry, agency or other body of a State that implements recommendations: the
    responsible institution of follow-up actions and indicators, and the body an
    institution contributor reports for."""

    state = models.ForeignKey(State, on_delete=models.CASCADE, related_name="institutions",
                              verbose_name=_("State"))
    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=InstitutionKind.choices,
                            default=InstitutionKind.OTHER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        ordering = ["state", "name"]
        constraints = [models.UniqueConstraint(fields=["state", "name"],
                                               name="institution_name_per_state")]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("progress:institution_detail", args=[self.pk])

    @property
    def label(self) -> str:
        return f"{self.name} ({self.short_name})" if self.short_name else self.name
