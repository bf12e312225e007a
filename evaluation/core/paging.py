"""One page of a long list (the board, the triage queue, the audit log), for the `pager` macro."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int  # from 1
    pages: int  # at least 1

    @staticmethod
    def count(total: int, size: int) -> int:
        """How many pages `total` rows make, `size` a page (one, when there are none)."""
        return max(1, -(-total // size))
