"""The form that schedules or edits a council session, checked like the API: the page's input goes
through the REST input serializer (``SessionIn`` to schedule, ``SessionSettingsIn`` to edit), then
to the same service (``session_schedule``, ``session_update``), and their refusals are shown next to
the fields in their own words.

Two inputs differ from the API's, because a form is not JSON:

- the start is a date and a time (native pickers, which also accept typing ``15/03/2026`` and
  ``10h30`` where a browser has none), read in the commune's time zone (Africa/Porto-Novo, as
  ``TIME_ZONE``); only when they cannot be read does the page word the error itself;
- the agenda is a textarea, one item per line, in order: without JavaScript that is the quickest way
  to add, remove, edit and reorder items on a phone (editing text, no round trip per row). With
  JavaScript the page turns it into rows with move and remove buttons, which write the textarea back
  before it is sent: the server reads one shape. Blank lines are not items.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from django import forms
from django.forms.utils import ErrorDict
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontend.forms import ApiCheckedForm
from hub.errors import DomainError
from hub.models import Commune
from publications.models import Document
from sessions_live.api.serializers import SessionIn, SessionSettingsIn
from sessions_live.models import LiveSession, SessionKind, SessionStatus

T = TypeVar("T")

DOCUMENT_CHOICES_SHOWN = 200
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
TIME_PATTERN = re.compile(r"^\s*(\d{1,2})\s*(?:[:hH.]\s*(\d{2})?)?\s*$")
# The fields of each status's edit form (the services refuse the others then).
EDITABLE_AFTER_START = (
    "title",
    "starts_on",
    "starts_time",
    "description",
    "documents",
    "stream_url",
    "audio_url",
    "recording_url",
    "slow_mode_seconds",
    "questions_premoderated",
)
EDITABLE_AFTER_END = ("description", "documents", "recording_url")


def agenda_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def parse_date(text: str) -> datetime.date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def parse_time(text: str) -> datetime.time | None:
    match = TIME_PATTERN.match(text)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return datetime.time(hour, minute)


def published_documents(commune: Commune, attached: list[int]) -> list[Document]:
    """The commune's published documents to choose from, latest first, and those attached already."""
    rows = Document.objects.published().filter(commune=commune).only("id", "title", "type", "fiscal_year")
    shown = list(rows.order_by("-published_at", "-id")[:DOCUMENT_CHOICES_SHOWN])
    missing = set(attached) - {document.pk for document in shown}
    if missing:
        shown += list(rows.filter(pk__in=missing))
    return shown


class SessionForm(ApiCheckedForm):
    """Schedule (``session=None``) or edit a session of ``commune``. Errors go on the form's fields;
    ``cleaned_data`` is what the serializer accepted (edit: every field shown, compare with
    ``changes``)."""

    serializer_class = SessionIn

    kind = forms.ChoiceField(label=gettext_lazy("Kind of session"), choices=SessionKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    starts_on = forms.CharField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}),
    )
    starts_time = forms.CharField(
        label=gettext_lazy("Time (Benin)"),
        widget=forms.TimeInput(attrs={"type": "time", "autocomplete": "off"}),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What citizens should know before the session, in a few sentences."),
    )
    agenda = forms.CharField(
        label=gettext_lazy("Agenda items, one per line, in order"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "true"}),
        help_text=gettext_lazy("At most 100 items of 200 characters. Blank lines are ignored."),
    )
    documents = forms.MultipleChoiceField(
        label=gettext_lazy("Published documents to link"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Published documents of the commune only (at most 50): a budget, minutes…"),
    )
    stream_url = forms.CharField(
        label=gettext_lazy("Video embed address (YouTube or Facebook)"),
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"inputmode": "url", "autocomplete": "off"}),
        help_text=gettext_lazy(
            "For example https://www.youtube-nocookie.com/embed/… (the embed link, https only)."
        ),
    )
    audio_url = forms.CharField(
        label=gettext_lazy("Audio stream address (low bandwidth)"),
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"inputmode": "url", "autocomplete": "off"}),
        help_text=gettext_lazy("A radio or sound-only stream, https only: for listeners with little data."),
    )
    recording_url = forms.CharField(
        label=gettext_lazy("Recording address"),
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"inputmode": "url", "autocomplete": "off"}),
        help_text=gettext_lazy("Where the recording can be watched once the session has ended (https)."),
    )
    slow_mode_seconds = forms.CharField(
        label=gettext_lazy("Slow mode: seconds between two chat messages of a citizen"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "max": 3600, "inputmode": "numeric"}),
        help_text=gettext_lazy("0 turns it off; at most 3600."),
    )
    questions_premoderated = forms.BooleanField(
        label=gettext_lazy("A moderator approves questions before they appear"), required=False
    )

    def __init__(
        self, *args: Any, commune: Commune, session: LiveSession | None = None, **kwargs: Any
    ) -> None:
        self.commune, self.session = commune, session
        if session is not None:
            kwargs.setdefault("initial", initial_for(session))
        else:
            kwargs.setdefault(
                "initial",
                {"kind": SessionKind.ORDINARY, "questions_premoderated": True, "slow_mode_seconds": 0},
            )
        super().__init__(*args, **kwargs)
        if session is not None:
            keep = {
                SessionStatus.SCHEDULED: tuple(self.fields),
                SessionStatus.LIVE: EDITABLE_AFTER_START,
                SessionStatus.ENDED: EDITABLE_AFTER_END,
            }[SessionStatus(session.status)]
            for name in [name for name in self.fields if name not in keep]:
                del self.fields[name]
        else:
            del self.fields["recording_url"]  # a session not held yet has no recording
        attached = [int(pk) for pk in self.initial.get("documents", [])]
        self.fields["documents"].choices = [  # type: ignore[attr-defined]
            (str(document.pk), f"{document.title} ({document.get_type_display()}, {document.fiscal_year})")
            for document in published_documents(commune, attached)
        ]

    # --- Checking -------------------------------------------------------------------------------

    def _start(self) -> tuple[str | None, dict[str, str]]:
        """The start as the API reads it (ISO 8601 with the commune's offset), or the page's own
        words for a date or time it cannot read."""
        errors: dict[str, str] = {}
        day_text = str(self.data.get(self.add_prefix("starts_on"), "")).strip()
        time_text = str(self.data.get(self.add_prefix("starts_time"), "")).strip()
        day, moment = parse_date(day_text), parse_time(time_text)
        if not day_text:
            errors["starts_on"] = _("Give the date of the session.")
        elif day is None:
            errors["starts_on"] = _("Give a valid date, for example 15/03/2026.")
        if not time_text:
            errors["starts_time"] = _("Give the time the session starts.")
        elif moment is None:
            errors["starts_time"] = _("Give a valid time, for example 10:00.")
        if day is None or moment is None:
            return None, errors
        zone = timezone.get_default_timezone()  # Africa/Porto-Novo: no summer time, nothing ambiguous
        return timezone.make_aware(datetime.datetime.combine(day, moment), zone).isoformat(), errors

    def api_input(self) -> tuple[dict[str, Any], dict[str, str]]:
        """What the serializer reads (as JSON would carry it), and the page's own start errors."""
        data: dict[str, Any] = {}
        start_errors: dict[str, str] = {}
        for name, field in self.fields.items():
            key = self.add_prefix(name)
            if name in ("starts_on", "starts_time"):
                continue
            if isinstance(field, forms.BooleanField):
                data[name] = bool(field.widget.value_from_datadict(self.data, self.files, key))
            elif name == "agenda":
                data[name] = agenda_lines(str(self.data.get(key, "")))
            elif name == "documents":
                data[name] = self.data.getlist(key) if isinstance(self.data, QueryDict) else []
            elif name == "slow_mode_seconds":
                value = str(self.data.get(key, "")).strip()
                data[name] = value or "0"
            elif key in self.data:
                data[name] = self.data[key]
        if "starts_on" in self.fields:
            data["starts_at"], start_errors = self._start()
            if data["starts_at"] is None:
                del data["starts_at"]
        if self.session is None:
            data["commune"] = self.commune.slug
        return data, start_errors

    def full_clean(self) -> None:
        self._errors = ErrorDict()
        self.cleaned_data = {}
        if not self.is_bound:
            return
        data, start_errors = self.api_input()
        # The API's own input: POST /sessions/ to schedule, PATCH /sessions/<id>/ to edit.
        serializer = (SessionIn if self.session is None else SessionSettingsIn)(data=data)
        valid = serializer.is_valid()
        for name, errors in ({} if valid else serializer.errors).items():
            if name == "starts_at" and start_errors:
                continue  # the page said which of the date or the time it could not read
            target = _page_field(name)
            for message in _messages(errors):
                self.add_error(target if target in self.fields else None, message)
        for name, message in start_errors.items():
            self.add_error(name, message)
        if not self._errors:
            self.cleaned_data = dict(serializer.validated_data)

    def submit(
        self, write: Callable[[dict[str, Any]], T], *, on_field: Mapping[str, str] = MappingProxyType({})
    ) -> T | None:
        """As ``ApiCheckedForm.submit``; a service's refusal of ``starts_at`` (a start in the past)
        goes next to the date, the field the page shows for it."""

        def write_on_page_fields(data: dict[str, Any]) -> T:
            try:
                return write(data)
            except DomainError as exc:
                fields = exc.details.get("fields")
                if isinstance(fields, dict) and "starts_at" in fields:
                    exc.details["fields"] = {_page_field(name): value for name, value in fields.items()}
                raise

        return super().submit(write_on_page_fields, on_field=on_field)

    def changes(self) -> dict[str, Any]:
        """Edit: what differs from the session (what the service should write and audit)."""
        assert self.session is not None
        session, data = self.session, dict(self.cleaned_data)
        data.pop("commune", None)
        # A list left empty is not sent by the browser: nothing ticked, nothing on the agenda.
        for name in ("agenda", "documents"):
            if name in self.fields:
                data.setdefault(name, [])
        current = initial_for(session)
        changed: dict[str, Any] = {}
        for name, value in data.items():
            if name == "agenda":
                if value != current["agenda_titles"]:
                    changed[name] = value
            elif name == "documents":
                before = [int(pk) for pk in current["documents"]]
                if set(value) != set(before):
                    changed[name] = [pk for pk in before if pk in value] + [
                        pk for pk in value if pk not in before
                    ]
            elif name == "starts_at":
                # The form shows minutes: a start set to the second over the API is unchanged here.
                if value != session.starts_at.replace(second=0, microsecond=0):
                    changed[name] = value
            elif value != getattr(session, name):
                changed[name] = value
        return changed


def _page_field(name: str) -> str:
    """The page's field for an API field: the start is typed as a date and a time."""
    return "starts_on" if name == "starts_at" else name


def _messages(errors: Any) -> list[str]:
    """A serializer's errors for one field as sentences; a list's item errors name the item."""
    if isinstance(errors, dict):
        return [
            _("Item %(number)d: %(error)s") % {"number": int(index) + 1, "error": message}
            for index, item_errors in sorted(errors.items())
            for message in _messages(item_errors)
        ]
    if isinstance(errors, list | tuple):
        return [message for error in errors for message in _messages(error)]
    return [str(errors)]


def initial_for(session: LiveSession) -> dict[str, Any]:
    local = timezone.localtime(session.starts_at, timezone.get_default_timezone())
    titles = [item.title for item in session.agenda_items.all()]
    return {
        "kind": session.kind,
        "title": session.title,
        "starts_on": local.date().isoformat(),
        "starts_time": local.strftime("%H:%M"),
        "description": session.description,
        "agenda": "\n".join(titles),
        "agenda_titles": titles,
        "documents": [str(row.document_id) for row in session.session_documents.all()],
        "stream_url": session.stream_url,
        "audio_url": session.audio_url,
        "recording_url": session.recording_url,
        "slow_mode_seconds": session.slow_mode_seconds,
        "questions_premoderated": session.questions_premoderated,
    }
