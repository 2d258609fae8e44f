"""Times a question names: relative dates ("last month", "tonight", "next friday", "in March") and the
IANA time zone of a place ("tokyo", "new york")."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def relative_dates(lowered: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The date range a relative time names ("last month", "tonight", "next friday", "in March")."""
    padded = f" {lowered.strip()} "
    month_start = today.replace(day=1)
    if " today " in padded or " tonight " in padded or " this evening " in padded:
        return today, today
    if " tomorrow " in padded:
        return today + dt.timedelta(days=1), today + dt.timedelta(days=1)
    if " yesterday " in padded:
        return today - dt.timedelta(days=1), today - dt.timedelta(days=1)
    if " last month " in padded or " previous month " in padded:
        end = month_start - dt.timedelta(days=1)
        return end.replace(day=1), end
    if " this month " in padded:
        return month_start, today
    if " next month " in padded:
        start = (month_start + dt.timedelta(days=32)).replace(day=1)
        return start, (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    if " last week " in padded or " past week " in padded:
        start = today - dt.timedelta(days=today.weekday() + 7)
        return start, start + dt.timedelta(days=6)
    if " this week " in padded:
        return today - dt.timedelta(days=today.weekday()), today
    if " next week " in padded:
        start = today + dt.timedelta(days=7 - today.weekday())
        return start, start + dt.timedelta(days=6)
    if " this year " in padded:
        return today.replace(month=1, day=1), today
    if " last year " in padded:
        return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
    for i, day in enumerate(WEEKDAYS):
        if f" {day} " in padded:
            ahead = (i - today.weekday()) % 7
            date = today - dt.timedelta(days=(7 - ahead) % 7) if " last " in padded else today + dt.timedelta(ahead)
            return date, date
    for i, month in enumerate(MONTHS, 1):
        if f" {month} " in padded or (len(month) > 3 and f" {month[:3]} " in padded and month[:3] != "may"):
            year = today.year if i <= today.month else today.year - 1
            start = dt.date(year, i, 1)
            return start, (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return None


@functools.cache
def _timezones_by_place() -> dict[str, str]:
    """Lower-case place names (the last part of IANA names: "tokyo", "new york") → zone name."""
    places: dict[str, str] = {"utc": "UTC", "gmt": "UTC"}
    for zone in sorted(zoneinfo.available_timezones()):
        area, _, place = zone.rpartition("/")
        if area and not area.startswith("Etc") and place:
            places.setdefault(place.replace("_", " ").lower(), zone)
    return places


def mentioned_place(lowered: str) -> str | None:
    """The longest place name with a time zone the text mentions (`lowered`: padded, lower-case words)."""
    found = [(len(place), place) for place in _timezones_by_place() if f" {place} " in lowered]
    return max(found)[1] if found else None


def mentioned_timezone(lowered: str) -> str | None:
    """The IANA zone of the longest place name the text mentions (`lowered`: padded, lower-case words)."""
    place = mentioned_place(lowered)
    return _timezones_by_place()[place] if place is not None else None
