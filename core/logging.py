"""Logging filters: expected refusals (403, 404) are logged once, without a traceback."""

import logging


class ExpectedRefusalFilter(logging.Filter):
    """On `django.request`: a 403 or 404 is a refusal the app meant, not a crash, so the
    record keeps its one line (`Forbidden (Permission denied): /path`) and drops the
    traceback Django attaches to it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in (403, 404):
            record.exc_info = None
            record.exc_text = None
        return True
