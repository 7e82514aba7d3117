"""Pasting the list of recommendations from a Working Group report: preview with
per-line problems, then an all-or-nothing save."""

import pytest
from django.urls import reverse

from recommendations.models import Recommendation

LIST = """\
140.1 Ratify the International Convention for the Protection of All Persons from Enforced
Disappearance (Algeria) (Cabo Verde) (Paraguay);
140.2 Strengthen the national preventive mechanism (Portugal, Slovakia);
140.3 Undertake a review of detention conditions (Indonesia); consider alternatives to
detention for children (Niger);
140.4 Adopt a national action plan against racism (Turkey);
"""


@pytest.fixture
def paste(client_as, review):
    url = reverse("imports:recommendation_paste", args=[review.pk])
    client = client_as("ngo")

    def post(text: str, action: str = "preview", response: str = "pending"):
        return client.post(url, {"text": text, "response": response, action: "1"})

    return post


def states_of(row) -> list[str]:
    return [s.iso3 for s in row["states"]]


def test_preview_reads_paragraphs_texts_and_states(paste):
    rows = paste(LIST).context["rows"]
    assert [r["paragraph"] for r in rows] == ["140.1", "140.2", "140.3", "140.4"]
    assert rows[0]["text"] == ("Ratify the International Convention for the Protection of All "
                               "Persons from Enforced Disappearance")
    assert states_of(rows[0]) == ["DZA", "CPV", "PRY"]
    assert states_of(rows[1]) == ["PRT", "SVK"]
    assert states_of(rows[3]) == ["TUR"]
    assert all(not r["errors"] for r in rows)


def test_cluster_is_one_recommendation_with_every_states(paste):
    row = paste(LIST).context["rows"][2]
    assert states_of(row) == ["IDN", "NER"]
    assert "(Indonesia)" in row["text"] and row["text"].endswith("(Niger)")


def test_preview_saves_nothing(paste):
    response = paste(LIST)
    assert response.status_code == 200
    assert not Recommendation.objects.exists()
    assert b"4 recommendations ready to save" in response.content


def test_missing_states_are_flagged(paste):
    rows = paste("140.1 Ratify the Convention against Torture;\n").context["rows"]
    assert "No recommending State" in " ".join(map(str, rows[0]["errors"]))


def test_unknown_state_names_are_flagged(paste):
    rows = paste("140.1 Ratify the Convention (Atlantis) (France);\n").context["rows"]
    assert any("Atlantis" in str(e) for e in rows[0]["errors"])


def test_paragraph_already_in_review_is_flagged(paste, recommendation):
    rows = paste(f"{recommendation.paragraph} Ratify again (France);\n").context["rows"]
    assert any("already in this review" in str(e) for e in rows[0]["errors"])


def test_paragraph_twice_in_the_list_is_flagged(paste):
    rows = paste("140.1 One (France);\n140.1 Two (Germany);\n").context["rows"]
    assert rows[0]["errors"] == []
    assert any("twice" in str(e) for e in rows[1]["errors"])


def test_line_without_paragraph_is_flagged(paste):
    rows = paste("140.1 One (France);\nRatify the Convention (Germany);\n").context["rows"]
    assert any("paragraph number" in str(e) for e in rows[1]["errors"])


def test_errors_show_their_line_number(paste):
    response = paste(LIST + "140.5 Ratify the treaty (Narnia);\n")
    rows = response.context["rows"]
    assert rows[-1]["line"] == 7
    assert b'data-line="7"' in response.content
    assert b"1 of 5 recommendations has a problem" in response.content


def test_save_is_refused_while_errors_remain(paste):
    response = paste(LIST + "140.5 Ratify the treaty (Narnia);\n", action="save")
    assert response.status_code == 200
    assert b"Nothing was saved" in response.content
    assert not Recommendation.objects.exists()


def test_save_creates_all_with_states_and_response(paste, review):
    response = paste(LIST, action="save", response="supported")
    assert response["Location"] == review.get_absolute_url()
    recs = {r.paragraph: r for r in review.recommendations.all()}
    assert sorted(recs) == ["140.1", "140.2", "140.3", "140.4"]
    assert set(recs["140.2"].recommending_states.values_list("iso3", flat=True)) == {
        "PRT", "SVK"}
    assert {r.response for r in recs.values()} == {"supported"}


def test_save_is_all_or_nothing_when_the_domain_refuses_one(paste, review, monkeypatch):
    from django.core.exceptions import ValidationError

    from recommendations import services

    real = services.create_recommendation

    def refuse_third(**kwargs):
        if kwargs["paragraph"] == "140.3":
            raise ValidationError({"text": "refused for the test"})
        return real(**kwargs)

    monkeypatch.setattr(services, "create_recommendation", refuse_third)
    response = paste(LIST, action="save")
    assert response.status_code == 200
    assert b"refused for the test" in response.content
    assert not Recommendation.objects.exists()


def test_pasted_text_is_shown_as_text(paste):
    response = paste('140.1 Stop <script>alert("x")</script> now (France);\n')
    assert b"<script>alert" not in response.content
    assert b"&lt;script&gt;alert" in response.content


def test_acronym_in_brackets_before_the_states_stays_in_the_text(paste):
    rows = paste("140.1 Ratify the Optional Protocol (OP-CAT) (France);\n").context["rows"]
    assert rows[0]["errors"] == []
    assert rows[0]["text"] == "Ratify the Optional Protocol (OP-CAT)"
    assert states_of(rows[0]) == ["FRA"]
