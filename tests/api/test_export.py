"""Exports: the column contract, filters, three formats, the formula guard."""

import csv
import io
import json

import pytest
from django.db import connection
from openpyxl import load_workbook

from recommendations.export import COLUMNS, export_rows, write_csv, write_xlsx
from recommendations.models import Recommendation

URL = "/api/v1/recommendations/export/"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response) -> list[dict]:
    """The data rows (no trailer row by default: `end_marker=1` asks for it)."""
    rows = list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert not rows or rows[-1]["id"] != "#END"
    return rows


def test_csv_starts_with_bom_and_the_contract_header(api_client, corpus):
    raw = body(api_client.get(URL, {"format": "csv"}))
    assert raw.startswith(b"\xef\xbb\xbf" + b",".join(c.encode() for c in COLUMNS) + b"\n")


def test_csv_export_applies_filters(api_client, corpus):
    rows = csv_rows(api_client.get(URL, {"format": "csv", "state_under_review": "FRA",
                                         "response": "noted"}))
    assert [int(r["id"]) for r in rows] == [corpus.death.pk]


def test_csv_multiple_values_are_json_arrays(api_client, corpus):
    row = csv_rows(api_client.get(URL, {"format": "csv", "q": "death"}))[0]
    assert (row["recommending_states"], row["recommending_state_names"], row["sdgs"]) == (
        '["BRA", "JPN"]', '["Brazil", "Japan"]', "[5, 16]")


def test_csv_guards_formulas(api_client, corpus):
    row = csv_rows(api_client.get(URL, {"format": "csv", "state_under_review": "BRA"}))[0]
    assert row["text"].startswith("'=HYPERLINK")


def test_export_is_not_paginated(api_client, corpus):
    assert len(csv_rows(api_client.get(URL, {"format": "csv", "page_size": 1}))) == 4


def test_export_is_streamed(api_client, corpus):
    assert api_client.get(URL, {"format": "csv"}).streaming
    assert api_client.get(URL, {"format": "json"}).streaming


def test_json_export_keeps_lists_and_applies_filters(api_client, corpus):
    rows = json.loads(body(api_client.get(URL, {"format": "json", "sdg": 16})))
    assert {r["id"] for r in rows} == {corpus.torture.pk, corpus.death.pk}
    assert list(rows[0]) == list(COLUMNS)
    assert rows[1]["sdgs"] == [5, 16]


def test_xlsx_export_applies_filters_and_guards_formulas(api_client, corpus):
    response = api_client.get(URL, {"format": "xlsx", "region": "GRULAC"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).active
    rows = list(sheet.values)
    assert rows[0] == COLUMNS
    assert len(rows) == 2
    assert rows[1][COLUMNS.index("text")].startswith("'=HYPERLINK")


def test_unknown_format_is_a_400(api_client, corpus):
    response = api_client.get(URL, {"format": "pdf"})
    assert response.status_code == 400
    assert "format" in response.json()


def test_export_rows_yields_columns_in_contract_order(corpus):
    row = next(export_rows(Recommendation.objects.filter(pk=corpus.torture.pk)))
    assert tuple(row) == COLUMNS
    assert (row["government_status"], row["civil_society_status"]) == ("in_progress",
                                                                       "not_implemented")


def test_write_csv_to_text_and_binary_files_gives_same_content(corpus):
    text, binary = io.StringIO(), io.BytesIO()
    write_csv(Recommendation.objects.all(), text)
    write_csv(Recommendation.objects.all(), binary)
    assert binary.getvalue().decode("utf-8") == text.getvalue()


def test_write_xlsx_strips_control_characters(corpus):
    Recommendation.objects.filter(pk=corpus.nhri.pk).update(text="bad\x01char -minus")
    out = io.BytesIO()
    write_xlsx(Recommendation.objects.filter(pk=corpus.nhri.pk), out)
    sheet = load_workbook(io.BytesIO(out.getvalue()), read_only=True).active
    assert list(sheet.values)[1][COLUMNS.index("text")] == "badchar -minus"


def test_export_spans_several_chunks(corpus, monkeypatch):
    from recommendations import export

    monkeypatch.setattr(export, "CHUNK_SIZE", 3)
    rows = list(export_rows(Recommendation.objects.all()))
    assert [r["id"] for r in rows] == [r.pk for r in corpus.all]
    assert rows[3]["recommending_states"] == '["KEN"]'


def test_xlsx_header_is_bold_frozen_filtered_and_columns_fit(api_client, corpus):
    from openpyxl.utils import get_column_letter

    book = load_workbook(io.BytesIO(body(api_client.get(URL, {"format": "xlsx"}))))
    sheet = book.active
    assert [c.value for c in sheet[1]] == list(COLUMNS)  # machine keys stay
    assert all(c.font.bold for c in sheet[1])
    assert not sheet.cell(row=2, column=1).font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(COLUMNS))}1"
    text = get_column_letter(COLUMNS.index("text") + 1)
    assert sheet.column_dimensions[text].width == 80
    assert sheet.column_dimensions["A"].width == 8
    assert all(sheet.column_dimensions[get_column_letter(i)].width
               for i in range(1, len(COLUMNS) + 1))
    assert sheet[f"{text}2"].alignment.wrap_text
    assert not sheet["A2"].alignment.wrap_text


@pytest.mark.parametrize("use_copy", [True, False])
def test_urls_are_on_the_request_host_in_every_format(api_client, corpus, monkeypatch,
                                                      use_copy):
    from recommendations import export

    if use_copy and connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's (SQLite exports take the Python path)")
    monkeypatch.setattr(export, "fast", lambda: use_copy)
    pk = corpus.torture.pk
    api = f"http://testserver/api/v1/recommendations/{pk}/"
    page = f"http://testserver/recommendations/{pk}/"
    query = {"q": "torture"}
    row = csv_rows(api_client.get(URL, {**query, "format": "csv"}))[0]
    assert (row["url"], row["page_url"]) == (api, page)
    row = json.loads(body(api_client.get(URL, {**query, "format": "json"})))[0]
    assert list(row)[:3] == ["id", "url", "page_url"]
    assert (row["url"], row["page_url"]) == (api, page)
    line = body(api_client.get(URL, {**query, "format": "jsonl"})).splitlines()[0]
    assert (json.loads(line)["url"], json.loads(line)["page_url"]) == (api, page)
    sheet = load_workbook(io.BytesIO(body(api_client.get(URL, {**query, "format": "xlsx"}))),
                          read_only=True).active
    rows = list(sheet.values)
    assert rows[1][1:3] == (api, page)


def test_page_url_opens_the_recommendation_page(client, corpus):
    row = next(export_rows(Recommendation.objects.filter(pk=corpus.torture.pk)))
    path = row["page_url"].split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 200
    assert corpus.torture.text[:30] in response.content.decode()
