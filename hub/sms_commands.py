"""The seam through which feature apps answer SMS commands, without the notifications app (which
receives the messages) importing them, nor they it.

The notifications app parses an inbound message, handles the keywords it owns (``SUIVRE``, ``STOP``,
``AIDE``) and hands anything else to the handlers registered here, in order, each in the same
transaction as the inbound row's processing. A handler returns the reply to text back (already
translated, in the sender's language), or ``None`` when the message is not for it; the first reply
wins. Apps register their handlers in ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from hub.models import Commune, User


@dataclass(frozen=True)
class SmsCommand:
    """One inbound message, as a handler sees it."""

    user: User  # the account of the sending number (created on its first message if needed)
    phone: str  # E.164
    text: str  # the whole message, stripped
    keyword: str  # the first word, upper-case, accents removed ("QUESTION", "1", "BONJOUR")
    rest: str  # the text after the first word, stripped
    commune: Commune | None  # the commune whose own number received it, if it has one
    followed_commune_ids: tuple[int, ...] = field(default=())  # communes the sender follows
    inbound_id: int = 0  # the InboundSms row (an idempotency key for what the handler creates)


# Returns (outcome code for the log, reply text), or None when the message is not this handler's.
SmsHandler = Callable[[SmsCommand], "tuple[str, str] | None"]


@dataclass(frozen=True)
class _Registered:
    name: str
    handler: SmsHandler
    keywords: frozenset[str]  # empty: asked for every message no keyword handler took


_handlers: list[_Registered] = []


def sms_handler_register(name: str, handler: SmsHandler, *, keywords: tuple[str, ...] = ()) -> None:
    """Register ``handler`` for messages starting with one of ``keywords`` (upper-case, without
    accents), or, with no keywords, as a fallback asked for any other message. Registering a name
    again replaces it (``ready()`` may run twice in tests)."""
    global _handlers
    _handlers = [h for h in _handlers if h.name != name]
    _handlers.append(_Registered(name, handler, frozenset(keywords)))


def sms_handlers_for(keyword: str) -> list[SmsHandler]:
    """The handlers to ask, in order: those registered for ``keyword``, then the fallbacks."""
    exact = [h.handler for h in _handlers if keyword in h.keywords]
    fallbacks = [h.handler for h in _handlers if not h.keywords]
    return exact + fallbacks


def sms_keywords() -> frozenset[str]:
    """Every keyword some app answers (for AIDE and for the unknown-keyword reply)."""
    return frozenset(k for h in _handlers for k in h.keywords)
