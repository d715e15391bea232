"""The plan's reporting period and how a report's 截至日期 relates to it.

One rule shared by the importer (warn or refuse) and the status (flag):

=========  ===================================================  ============================
kind       the report's period end                              import / status
=========  ===================================================  ============================
inside     plan start … the last deadline (plan or target)      stored
early      before the plan start, in the plan start's year      stored, a warning, flagged
late       after the last deadline, at most ``LATE_MONTHS``     stored, a warning, flagged
           calendar months after it (a year-end report sent
           in January: 2024-01-05 for a 2023 plan)
wrong      anything else (2019 for a 2023 plan, 2024-06-30):    an error — a typo or another
           a year typo or another plan's sheet                  plan's sheet; nothing stored
=========  ===================================================  ============================

A stored early or late report is a reporting period of its own in the status table (序时进度
0 before the start, 100 % after the deadline), its values shown as reported.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

LATE_MONTHS = 3


def plan_period(plan: Any) -> tuple[date, date]:
    """(plan start, the last deadline of the plan or any of its targets)."""
    return plan.start, max([plan.deadline, *(t.deadline for t in plan.targets if t.deadline)])


def late_limit(end: date, months: int = LATE_MONTHS) -> date:
    """The last day a late report may carry: ``months`` calendar months after ``end``
    (2023-12-31 → 2024-03-31; the day is clamped to the month's length)."""
    year, month = divmod(end.month - 1 + months, 12)
    year, month = end.year + year, month + 1
    return date(year, month, min(end.day, calendar.monthrange(year, month)[1]))


def date_kind(day: date, plan: Any) -> str:
    """``inside``, ``early``, ``late`` or ``wrong`` (see the module docstring)."""
    start, end = plan_period(plan)
    if start <= day <= end:
        return "inside"
    if day < start:
        return "early" if day.year == start.year else "wrong"
    return "late" if day <= late_limit(end) else "wrong"
