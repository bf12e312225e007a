"""Demo reports: every public department published, a few in the other states of review."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.campaign.models import Campaign, Department, EvaluationMode
from evaluation.campaign.reports.models import GoalStatus, ReportVersion
from evaluation.campaign.reports.services import approve, publish, return_report, save_draft, submit

# Departments left in other states, so every page of the review has something to show.
LEFT_AS = {"D02": "draft", "D03": "submitted", "D04": "returned", "D05": "approved"}
CORRECTED = "D06"  # published, then corrected


def _content(department: Department, field: str) -> dict[str, Any]:
    short = department.short_name
    return {
        "duties": department.duties,
        "goals": [
            {
                "goal": f"完成{field}年度重点任务",
                "target": "重点任务按期完成率 100%",
                "status": GoalStatus.DONE.value,
                "explanation": "全部按期完成",
            },
            {
                "goal": "提升市民办事便利度",
                "target": "网上可办率达到 95%",
                "status": GoalStatus.PARTLY.value,
                "explanation": "已达到 92%，明年一季度完成",
            },
            {
                "goal": "办理市民意见建议",
                "target": "按时答复率 100%",
                "status": GoalStatus.DONE.value,
                "explanation": "",
            },
        ],
        "work": (
            f"今年，{short}围绕{field}，重点做了以下工作：\n\n"
            f"- 制定并落实{field}年度工作方案，各项指标总体完成；\n"
            "- 推进“一网通办”，精简办事材料 30% 以上；\n"
            "- 开展基层调研 40 余次，解决群众反映的实际问题 120 余件。"
        ),
        "suggestions_handled": (
            f"去年三民活动中，市民向{short}提出意见建议 36 条，已全部答复，"
            "其中采纳落实 28 条，正在推进 6 条，因政策限制暂不能采纳并已说明理由 2 条。"
        ),
        "problems": (
            f"- {field}的服务能力与群众期待还有差距；\n"
            "- 部分窗口高峰时段排队时间偏长；\n"
            "- 信息公开的及时性和可读性有待提高。"
        ),
        "measures": (
            "1. 明年推出 10 项便民举措，公开办理时限并接受监督；\n"
            "2. 高峰时段增开窗口，推行预约办理；\n"
            "3. 每季度公开意见建议办理进展。"
        ),
    }


def build_demo_reports(
    session: Session,
    campaign: Campaign,
    actor: str,
    progress: Callable[..., Any],
    fields: dict[str, str],
) -> None:
    """Give each public department without a report one, through the normal review steps."""
    have = set(session.execute(select(ReportVersion.department_id)).scalars())
    public = [
        d
        for d in campaign.departments
        if d.evaluation_mode == EvaluationMode.PUBLIC and d.id not in have
    ]
    with progress(public, label="reports") as bar:
        for department in bar:
            save_draft(session, department, _content(department, fields[department.code]), actor)
            state = LEFT_AS.get(department.code)
            if state == "draft":
                continue
            version = submit(session, department, actor)
            if state == "submitted":
                continue
            if state == "returned":
                return_report(session, version, "请补充年度目标的量化完成数据。", actor)
                continue
            approve(session, version, actor)
            if state == "approved":
                continue
            publish(session, version, actor)
            if department.code == CORRECTED:
                values = _content(department, fields[department.code])
                values["work"] += "\n- 更正：精简办事材料比例应为 35%。"
                save_draft(session, department, values, actor)
                correction = submit(session, department, actor, "更正精简办事材料的比例。")
                approve(session, correction, actor)
                publish(session, correction, actor)
