#!/usr/bin/env python3
"""Write the translations that parallel branches left in locale/pending/*.json into the
catalogues, then remove the pending files (kept while
any entry could not be written).

Branches that work at the same time do not edit locale/*/LC_MESSAGES/django.po (every
merge would conflict); each leaves `locale/pending/<branch>.json`:

    {"English msgid": {"fr": "…", "es": "…", "ar": "…", "ru": "…", "zh_Hans": "…"},
     "one msgid\\u0000plural msgid": {"fr": ["…", "…"], …}}

After merging: `make messages` (makemessages adds the new msgids), then

    .venv/bin/python scripts/apply_pending_translations.py
    .venv/bin/python manage.py compilemessages --ignore=.venv
    .venv/bin/python scripts/untranslated.py    # what is still left to do

A msgid the catalogue does not hold (the code changed) is reported, not added.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from untranslated import LOCALE, catalogues, fill  # noqa: E402

PENDING = LOCALE / "pending"


def load_pending() -> dict[str, dict[str, object]]:
    merged: dict[str, dict[str, object]] = {}
    for path in sorted(PENDING.glob("*.json")):
        for msgid, by_language in json.loads(path.read_text(encoding="utf-8")).items():
            merged.setdefault(msgid, {}).update(by_language)
    return merged


def main() -> int:
    pending = load_pending()
    if not pending:
        print("Nothing pending.")
        return 0
    missing = 0
    for path in catalogues(None):
        language = path.parts[-3]
        entries = []
        for key, by_language in pending.items():
            value = by_language.get(language)
            if not value:
                continue
            msgid = key.split("\u0000")[0]
            entries.append({"msgctxt": None, "msgid": msgid, "msgstr": value})
        written = fill(path, entries)
        missing += len(entries) - written
        print(f"{language}: {written} of {len(entries)} pending entries written")
    if missing:
        print(f"{missing} entries were not in the catalogues: run `make messages` first, "
              "or the code no longer uses them. The pending files are kept.")
        return 1
    for path in PENDING.glob("*.json"):
        path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
