"""The value the follow-up finder returns, shared by the finder, the tracker and the reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Change = Literal["postponed", "cancelled"]


@dataclass(frozen=True)
class FollowUp:
    """An event an article announces: when, where, what, and the sentence that says so.

    ``change`` is set when the sentence reports that an earlier-announced event moved or was
    called off ("перенесли на 12 січня" → postponed, span = the new date; "скасували" → cancelled).
    ``precise`` is False for vague spans ("у травні", "восени") the finder reports anyway.
    """

    starts_on: date
    ends_on: date
    location: str | None
    what: str
    sentence: str
    confidence: float
    change: Change | None = None
    precise: bool = True
