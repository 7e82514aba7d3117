"""Hardening, second pass (issue 22): the import items (1, 5, 7, 10, 13).

Item 13 runs a real Celery worker (prefork, on the `imports` queue, Redis DB 4 as broker
and cache) and kills it with SIGKILL in the middle of an import.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from accounts.roles import Role
from imports import jobs as import_jobs
from imports import tasks as import_tasks
from imports.models import ImportJob
from imports.pipeline import import_file
from imports.readers.core import ImportFailed
from imports.readers.files import decode_text
from imports.write import NearIndex, Planned, find_matches
from states.models import State, StateAlias
from tests.conftest import make_user, need_service

UPR_INFO_HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"
BROKER_DB = 4  # this Redis database number


def docx_with_paragraphs(count: int, text: str = "", numbered: bool = False) -> bytes:
    """A real-looking .docx whose body holds `count` paragraphs (compresses to little;
    `numbered` paragraphs compress as real text does, under the zip-bomb ratio)."""
    if numbered:
        body = "".join(f"<w:p><w:r><w:t>{i:x}</w:t></w:r></w:p>" for i in range(count)).encode()
    else:
        run = f"<w:r><w:t>{text}</w:t></w:r>" if text else ""
        body = (f"<w:p>{run}</w:p>" * count).encode()
    document = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
                b'2006/main"><w:body>' + body + b"</w:body></w:document>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://'
                         b'schemas.openxmlformats.org/package/2006/content-types"/>')
        archive.writestr("word/document.xml", document)
    return out.getvalue()


def messages(report) -> str:
    return " ".join(e["message"] for e in report.errors)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# --- 1. aliases through the import routes --------------------------------------------------

@pytest.mark.django_db
def test_item1_the_import_page_cannot_make_france_mean_germany(france, germany, tmp_path):
    user = make_user("ngo-aliases", Role.NGO)
    long_name = "France" + "!" * 120 + " x"
    job = ImportJob(original_name="upr.csv", dry_run=True, created_by=user, report={
        "ok": False, "unknown_names": [{"name": long_name, "role": "recommending State",
                                        "rows": [2], "suggestions": []}]})
    job.file.save("upr.csv", ContentFile(b"x"), save=False)
    job.save()
    client = Client()
    client.force_login(user)
    response = client.post(f"/imports/{job.public_id}/aliases/", {"alias-0": "DEU"},
                           follow=True)
    assert response.status_code == 200
    assert "at most 100" in response.content.decode()
    assert not StateAlias.objects.filter(state=germany).exists()
    assert State.objects.resolve("France") == france


@pytest.mark.django_db
def test_item1_the_command_refuses_a_long_alias_that_would_shadow_france(tmp_path, france):
    path = tmp_path / "upr.csv"
    path.write_text("\r\n".join([UPR_INFO_HEADER, "France,WEOG,EU,Combat hate speech,"
                                 "Germany,WEOG,EU,Accepted,4,Media,43"]))
    with pytest.raises(CommandError):
        call_command("import_recommendations", str(path),
                     "--alias", "France" + "!" * 120 + " x=DEU")
    assert State.objects.resolve("France") == france
    assert not StateAlias.objects.filter(name__startswith="France").exists()


# --- 5. documents: bounded, never inline, clean errors --------------------------------------

@pytest.mark.django_db
def test_item5_a_docx_of_a_million_paragraphs_is_refused_before_it_is_built(tmp_path):
    import tracemalloc

    path = tmp_path / "bomb.docx"
    path.write_bytes(docx_with_paragraphs(1_000_000, numbered=True))
    assert path.stat().st_size < 8_000_000  # a file the upload page takes
    tracemalloc.start()
    report = import_file(path, dry_run=True)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert not report.ok
    assert "more than 100,000 paragraphs" in messages(report)
    assert peak < 50 * 1024 * 1024  # python-docx would take gigabytes


@pytest.mark.django_db
def test_item5_the_command_gives_a_clean_error_for_ten_million_paragraphs(
        tmp_path, capsys, settings, monkeypatch):
    from imports.readers import files

    # An install that raised the expansion caps: the paragraph cap still holds.
    settings.IMPORT_MAX_MEMBER_BYTES = settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 200_000_000
    monkeypatch.setattr(files, "MAX_COMPRESSION_RATIO", 100_000)
    path = tmp_path / "huge.docx"
    path.write_bytes(docx_with_paragraphs(10_000_000))
    with pytest.raises(CommandError, match="not imported"):
        call_command("import_recommendations", str(path))
    out = capsys.readouterr().out
    assert "Traceback" not in out
    assert "paragraphs" in out or "expand" in out


@pytest.mark.django_db
def test_item5_pypdf_limit_reached_is_a_clean_command_error(shared_data, monkeypatch, capsys):
    import pypdf._cmap

    monkeypatch.setattr(pypdf._cmap, "MAPPING_DICTIONARY_SIZE_LIMIT", 1)
    path = shared_data / "un-documents" / "slovenia-A-HRC-43-15.pdf"
    with pytest.raises(CommandError, match="not imported"):
        call_command("import_recommendations", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "limits of the PDF reader" in out
    assert "Traceback" not in out


@pytest.mark.django_db
def test_item5_a_document_is_never_imported_inside_a_request_when_the_broker_is_down(
        monkeypatch, settings, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    ran = []
    monkeypatch.setattr(import_tasks.run_import_job, "delay", unreachable)
    monkeypatch.setattr(import_jobs, "run_import_job", lambda job_id: ran.append(job_id))
    settings.IMPORT_INLINE_MAX_BYTES = 10 * 1024 * 1024  # small enough to run inline
    job = ImportJob(original_name="report.docx", dry_run=True)
    job.file.save("report.docx", ContentFile(docx_with_paragraphs(10, "text")), save=False)
    job.save()
    with django_capture_on_commit_callbacks(execute=True):
        import_tasks.start_import_job(job)
    job.refresh_from_db()
    assert ran == []  # not run inline
    assert job.status == ImportJob.Status.FAILED
    message = job.report["errors"][0]["message"]
    assert "task queue cannot be reached" in message and "never inside a web request" in message


@pytest.mark.django_db
def test_item5_without_a_worker_the_upload_page_refuses_documents(settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.CELERY_BROKER_URL = ""
    client = Client()
    client.force_login(make_user("ngo-upload", Role.NGO))
    upload = SimpleUploadedFile("report.docx", docx_with_paragraphs(10, "text"))
    response = client.post("/imports/", {"file": upload, "format": "auto", "dry_run": "on"})
    assert response.status_code == 200
    assert "never inside a web request" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_item9_an_oversize_upload_is_refused_from_content_length(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    client = Client()
    client.force_login(make_user("ngo-big", Role.NGO))
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("big.csv", b"x" * 400_000)
    response = client.post("/imports/", {"file": upload, "format": "auto"})
    assert response.status_code == 413
    assert not ImportJob.objects.exists()


# --- 7. near-linear matching ------------------------------------------------------------

def _plans(texts: list[str], review_id: int) -> list[tuple[Planned, int]]:
    from imports.readers.core import ImportRow

    return [(Planned(row=ImportRow(row=i, text=t), review_key=(0, 0), states=[], rows=[i],
                     text_key=t.lower()), review_id) for i, t in enumerate(texts, 2)]


# A vocabulary about as varied as the recommendations' own (hundreds of content words).
WORDS = [a + b for a in ("ra", "pro", "en", "stren", "ad", "com", "pre", "gua", "mi", "tor",
                         "jour", "de", "pri", "cou", "po", "scho", "la", "wa", "hea", "hou")
         for b in ("tify", "tect", "sure", "gthen", "opt", "bat", "vent", "rantee", "grant",
                   "ture", "nal", "fender", "son", "rt", "lice", "ol", "nd", "ter", "lth",
                   "sing", "ction", "dia", "rity", "gee", "lence", "king", "tion", "ment",
                   "ance", "ive")]


def _text(n: int) -> str:
    import random

    rng = random.Random(n)
    return " ".join(rng.choice(WORDS) for _ in range(14)) + f" measure {n} of plan {n * 7}"


def test_item7_near_matching_compares_candidates_not_every_pair(monkeypatch):
    import difflib

    compared = []
    original = difflib.SequenceMatcher

    class Counting(original):
        def __init__(self, *args, **kwargs):
            compared.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(difflib, "SequenceMatcher", Counting)
    existing = {i: {"id": i, "review_id": 1, "paragraph": "", "text": _text(i),
                    "uhri_annotation_id": None} for i in range(1, 2001)}
    # 400 rows: 200 near-copies (one word changed) of existing texts, 200 new texts.
    texts = [_text(i).replace("measure", "measures") for i in range(1, 201)]
    texts += [_text(i) + " entirely new" for i in range(5000, 5200)]
    result = find_matches(_plans(texts, 1), existing)
    assert len(result.near) == 200
    assert {rec_id for _p, rec_id, _r in result.near} == set(range(1, 201))
    assert len(result.new) == 200
    # Every pair would be 400 x 2,000 = 800,000 comparisons.
    assert len(compared) < 20 * len(texts)


def test_item7_the_word_index_lists_records_sharing_a_rare_word():
    records = [{"id": 1, "review_id": 1, "text": "Ratify the convention against torture"},
               {"id": 2, "review_id": 1, "text": "Ratify the convention on migrants"},
               {"id": 3, "review_id": 2, "text": "Ratify the convention against torture"}]
    index = NearIndex(records)
    found = [r["id"] for r, _t in index.candidates(1, "ratify the convention against tortur")]
    assert found == [1, 2] or found == [1]
    assert [r["id"] for r, _t in index.candidates(2, "convention against torture")] == [3]


@pytest.mark.django_db
def test_item7_the_import_transaction_is_bounded(settings):
    from django.db import transaction

    from imports.write import bound_transaction

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL settings")
    settings.IMPORT_TRANSACTION_TIMEOUT = 42
    with transaction.atomic(), connection.cursor() as cursor:
        bound_transaction()
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "42s"
        cursor.execute("SHOW idle_in_transaction_session_timeout")
        assert cursor.fetchone()[0] == "42s"


# --- 10. Cyrillic and Japanese CSVs -------------------------------------------------------

RUSSIAN = "Ратифицировать Факультативный протокол к Конвенции против пыток"
JAPANESE = "拷問等禁止条約の選択議定書を批准すること"


@pytest.mark.parametrize("encoding, text", [("koi8_r", RUSSIAN), ("cp1251", RUSSIAN),
                                            ("shift_jis", JAPANESE)])
@pytest.mark.django_db
def test_item10_cyrillic_and_japanese_csvs_import_as_written(tmp_path, france, encoding,
                                                            text):
    rows = [UPR_INFO_HEADER] + [f"France,WEOG,EU,{text} {i},Germany,WEOG,EU,Accepted,4,"
                                f"Media,43" for i in range(5)]
    path = tmp_path / "upr.csv"
    path.write_bytes("\r\n".join(rows).encode(encoding))
    report = import_file(path, dry_run=True)
    assert report.ok, report.errors
    assert report.sample[0]["text"] == f"{text} 0"
    decoded, used = decode_text(path.read_bytes())
    assert used in (encoding, "cp932") and text in decoded


def test_item10_an_undecodable_file_is_refused_naming_the_likely_encoding():
    chinese = ("就业、教育和卫生领域的歧视问题，加强国家人权机构，批准禁止酷刑公约任择议定书。" * 4)
    with pytest.raises(ImportFailed) as caught:
        decode_text(chinese.encode("big5", errors="ignore"))
    assert "It looks like" in str(caught.value)


# --- 13. a worker killed mid-import -------------------------------------------------------

@pytest.fixture
def redis_url() -> str:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError as exc:
        need_service("Redis", f"127.0.0.1:6379: {exc}")
    return f"redis://127.0.0.1:6379/{BROKER_DB}"


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_item13_a_killed_worker_fails_the_job_promptly_and_the_page_says_so(
        settings, redis_url, tmp_path):
    from tests.reminders.conftest import celery_broker

    if connection.vendor != "postgresql":
        need_service("PostgreSQL", "the worker is another process (DATABASE_URL=postgres://)")
    user = make_user("ngo-worker", Role.NGO)
    # Big enough that the worker is still busy with it when it is killed.
    rows = [UPR_INFO_HEADER] + [
        f"France,WEOG,EU,Combat hate speech online number {i} in every region,Germany,WEOG,"
        f"EU,Accepted,4,Media,43" for i in range(150_000)]
    job = ImportJob(original_name="big.csv", dry_run=True, created_by=user)
    job.file.save("big.csv", ContentFile("\r\n".join(rows).encode()), save=False)
    job.save()
    db = connection.settings_dict
    env = {**os.environ, "CELERY_BROKER_URL": redis_url, "CONN_MAX_AGE": "0",
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
                           f"{db['PORT'] or 5432}/{db['NAME']}",
           "MEDIA_ROOT": str(settings.MEDIA_ROOT), "IMPORT_HEARTBEAT_INTERVAL": "0.5",
           "DJANGO_SETTINGS_MODULE": "upr_tracker.settings"}
    log = tmp_path / "worker.log"
    with open(log, "w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "upr_tracker", "worker",
             "--queues=imports", "--concurrency=1", "-l", "info", "--without-heartbeat",
             "--without-gossip", "--without-mingle", "--purge",
             "-n", f"imports-test-{os.getpid()}@%h"],
            cwd=django_settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        wait_for(lambda: "ready." in log.read_text() or worker.poll() is not None, 60,
                 "the worker to start")
        assert worker.poll() is None, log.read_text()
        with celery_broker(settings, redis_url):
            import_tasks.start_import_job(job)
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).status != ImportJob.Status.PENDING,
                 60, "the worker to pick the job up")
        job.refresh_from_db()
        assert job.status == ImportJob.Status.RUNNING, (job.status, log.read_text()[-2000:])
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).heartbeat_at != job.heartbeat_at,
                 20, "a heartbeat")
        os.killpg(worker.pid, signal.SIGKILL)  # the whole worker, children included
        worker.wait(10)
        killed_at = time.monotonic()
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
    settings.IMPORT_HEARTBEAT_TIMEOUT = 3
    client = Client()
    client.force_login(user)
    page = wait_for(lambda: (lambda r: r if "stopped before it finished" in r else None)(
        client.get(f"/imports/{job.public_id}/").content.decode()), 30,
        "the page to say the worker stopped")
    assert time.monotonic() - killed_at < 30
    assert "Nothing was saved" in page
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.report["worker_lost"] is True
    # The scan says the same for a job nobody looks at.
    assert import_jobs.fail_stale_jobs() == 0
