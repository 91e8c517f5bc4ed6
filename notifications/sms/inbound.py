"""Inbound SMS: record each message once, then act on it once and answer in one segment.

``inbound_record`` keeps every message, whatever it says, as an ``InboundSms`` row unique per
``dedup_key`` (the carrier's id, or the sender, destination and text within a 10-minute window): an
operator that delivers a message twice, or a person who sends it twice, is acted on once.
``inbound_process`` then, in one transaction with the row locked (so running it twice is harmless):
finds the sender's account (creating it on a first message), the commune (the commune whose own
number received it, or the one named after SUIVRE), applies the per-number hourly limit, handles the
keywords this app owns (SUIVRE, STOP, AIDE) and hands anything else to the handlers other apps
register in ``hub.sms_commands``; it queues the reply and records the outcome on the row.

After STOP a number gets nothing: only SUIVRE (which undoes STOP) and AIDE are answered; any other
message is kept with the outcome ``stopped_number``. Replies on a commune's own number are billed to
that commune; on the shared number they are the platform's.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import re
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.text import slugify

from hub.errors import DomainError, InvalidInput
from hub.models import Commune, Follow, User
from hub.phone import normalize_benin_phone
from hub.selectors import search_key
from hub.services.communes import commune_follow
from hub.sms_commands import SmsCommand, sms_handlers_for, sms_keywords
from notifications.sms import gsm7, wording
from notifications.sms.models import InboundSms, SmsCommuneSettings, SmsMessage, SmsProfile
from notifications.sms.outbound import sms_queue
from notifications.sms.subscriptions import sms_profile_for, sms_stop, sms_subscribe
from workers.celery import app as celery_app

logger = logging.getLogger(__name__)

PROCESS_TASK = "notifications.tasks.sms_inbound_process"
# A carrier resends a message it got no answer for within seconds to a minute or two.
DEDUP_WINDOW = timedelta(minutes=2)
RATE_WINDOW = timedelta(hours=1)
REPLY_KIND = "sms.reply"
TOO_MANY_KIND = "sms.too_many"

FOLLOW = frozenset({"SUIVRE"})
STOP = frozenset({"STOP", "ARRET", "DESABONNER"})
HELP = frozenset({"AIDE", "HELP", "?"})


# --- Recording --------------------------------------------------------------------------------------


def _sender(phone_raw: str) -> str:
    raw = (phone_raw or "").strip()
    # International format without its "+" (SMPP with TON unknown, aggregators): 229…
    if raw.isdigit() and raw.startswith("229") and len(raw) in (11, 13):
        raw = "+" + raw
    try:
        return normalize_benin_phone(raw)
    except InvalidInput:
        return raw[:20]


def _dedup_key(*, phone: str, destination: str, text: str, carrier_ref: str, previous_id: int) -> str:
    """The carrier's id when it gives one; else the message and the sender's message before it: a
    resend arriving twice at once makes one row, and the same text sent again after another message
    (a vote changed back) is a new one."""
    if carrier_ref:
        ref = "ref:" + carrier_ref
        return ref if len(ref) <= 64 else "ref:" + hashlib.sha256(carrier_ref.encode()).hexdigest()[:60]
    return hashlib.sha256(f"{phone}|{destination}|{text}|{previous_id}".encode()).hexdigest()


def inbound_record(
    *, phone_raw: str, destination: str, text: str, carrier_ref: str = ""
) -> tuple[InboundSms, bool]:
    """Keep one received message (whole, whatever its length); returns (row, created). A message
    seen before (same carrier id; or, without one, the same text as the sender's last message to the
    same destination, within 2 minutes) returns the existing row and is not acted on again."""
    if not isinstance(text, str) or not isinstance(phone_raw, str) or not isinstance(destination, str):
        raise InvalidInput(fields={"text": ["A text message."]})
    if not phone_raw.strip():
        raise InvalidInput(fields={"phone": ["The sender's number is missing."]})
    # NUL cannot be stored (PostgreSQL) and means nothing in a text message.
    text, phone_raw, destination = (v.replace("\x00", "") for v in (text, phone_raw, destination))
    phone, destination, carrier_ref = _sender(phone_raw), destination.strip()[:20], carrier_ref.strip()
    previous_id = 0
    if not carrier_ref:
        last = InboundSms.objects.filter(phone=phone, destination=destination).order_by("-id").first()
        if last is not None and last.text == text and last.received_at >= timezone.now() - DEDUP_WINDOW:
            return last, False
        previous_id = last.pk if last is not None else 0
    key = _dedup_key(
        phone=phone, destination=destination, text=text, carrier_ref=carrier_ref, previous_id=previous_id
    )
    try:
        with transaction.atomic():
            row = InboundSms.objects.create(dedup_key=key, phone=phone, destination=destination, text=text)
    except IntegrityError:
        return InboundSms.objects.get(dedup_key=key), False
    transaction.on_commit(lambda: _enqueue_process(row.pk))
    return row, True


def _enqueue_process(inbound_id: int) -> None:
    try:
        celery_app.tasks[PROCESS_TASK].apply_async(args=[inbound_id])
    except Exception:
        logger.exception("could not enqueue %s for inbound SMS %s", PROCESS_TASK, inbound_id)


def inbound_unprocessed_ids(*, older_than: timedelta) -> list[int]:
    """Received messages still not acted on after ``older_than`` (the sweep's work)."""
    cutoff = timezone.now() - older_than
    rows = InboundSms.objects.filter(processed_at__isnull=True, received_at__lte=cutoff)
    return list(rows.order_by("id").values_list("id", flat=True)[:500])


# --- Reading a message ------------------------------------------------------------------------------


def _unaccent(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def parse(text: str) -> tuple[str, str]:
    """(keyword: the first word, upper-case, without accents or trailing punctuation; the rest)."""
    parts = text.strip().split(maxsplit=1)
    if not parts:
        return "", ""
    first = parts[0]
    keyword = _unaccent(first).upper().strip(".,;:!?")
    if not keyword and "?" in first:
        keyword = "?"
    return keyword, parts[1].strip() if len(parts) > 1 else ""


def _number_key(number: str) -> str:
    """A number as E.164 when it is a Benin number however written (``+229…``, ``229…``, ``01…``),
    else its digits (a short code such as 7070)."""
    digits = re.sub(r"\D", "", number or "")
    for candidate in (number, "+" + digits):
        try:
            return normalize_benin_phone(candidate)
        except InvalidInput:
            continue
    return digits


def commune_by_number(destination: str) -> Commune | None:
    """The commune whose own SMS number is ``destination`` (compared as normalised numbers)."""
    key = _number_key(destination)
    if not key:
        return None
    for commune_id, number in SmsCommuneSettings.objects.exclude(number="").values_list(
        "commune_id", "number"
    ):
        if _number_key(number) == key:
            return Commune.objects.get(pk=commune_id)
    return None


def commune_by_name(typed: str) -> tuple[Commune | None, list[str]]:
    """The commune named ``typed`` (any case, accents and hyphens optional), or None and up to three
    close names."""
    key, slug = search_key(typed), slugify(typed)
    found = Commune.objects.filter(Q(search_name=key) | Q(slug=slug)).order_by("-is_enabled", "pk").first()
    if found is not None or not key:
        return found, []
    names = dict(Commune.objects.values_list("search_name", "name"))
    close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.6)
    return None, [names[name] for name in close]


# --- Acting on it -----------------------------------------------------------------------------------


def inbound_process(*, inbound_id: int) -> str:
    """Act on one received message once; returns its outcome (also kept on the row)."""
    with transaction.atomic():
        row = InboundSms.objects.select_for_update().filter(pk=inbound_id).first()
        if row is None:
            return "missing"
        if row.processed_at is not None:
            return row.outcome
        outcome = _Processing(row).run()
        row.outcome = outcome[:32]
        row.processed_at = timezone.now()
        row.save(update_fields=["outcome", "processed_at", "user", "commune", "error"])
    return outcome


def _user_for(phone: str) -> User:
    user = User.objects.filter(phone=phone).first()
    created = False
    if user is None:
        try:
            with transaction.atomic():
                user = User(phone=phone, email=None, display_name="", preferred_language=User.Language.FRENCH)
                user.set_unusable_password()
                user.save()
                created = True
        except IntegrityError:  # a concurrent message from the same number created it
            user = User.objects.get(phone=phone)
    sms_profile_for(user=user, created_by_sms=created)
    return user


class _Processing:
    """One message being acted on: its row, sender, commune and the reply it gets."""

    def __init__(self, row: InboundSms) -> None:
        self.row = row
        self.reply_commune: Commune | None = None
        self.user: User | None = None

    def run(self) -> str:
        row = self.row
        try:
            phone = normalize_benin_phone(row.phone)
        except InvalidInput:
            return "invalid_sender"
        self.user = user = _user_for(phone)
        row.user = user
        if not user.is_active:
            return "inactive_user"
        self.reply_commune = row.commune = commune_by_number(row.destination)
        keyword, rest = parse(row.text)
        with translation.override(user.preferred_language or "fr"):
            return self._act(phone, keyword, rest)

    def _act(self, phone: str, keyword: str, rest: str) -> str:
        assert self.user is not None
        stopped = SmsProfile.objects.filter(user=self.user, opted_out_at__isnull=False).exists()
        if keyword in STOP:  # honoured even past the hourly limit
            _profile, was_receiving = sms_stop(user=self.user)
            if was_receiving:
                self.reply(wording.reply_stopped(), force=True)
            return "stopped"
        if self._over_limit(phone):
            return "rate_limited"
        if keyword in FOLLOW:
            return self.follow(rest)
        if keyword in HELP:
            self.reply(wording.reply_help(question="QUESTION" in sms_keywords()), force=stopped)
            return "help"
        if stopped:
            return "stopped_number"
        return self.delegate(phone, keyword, rest)

    def _over_limit(self, phone: str) -> bool:
        since = timezone.now() - RATE_WINDOW
        earlier = (
            InboundSms.objects.filter(phone=phone, received_at__gte=since).exclude(pk=self.row.pk).count()
        )
        if earlier < int(settings.SMS_INBOUND_PER_HOUR):
            return False
        if not SmsMessage.objects.filter(phone=phone, kind=TOO_MANY_KIND, created_at__gte=since).exists():
            self.reply(wording.reply_too_many(), kind=TOO_MANY_KIND)
        return True

    def follow(self, rest: str) -> str:
        assert self.user is not None
        if rest:
            commune, suggestions = commune_by_name(rest)
            if commune is None:
                self.reply(wording.reply_unknown_commune(rest, suggestions))
                return "unknown_commune"
        elif self.reply_commune is not None:
            commune = self.reply_commune
        else:
            self.reply(wording.reply_follow_how())
            return "follow_how"
        self.row.commune = commune
        commune_follow(user=self.user, commune=commune)
        sms_subscribe(user=self.user)
        self.reply(wording.reply_followed(commune.name, ""))
        return "followed"

    def delegate(self, phone: str, keyword: str, rest: str) -> str:
        assert self.user is not None
        command = SmsCommand(
            user=self.user,
            phone=phone,
            text=self.row.text.strip(),
            keyword=keyword,
            rest=rest,
            commune=self.reply_commune,
            followed_commune_ids=tuple(
                Follow.objects.filter(user=self.user)
                .order_by("commune_id")
                .values_list("commune_id", flat=True)
            ),
            inbound_id=self.row.pk,
        )
        for handler in sms_handlers_for(keyword):
            try:
                with transaction.atomic():
                    result = handler(command)
            except DomainError as exc:  # the handler refused (closed session, too long...): say why
                self.row.error = exc.message
                self.reply(gsm7.fit(exc.message))
                return "rejected"
            if result is not None:
                outcome, text = result
                if text:
                    self.reply(text)
                return outcome or "handled"
        self.reply(wording.reply_unknown())
        return "unknown"

    def reply(self, text: str, *, force: bool = False, kind: str = REPLY_KIND) -> None:
        assert self.user is not None and self.user.phone
        sms_queue(
            phone=self.user.phone,
            text=text,
            kind=kind,
            commune=self.reply_commune,
            user=self.user,
            reply_to=self.row,
            force=force,
        )
