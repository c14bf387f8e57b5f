"""Server time. Trusted times are always the server's clock at the moment of a push, in China
Standard Time with an explicit offset, so that logs read the same everywhere."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from repo_tools.messages import say

CST = timezone(timedelta(hours=8), "CST")


def now() -> datetime:
    return datetime.now(CST)


def iso(moment: datetime) -> str:
    return moment.astimezone(CST).isoformat(timespec="microseconds")


def parse(text: str | datetime | date | None) -> datetime | None:
    """An ISO 8601 time (a bare date counts as its midnight in CST); None stays None."""
    if text is None or text == "":
        return None
    if isinstance(text, datetime):
        return text if text.tzinfo else text.replace(tzinfo=CST)
    if isinstance(text, date):
        return datetime(text.year, text.month, text.day, tzinfo=CST)
    moment = datetime.fromisoformat(str(text))
    return moment if moment.tzinfo else moment.replace(tzinfo=CST)


def today() -> date:
    return now().date()


def chinese_date(day: date) -> str:
    """GB/T 9704 date form: Arabic digits, full year, no zero padding (2013年3月21日)."""
    return say("city.timeutil.chinese_date.1", year=day.year, month=day.month, day=day.day)
