"""Date ranges and reporting periods (day, ISO week, month): pure rules, no database or framework."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from models.core.errors import ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Text

GROUPS = ("day", "week", "month")
DEFAULT_DAYS = 30
MAX_DAYS = 3_660  # ten years: a range longer than this is a typo, not a question


@dataclass(frozen=True)
class DateRange:
    """The days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> DateRange:
        """The range of the same length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return DateRange(end - timedelta(days=self.days - 1), end)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def parse_range(start_text: str | None, end_text: str | None, *, today: date,
                default_days: int = DEFAULT_DAYS) -> DateRange:
    """The range of the ``from`` and ``to`` parameters (ISO dates); ``to`` defaults to today and ``from`` to
    ``default_days`` before it. Raises ValidationFailed naming the parameter that is wrong."""
    problems: dict[str, list[TextMessage]] = {}
    end = _parse_day(end_text, "to", problems) or today
    start = _parse_day(start_text, "from", problems) or end - timedelta(days=default_days - 1)
    if not problems and start > end:
        problems["from"] = [TextMessage(Text("must be on or before to (%(end)s)", end=end.isoformat()))]
    if not problems and (end - start).days + 1 > MAX_DAYS:
        problems["from"] = [TextMessage(Text("the range may span at most %(most)s days", most=MAX_DAYS))]
    if problems:
        raise ValidationFailed(problems, TextMessage(Text("invalid date range")))
    return DateRange(start, end)


def parse_group(text: str | None, *, default: str = "day") -> str:
    """``text`` as one of GROUPS (``default`` when empty); ValidationFailed naming ``group`` otherwise."""
    if not text:
        return default
    if text not in GROUPS:
        raise ValidationFailed({"group": [TextMessage(Text("must be one of %(codes)s", codes=", ".join(GROUPS)))]},
                               TextMessage(Text("invalid group")))
    return text


def period_start(day: date, group: str) -> date:
    """The first day of the period of ``group`` that holds ``day`` (weeks start on Monday, ISO 8601)."""
    if group == "day":
        return day
    if group == "week":
        return day - timedelta(days=day.weekday())
    if group == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown group {group!r}")


def next_period(start: date, group: str) -> date:
    if group == "day":
        return start + timedelta(days=1)
    if group == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def periods(span: DateRange, group: str) -> list[date]:
    """The start of every period of ``group`` that overlaps ``span``, in order."""
    starts, current = [], period_start(span.start, group)
    while current <= span.end:
        starts.append(current)
        current = next_period(current, group)
    return starts


def period_label(start: date, group: str) -> str:
    """How a period is named in tables, charts and CSV: 2026-11-30, 2026-W48, 2026-11."""
    if group == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if group == "month":
        return start.strftime("%Y-%m")
    return start.isoformat()


def _parse_day(text: str | None, name: str, problems: dict[str, list[TextMessage]]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems[name] = [TextMessage(Text("%(text)s is not a date (YYYY-MM-DD)", text=repr(text[:40])))]
        return None
