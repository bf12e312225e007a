"""How a lower room hears from a higher one without importing it (blinker signals).

The lower room defines a signal and sends it where it needs an answer; a higher room
writes the receiver; the shell connects the two (`evaluation.shell.wiring`), so no import
points upward. A receiver answers with a value, or None when it has nothing to add.
"""

from __future__ import annotations

from typing import Any

from blinker import NamedSignal, Namespace

signals = Namespace()


def first_answer(signal: NamedSignal, sender: Any, **kwargs: Any) -> Any:
    """The first receiver's answer that is not None, or None."""
    for _receiver, answer in signal.send(sender, **kwargs):
        if answer is not None:
            return answer
    return None


def gathered(signal: NamedSignal, sender: Any, **kwargs: Any) -> dict[str, Any]:
    """Every receiver's answer (a dict of names for a page), merged into one dict."""
    merged: dict[str, Any] = {}
    for _receiver, answer in signal.send(sender, **kwargs):
        merged.update(answer or {})
    return merged
