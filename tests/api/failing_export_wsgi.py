"""The project's WSGI application with exports that fail while streaming, for gunicorn
in tests/api/test_export_truncation.py: every PostgreSQL COPY export (CSV, JSON, JSON
Lines) sends its rows, then fails where COPY would report its end. Exports built in
Python (`lang=fr`, XLSX) are untouched: they show what a complete transfer looks like."""

import importlib

from upr_tracker.wsgi import application

# Imported once upr_tracker.wsgi has set Django up (export imports models).
export = importlib.import_module("recommendations.export")

_copy_stream = export.copy_stream


def _failing_copy_stream(copy_sql: str):
    for piece in _copy_stream(copy_sql):
        if isinstance(piece, export._Done):
            raise RuntimeError("export failed while streaming (test)")
        yield piece


export.copy_stream = _failing_copy_stream

__all__ = ["application"]
