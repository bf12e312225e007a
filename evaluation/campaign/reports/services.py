"""The rules of reports: drafts, review, publishing, corrections, attachments, Markdown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import nh3
from flask_babel import gettext as _
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.campaign.models import Campaign, Department, EvaluationMode
from evaluation.campaign.reports.models import (
    MAX_GOALS,
    SECTION_MAX_CHARS,
    SECTIONS,
    Attachment,
    GoalStatus,
    ReportState,
    ReportVersion,
)
from evaluation.core import audit
from evaluation.core.errors import Conflict, NotFound, Refused

# ---------------------------------------------------------------- Markdown

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
    "hr",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def render_markdown(text: str) -> Markup:
    """Markdown to HTML that can carry no script: raw HTML is escaped, then sanitized."""
    html = _markdown.render(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitized just above


# ---------------------------------------------------------------- versions


def versions_of(session: Session, department: Department) -> list[ReportVersion]:
    query = (
        select(ReportVersion)
        .where(ReportVersion.department_id == department.id)
        .order_by(ReportVersion.number.desc())
    )
    return list(session.execute(query).scalars())


def latest_version(session: Session, department: Department) -> ReportVersion | None:
    versions = versions_of(session, department)
    return versions[0] if versions else None


def published_versions(session: Session, department: Department) -> list[ReportVersion]:
    """Published versions, newest first: the first is what the public reads."""
    return [v for v in versions_of(session, department) if v.state == ReportState.PUBLISHED]


def _goals_from_text(text: str) -> list[dict[str, str]]:
    return [
        {
            "goal": line.strip(" 0123456789.、"),
            "target": "",
            "status": GoalStatus.NOT_DONE.value,
            "explanation": "",
        }
        for line in (text or "").splitlines()
        if line.strip()
    ][:MAX_GOALS]


def working_draft(session: Session, department: Department, actor: str) -> ReportVersion:
    """The version the department may edit: the open draft, or a new one copied from the last."""
    latest = latest_version(session, department)
    if latest is not None and latest.state == ReportState.DRAFT:
        return latest
    if latest is not None and latest.state == ReportState.SUBMITTED:
        raise Conflict(_("报告正在审核中，审核结束前不能修改。"))
    draft = ReportVersion(department=department, number=(latest.number + 1) if latest else 1)
    if latest is None:
        draft.duties, draft.goals = department.duties, _goals_from_text(department.annual_goals)
    else:
        for field in ("duties", "goals", *SECTIONS):
            setattr(draft, field, getattr(latest, field))
        draft.attachments = [
            Attachment(
                filename=a.filename, content_type=a.content_type, size=a.size, sha256=a.sha256
            )
            for a in latest.attachments
        ]
    session.add(draft)
    session.flush()
    audit.record(
        session, actor, "report.draft", f"department:{department.code}", version=draft.number
    )
    return draft


def clean_goals(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Keep the rows that say something; each needs its goal and a known status."""
    statuses = {s.value for s in GoalStatus}
    goals = []
    for number, row in enumerate(rows, start=1):
        values = {
            k: (row.get(k) or "").strip() for k in ("goal", "target", "status", "explanation")
        }
        if not any(values[k] for k in ("goal", "target", "explanation")):
            continue
        if not values["goal"]:
            raise Refused(_("第 %(n)s 条年度目标缺少目标内容。", n=number))
        if values["status"] not in statuses:
            raise Refused(_("第 %(n)s 条年度目标的完成情况无效。", n=number))
        if any(len(v) > 1000 for v in values.values()):
            raise Refused(_("第 %(n)s 条年度目标过长。", n=number))
        goals.append(values)
    if len(goals) > MAX_GOALS:
        raise Refused(_("年度目标最多 %(n)s 条。", n=MAX_GOALS))
    return goals


def save_draft(
    session: Session, department: Department, values: dict[str, Any], actor: str
) -> ReportVersion:
    """Save the department's edits into its working draft."""
    draft = working_draft(session, department, actor)
    for field in ("duties", *SECTIONS):
        text = values.get(field) or ""
        if len(text) > SECTION_MAX_CHARS:
            raise Refused(_("每一部分最多 %(n)s 字。", n=SECTION_MAX_CHARS))
        setattr(draft, field, text)
    draft.goals = clean_goals(values.get("goals") or [])
    session.flush()
    audit.record(
        session, actor, "report.save", f"department:{department.code}", version=draft.number
    )
    return draft


def submit(
    session: Session, department: Department, actor: str, correction_note: str = ""
) -> ReportVersion:
    """Send the draft for review; every part must be filled in, a correction must say why."""
    latest = latest_version(session, department)
    if latest is None or latest.state != ReportState.DRAFT:
        raise Conflict(_("没有可提交的草稿。"))
    empty = [
        label for field, label in section_labels().items() if not getattr(latest, field).strip()
    ]
    if not latest.goals:
        empty.append(_("年度目标"))
    if empty:
        raise Refused(_("以下内容不能为空：%(parts)s", parts="、".join(empty)))
    if published_versions(session, department):
        if not correction_note.strip():
            raise Refused(
                _("报告已经发布，再次提交属于更正，请填写更正说明。"), field="correction_note"
            )
        latest.correction_note = correction_note.strip()
    latest.state = ReportState.SUBMITTED.value
    latest.submitted_at = _now()
    session.flush()
    audit.record(
        session,
        actor,
        "report.submit",
        f"department:{department.code}",
        version=latest.number,
        correction=bool(latest.correction_note),
    )
    return latest


def get_version(session: Session, version_id: int) -> ReportVersion:
    version = session.get(ReportVersion, version_id)
    if version is None:
        raise NotFound(_("找不到该报告版本。"))
    return version


def return_report(session: Session, version: ReportVersion, comment: str, actor: str) -> None:
    """Send a submitted version back with the reviewer's comments; the department edits again."""
    if version.state != ReportState.SUBMITTED:
        raise Conflict(_("只有待审核的报告可以退回。"))
    if not comment.strip():
        raise Refused(_("退回时必须填写审核意见。"), field="comment")
    version.state = ReportState.RETURNED.value
    version.review_comment = comment.strip()
    version.reviewed_at = _now()
    session.flush()
    audit.record(
        session,
        actor,
        "report.return",
        f"department:{version.department.code}",
        version=version.number,
    )


def approve(session: Session, version: ReportVersion, actor: str) -> None:
    if version.state != ReportState.SUBMITTED:
        raise Conflict(_("只有待审核的报告可以通过审核。"))
    version.state = ReportState.APPROVED.value
    version.reviewed_at = _now()
    session.flush()
    audit.record(
        session,
        actor,
        "report.approve",
        f"department:{version.department.code}",
        version=version.number,
    )


def publish(session: Session, version: ReportVersion, actor: str) -> None:
    """Make an approved version public. A published version is never changed again."""
    if version.state == ReportState.PUBLISHED:
        raise Conflict(_("该版本已经发布。"))
    if version.state != ReportState.APPROVED:
        raise Conflict(_("只有审核通过的报告可以发布。"))
    version.state = ReportState.PUBLISHED.value
    version.published_at = _now()
    session.flush()
    audit.record(
        session,
        actor,
        "report.publish",
        f"department:{version.department.code}",
        version=version.number,
        correction=version.is_correction,
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def section_labels() -> dict[str, str]:
    return {
        "duties": _("工作职责"),
        "work": _("本年度工作及成效"),
        "suggestions_handled": _("上年度市民意见建议办理情况"),
        "problems": _("存在的主要问题"),
        "measures": _("改进措施"),
    }


# ---------------------------------------------------------------- attachments


# ---------------------------------------------------------------- what the public sees


def public_department(session: Session, campaign: Campaign, code: str) -> Department:
    """A public department with a published report, or not found: nothing else is public."""
    department = session.execute(
        select(Department).where(Department.campaign_id == campaign.id, Department.code == code)
    ).scalar()
    if (
        department is None
        or department.evaluation_mode != EvaluationMode.PUBLIC
        or not published_versions(session, department)
    ):
        raise NotFound(_("该部门的报告尚未发布。"))
    return department


def published_codes(session: Session, campaign: Campaign) -> set[str]:
    query = (
        select(Department.code)
        .join(ReportVersion, ReportVersion.department_id == Department.id)
        .where(
            Department.campaign_id == campaign.id,
            Department.evaluation_mode == EvaluationMode.PUBLIC.value,
            ReportVersion.state == ReportState.PUBLISHED.value,
        )
    )
    return set(session.execute(query).scalars())


@dataclass
class ReportStatus:
    department: Department
    latest: ReportVersion | None
    published: ReportVersion | None


def campaign_status(session: Session, campaign: Campaign) -> list[ReportStatus]:
    """Every department with its newest version and its published one, in reporting order."""
    rows = []
    for department in sorted(
        campaign.departments,
        key=lambda d: (d.group.number if d.group else 999, d.order_in_group or 0, d.code),
    ):
        versions = versions_of(session, department)
        published = next((v for v in versions if v.state == ReportState.PUBLISHED), None)
        rows.append(ReportStatus(department, versions[0] if versions else None, published))
    return rows
