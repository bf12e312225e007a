"""The shell connects each lower room's signal to the higher room that answers it."""

from __future__ import annotations

from analysis.services import results_released as released_results
from analysis.views import department_result
from ballots.signals import receipt_offer, results_released
from evaluation.campaign.signals import department_page, report_editor
from questionnaires.views import receipt_link
from rectification.loop import department_tasks, last_year_tasks
from suggestions.views import last_year_suggestions

CONNECTIONS = (
    (receipt_offer, receipt_link),  # the receipt offers the questionnaires
    (results_released, released_results),  # box records appear with the released results
    (department_page, department_result),  # a department's page shows its released result
    (report_editor, last_year_suggestions),  # its report says what became of last year's
    (report_editor, last_year_tasks),  # … and of last year's rectification tasks
    (department_page, department_tasks),  # its page links to its listed tasks
)


def connect_signals() -> None:
    """Connect every receiver (idempotent: blinker keeps one connection per receiver)."""
    for signal, receiver in CONNECTIONS:
        signal.connect(receiver)
