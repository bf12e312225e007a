"""What the campaign room's pages ask of higher rooms; the shell connects the receivers."""

from evaluation.core.signals import signals

# Sent by a department's public page with campaign and department; receivers answer with
# names for the page (the released result).
department_page = signals.signal("campaign.department-page")
# Sent by a department's report editor with department; receivers answer with names for the
# page (how last year's suggestions were handled).
report_editor = signals.signal("campaign.report-editor")
