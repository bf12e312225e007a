"""The office prints a meeting's cards in the background: progress, the PDF kept sealed until
it is printed and discarded, a stopped job written again without issuing a card twice, and a
copy of the database that never holds a usable card."""

import datetime as dt
import time
from pathlib import Path

import zxingcpp
from sqlalchemy import func, select

from ballots.cards import hash_secret
from ballots.models import CardPrintJob, PrintJobState, VotingToken
from ballots.printjobs import start_print_job
from evaluation.core.models import AuditEvent, Role
from tests.ballots.test_printing import _pages, needs_poppler


def _finished(db, job_id: int, timeout: float = 60) -> CardPrintJob:
    """Wait for the job's thread (it commits on its own), then read the job afresh."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        job = db.session.get(CardPrintJob, job_id)
        db.session.refresh(job)
        if job.state != PrintJobState.RUNNING:
            return job
        time.sleep(0.1)
    raise AssertionError("the print job did not finish")


def _tokens(db) -> int:
    return db.session.execute(select(func.count()).select_from(VotingToken)).scalar_one()


@needs_poppler
def test_the_office_prints_a_meeting_in_the_background_and_discards_the_pdf_once_printed(
    client, login_as, db, meeting, tmp_path, app
):
    app.config["PUBLIC_BASE_URL"] = "https://pj.example.cn"
    login_as(Role.ADMIN)
    started = client.post("/office/ballots/prints/meeting/1")
    assert started.status_code == 302
    job_id = int(started.headers["Location"].rsplit("/", 1)[1])
    job = _finished(db, job_id)
    assert job.state == PrintJobState.READY and job.done == job.total == 15
    assert job.cards_sealed is None and b"%PDF" not in job.pdf_sealed
    page = client.get(f"/office/ballots/prints/{job_id}").get_data(as_text=True)
    assert "可下载" in page and "15 / 15" in page
    pdf = client.post(f"/office/ballots/prints/{job_id}/download")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    out = tmp_path / "cards.pdf"
    out.write_bytes(pdf.data)
    found = [r.text for image in _pages(out, tmp_path) for r in zxingcpp.read_barcodes(image)]
    assert len(set(found)) == 15 and all(u.startswith("https://pj.example.cn/v/") for u in found)
    stored = set(db.session.execute(select(VotingToken.token_hash)).scalars())
    assert {hash_secret(u.rsplit("/", 1)[1]) for u in found} == stored
    # The attacker with a copy of the database file: the sealed PDF names no card.
    database = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    files = list(database.parent.glob(database.name + "*"))  # with its -wal, as copied
    data = b"".join(f.read_bytes() for f in files)
    assert not any(u.rsplit("/", 1)[1].encode() in data for u in found) or not files
    # One open job per meeting: the next waits until this one is printed and discarded.
    again = client.post("/office/ballots/prints/meeting/1")
    assert again.status_code == 409 and "上一批" in again.get_data(as_text=True)
    assert client.post(f"/office/ballots/prints/{job_id}/discard").status_code == 302
    db.session.expire_all()
    job = db.session.get(CardPrintJob, job_id)
    assert job.state == PrintJobState.DISCARDED and job.pdf_sealed is None
    assert client.post(f"/office/ballots/prints/{job_id}/download").status_code == 409
    full = client.post("/office/ballots/prints/meeting/1")
    assert full.status_code == 409 and "已经全部印制" in full.get_data(as_text=True)
    actions = set(db.session.execute(select(AuditEvent.action)).scalars())
    assert {"cards.print_job", "cards.print_download", "cards.print_discard"} <= actions


def test_a_stopped_job_is_written_again_from_its_sealed_cards_without_issuing_more(
    client, login_as, db, meeting
):
    job = start_print_job(db.session, meeting, 1, "admin")  # its thread never ran
    job.updated_at -= dt.timedelta(minutes=10)
    db.session.commit()
    issued = _tokens(db)
    login_as(Role.ADMIN)
    page = client.get(f"/office/ballots/prints/{job.id}").get_data(as_text=True)
    assert "已中断" in page and "重新生成" in page
    assert client.post(f"/office/ballots/prints/{job.id}/restart").status_code == 302
    done = _finished(db, job.id)
    assert done.state == PrintJobState.READY and done.done == done.total
    assert _tokens(db) == issued  # written again, not issued again
    refused = client.post(f"/office/ballots/prints/{job.id}/restart")
    assert refused.status_code == 409 and "没有中断" in refused.get_data(as_text=True)


def test_a_failing_job_says_so_and_keeps_its_cards_for_a_retry(
    client, login_as, db, meeting, monkeypatch
):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("ballots.printjobs.cards_pdf", broken)
    login_as(Role.ADMIN)
    started = client.post("/office/ballots/prints/meeting/1")
    job_id = int(started.headers["Location"].rsplit("/", 1)[1])
    job = _finished(db, job_id)
    assert job.state == PrintJobState.FAILED and "disk full" in job.error
    assert job.cards_sealed is not None and job.pdf_sealed is None
    monkeypatch.undo()
    assert client.post(f"/office/ballots/prints/{job_id}/restart").status_code == 302
    assert _finished(db, job_id).state == PrintJobState.READY
