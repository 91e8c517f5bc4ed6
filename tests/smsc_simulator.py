"""An SMSC for tests: a real SMPP 3.4 server over TCP (smpplib PDUs), with an HTTP control port.

Run it as its own process: ``python tests/smsc_simulator.py --port P --control-port C
[--system-id ID --password PW --dlr-delay S]``. It accepts bind_transmitter / bind_receiver /
bind_transceiver (a wrong system_id or password is answered ESME_RINVPASWD), enquire_link, unbind
and submit_sm (answered with a message id; the message is kept, and when it asked for a receipt a
``deliver_sm`` with esm_class 0x04 and ``id:… stat:DELIVRD`` goes to a bound receiver of the same
system_id after ``--dlr-delay`` seconds). Like a real SMSC it stores what it must deliver until a
receiver is bound and delivers again what was not acknowledged (connection lost, or a
deliver_sm_resp with an error status).

Control port (JSON):
- ``POST /mo {"from", "to", "text", "repeat": n, "split": false}``: an MO message, n times (carriers
  resend); in ``message_payload`` when over 254 octets, or as UDH parts with ``split``;
- ``POST /dlr {"id", "stat"}``: a receipt of one's choosing (e.g. ``UNDELIV``);
- ``GET /mt``: the submitted messages (decoded text, parts joined); ``GET /acks``: deliver_sm_resp
  statuses; ``GET /health``;
- ``POST /fail {"count", "status"}``: refuse the next ``count`` submit_sm with ``status``;
- ``POST /reset``: forget messages, failures and pending deliveries.
"""

from __future__ import annotations

import argparse
import itertools
import json
import socket
import socketserver
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from smpplib import consts, smpp  # type: ignore[import-untyped]

from notifications.sms import smpp_codec


class Sequence:
    """What smpplib's PDU classes ask of a "client": a sequence counter."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self.sequence = 0

    def next_sequence(self) -> int:
        self.sequence = next(self._counter)
        return self.sequence


def _str(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else (value or "")


class Session:
    def __init__(self, smsc: SMSC, sock: socket.socket) -> None:
        self.smsc, self.sock = smsc, sock
        self.system_id = ""
        self.mode = ""  # transmitter, receiver, transceiver
        self.write_lock = threading.Lock()
        self.in_flight: dict[int, dict[str, Any]] = {}  # sequence → delivery awaiting its resp

    @property
    def receives(self) -> bool:
        return self.mode in ("receiver", "transceiver")

    def send(self, pdu: Any) -> None:
        with self.write_lock:
            self.sock.sendall(pdu.generate())

    def answer(self, request: Any, command: str, status: int = consts.SMPP_ESME_ROK, **fields: Any) -> None:
        pdu = smpp.make_pdu(command, client=self.smsc.seq, status=status, **fields)
        pdu.sequence = request.sequence
        self.send(pdu)

    def read_pdu(self) -> Any:
        head = self._recv(4)
        (length,) = struct.unpack(">L", head)
        raw = head + self._recv(length - 4)
        return smpp.parse_pdu(raw, client=self.smsc.seq, allow_unknown_opt_params=True)

    def _recv(self, size: int) -> bytes:
        chunks = b""
        while len(chunks) < size:
            chunk = self.sock.recv(size - len(chunks))
            if not chunk:
                raise ConnectionError("closed")
            chunks += chunk
        return chunks


class SMSC:
    def __init__(self, system_id: str, password: str, dlr_delay: float) -> None:
        self.system_id, self.password, self.dlr_delay = system_id, password, dlr_delay
        self.seq = Sequence()
        self.lock = threading.RLock()
        self.sessions: list[Session] = []
        self.mt: list[dict[str, Any]] = []
        self.acks: list[dict[str, Any]] = []
        self.outbox: list[dict[str, Any]] = []  # deliveries waiting for a receiver
        self.fail_count, self.fail_status = 0, consts.SMPP_ESME_RSYSERR
        self.message_ids = itertools.count(1000)

    # --- SMPP side -------------------------------------------------------------------------
    def serve(self, session: Session) -> None:
        with self.lock:
            self.sessions.append(session)
        try:
            while True:
                pdu = session.read_pdu()
                if not self.handle(session, pdu):
                    break
        except (ConnectionError, OSError, struct.error):
            pass
        finally:
            with self.lock:
                self.sessions.remove(session)
                self.outbox.extend(session.in_flight.values())  # never acknowledged: deliver again
                session.in_flight.clear()
            session.sock.close()

    def handle(self, session: Session, pdu: Any) -> bool:
        command = pdu.command
        if command in ("bind_transmitter", "bind_receiver", "bind_transceiver"):
            ok = _str(pdu.system_id) == self.system_id and _str(pdu.password) == self.password
            status = consts.SMPP_ESME_ROK if ok else consts.SMPP_ESME_RINVPASWD
            session.answer(pdu, f"{command}_resp", status=status, system_id="SIMSMSC")
            if ok:
                session.system_id, session.mode = self.system_id, command.removeprefix("bind_")
                self.flush()
            return ok
        if command == "enquire_link":
            session.answer(pdu, "enquire_link_resp")
        elif command == "unbind":
            session.answer(pdu, "unbind_resp")
            return False
        elif command == "submit_sm":
            self.submitted(session, pdu)
        elif command == "deliver_sm_resp":
            with self.lock:
                delivery = session.in_flight.pop(pdu.sequence, None)
                self.acks.append({"sequence": pdu.sequence, "status": pdu.status})
                if delivery is not None and pdu.status != consts.SMPP_ESME_ROK:
                    self.outbox.append(delivery)
            if delivery is not None and pdu.status != consts.SMPP_ESME_ROK:
                threading.Timer(0.5, self.flush).start()
        elif command in ("enquire_link_resp", "generic_nack"):
            pass
        else:
            session.answer(pdu, "generic_nack", status=consts.SMPP_ESME_RINVCMDID)
        return True

    def submitted(self, session: Session, pdu: Any) -> None:
        if session.mode not in ("transmitter", "transceiver"):
            session.answer(pdu, "submit_sm_resp", status=consts.SMPP_ESME_RINVBNDSTS)
            return
        with self.lock:
            if self.fail_count > 0:
                self.fail_count -= 1
                session.answer(pdu, "submit_sm_resp", status=self.fail_status)
                return
            message_id = str(next(self.message_ids))
            concat, body = smpp_codec.split_udh(pdu.short_message or b"", pdu.esm_class or 0)
            self.mt.append(
                {
                    "id": message_id,
                    "from": _str(pdu.source_addr),
                    "to": _str(pdu.destination_addr),
                    "data_coding": pdu.data_coding or 0,
                    "esm_class": pdu.esm_class or 0,
                    "concat": [concat.ref, concat.total, concat.seq] if concat else None,
                    "body_hex": body.hex(),
                    "text": smpp_codec.decode(body, pdu.data_coding or 0),
                }
            )
        session.answer(pdu, "submit_sm_resp", message_id=message_id)
        if (pdu.registered_delivery or 0) & 0x01:
            receipt = {"kind": "dlr", "id": message_id, "stat": "DELIVRD", "to": _str(pdu.source_addr)}
            receipt["from"] = _str(pdu.destination_addr)
            threading.Timer(self.dlr_delay, self.enqueue, args=([receipt],)).start()

    def enqueue(self, deliveries: list[dict[str, Any]]) -> None:
        with self.lock:
            self.outbox.extend(deliveries)
        self.flush()

    def flush(self) -> None:
        """Send what waits to a bound receiver (one at a time through each session's lock)."""
        with self.lock:
            receivers = [s for s in self.sessions if s.receives]
            if not receivers:
                return
            pending, self.outbox = self.outbox, []
            session = receivers[0]
            for delivery in pending:
                pdu = self.deliver_pdu(delivery)
                session.in_flight[pdu.sequence] = delivery
                try:
                    session.send(pdu)
                except OSError:
                    break  # the session's reader puts in_flight back in the outbox

    def deliver_pdu(self, delivery: dict[str, Any]) -> Any:
        fields: dict[str, Any] = {
            "source_addr_ton": 1,
            "source_addr_npi": 1,
            "source_addr": delivery.get("from", "").lstrip("+"),
            "dest_addr_ton": 0,
            "dest_addr_npi": 1,
            "destination_addr": delivery.get("to", "").lstrip("+"),
        }
        if delivery["kind"] == "dlr":
            text = smpp_codec.receipt_text(
                delivery["id"], stat=delivery["stat"], when=time.strftime("%y%m%d%H%M")
            )
            state = smpp_codec.MESSAGE_STATE_DELIVERED if delivery["stat"] == "DELIVRD" else 5
            fields.update(
                esm_class=smpp_codec.ESM_DELIVERY_RECEIPT,
                data_coding=0,
                short_message=text.encode("ascii"),
                receipted_message_id=delivery["id"],
                message_state=state,
            )
        else:
            fields.update(esm_class=delivery["esm_class"], data_coding=delivery["data_coding"])
            body = bytes.fromhex(delivery["body_hex"])
            if len(body) > 254:
                fields["message_payload"] = body
            else:
                fields["short_message"] = body
        return smpp.make_pdu("deliver_sm", client=self.seq, **fields)

    def mo(self, sender: str, to: str, text: str, repeat: int, split: bool) -> int:
        gsm7 = all(ch in smpp_codec.GSM7_BASIC for ch in text)
        if split:
            encoded = smpp_codec.encode(text, gsm7=gsm7)
            bodies, data_coding, esm_class = encoded.parts, encoded.data_coding, encoded.esm_class
        else:
            bodies = [text.encode("utf-16-be") if not gsm7 else _gsm_plain(text)]
            data_coding, esm_class = (0 if gsm7 else 8), 0
        deliveries = [
            {
                "kind": "mo",
                "from": sender,
                "to": to,
                "body_hex": body.hex(),
                "data_coding": data_coding,
                "esm_class": esm_class,
            }
            for _ in range(max(1, repeat))
            for body in bodies
        ]
        self.enqueue(deliveries)
        return len(deliveries)

    # --- control side ----------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        with self.lock:
            return {
                "sessions": [{"system_id": s.system_id, "mode": s.mode} for s in self.sessions],
                "outbox": len(self.outbox),
            }

    def joined_mt(self) -> list[dict[str, Any]]:
        """Submitted messages with their parts joined (in part order), each with its parts' ids."""
        messages: list[dict[str, Any]] = []
        groups: dict[tuple[str, int], dict[str, Any]] = {}
        with self.lock:
            for part in self.mt:
                if part["concat"] is None:
                    messages.append({**part, "ids": [part["id"]], "parts": 1})
                    continue
                ref, total, seq = part["concat"]
                key = (part["to"], ref)
                if key not in groups:
                    groups[key] = {**part, "ids": [], "parts": total, "texts": {}}
                    messages.append(groups[key])
                groups[key]["ids"].append(part["id"])
                groups[key]["texts"][seq] = part["text"]
        for message in messages:
            texts = message.pop("texts", None)
            if texts is not None:
                message["text"] = "".join(texts[k] for k in sorted(texts))
        return messages

    def reset(self) -> None:
        with self.lock:
            self.mt.clear()
            self.acks.clear()
            self.outbox.clear()
            self.fail_count = 0


def _gsm_plain(text: str) -> bytes:
    """Basic-table GSM-7 characters only (MO texts of tests), one septet per octet."""
    return bytes(smpp_codec.GSM7_BASIC.index(ch) for ch in text)


def control_handler(smsc: SMSC) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def reply(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/mt":
                self.reply(200, smsc.joined_mt())
            elif self.path == "/mt/parts":
                with smsc.lock:
                    self.reply(200, list(smsc.mt))
            elif self.path == "/acks":
                with smsc.lock:
                    self.reply(200, list(smsc.acks))
            elif self.path == "/health":
                self.reply(200, smsc.state())
            else:
                self.reply(404, {"error": "not found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self.reply(400, {"error": "bad json"})
                return
            if self.path == "/mo":
                count = smsc.mo(
                    body["from"],
                    body["to"],
                    body["text"],
                    int(body.get("repeat", 1)),
                    bool(body.get("split")),
                )
                self.reply(200, {"queued": count})
            elif self.path == "/dlr":
                smsc.enqueue([{"kind": "dlr", "id": str(body["id"]), "stat": body.get("stat", "DELIVRD")}])
                self.reply(200, {"queued": 1})
            elif self.path == "/fail":
                with smsc.lock:
                    smsc.fail_count = int(body.get("count", 1))
                    smsc.fail_status = int(body.get("status", consts.SMPP_ESME_RSYSERR))
                self.reply(200, {"fail_count": smsc.fail_count})
            elif self.path == "/reset":
                smsc.reset()
                self.reply(200, {"reset": True})
            else:
                self.reply(404, {"error": "not found"})

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--control-port", type=int, required=True)
    parser.add_argument("--system-id", default="communes")
    parser.add_argument("--password", default="secret")
    parser.add_argument("--dlr-delay", type=float, default=0.5)
    args = parser.parse_args()
    smsc = SMSC(args.system_id, args.password, args.dlr_delay)

    class SmppHandler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            smsc.serve(Session(smsc, self.request))

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.daemon_threads = True
    smpp_server = socketserver.ThreadingTCPServer((args.host, args.port), SmppHandler)
    control = ThreadingHTTPServer((args.host, args.control_port), control_handler(smsc))
    control.daemon_threads = True
    threading.Thread(target=smpp_server.serve_forever, daemon=True).start()
    print(f"smsc listening on {args.port}, control on {args.control_port}", flush=True)
    control.serve_forever()


if __name__ == "__main__":
    main()
