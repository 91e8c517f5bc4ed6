"""How messages reach the operator: one adapter per kind of account, chosen by ``settings.SMS_URL``.

- empty: ``LocalTransport`` (development, demos): nothing leaves the machine, every message is
  logged and counts as delivered at once.
- ``smpp://SYSTEM_ID:PASSWORD@HOST:PORT?system_type=&source=`` (``smpps://`` over TLS):
  ``SmppTransport`` (SMPP 3.4 through smpplib): a batch is one bind as transmitter, one submit_sm
  per part, the answers matched by sequence number, one unbind.
- ``https://TOKEN@host/path``: ``HttpTransport`` for an HTTP aggregator (one JSON POST a message).

Every adapter answers ``submit_batch(messages) -> list[SubmitResult]`` in the order given and never
raises for a message: a refusal the operator may lift later (link down, throttling, queue full,
system error) is ``temporary`` and retried with backoff by ``sending``; any other refusal (bad
number, …) is permanent. Nothing here touches the database: ``sending`` claims rows, calls this
outside any transaction, and records the results.
"""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from django.conf import settings
from smpplib import client as smpp_client  # type: ignore[import-untyped]
from smpplib import consts, exceptions, smpp  # type: ignore[import-untyped]

from notifications.sms import gsm7, smpp_codec

logger = logging.getLogger(__name__)

# Statuses of submit_sm_resp after which the same message may pass later.
SMPP_TEMPORARY = frozenset(
    {
        consts.SMPP_ESME_RSYSERR,
        consts.SMPP_ESME_RMSGQFUL,
        consts.SMPP_ESME_RTHROTTLED,
        consts.SMPP_ESME_RX_T_APPN,
        consts.SMPP_ESME_RSUBMITFAIL,
        consts.SMPP_ESME_RINVBNDSTS,
    }
)
SMPP_TIMEOUT = 10.0


@dataclass(frozen=True)
class OutgoingSms:
    id: int  # the SmsMessage row, to match results with rows
    phone: str
    text: str
    source: str = ""  # the sender number; the account's default source when empty


@dataclass(frozen=True)
class SubmitResult:
    id: int
    ok: bool
    carrier_id: str = ""
    delivered: bool = False  # LocalTransport: nothing further will come
    temporary: bool = False
    error: str = ""


class Transport(Protocol):
    def submit_batch(self, messages: list[OutgoingSms]) -> list[SubmitResult]: ...


class LocalTransport:
    """No operator: log the message and call it delivered."""

    def submit_batch(self, messages: list[OutgoingSms]) -> list[SubmitResult]:
        for message in messages:
            logger.info("SMS (local) to %s: %s", message.phone, message.text)
        return [SubmitResult(id=m.id, ok=True, carrier_id=f"local-{m.id}", delivered=True) for m in messages]


@dataclass(frozen=True)
class SmppAccount:
    host: str
    port: int
    system_id: str
    password: str
    system_type: str = ""
    source: str = ""
    tls: bool = False

    @classmethod
    def from_url(cls, url: str) -> SmppAccount:
        parts = urlsplit(url)
        if parts.scheme not in ("smpp", "smpps") or not parts.hostname:
            raise ValueError("SMS_URL: expected smpp://SYSTEM_ID:PASSWORD@HOST:PORT")
        query = parse_qs(parts.query)
        return cls(
            host=parts.hostname,
            port=parts.port or (3550 if parts.scheme == "smpps" else 2775),
            system_id=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            system_type=query.get("system_type", [""])[0],
            source=query.get("source", [""])[0],
            tls=parts.scheme == "smpps",
        )

    def client(self, *, timeout: float = SMPP_TIMEOUT) -> smpp_client.Client:
        context = ssl.create_default_context() if self.tls else None
        return smpp_client.Client(
            self.host, self.port, timeout=timeout, ssl_context=context, allow_unknown_opt_params=True
        )

    def bind_args(self) -> dict[str, str]:
        return {"system_id": self.system_id, "password": self.password, "system_type": self.system_type}


def _address(number: str) -> tuple[int, int, str]:
    """(TON, NPI, digits): international numbers without their ``+``; short codes as alphanumeric-
    free national numbers."""
    if number.startswith("+"):
        return 1, 1, number[1:]
    if number.isdigit():
        return (0, 1, number) if len(number) <= 8 else (1, 1, number)
    return 5, 0, number  # alphanumeric sender


class SmppTransport:
    def __init__(self, account: SmppAccount) -> None:
        self.account = account

    def submit_batch(self, messages: list[OutgoingSms]) -> list[SubmitResult]:
        if not messages:
            return []
        results: dict[int, SubmitResult] = {}
        client = self.account.client()
        try:
            client.connect()
            client.bind_transmitter(**self.account.bind_args())
            for message in messages:
                results[message.id] = self._submit_one(client, message)
        except (exceptions.ConnectionError, exceptions.PDUError, OSError) as exc:
            # The link or the bind failed: what was not answered is tried again later.
            error = f"SMPP link: {exc}"
            logger.warning("SMS: %s", error)
            for message in messages:
                results.setdefault(
                    message.id, SubmitResult(id=message.id, ok=False, temporary=True, error=error)
                )
        finally:
            self._close(client)
        return [results[m.id] for m in messages]

    def _submit_one(self, client: smpp_client.Client, message: OutgoingSms) -> SubmitResult:
        encoded = smpp_codec.encode(message.text, gsm7=gsm7.measure(message.text).encoding == "gsm7")
        src_ton, src_npi, source = _address(message.source or self.account.source)
        dst_ton, dst_npi, destination = _address(message.phone)
        pending: dict[int, int] = {}  # sequence number → part index
        for index, part in enumerate(encoded.parts):
            pdu = client.send_message(
                source_addr_ton=src_ton,
                source_addr_npi=src_npi,
                source_addr=source,
                dest_addr_ton=dst_ton,
                dest_addr_npi=dst_npi,
                destination_addr=destination,
                short_message=part,
                data_coding=encoded.data_coding,
                esm_class=encoded.esm_class,
                registered_delivery=1,  # ask for a delivery receipt
            )
            pending[pdu.sequence] = index
        ids: dict[int, str] = {}
        refusal: tuple[int, int] | None = None  # (status, part)
        while pending:
            try:
                resp = client.read_pdu()
            except TimeoutError as exc:
                raise exceptions.ConnectionError("no answer to submit_sm") from exc
            if resp.command == "enquire_link":
                answer = smpp.make_pdu("enquire_link_resp", client=client)
                answer.sequence = resp.sequence
                client.send_pdu(answer)
                continue
            if resp.command not in ("submit_sm_resp", "generic_nack") or resp.sequence not in pending:
                logger.warning("SMS: unexpected %s (sequence %s) ignored", resp.command, resp.sequence)
                continue
            index = pending.pop(resp.sequence)
            if resp.status != consts.SMPP_ESME_ROK:
                refusal = refusal or (int(resp.status), index)
            else:
                raw_id = resp.message_id
                ids[index] = raw_id.decode("ascii", "replace") if isinstance(raw_id, bytes) else str(raw_id)
        if refusal is not None:
            status, index = refusal
            description = consts.DESCRIPTIONS.get(status, "unknown status")
            return SubmitResult(
                id=message.id,
                ok=False,
                temporary=status in SMPP_TEMPORARY,
                error=f"submit_sm part {index + 1}: 0x{status:08X} {description}",
            )
        # One receipt per part comes back; the row keeps the first part's id.
        return SubmitResult(id=message.id, ok=True, carrier_id=ids.get(0, ""))

    @staticmethod
    def _close(client: smpp_client.Client) -> None:
        try:
            if client.state in (consts.SMPP_CLIENT_STATE_BOUND_TX,):
                client.unbind()
        except (exceptions.ConnectionError, exceptions.PDUError, OSError):
            pass
        finally:
            client.disconnect()


class HttpTransport:
    """An HTTP aggregator: ``POST {"to", "from", "text"}`` with ``Authorization: Bearer TOKEN``;
    a 2xx answer with an ``id`` (or ``message_id``) is submitted."""

    def __init__(self, url: str, *, source: str = "") -> None:
        parts = urlsplit(url)
        self.token = unquote(parts.username or "")
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        self.endpoint = f"{parts.scheme}://{netloc}{parts.path or '/'}"
        if parts.query:
            self.endpoint += f"?{parts.query}"
        self.source = source

    def submit_batch(self, messages: list[OutgoingSms]) -> list[SubmitResult]:
        with requests.Session() as http:
            return [self._submit_one(http, message) for message in messages]

    def _submit_one(self, http: requests.Session, message: OutgoingSms) -> SubmitResult:
        body = {"to": message.phone, "from": message.source or self.source, "text": message.text}
        try:
            resp = http.post(
                self.endpoint, json=body, headers={"Authorization": f"Bearer {self.token}"}, timeout=15
            )
        except requests.RequestException as exc:
            return SubmitResult(id=message.id, ok=False, temporary=True, error=f"HTTP: {exc}")
        if 200 <= resp.status_code < 300:
            try:
                data = resp.json()
            except ValueError:
                data = None
            carrier_id = str(data.get("id") or data.get("message_id") or "") if isinstance(data, dict) else ""
            if carrier_id:
                return SubmitResult(id=message.id, ok=True, carrier_id=carrier_id[:64])
            return SubmitResult(id=message.id, ok=False, temporary=True, error="HTTP: answer without an id")
        error = f"HTTP {resp.status_code}: {resp.text[:200]}"
        temporary = resp.status_code == 429 or resp.status_code >= 500
        return SubmitResult(id=message.id, ok=False, temporary=temporary, error=error)


def get_transport() -> Transport:
    """The adapter ``settings.SMS_URL`` names (read at each call: tests and ops change it)."""
    url = settings.SMS_URL
    if not url:
        return LocalTransport()
    scheme = urlsplit(url).scheme
    if scheme in ("smpp", "smpps"):
        return SmppTransport(SmppAccount.from_url(url))
    if scheme in ("https", "http"):
        return HttpTransport(url, source=settings.SMS_SHARED_NUMBER)
    raise ValueError(f"SMS_URL: unknown scheme {scheme!r} (smpp, smpps, https)")
