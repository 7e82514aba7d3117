"""The README's one-line loaders (section "Exports that load in one line") run as written
against a live server: every frame has the list's `count` rows, integer ids, and
`paragraph` as text ("180.10" stays "180.10", not the float 180.1)."""

import ast
import re
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest

from recommendations import services

README = Path(__file__).resolve().parents[2] / "README.md"
README_HOST = "http://127.0.0.1:8000"

pytestmark = pytest.mark.django_db(transaction=True)


def loader_snippet() -> str:
    section = README.read_text().split("### Exports that load in one line", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def run_snippet(code: str) -> list:
    """Run `code` statement by statement; the value of each bare expression, in order."""
    namespace: dict = {}
    values = []
    for statement in ast.parse(code).body:
        if isinstance(statement, ast.Expr):
            values.append(eval(compile(ast.Expression(statement.value), "README", "eval"),
                               namespace))
        else:
            exec(compile(ast.Module([statement], []), "README", "exec"), namespace)
    return values


def test_the_snippet_is_the_one_the_readme_shows():
    code = loader_snippet()
    assert README_HOST in code
    for loader in ("pd.read_csv(", "pl.read_csv(", "duckdb.read_csv(", "pd.read_json("):
        assert loader in code, loader


def test_readme_loaders_give_count_rows_with_paragraph_as_text(live_server, corpus,
                                                              tmp_path, monkeypatch):
    services.create_recommendation(
        review=corpus.fra43, paragraph="180.10", text="Ratify the convention on migrants",
        recommending_states=[corpus.bra41.state], response="supported")
    services.create_recommendation(
        review=corpus.fra43, paragraph="180.1", text="Ratify the convention on disability",
        recommending_states=[corpus.bra41.state], response="noted")
    count = 4  # the two above, and the corpus's two recommendations to France
    monkeypatch.chdir(tmp_path)  # duckdb's line saves fra.csv
    frames = run_snippet(loader_snippet().replace(README_HOST, live_server.url))

    frames = [f for f in frames if not isinstance(f, tuple)]  # urlretrieve's answer
    kinds = [type(f) for f in frames]
    assert kinds == [pd.DataFrame, pl.DataFrame, duckdb.DuckDBPyRelation, pd.DataFrame]
    pandas_csv, polars_csv, duck, pandas_jsonl = frames
    for frame in (pandas_csv, pandas_jsonl):
        assert len(frame) == count
        assert pd.api.types.is_integer_dtype(frame["id"])
        assert sorted(frame["paragraph"]) == ["180.1", "180.10", "45.1", "45.2"]
    assert polars_csv.height == count
    assert polars_csv.schema["id"].is_integer()
    assert sorted(polars_csv["paragraph"].to_list()) == ["180.1", "180.10", "45.1", "45.2"]
    assert duck.shape[0] == count
    types = dict(zip(duck.columns, map(str, duck.dtypes), strict=True))
    assert types["id"] in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT")
    paragraphs = sorted(row[0] for row in duck.select("paragraph").fetchall())
    assert paragraphs == ["180.1", "180.10", "45.1", "45.2"]
