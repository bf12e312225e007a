"""Reply attachments: the lead unit sends documents with its reply; they are the public's only
once the office has approved the reply, and other units never reach them."""

import datetime as dt
import io

from evaluation.core.models import Role
from suggestions import handling
from suggestions.models import ReplyAttachment, ReplyState, SuggestionReply, Urgency

MONDAY = dt.date(2026, 11, 23)
REPLY = "我局已安排专人实地查看，下周起在学校门口增设临时停车位并安排交通协管员。"
PDF = b"%PDF-1.4\n% a plan for the parking spaces\n%%EOF\n"


def _assigned(db, world):
    suggestion = world.real_name(db)
    handling.assign(db.session, suggestion, world.units[0].id, [], Urgency.NORMAL, "a", MONDAY)
    db.session.commit()
    return suggestion


def _post_reply(client, suggestion, data=PDF, name="停车位方案.pdf", **extra):
    form = {"text": REPLY, "category": "adopted", "attachment": (io.BytesIO(data), name)}
    form.update(extra)
    return client.post(
        f"/office/suggestions/{suggestion.id}/reply",
        data=form,
        content_type="multipart/form-data",
    )


def test_a_document_sent_with_the_reply_is_public_only_once_approved(db, world, client, login_as):
    suggestion = _assigned(db, world)
    login_as(Role.DEPARTMENT, department=world.units[0])
    assert _post_reply(client, suggestion, submit="1").status_code == 302
    reply = db.session.query(SuggestionReply).one()
    assert reply.state == ReplyState.SUBMITTED
    (attachment,) = reply.attachments
    assert attachment.filename == "停车位方案.pdf" and attachment.size == len(PDF)

    office = client.get(f"/office/suggestions/replies/files/{attachment.id}")
    assert office.status_code == 200 and office.data == PDF
    client.get("/logout")
    assert client.get(f"/suggestions/replies/files/{attachment.id}").status_code == 404

    handling.approve_reply(db.session, reply, "admin")
    db.session.commit()
    public = client.get(f"/suggestions/replies/files/{attachment.id}")
    assert public.status_code == 200 and public.data == PDF
    assert public.headers["Content-Disposition"].startswith("attachment")
    page = client.get(f"/suggestions/{suggestion.id}").get_data(as_text=True)
    assert f"/suggestions/replies/files/{attachment.id}" in page
    (listed,) = client.get("/api/v1/suggestions").get_json()["suggestions"]
    (file,) = listed["reply"]["attachments"]
    assert file["url"].endswith(f"/suggestions/replies/files/{attachment.id}")


def test_a_file_that_is_not_a_pdf_or_image_is_refused_and_nothing_is_kept(
    db, world, client, login_as
):
    suggestion = _assigned(db, world)
    login_as(Role.DEPARTMENT, department=world.units[0])
    response = _post_reply(client, suggestion, data=b"MZ\x90\x00 not a document", name="a.pdf")
    assert response.status_code == 415
    assert "PDF、JPEG 或 PNG" in response.get_data(as_text=True)
    assert db.session.query(SuggestionReply).count() == 0
    assert db.session.query(ReplyAttachment).count() == 0


def test_another_unit_cannot_download_or_remove_the_document(db, world, client, login_as):
    suggestion = _assigned(db, world)
    login_as(Role.DEPARTMENT, department=world.units[0])
    _post_reply(client, suggestion, save="1")
    attachment = db.session.query(ReplyAttachment).one()
    login_as(Role.DEPARTMENT, department=world.units[1])
    assert client.get(f"/office/suggestions/replies/files/{attachment.id}").status_code == 403
    delete = f"/office/suggestions/{suggestion.id}/reply-files/{attachment.id}/delete"
    assert client.post(delete).status_code == 403
    assert db.session.query(ReplyAttachment).count() == 1


def test_the_unit_removes_a_document_from_its_draft_but_not_once_submitted(
    db, world, client, login_as
):
    suggestion = _assigned(db, world)
    login_as(Role.DEPARTMENT, department=world.units[0])
    _post_reply(client, suggestion, save="1")
    _post_reply(client, suggestion, name="现场照片.pdf", save="1")
    first, second = db.session.query(ReplyAttachment).order_by(ReplyAttachment.id).all()
    delete = f"/office/suggestions/{suggestion.id}/reply-files/{first.id}/delete"
    assert client.post(delete).status_code == 302
    assert [a.filename for a in db.session.query(ReplyAttachment)] == ["现场照片.pdf"]

    reply = db.session.query(SuggestionReply).one()
    handling.save_reply(db.session, suggestion, world.units[0], REPLY, True, "x", reply.category)
    db.session.commit()
    late = f"/office/suggestions/{suggestion.id}/reply-files/{second.id}/delete"
    assert client.post(late).status_code == 409
    assert db.session.query(ReplyAttachment).count() == 1
