"""The way in: every file reader (UPR Info, UHRI, OHCHR lists, this app's export, the UN
documents, PDF/Word text, number lists, pasted text), matching and merging into records,
import jobs and their task, and the pages and command that start them.

Layout: `readers/` parse files into rows (no database writes, except the UN documents'
addendum bookkeeping); `parsing` splits pasted or listed text into recommendations;
`write` matches rows to the database and writes them; `pipeline.import_file()` is the
one entry point; `jobs` and `tasks` run it in the background; `views`, `forms`, `urls`
and the `import_recommendations` command are its faces.
"""
