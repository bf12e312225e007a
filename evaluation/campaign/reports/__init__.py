"""Department reports (述职报告): drafting, review, publishing, corrections, the public site."""
