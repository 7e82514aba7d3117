#!/usr/bin/env python3
"""List the untranslated and fuzzy entries of every catalogue, and fill them in.

    .venv/bin/python scripts/untranslated.py               # counts and entries, per language
    .venv/bin/python scripts/untranslated.py -l ar --json > todo-ar.json
    # translate the "msgstr" values of todo-ar.json (plural entries: one string per form), then
    .venv/bin/python scripts/untranslated.py -l ar --fill todo-ar.json
    .venv/bin/python manage.py compilemessages --ignore=.venv

Run `manage.py makemessages -a --ignore=.venv --ignore=tests` first so that the catalogues
hold the strings the code uses. Exit status 1 while anything is left to translate, so it can
gate CI or a merge.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[1] / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|%[sd]")


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file as {flags, msgctxt, msgid, msgid_plural, msgstr: {i: text}}:
    a small parser, enough for the files makemessages writes. The header and obsolete
    entries are left out."""
    blocks = re.split(r"\n[ \t]*\n", path.read_text(encoding="utf-8"))
    return [entry for entry in map(read_po_text, blocks) if entry]


def nplurals(path: Path) -> int:
    match = re.search(r"nplurals=(\d+)", path.read_text(encoding="utf-8"))
    return int(match.group(1)) if match else 2


def problems(entry: dict) -> list[str]:
    """Why `entry` is not finished: fuzzy, empty, or placeholders that differ from the
    English text (a missing one would crash or lie)."""
    found = []
    if "fuzzy" in entry["flags"]:
        found.append("fuzzy")
    if not entry["msgstr"] or not all(entry["msgstr"].values()):
        found.append("untranslated")
    else:
        expected = sorted(set(PLACEHOLDER.findall(entry["msgid_plural"] or entry["msgid"])))
        for text in entry["msgstr"].values():
            if sorted(set(PLACEHOLDER.findall(text))) != expected:
                found.append("placeholders differ")
                break
    return found


def catalogues(languages: list[str] | None) -> list[Path]:
    paths = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
    return [p for p in paths if not languages or p.parts[-3] in languages]


def quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def fill(path: Path, translations: list[dict]) -> int:
    """Write the msgstr of each given entry (matched by msgctxt+msgid) into `path`, dropping
    its fuzzy flag. Returns how many entries changed."""
    wanted = {(t.get("msgctxt"), t["msgid"]): t["msgstr"] for t in translations
              if t.get("msgstr") and (not isinstance(t["msgstr"], list) or all(t["msgstr"]))}
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    changed = 0
    for i, block in enumerate(blocks):
        parsed = read_po_text(block)
        if not parsed:
            continue
        key = (parsed["msgctxt"], parsed["msgid"])
        if key not in wanted:
            continue
        value = wanted[key]
        trailing = block[len(block.rstrip("\n")):]
        block = block.rstrip("\n")
        lines = [ln for ln in block.split("\n") if not ln.startswith("msgstr")
                 and not (ln.startswith('"') and _after_msgstr(block, ln))]
        lines = [re.sub(r",? fuzzy", "", ln) if ln.startswith("#,") else ln for ln in lines]
        lines = [ln for ln in lines if ln.strip() != "#,"]
        if parsed["msgid_plural"] is not None:
            forms = value if isinstance(value, list) else [value]
            lines += [f"msgstr[{n}] {quote(text)}" for n, text in enumerate(forms)]
        else:
            lines.append(f"msgstr {quote(value if isinstance(value, str) else value[0])}")
        blocks[i] = "\n".join(lines) + trailing
        changed += 1
    path.write_text("\n\n".join(blocks), encoding="utf-8")
    return changed


def _after_msgstr(block: str, line: str) -> bool:
    """Whether continuation `line` belongs to a msgstr (it follows the first msgstr line)."""
    lines = block.split("\n")
    first = next((n for n, ln in enumerate(lines) if ln.startswith("msgstr")), len(lines))
    return lines.index(line) > first if line in lines else False


def read_po_text(block: str) -> dict | None:
    """One entry (a block of lines between blank lines); None for the header or an
    obsolete (`#~`) entry."""
    entry, key = None, None
    for line in block.split("\n"):
        if line.startswith("#~"):
            return None
        if not line.strip():
            continue
        entry = entry or {"flags": "", "msgctxt": None, "msgid": "", "msgid_plural": None,
                          "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            key, entry["msgctxt"] = "msgctxt", ast.literal_eval(line[8:])
        elif line.startswith("msgid_plural "):
            key, entry["msgid_plural"] = "msgid_plural", ast.literal_eval(line[13:])
        elif line.startswith("msgid "):
            key, entry["msgid"] = "msgid", ast.literal_eval(line[6:])
        elif line.startswith("msgstr"):
            match = re.match(r"msgstr(?:\[(\d)\])? (.*)", line)
            key = int(match.group(1) or 0)
            entry["msgstr"][key] = ast.literal_eval(match.group(2))
        elif line.startswith('"') and key is not None:
            if isinstance(key, int):
                entry["msgstr"][key] += ast.literal_eval(line)
            else:
                entry[key] += ast.literal_eval(line)
    return entry if entry and entry["msgid"] else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-l", "--language", action="append",
                        help="catalogue directory name (ar, zh_Hans, ru, fr, es); repeatable")
    parser.add_argument("--json", action="store_true",
                        help="print the unfinished entries as JSON, ready to translate")
    parser.add_argument("--fill", metavar="FILE",
                        help="write the translations of a JSON file made by --json")
    args = parser.parse_args(argv)
    paths = catalogues(args.language)
    if args.fill:
        translations = json.loads(Path(args.fill).read_text(encoding="utf-8"))
        for path in paths:
            print(f"{path.parts[-3]}: {fill(path, translations)} entries written")
        return 0
    todo_total, dump = 0, []
    for path in paths:
        lang, forms = path.parts[-3], nplurals(path)
        todo = [(e, problems(e)) for e in read_po(path)]
        todo = [(e, why) for e, why in todo if why]
        todo_total += len(todo)
        if args.json:
            dump += [{"language": lang, "msgctxt": e["msgctxt"], "msgid": e["msgid"],
                      "msgid_plural": e["msgid_plural"],
                      "msgstr": [""] * forms if e["msgid_plural"] is not None else "",
                      "problem": ", ".join(why)} for e, why in todo]
            continue
        print(f"{lang}: {len(todo)} to do")
        for e, why in todo:
            print(f"  [{', '.join(why)}] {e['msgid']!r}")
    if args.json:
        print(json.dumps(dump, ensure_ascii=False, indent=1))
    return 1 if todo_total else 0


if __name__ == "__main__":
    sys.exit(main())
