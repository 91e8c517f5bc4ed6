"""Open data: the iCalendar agenda feed (the CSV and JSON exports share ``hub.api.exports``)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

# --- iCalendar (RFC 5545) ------------------------------------------------------------------------


def ics_escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def ics_fold(line: str) -> str:
    """Lines of at most 75 octets, continued with CRLF + space, never splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not out else 74):
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def ics_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def ics_calendar(*, name: str, events: Iterable[dict[str, Any]]) -> str:
    """``events``: dicts with uid, starts_at, ends_at, title, description, place, url, cancelled,
    updated_at."""
    now = ics_time(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Communes+//Agenda//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_escape(name)}",
        f"X-WR-TIMEZONE:{settings.TIME_ZONE}",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event['uid']}",
            f"DTSTAMP:{now}",
            f"DTSTART:{ics_time(event['starts_at'])}",
            f"DTEND:{ics_time(event['ends_at'])}",
            f"LAST-MODIFIED:{ics_time(event['updated_at'])}",
            f"SUMMARY:{ics_escape(event['title'])}",
        ]
        if event.get("place"):
            lines.append(f"LOCATION:{ics_escape(event['place'])}")
        if event.get("description"):
            lines.append(f"DESCRIPTION:{ics_escape(event['description'])}")
        if event.get("url"):
            lines.append(f"URL:{event['url']}")
        lines += [f"STATUS:{'CANCELLED' if event.get('cancelled') else 'CONFIRMED'}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(ics_fold(line) for line in lines) + "\r\n"


def uid_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "communesplus.bj"
