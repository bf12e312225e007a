"""Uploaded files (report attachments, scans of signed minutes, reply attachments): checked by
their content, kept outside the database under their SHA-256 digest, sent back by it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, send_file
from flask_babel import gettext as _
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.wrappers import Response

from evaluation.core.errors import Refused

MAX_FILE_BYTES = 5 * 1024 * 1024  # below MAX_CONTENT_LENGTH, so the message is ours
MAX_NAME_CHARS = 200

SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    content_type: str
    size: int


class StoredFileColumns:
    """The columns of a row that stands for a stored file (mixed into a model)."""

    filename: Mapped[str] = mapped_column(String(MAX_NAME_CHARS))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))

    def keep(self, stored: StoredFile, filename: str | None) -> None:
        """Point this row at a stored file, under the name it was uploaded with."""
        self.filename = clean_filename(filename)
        self.content_type, self.size, self.sha256 = stored.content_type, stored.size, stored.sha256


def sniff_content_type(data: bytes) -> str | None:
    """What the file is by its first bytes, whatever its name says."""
    for signature, content_type in SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    return None


def storage() -> Path:
    """The folder the app keeps uploaded files in (`ATTACHMENT_DIR`, default <instance>/files)."""
    return Path(current_app.config["ATTACHMENT_DIR"] or Path(current_app.instance_path) / "files")


def stored_path(folder: Path, digest: str) -> Path:
    return folder / digest[:2] / digest


def store(data: bytes, folder: Path) -> StoredFile:
    """Keep a PDF, JPEG or PNG of at most 5 MB; anything else is refused (413, 415)."""
    if len(data) > MAX_FILE_BYTES:
        raise Refused(_("附件不能超过 %(n)s MB。", n=MAX_FILE_BYTES // (1024 * 1024)), 413)
    content_type = sniff_content_type(data)
    if content_type is None:
        raise Refused(_("附件只能是 PDF、JPEG 或 PNG 文件（按文件内容判断）。"), 415)
    digest = hashlib.sha256(data).hexdigest()
    path = stored_path(folder, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return StoredFile(digest, content_type, len(data))


def clean_filename(filename: str | None) -> str:
    """The name a file was uploaded under, without any folder, for showing and downloading."""
    return Path(filename or "attachment").name[-MAX_NAME_CHARS:] or "attachment"


def send_stored(
    digest: str, content_type: str, filename: str | None = None, max_age: int | None = None
) -> Response:
    """A stored file as a response: a PDF as a download, an image shown in the page."""
    return send_file(
        stored_path(storage(), digest),
        mimetype=content_type,
        download_name=filename,
        as_attachment=filename is not None and content_type == "application/pdf",
        max_age=max_age,
    )
