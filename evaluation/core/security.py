"""What every response carries and every log hides: security headers, which pages are never
cached, and the masking of voting tokens and answer links in access logs."""

from __future__ import annotations

import hashlib
import logging
import re

from flask import Response, current_app

SECURITY_HEADERS = {
    # Nothing inline, nothing from elsewhere: venue networks may be closed and pages must
    # not run injected script.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Voting URLs carry a token: never send them on to another page.
    "Referrer-Policy": "no-referrer",
}


class MaskVotingTokens(logging.Filter):
    """Access logs never show a voting card's token, an answer link's secret, nor what the
    office searched for.

    /v/<token> is written as /v/***, /q/<link> as /q/***, and an office page's query (a
    check-in desk's search holds a name or a phone's last digits) as ?***.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/v/" in message or "/q/" in message or "/office/" in message:
            masked = OFFICE_QUERY.sub(r"\1?***", VOTING_PATH.sub(r"/\1/***", message))
            record.msg, record.args = masked, None
        return True


# Pages that show what only one person may see: every back-office page, a voting card's
# page and receipt, an answer link, the login and a suggestion's tracking page.
PRIVATE_PREFIXES = ("/office", "/v/", "/q/", "/login", "/logout", "/suggestions/track")
HSTS = "max-age=31536000; includeSubDomains"


def holds_secrets(path: str) -> bool:
    return path.startswith(PRIVATE_PREFIXES) or path == "/suggestions/new"


VOTING_PATH = re.compile(r"/([vq])/[^\s?\"/]+")
OFFICE_QUERY = re.compile(r"(/office/[^\s?\"]*)\?[^\s\"]*")
for _logger in ("werkzeug", "gunicorn.access", "gunicorn.error"):
    logging.getLogger(_logger).addFilter(MaskVotingTokens())


def derived_key(purpose: bytes) -> bytes:
    """A 32-byte key for one purpose, from the app's secret key (`SANMIN_SECRET_KEY`, kept
    outside the database): what is sealed with it, a copy of the database alone cannot read."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hashlib.blake2b(secret, digest_size=32, person=purpose).digest()


def framed_by_own_pages(response: Response) -> Response:
    """Let the site's own pages (and only they) show this response in a frame."""
    response.headers["Content-Security-Policy"] = SECURITY_HEADERS[
        "Content-Security-Policy"
    ].replace("frame-ancestors 'none'", "frame-ancestors 'self'")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
