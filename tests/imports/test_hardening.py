"""Imports are bounded and never stuck (issue 10): expansion caps per member and per
archive, entity-safe XML for every part, corrupt members, NUL bytes, UTF-16, refused
encodings, row caps, time limits and lost workers."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from imports import jobs as import_jobs
from imports.models import ImportJob
from imports.pipeline import import_file
from imports.readers.core import ImportFailed
from imports.readers.files import check_zip, decode_text, read_csv_text
from imports.tasks import run_import_job, start_import_job
from imports.uploads import validate_upload
from recommendations.models import Recommendation

UPR_INFO_HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"
ROW = "France,WEOG,EU,Combat hate speech online,Germany,WEOG,EU,Accepted,4,Media,43"


def docx_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<document/>")
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def messages(report) -> str:
    return " ".join(e["message"] for e in report.errors)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# --- expansion caps -------------------------------------------------------------------

def test_a_member_that_expands_past_the_per_member_cap_is_refused(settings):
    # A ratio of ~1000 would pass the ratio check below 1 MB; the size cap refuses it.
    settings.IMPORT_MAX_MEMBER_BYTES = 50_000
    data = docx_bytes({"word/big.xml": b"<a>" + b" " * 60_000 + b"</a>"})
    with pytest.raises(ImportFailed, match="word/big.xml would expand to 60,007 bytes"):
        check_zip(io.BytesIO(data))


def test_an_archive_that_expands_past_the_total_cap_is_refused(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 100_000
    parts = {f"word/part{i}.xml": b"<a>" + b" " * 40_000 + b"</a>" for i in range(3)}
    with pytest.raises(ImportFailed, match="would expand to"):
        check_zip(io.BytesIO(docx_bytes(parts)))


@pytest.mark.django_db
def test_the_upload_page_refuses_a_bomb_before_storing_it(settings):
    settings.IMPORT_MAX_MEMBER_BYTES = 50_000
    upload = SimpleUploadedFile("list.docx", docx_bytes({"word/x.xml": b"<a>" + b"x" * 60_000
                                                        + b"</a>"}))
    with pytest.raises(ValidationError, match="would expand"):
        validate_upload(upload)


# --- XML: every part, whatever its name or encoding -------------------------------------

LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
          '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
          '<workbook>&lol2;</workbook>')


@pytest.mark.django_db
def test_a_dtd_deep_in_a_utf16_part_with_an_image_name_is_refused(tmp_path):
    # Past the first 4 KB, in UTF-16, in a member not named .xml: a pre-check of the
    # first bytes of *.xml files saw none of it.
    xml = ('<?xml version="1.0" encoding="UTF-16"?>' + "<!-- padding -->" * 400
           + LAUGHS).encode("utf-16")
    path = write(tmp_path, "list.docx", docx_bytes({"word/media/image1.png": xml}))
    report = import_file(path, dry_run=True)
    assert not report.ok
    assert "word/media/image1.png declares a DTD or entities" in messages(report)


@pytest.mark.django_db
def test_an_external_entity_is_refused(tmp_path):
    xml = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b"<d>&x;</d>")
    path = write(tmp_path, "list.docx", docx_bytes({"word/footer1.xml": xml}))
    report = import_file(path, dry_run=True)
    assert "declares a DTD" in messages(report)
    assert "root:" not in messages(report)


# --- corrupt archives, NUL bytes, encodings --------------------------------------------

@pytest.mark.django_db
def test_a_corrupt_member_gives_a_clear_report(tmp_path):
    data = bytearray(docx_bytes({"word/styles.xml": b"<styles>" + b"abc" * 5000
                                 + b"</styles>"}))
    # Damage the deflate stream of the last member (its data starts after its name).
    offset = data.index(b"word/styles.xml") + len("word/styles.xml") + 10
    data[offset:offset + 40] = b"\xff" * 40
    path = write(tmp_path, "list.docx", bytes(data))
    report = import_file(path, dry_run=True)
    assert not report.ok
    assert "word/styles.xml is corrupt" in messages(report)


@pytest.mark.django_db
def test_a_nul_byte_anywhere_in_a_csv_is_refused_with_its_line(tmp_path, france):
    rows = [ROW] * 400 + [ROW.replace("Media", "Me\x00dia")]
    path = write(tmp_path, "upr.csv", "\r\n".join([UPR_INFO_HEADER, *rows]).encode())
    report = import_file(path, dry_run=True)
    assert not report.ok
    assert "NUL byte (line 402)" in messages(report)
    assert not Recommendation.objects.exists()


def test_utf16_with_a_bom_is_read():
    text = "Text\tFrom\r\nCôte d’Ivoire: réformer\tFrance\r\n"
    decoded, encoding = decode_text(text.encode("utf-16"))
    assert (decoded, encoding) == (text, "utf-16")
    header, rows = read_csv_text(decoded)
    assert header == ["Text", "From"]
    assert rows == [(2, ["Côte d’Ivoire: réformer", "France"])]


def test_utf16_without_a_bom_is_detected():
    assert decode_text("Text,From\r\nLibertad,Perú\r\n".encode("utf-16-le"))[0].startswith(
        "Text,From")


@pytest.mark.django_db
def test_utf16_excel_unicode_text_is_accepted_and_imported(tmp_path, france):
    upload = SimpleUploadedFile("upr.txt", "\r\n".join(
        [UPR_INFO_HEADER.replace(",", "\t"), ROW.replace(",", "\t")]).encode("utf-16"))
    validate_upload(upload)  # not refused as binary
    path = write(tmp_path, "upr.txt", upload.read())
    report = import_file(path, dry_run=True)
    assert report.ok, report.errors
    assert report.created == 1
    assert any("utf-16" in note for note in report.notes)


def test_text_in_no_supported_encoding_is_refused_naming_what_was_tried():
    with pytest.raises(ImportFailed) as caught:
        decode_text(b"Rapport \xa5\xaa\xad\xb0\xb9\xba\x81 final")
    assert "UTF-8, UTF-16, Windows-1252 (cp1252), Mac Roman" in str(caught.value)


def test_binary_bytes_are_not_decoded_as_text():
    with pytest.raises(ImportFailed, match="cannot be recognised"):
        decode_text(b"\x01\x02\x03\x90\x81 not text \x05")


# --- rows -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_rows_past_the_cap_are_refused(tmp_path, settings, france):
    settings.IMPORT_MAX_ROWS = 2
    path = write(tmp_path, "upr.csv", "\r\n".join([UPR_INFO_HEADER, ROW, ROW, ROW]).encode())
    report = import_file(path, dry_run=True)
    assert "more than 2 rows" in messages(report)


# --- jobs: time limits, lost workers, stale jobs ------------------------------------------

def csv_job(**kwargs) -> ImportJob:
    job = ImportJob(original_name="upr.csv", dry_run=True, **kwargs)
    job.file.save("upr.csv", ContentFile("\r\n".join([UPR_INFO_HEADER, ROW]).encode()),
                  save=False)
    job.save()
    return job


@pytest.mark.django_db
def test_an_import_past_its_soft_time_limit_fails_with_the_reason(monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    def too_slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(import_jobs, "import_file", too_slow)
    job = csv_job()
    run_import_job.delay(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "longer than the limit" in job.report["errors"][0]["message"]
    assert job.finished_at is not None


def test_the_task_has_a_time_limit():
    from django.conf import settings

    assert run_import_job.soft_time_limit == settings.IMPORT_TIME_LIMIT
    assert run_import_job.time_limit > run_import_job.soft_time_limit


@pytest.mark.django_db
def test_a_redelivered_job_whose_worker_died_fails_instead_of_looping():
    job = csv_job(status=ImportJob.Status.RUNNING, started_at=timezone.now())
    run_import_job.delay(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "stopped before it finished" in job.report["errors"][0]["message"]


@pytest.mark.django_db
def test_the_scan_fails_stale_running_and_forgotten_pending_jobs(settings):
    now = timezone.now()
    stale = csv_job(status=ImportJob.Status.RUNNING,
                    started_at=now - dt.timedelta(seconds=settings.IMPORT_TIME_LIMIT + 600))
    fresh = csv_job(status=ImportJob.Status.RUNNING, started_at=now)
    forgotten = csv_job()
    ImportJob.objects.filter(pk=forgotten.pk).update(created_at=now - dt.timedelta(days=1))
    waiting = csv_job()
    from imports.tasks import scan_import_jobs

    assert scan_import_jobs.delay().get() == 2
    statuses = dict(ImportJob.objects.values_list("pk", "status"))
    assert statuses[stale.pk] == statuses[forgotten.pk] == ImportJob.Status.FAILED
    assert statuses[fresh.pk] == ImportJob.Status.RUNNING
    assert statuses[waiting.pk] == ImportJob.Status.PENDING
    stale.refresh_from_db()
    assert "worker was lost" in stale.report["errors"][0]["message"]


def test_the_stale_scan_is_scheduled():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "imports.tasks.scan_import_jobs" in tasks


@pytest.mark.django_db
def test_a_large_file_is_not_run_inline_when_the_broker_is_down(
        monkeypatch, settings, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(run_import_job, "delay", unreachable)
    settings.IMPORT_INLINE_MAX_BYTES = 10
    job = csv_job()
    with django_capture_on_commit_callbacks(execute=True):
        start_import_job(job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "task queue cannot be reached" in job.report["errors"][0]["message"]


def test_scanning_a_large_xml_part_keeps_memory_flat():
    import tracemalloc

    from imports.readers.files import check_zip_contents

    paragraphs = "".join(f"<p><r><t>text {i}</t></r></p>" for i in range(400_000))
    body = f"<document><body>{paragraphs}</body></document>".encode()
    assert len(body) > 12_000_000  # ~1.6 million elements
    data = io.BytesIO(docx_bytes({"word/big.xml": body}))
    tracemalloc.start()
    check_zip_contents(data)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * 1024 * 1024
