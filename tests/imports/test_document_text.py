"""Page furniture and line joins in UN document text (pure functions)."""

from imports.readers.document_text import clean_page, join_lines
from imports.readers.un_documents import (
    classify_list_paragraph,
    ordinal_number,
    propose_reading,
)


def test_headers_footers_and_footnotes_are_removed():
    page = ["A/HRC/59/15", "2 GE.25-02819", "140.9 Consider acceding to the Optional",
            "Protocol (Rwanda);", "paragraph 15 (a);1", " 1 A/HRC/WG.6/48/SVN/1.",
            " 2 A/HRC/WG.6/48/SVN/2.", "GE.25-02819 13", ""]
    assert clean_page(page) == ["140.9 Consider acceding to the Optional",
                                "Protocol (Rwanda);", "paragraph 15 (a);"]


def test_page_number_alone_and_paragraph_numbers_kept():
    assert clean_page(["A/HRC/43/15", "12  ", "122.99 Continue making progress", " 13"]) == [
        "122.99 Continue making progress"]


def test_lines_join_with_hyphenated_words_and_apostrophes():
    assert join_lines(["respect the principle of non-", "refoulement (Cyprus);"]) == \
        "respect the principle of non-refoulement (Cyprus);"
    assert join_lines(["Enhance Slovenia’ s strategy"]) == "Enhance Slovenia’s strategy"


def test_ordinals():
    assert [ordinal_number(w) for w in ("forty-eighth", "thirty-fourth", "seventh",
                                         "twentieth", "48th", "eleventh", "words")] == [
        48, 34, 7, 20, 48, 11, None]


def test_list_paragraphs_and_sentence_readings():
    assert classify_list_paragraph("The Government accepts the following") == "supported"
    assert classify_list_paragraph("The Government takes note of recommendations") == "noted"
    assert classify_list_paragraph("For the time being, the Government notes") == "noted"
    assert classify_list_paragraph("The following recommendations will be examined") == \
        "pending"
    assert propose_reading("Slovenia accepts the recommendation.") == "supported"
    assert propose_reading("Slovenia cannot, at this point in time, make a definitive "
                           "statement.") == "noted"
    assert propose_reading("Slovenia accepts the recommendation in part.") == \
        "partially_supported"
    assert propose_reading("Slovenia does not accept the recommendation.") == "noted"
    assert propose_reading("The matter is being studied.") == ""


def test_state_under_review_from_the_title_or_the_introduction():
    from imports.readers.un_documents import _state_name

    head = ("Report of the Working Group on the Universal Periodic Review*\n"
            "Venezuela (Bolivarian\nRepublic of)\nIntroduction\n1. The Working Group held "
            "its session. The review of Venezuela (Bolivarian Republic of) was held at the "
            "1st meeting.")
    known = {"venezuela (bolivarian republic of)", "slovenia"}.__contains__
    assert _state_name(head, lambda name: known(name.lower())) == \
        "Venezuela (Bolivarian Republic of)"
    assert _state_name("Report of the Working Group on the Universal Periodic "
                       "Review*\n  Slovenia \n") == "Slovenia"
