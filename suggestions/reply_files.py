"""Documents sent with a reply (答复附件): the lead unit adds them to its draft, the office sees
them when it approves, and they are public with the approved reply."""

from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from evaluation.campaign.models import Department
from evaluation.core import audit
from evaluation.core.errors import Conflict, NotFound, Refused
from evaluation.core.files import store
from suggestions.handling import check_lead
from suggestions.models import ReplyAttachment, ReplyState, Status, Suggestion, SuggestionReply

MAX_FILES = 10  # per reply


def _draft(suggestion: Suggestion, unit: Department) -> SuggestionReply:
    check_lead(suggestion, unit)
    draft = suggestion.draft_reply
    if draft is None:
        raise Refused(_("请先保存答复草稿，再添加附件。"), field="attachment")
    if draft.state == ReplyState.SUBMITTED:
        raise Conflict(_("答复已提交，正在等待审核，暂不能修改。"))
    return draft


def attach(
    session: Session,
    suggestion: Suggestion,
    unit: Department,
    filename: str | None,
    data: bytes,
    folder: Path,
    actor: str,
) -> ReplyAttachment:
    draft = _draft(suggestion, unit)
    if len(draft.attachments) >= MAX_FILES:
        raise Refused(_("一份答复最多 %(n)s 个附件。", n=MAX_FILES), field="attachment")
    stored = store(data, folder)
    attachment = ReplyAttachment()
    attachment.keep(stored, filename)
    draft.attachments.append(attachment)
    session.flush()
    audit.record(
        session,
        actor,
        "suggestion.reply_attach",
        f"suggestion:{suggestion.id}",
        file=attachment.filename,
        sha256=stored.sha256,
    )
    return attachment


def detach(
    session: Session, suggestion: Suggestion, unit: Department, attachment_id: int, actor: str
) -> str:
    draft = _draft(suggestion, unit)
    attachment = next((a for a in draft.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound(_("找不到该附件。"))
    draft.attachments.remove(attachment)
    session.flush()
    audit.record(
        session,
        actor,
        "suggestion.reply_detach",
        f"suggestion:{suggestion.id}",
        file=attachment.filename,
    )
    return attachment.filename


def get_file(session: Session, attachment_id: int) -> ReplyAttachment:
    attachment = session.get(ReplyAttachment, attachment_id)
    if attachment is None:
        raise NotFound(_("找不到该附件。"))
    return attachment


def public_file(session: Session, attachment_id: int) -> ReplyAttachment:
    """An attachment of an approved reply, which the public sees with the reply."""
    attachment = session.get(ReplyAttachment, attachment_id)
    if (
        attachment is None
        or attachment.reply.state != ReplyState.APPROVED
        or attachment.reply.suggestion.status == Status.REJECTED
    ):
        raise NotFound(_("找不到该附件。"))
    return attachment
