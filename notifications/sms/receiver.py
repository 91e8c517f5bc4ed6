"""The operator's side of SMS coming to us: a long-lived SMPP bind that takes MO messages and
delivery receipts (``manage.py sms_receive``, or a thread of the dev server and tests).

It binds as receiver to ``settings.SMS_URL``, answers and sends ``enquire_link`` to keep the link
alive (and reconnects when an answer stops coming), and reconnects with backoff (1 s doubling to
60 s) when the SMSC goes away. For each ``deliver_sm``:
- esm_class with the receipt bit (0x04): a delivery receipt, read from the ``receipted_message_id``
  / ``message_state`` TLVs or else the ``id:… stat:…`` text → ``sending.receipt_record``;
- otherwise an MO message, decoded by data_coding (GSM-7, IA5, Latin-1, UCS-2; ``message_payload``
  for a long one) → ``inbound.inbound_record``. Parts of a concatenated message (UDH) are held in
  memory until the last arrives, then the whole text is recorded once.

``deliver_sm_resp`` is sent only after the row is stored: if we crash before, the SMSC delivers
again and ``inbound_record``'s dedup key makes that harmless. If storing fails, we answer
ESME_RX_T_APPN (temporary) so the SMSC tries again later. The one exception: a part of a
concatenated message is acknowledged when it is held (the SMSC would not send the next part
otherwise); a crash while parts are held loses that message.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from smpplib import consts, exceptions, smpp  # type: ignore[import-untyped]

from notifications.sms import smpp_codec
from notifications.sms.transport import SmppAccount

logger = logging.getLogger(__name__)

READ_TIMEOUT = 1.0  # how often the loop looks at stop() and the keepalive clock
ENQUIRE_INTERVAL = 30.0
DEAD_AFTER = 3 * ENQUIRE_INTERVAL  # nothing heard for this long: the link is dead, reconnect
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 60.0
PARTS_KEPT_SECONDS = 3600


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else (value or "")


def _phone(address: str, ton: int | None) -> str:
    """An MSISDN as the SMSC gives it: international (TON 1) numbers get their ``+``."""
    address = address.strip()
    if ton == 1 and address and not address.startswith("+"):
        return "+" + address
    return address


@dataclass
class _Parts:
    total: int
    texts: dict[int, str] = field(default_factory=dict)
    first_seen: float = field(default_factory=time.monotonic)


class Receiver:
    """One SMPP receiver bind kept up until ``stop()``. ``start()`` runs it in a daemon thread;
    ``run()`` runs it in the caller's thread (the management command)."""

    def __init__(self, url: str | None = None, *, enquire_interval: float = ENQUIRE_INTERVAL) -> None:
        self.account = SmppAccount.from_url(url or settings.SMS_URL)
        self.enquire_interval = enquire_interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._parts: dict[tuple[str, int], _Parts] = {}
        self.bound = threading.Event()  # set while bound (tests wait on it)
        self.binds = 0  # how many times it bound (tests see a reconnection)

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="sms-receiver", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        delay = BACKOFF_FIRST
        while not self._stop.is_set():
            try:
                self._session()
                delay = BACKOFF_FIRST
            except (exceptions.ConnectionError, exceptions.PDUError, OSError) as exc:
                logger.warning("SMS receiver: link lost (%s); again in %.0f s", exc, delay)
                self._stop.wait(delay)
                delay = min(delay * 2, BACKOFF_MAX)
            finally:
                self.bound.clear()
                close_old_connections()

    # --- one bind --------------------------------------------------------------------------
    def _session(self) -> None:
        client = self.account.client(timeout=READ_TIMEOUT)
        try:
            client.connect()
            client.bind_receiver(**self.account.bind_args())
            self.binds += 1
            self.bound.set()
            logger.info("SMS receiver: bound to %s:%s", self.account.host, self.account.port)
            last_heard = last_enquired = time.monotonic()
            while not self._stop.is_set():
                try:
                    pdu = client.read_pdu()
                except TimeoutError:
                    now = time.monotonic()
                    if now - last_heard > max(DEAD_AFTER, 3 * self.enquire_interval):
                        raise exceptions.ConnectionError("no answer to enquire_link") from None
                    if now - last_enquired >= self.enquire_interval:
                        client.send_pdu(smpp.make_pdu("enquire_link", client=client))
                        last_enquired = now
                    continue
                last_heard = time.monotonic()
                if not self._dispatch(client, pdu):
                    return
            with contextlib.suppress(exceptions.ConnectionError, exceptions.PDUError, OSError):
                client.unbind()
        finally:
            client.disconnect()

    def _dispatch(self, client: Any, pdu: Any) -> bool:
        if pdu.command == "deliver_sm":
            status = self._deliver(pdu)
            self._answer(client, pdu, "deliver_sm_resp", status)
        elif pdu.command == "enquire_link":
            self._answer(client, pdu, "enquire_link_resp")
        elif pdu.command == "unbind":
            self._answer(client, pdu, "unbind_resp")
            raise exceptions.ConnectionError("the SMSC unbound")
        elif pdu.command == "alert_notification" or pdu.command.endswith("_resp"):
            pass
        else:
            self._answer(client, pdu, "generic_nack", consts.SMPP_ESME_RINVCMDID)
        return True

    @staticmethod
    def _answer(client: Any, request: Any, command: str, status: int = consts.SMPP_ESME_ROK) -> None:
        answer = smpp.make_pdu(command, client=client, status=status)
        answer.sequence = request.sequence
        client.send_pdu(answer)

    # --- what a deliver_sm carries ---------------------------------------------------------
    def _deliver(self, pdu: Any) -> int:
        try:
            close_old_connections()
            if (pdu.esm_class or 0) & smpp_codec.ESM_DELIVERY_RECEIPT:
                self._receipt(pdu)
            else:
                self._mo(pdu)
        except Exception:
            logger.exception("SMS receiver: could not store a deliver_sm; the SMSC will resend it")
            return int(consts.SMPP_ESME_RX_T_APPN)
        return int(consts.SMPP_ESME_ROK)

    def _receipt(self, pdu: Any) -> None:
        from notifications.sms.sending import receipt_record

        raw = _text(pdu.short_message or pdu.message_payload)
        fields = smpp_codec.receipt_fields(raw)
        carrier_id = _text(pdu.receipted_message_id).strip("\x00") or fields.get("id", "")
        state = pdu.message_state
        if state is not None:
            delivered = state == smpp_codec.MESSAGE_STATE_DELIVERED
            final = delivered or state in smpp_codec.MESSAGE_STATE_FAILED
        else:
            stat = fields.get("stat", "").upper()
            delivered = stat in smpp_codec.DELIVERED_STATES
            final = delivered or stat in smpp_codec.FINAL_FAILED_STATES
        if not final:  # ENROUTE, ACCEPTD: an intermediate notice, nothing to record yet
            logger.info("SMS receipt for %s not final: %s", carrier_id, raw[:200])
            return
        receipt_record(carrier_id=carrier_id, delivered=delivered, raw=raw)

    def _mo(self, pdu: Any) -> None:
        from notifications.sms.inbound import inbound_record

        body = pdu.message_payload if pdu.message_payload else (pdu.short_message or b"")
        concat, body = smpp_codec.split_udh(body, pdu.esm_class or 0)
        text = smpp_codec.decode(body, pdu.data_coding or 0)
        phone = _phone(_text(pdu.source_addr), pdu.source_addr_ton)
        destination = _phone(_text(pdu.destination_addr), pdu.dest_addr_ton)
        if concat is not None and concat.total > 1:
            whole = self._hold_part(phone, concat, text)
            if whole is None:
                return
            text = whole
        inbound_record(phone_raw=phone, destination=destination, text=text, carrier_ref="")

    def _hold_part(self, phone: str, concat: smpp_codec.Concat, text: str) -> str | None:
        """The whole text once every part of (phone, ref) has come, else None (part kept)."""
        now = time.monotonic()
        for key in [k for k, v in self._parts.items() if now - v.first_seen > PARTS_KEPT_SECONDS]:
            logger.warning("SMS receiver: incomplete concatenated message from %s dropped", key[0])
            del self._parts[key]
        held = self._parts.setdefault((phone, concat.ref), _Parts(total=concat.total))
        held.texts[concat.seq] = text
        if len(held.texts) < held.total:
            return None
        del self._parts[(phone, concat.ref)]
        return "".join(held.texts[k] for k in sorted(held.texts))
