"""Similarity on hand-labelled pairs of real recommendations (Slovenia, cycle 4 against
cycle 3; tests/recommendations/fixtures/slovenia_pairs.json says how they were labelled),
and the fallback to the lexical method when the optional sentence model is missing."""

import importlib.util
import json
from pathlib import Path

import pytest

from recommendations import similarity

FIXTURE = Path(__file__).parent / "fixtures" / "slovenia_pairs.json"
PAIRS = json.loads(FIXTURE.read_text(encoding="utf-8"))["pairs"]


def precision_recall(method: str) -> tuple[float, float, dict]:
    result = similarity.evaluate(PAIRS, method)
    return result["precision"], result["recall"], result


def test_the_fixture_has_both_kinds_of_pairs_with_reasons():
    assert len(PAIRS) >= 100
    assert sum(p["recurring"] for p in PAIRS) >= 50
    assert sum(not p["recurring"] for p in PAIRS) >= 40
    assert all(p["reason"] and p["later"] and p["earlier"] for p in PAIRS)


def test_lexical_method_finds_the_recurring_pairs():
    precision, recall, counts = precision_recall(similarity.LEXICAL)
    print(f"lexical: precision {precision:.2f}, recall {recall:.2f}, {counts}")
    assert precision >= 0.80, counts
    assert recall >= 0.90, counts


def test_lexical_method_catches_rewording_and_keeps_different_treaties_apart():
    ratify = "Ratify the Optional Protocol to the International Covenant on Economic, Social " \
             "and Cultural Rights"
    reworded = "Consider acceding to the Optional Protocol to the International Covenant on " \
               "Economic, Social and Cultural Rights"
    other = "Ratify the International Convention for the Protection of All Persons from " \
            "Enforced Disappearance"
    unrelated = "Reduce overcrowding in prisons"
    [[same, different, far]] = similarity.scores([reworded], [ratify, other, unrelated],
                                                 similarity.LEXICAL)
    cutoff = similarity.THRESHOLDS[similarity.LEXICAL]
    assert same >= cutoff > different
    assert far < 0.05


def test_stemming_treats_word_forms_alike():
    assert similarity.stem("ratify") == similarity.stem("ratifying") == similarity.stem(
        "ratification")
    assert "optional_protocol" in similarity.terms("the Optional Protocol")


def test_without_the_extra_the_app_falls_back_to_the_lexical_method(monkeypatch, settings):
    real_find_spec = importlib.util.find_spec

    def no_model(name, *args, **kwargs):
        if name in (similarity.SEMANTIC_PACKAGE, "torch"):
            return None
        return real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", no_model)
    for wanted in ("auto", "semantic", "lexical"):
        settings.SIMILARITY_METHOD = wanted
        assert not similarity.semantic_installed()
        assert similarity.active_method() == similarity.LEXICAL
        assert "lexical" in similarity.method_label()
    # and scoring works without the model
    assert similarity.scores(["Ratify OP-CAT"], ["Ratify OP-CAT"])[0][0] > 0.99


def test_evaluate_similarity_command_reports_each_method():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("evaluate_similarity", stdout=out)
    text = out.getvalue()
    assert f"{len(PAIRS)} pairs" in text
    assert "lexical   threshold 0.20  precision 0.83  recall 0.97" in text
    assert "trigram" in text


def test_the_setting_can_force_the_lexical_method(settings):
    settings.SIMILARITY_METHOD = "lexical"
    assert similarity.active_method() == similarity.LEXICAL


@pytest.mark.semantic
def test_semantic_method_on_the_fixture(settings):
    """Needs the `semantic` extra; deselected by default, run by `make test-semantic`."""
    assert similarity.semantic_installed(), 'pip install ".[semantic]"'
    settings.SIMILARITY_METHOD = "auto"
    assert similarity.active_method() == similarity.SEMANTIC
    precision, recall, counts = precision_recall(similarity.SEMANTIC)
    print(f"semantic: precision {precision:.2f}, recall {recall:.2f}, {counts}")
    assert precision >= 0.85, counts
    assert recall >= 0.90, counts
