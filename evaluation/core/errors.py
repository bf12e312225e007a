"""Domain refusals and the one place that turns every error into a Chinese page."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from evaluation.core.observe import count_refusal


class Refused(Exception):
    """A rule of the event refuses what was asked; the message is shown to the user, next to
    `field` when a form shows it again."""

    status = 400

    def __init__(self, message: str, status: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if status is not None:
            self.status = status


class Forbidden(Refused):
    status = 403


class NotFound(Refused):
    status = 404


class Conflict(Refused):
    status = 409


def _http_message(status: int) -> str:
    messages = {
        400: _("请求无法处理，请检查填写的内容后重试。"),
        403: _("您没有权限访问此页面。"),
        404: _("找不到该页面，请检查网址是否正确。"),
        405: _("不支持这种访问方式。"),
        413: _("上传的文件太大。"),
        429: _("操作过于频繁，请稍等片刻再试。"),
    }
    return messages.get(status, _("系统暂时无法处理您的请求，请稍后再试。"))


def _render(message: str, status: int) -> tuple[Any, int]:
    if request.path.startswith("/api/"):
        return jsonify({"error": message}), status
    return render_template("errors/error.html", message=message, status=status), status


def _kind(name: str) -> str:
    """A refusal's kind for the metrics, from its class: NotFound → not-found."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(Refused)
    def refused(error: Refused) -> tuple[Any, int, dict[str, str]]:
        from evaluation.core.extensions import db

        db.session.rollback()  # a refusal changes nothing
        count_refusal(_kind(type(error).__name__))
        body, status = _render(error.message, error.status)
        retry_after = getattr(error, "retry_after", None)
        return body, status, ({"Retry-After": str(retry_after)} if retry_after else {})

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> tuple[Any, int]:
        count_refusal("csrf")
        return _render(_("表单已过期或来源无法验证，请返回上一页刷新后重新提交。"), 400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Any, int]:
        status = error.code or 500
        if status < 500:
            count_refusal(_kind(type(error).__name__))
        return _render(_http_message(status), status)

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded) -> tuple[Any, int, dict[str, str]]:
        # At the latest when the limit's window has passed, the count starts again.
        count_refusal("rate-limited")
        body, status = _render(_http_message(429), 429)
        return body, status, {"Retry-After": str(error.limit.limit.get_expiry())}

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[Any, int]:
        app.logger.error("unhandled error on %s %s", request.method, request.path)
        return _render(_http_message(500), 500)
