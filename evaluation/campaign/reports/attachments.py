"""Report attachments: files checked by their content, kept by their digest, and what the public
may download."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from evaluation.campaign.models import Department, EvaluationMode
from evaluation.campaign.reports.models import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
)

# ---------------------------------------------------------------- Markdown
from evaluation.campaign.reports.services import (
    published_versions,
    working_draft,
)
from evaluation.core import audit
from evaluation.core.errors import NotFound, Refused

SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def sniff_content_type(data: bytes) -> str | None:
    """What the file is by its first bytes, whatever its name says."""
    for signature, content_type in SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    return None


def add_attachment(
    session: Session,
    department: Department,
    filename: str,
    data: bytes,
    storage: Path,
    actor: str,
) -> Attachment:
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise Refused(_("附件不能超过 %(n)s MB。", n=MAX_ATTACHMENT_BYTES // (1024 * 1024)), 413)
    content_type = sniff_content_type(data)
    if content_type is None:
        raise Refused(_("附件只能是 PDF、JPEG 或 PNG 文件（按文件内容判断）。"), 415)
    draft = working_draft(session, department, actor)
    digest = hashlib.sha256(data).hexdigest()
    path = attachment_path(storage, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    name = Path(filename or "attachment").name[-200:] or "attachment"
    attachment = Attachment(
        version=draft, filename=name, content_type=content_type, size=len(data), sha256=digest
    )
    session.add(attachment)
    session.flush()
    audit.record(
        session, actor, "report.attach", f"department:{department.code}", file=name, sha256=digest
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


def attachment_path(storage: Path, digest: str) -> Path:
    return storage / digest[:2] / digest


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
