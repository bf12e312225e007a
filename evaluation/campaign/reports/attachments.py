"""Report attachments: files checked by their content, kept by their digest, and what the public
may download."""

from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from evaluation.campaign.models import Department, EvaluationMode
from evaluation.campaign.reports.models import Attachment
from evaluation.campaign.reports.services import (
    published_versions,
    working_draft,
)
from evaluation.core import audit
from evaluation.core.errors import NotFound
from evaluation.core.files import store


def add_attachment(
    session: Session,
    department: Department,
    filename: str,
    data: bytes,
    storage: Path,
    actor: str,
) -> Attachment:
    stored = store(data, storage)
    draft = working_draft(session, department, actor)
    attachment = Attachment(version=draft)
    attachment.keep(stored, filename)
    session.add(attachment)
    session.flush()
    audit.record(
        session,
        actor,
        "report.attach",
        f"department:{department.code}",
        file=attachment.filename,
        sha256=stored.sha256,
    )
    return attachment


def remove_attachment(
    session: Session, department: Department, attachment_id: int, actor: str
) -> None:
    draft = working_draft(session, department, actor)
    attachment = next((a for a in draft.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound(_("找不到该附件。"))
    draft.attachments.remove(attachment)
    session.flush()
    audit.record(
        session, actor, "report.detach", f"department:{department.code}", file=attachment.filename
    )


def public_attachment(session: Session, attachment_id: int) -> Attachment:
    """An attachment of a department's current published version, or not found."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is not None:
        department = attachment.version.department
        current = published_versions(session, department)
        if (
            department.evaluation_mode == EvaluationMode.PUBLIC
            and current
            and current[0].id == attachment.version_id
        ):
            return attachment
    raise NotFound(_("找不到该附件。"))
