"""The two ready questionnaires: 社情民意调查问卷 and 政风行风问卷, with realistic questions.

A preset is plain data: (section title, [question spec]) pairs, built into a draft that the
admin may still change before opening it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evaluation.campaign.models import Department
from questionnaires.models import QuestionKind, QuestionnaireKind

SATISFACTION_SCALE = ["很不满意", "不太满意", "一般", "比较满意", "很满意"]
AGREEMENT_SCALE = ["很差", "较差", "一般", "较好", "很好"]
SERVICE_WINDOW_KEYWORDS = (
    "行政审批",
    "公安局",
    "交通警察",
    "人力资源",
    "社会保险",
    "医疗保障",
    "住房公积金",
    "市场监督",
    "自然资源",
    "住房和城乡",
)
SERVICE_WINDOW_FALLBACK = 10


@dataclass(frozen=True)
class QuestionSpec:
    """What the builder needs to make one question; the services check it."""

    kind: QuestionKind
    text: str
    options: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    required: bool = True
    max_choices: int | None = None


@dataclass(frozen=True)
class Preset:
    kind: QuestionnaireKind
    title: str
    intro: str
    sections: list[tuple[str, list[QuestionSpec]]]


def _scale(text: str, labels: list[str] | None = None) -> QuestionSpec:
    return QuestionSpec(QuestionKind.SCALE, text, options=list(labels or SATISFACTION_SCALE))


def social_preset() -> Preset:
    """社情民意调查问卷: how people see the city, what worries them, what should come next."""
    return Preset(
        QuestionnaireKind.SOCIAL,
        "社情民意调查问卷",
        "为了解市民对全市经济社会发展的看法和期盼，请您根据自己的感受如实填写。"
        "问卷不记名，与您的评议票没有任何关联。",
        [
            (
                "一、总体感受",
                [
                    _scale("您对本市今年经济社会发展的总体评价是？", AGREEMENT_SCALE),
                    _scale(
                        "与去年相比，您觉得自己的生活质量？",
                        ["明显下降", "有所下降", "差不多", "有所提高", "明显提高"],
                    ),
                    QuestionSpec(
                        QuestionKind.SINGLE,
                        "您对本市未来五年发展的信心如何？",
                        ["很有信心", "比较有信心", "信心一般", "信心不足", "说不清"],
                    ),
                ],
            ),
            (
                "二、关注的问题",
                [
                    QuestionSpec(
                        QuestionKind.MULTIPLE,
                        "您当前最关心的问题是？",
                        [
                            "就业和收入",
                            "房价和住房保障",
                            "看病就医",
                            "子女教育",
                            "养老服务",
                            "交通出行",
                            "生态环境",
                            "食品药品安全",
                            "社会治安",
                            "物价水平",
                        ],
                        max_choices=3,
                    ),
                    QuestionSpec(
                        QuestionKind.MATRIX,
                        "您对以下公共服务的满意程度？",
                        SATISFACTION_SCALE,
                        items=[
                            "公共交通",
                            "医疗服务",
                            "基础教育",
                            "社区养老",
                            "环境卫生",
                            "社会治安",
                        ],
                    ),
                ],
            ),
            (
                "三、明年的期盼",
                [
                    QuestionSpec(
                        QuestionKind.SINGLE,
                        "您认为明年市政府最应该优先做好哪一件事？",
                        [
                            "稳就业、促增收",
                            "改善医疗卫生服务",
                            "提高教育质量",
                            "治理交通拥堵",
                            "改善生态环境",
                            "加强住房保障",
                            "优化营商环境",
                        ],
                    ),
                    QuestionSpec(
                        QuestionKind.TEXT,
                        "您对市政府明年工作还有什么意见和建议？",
                        required=False,
                    ),
                ],
            ),
        ],
    )


def service_windows(departments: list[Department]) -> list[str]:
    """The departments with service windows the public deals with most, by name."""
    public = [d for d in departments if not d.is_internal]
    windows = [d for d in public if any(k in d.name for k in SERVICE_WINDOW_KEYWORDS)]
    return [d.short_name or d.name for d in (windows or public[:SERVICE_WINDOW_FALLBACK])]


def conduct_preset(departments: list[Department]) -> Preset:
    """政风行风问卷: how departments behave — attitude, efficiency, integrity, openness."""
    return Preset(
        QuestionnaireKind.CONDUCT,
        "政风行风问卷",
        "请根据您近一年与市直部门打交道的亲身经历，评价部门的工作作风。问卷不记名。",
        [
            (
                "一、部门作风",
                [
                    QuestionSpec(
                        QuestionKind.MATRIX,
                        "您对市直部门以下方面的评价是？",
                        AGREEMENT_SCALE,
                        items=["服务态度", "办事效率", "廉洁自律", "政务公开", "依法办事"],
                    ),
                    QuestionSpec(
                        QuestionKind.MATRIX,
                        "您对以下窗口服务部门办事效率的评价是？（没有打过交道的可不填）",
                        AGREEMENT_SCALE,
                        items=service_windows(departments),
                        required=False,
                    ),
                ],
            ),
            (
                "二、办事经历",
                [
                    QuestionSpec(
                        QuestionKind.SINGLE,
                        "近一年您到政府部门办事，一般要跑几次？",
                        ["一次办成", "两次", "三次及以上", "没有去办过事"],
                    ),
                    QuestionSpec(
                        QuestionKind.MULTIPLE,
                        "办事过程中您遇到过哪些问题？",
                        [
                            "门难进、脸难看",
                            "办事推诿扯皮",
                            "材料要求多、反复提交",
                            "办事时限长",
                            "吃拿卡要",
                            "网上办事不方便",
                            "没有遇到问题",
                        ],
                        max_choices=3,
                    ),
                    _scale("您对“放管服”改革和营商环境的总体评价是？", AGREEMENT_SCALE),
                ],
            ),
            (
                "三、意见建议",
                [
                    QuestionSpec(
                        QuestionKind.TEXT,
                        "您对改进部门作风有什么具体意见？",
                        required=False,
                    ),
                ],
            ),
        ],
    )
