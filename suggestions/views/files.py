"""Reply attachments: the public's download of an approved reply's document, the office's of
any it may see, and the lead unit removing one from its draft."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from evaluation.core.auth import actor
from evaluation.core.extensions import db
from evaluation.core.files import send_stored
from evaluation.core.permissions import Capability, requires
from suggestions import reply_files
from suggestions.views.blueprints import admin_bp, public_bp
from suggestions.views.office import my_unit, visible


@public_bp.route("/replies/files/<int:attachment_id>")
def reply_file(attachment_id: int) -> Response:
    found = reply_files.public_file(db.session, attachment_id)
    return send_stored(found.sha256, found.content_type, found.filename)


@admin_bp.route("/replies/files/<int:attachment_id>")
@requires(Capability.READ_SUGGESTIONS)
def office_reply_file(attachment_id: int) -> Response:
    found = reply_files.get_file(db.session, attachment_id)
    visible(found.reply.suggestion_id)  # a unit downloads only its own items' files
    return send_stored(found.sha256, found.content_type, found.filename)


@admin_bp.route("/<int:suggestion_id>/reply-files/<int:attachment_id>/delete", methods=["POST"])
@requires(Capability.HANDLE_SUGGESTIONS)
def detach_reply_file(suggestion_id: int, attachment_id: int) -> Response:
    suggestion = visible(suggestion_id)
    name = reply_files.detach(db.session, suggestion, my_unit(), attachment_id, actor())
    flash(_("附件 %(name)s 已删除。", name=name))
    return redirect(url_for(".item", suggestion_id=suggestion.id))
