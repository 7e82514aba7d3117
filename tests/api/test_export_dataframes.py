"""The export loads in one line in pandas, polars and duckdb (issue 21): exactly `count`
rows, integer ids, cycles and sessions, a boolean `recurring`, multi-valued columns as
JSON arrays, one line ending, no trailer unless `end_marker=1`."""

import io
import json

import duckdb
import pandas as pd
import polars as pl
import pytest

from recommendations import services
from recommendations.models import Theme
from tests.factories import ReviewFactory, session, state

pytestmark = pytest.mark.django_db

SEMICOLON_THEME = "Children: definition; general principles; protection"


@pytest.fixture
def awkward(corpus):
    """Text with a line break, quotes, commas and a theme whose name holds `; `."""
    theme = Theme.objects.get(name=SEMICOLON_THEME)
    review = ReviewFactory(state=state("KEN"), session=session(9),
                           addendum_symbol="A/HRC/15/8/Add.1")
    rec = services.create_recommendation(
        review=review, paragraph="101.4", text='Adopt a "child act",\nand fund it; now',
        recommending_states=[state("FRA"), state("DEU")], response="supported",
        themes=[theme, *corpus.themes[:1]])
    return rec


def _get(api_client, **params) -> bytes:
    response = api_client.get("/api/v1/recommendations/export/", params)
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content)


def _count(api_client, **params) -> int:
    params.pop("format", None)
    return api_client.get("/api/v1/recommendations/", params).json()["count"]


FILTERS = [{}, {"cycle": "4"}, {"response": "supported"}, {"state_under_review": "KEN"}]


@pytest.mark.parametrize("params", FILTERS)
def test_csv_loads_in_pandas_polars_and_duckdb_with_count_rows(api_client, awkward, params,
                                                               tmp_path):
    raw = _get(api_client, format="csv", **params)
    count = _count(api_client, **params)
    assert b"\r" not in raw  # one line ending throughout: header and rows end in \n
    path = tmp_path / "export.csv"
    path.write_bytes(raw)

    frame = pd.read_csv(path)
    assert len(frame) == count
    if count:
        for column in ("id", "cycle", "session", "review", "version"):
            assert pd.api.types.is_integer_dtype(frame[column]), column
        assert pd.api.types.is_bool_dtype(frame["recurring"])

    polars_frame = pl.read_csv(path)
    assert polars_frame.height == count
    if count:
        for column in ("id", "cycle", "session", "review", "version"):
            assert polars_frame.schema[column].is_integer(), column
        assert polars_frame.schema["recurring"] == pl.Boolean

    relation = duckdb.read_csv(str(path))
    assert relation.shape[0] == count
    if count:
        types = dict(zip(relation.columns, [str(t) for t in relation.dtypes], strict=True))
        for column in ("id", "cycle", "session", "review", "version"):
            assert types[column] in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT"), types
        assert types["recurring"] == "BOOLEAN"


def test_multi_valued_columns_are_json_arrays_that_keep_names_whole(api_client, awkward,
                                                                    tmp_path):
    frame = pd.read_csv(io.BytesIO(_get(api_client, format="csv",
                                        state_under_review="KEN")))
    row = frame.set_index("id").loc[awkward.pk]
    assert SEMICOLON_THEME in json.loads(row["themes"])
    assert json.loads(row["recommending_states"]) == ["FRA", "DEU"] or sorted(
        json.loads(row["recommending_states"])) == ["DEU", "FRA"]
    assert row["text"] == 'Adopt a "child act",\nand fund it; now'
    assert row["addendum_symbol"] == "A/HRC/15/8/Add.1"
    decoded = pl.read_csv(io.BytesIO(_get(api_client, format="csv"))).with_columns(
        pl.col("themes").str.json_decode(pl.List(pl.String)))
    names = {t for themes in decoded["themes"].to_list() for t in themes}
    assert SEMICOLON_THEME in names


def test_jsonl_loads_in_pandas_with_count_rows_and_no_marker(api_client, awkward):
    raw = _get(api_client, format="jsonl")
    frame = pd.read_json(io.BytesIO(raw), lines=True)
    assert len(frame) == _count(api_client)
    assert pd.api.types.is_integer_dtype(frame["id"])
    assert pd.api.types.is_integer_dtype(frame["cycle"])
    assert pd.api.types.is_bool_dtype(frame["recurring"])
    assert b"_end" not in raw


def test_end_marker_is_opt_in(api_client, awkward):
    count = _count(api_client)
    csv_text = _get(api_client, format="csv", end_marker="1").decode("utf-8-sig")
    assert csv_text.endswith(f"#END,{count}\n")
    jsonl = _get(api_client, format="jsonl", end_marker="1").decode().splitlines()
    assert json.loads(jsonl[-1]) == {"_end": True, "rows": count}
    assert api_client.get("/api/v1/recommendations/export/",
                          {"end_marker": "yes"}).status_code == 400


def test_count_header_and_head_without_building_the_file(api_client, awkward,
                                                         django_assert_max_num_queries):
    response = api_client.get("/api/v1/recommendations/export/", {"format": "csv"})
    assert response["X-Total-Count"] == str(_count(api_client))
    with django_assert_max_num_queries(3):  # the filters' lookups and the count, no COPY
        head = api_client.head("/api/v1/recommendations/export/", {"format": "xlsx"})
    assert head.status_code == 200
    assert head["X-Total-Count"] == str(_count(api_client))
    assert head.content == b""


def test_export_round_trips_through_the_importer(api_client, awkward, tmp_path):
    """The importer reads the JSON-array columns back (a theme name with `; ` whole)."""
    from imports.readers.app_export import multi

    frame = pd.read_csv(io.BytesIO(_get(api_client, format="csv", state_under_review="KEN")))
    assert SEMICOLON_THEME in multi(frame.iloc[0]["themes"])
    assert multi("DEU; FRA") == ["DEU", "FRA"]
