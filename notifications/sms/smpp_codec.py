"""SMPP message bodies: text to ``short_message`` parts and back, and delivery receipt texts.

Pure functions with no Django import, so the SMSC simulator (``tests/smsc_simulator.py``, its own
process) reads and writes messages exactly as our transport does. Encoding goes through
``smpplib.gsm.make_parts`` (GSM-7 unpacked, one septet per octet, data_coding 0; UCS-2 big-endian,
data_coding 8; long texts as parts with a concatenation UDH); decoding handles what operators send
us: data_coding 0 (GSM-7), 1 (IA5/ASCII), 3 (Latin-1) and 8 (UCS-2), with or without a UDH.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from smpplib import consts, gsm  # type: ignore[import-untyped]

from notifications.sms.gsm7 import GSM7_BASIC

ESM_UDHI = 0x40
ESM_DELIVERY_RECEIPT = 0x04
DC_GSM7, DC_IA5, DC_LATIN1, DC_UCS2 = 0x00, 0x01, 0x03, 0x08

_GSM7_EXTENSION_CODES = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}


@dataclass(frozen=True)
class Encoded:
    parts: list[bytes]  # each a short_message (with its UDH when there are several)
    data_coding: int
    esm_class: int


def encode(text: str, *, gsm7: bool) -> Encoded:
    """``text`` as submit_sm parts: GSM-7 when ``gsm7`` (the caller measured it), else UCS-2.
    smpplib falls back to UCS-2 by itself for a character its GSM table lacks."""
    wanted = consts.SMPP_ENCODING_DEFAULT if gsm7 else consts.SMPP_ENCODING_ISO10646
    parts, data_coding, esm_class = gsm.make_parts(text, encoding=wanted)
    return Encoded(parts=list(parts), data_coding=int(data_coding), esm_class=int(esm_class))


def gsm7_decode(data: bytes) -> str:
    """Unpacked GSM 03.38 septets (one per octet, as SMPP carries them) to text."""
    out: list[str] = []
    escape = False
    for octet in data:
        code = octet & 0x7F
        if escape:
            out.append(_GSM7_EXTENSION_CODES.get(code, " "))
            escape = False
        elif code == 0x1B:
            escape = True
        else:
            out.append(GSM7_BASIC[code])
    return "".join(out)


def decode(data: bytes, data_coding: int) -> str:
    """A message body (without UDH) to text, by its data_coding; unknown codings read as Latin-1."""
    coding = data_coding & 0x0F if data_coding & 0xF0 == 0xF0 else data_coding
    if coding == DC_UCS2:
        return data.decode("utf-16-be", errors="replace")
    if coding == DC_GSM7:
        return gsm7_decode(data)
    if coding == DC_IA5:
        return data.decode("ascii", errors="replace")
    return data.decode("latin-1")


@dataclass(frozen=True)
class Concat:
    ref: int
    total: int
    seq: int


def split_udh(short_message: bytes, esm_class: int) -> tuple[Concat | None, bytes]:
    """The concatenation header (8- or 16-bit reference) of a part, if any, and the body after the
    UDH. A body without the UDHI bit is returned whole."""
    if not esm_class & ESM_UDHI or not short_message:
        return None, short_message
    udh_len = short_message[0]
    udh, body = short_message[1 : 1 + udh_len], short_message[1 + udh_len :]
    concat = None
    pos = 0
    while pos + 2 <= len(udh):
        iei, length = udh[pos], udh[pos + 1]
        value = udh[pos + 2 : pos + 2 + length]
        if iei == 0x00 and length == 3:
            concat = Concat(ref=value[0], total=value[1], seq=value[2])
        elif iei == 0x08 and length == 4:
            concat = Concat(ref=(value[0] << 8) | value[1], total=value[2], seq=value[3])
        pos += 2 + length
    return concat, body


_RECEIPT_FIELD = re.compile(r"(id|stat|err|sub|dlvrd|submit date|done date):\s*(\S+)", re.IGNORECASE)
DELIVERED_STATES = {"DELIVRD"}
FINAL_FAILED_STATES = {"UNDELIV", "EXPIRED", "DELETED", "REJECTD", "UNKNOWN"}
# message_state TLV values (SMPP 3.4 §5.2.28): 2 delivered; 3 expired, 4 deleted, 5 undeliverable,
# 7 unknown, 8 rejected.
MESSAGE_STATE_DELIVERED = 2
MESSAGE_STATE_FAILED = {3, 4, 5, 7, 8}


def receipt_fields(text: str) -> dict[str, str]:
    """``id:123 sub:001 dlvrd:001 submit date:... stat:DELIVRD err:000`` as a dict (lower keys)."""
    return {key.lower(): value for key, value in _RECEIPT_FIELD.findall(text)}


def receipt_text(message_id: str, *, stat: str = "DELIVRD", err: str = "000", when: str = "") -> str:
    """The receipt text operators send (SMPP 3.4 appendix B), as our simulator writes it."""
    return (
        f"id:{message_id} sub:001 dlvrd:{'001' if stat == 'DELIVRD' else '000'} "
        f"submit date:{when} done date:{when} stat:{stat} err:{err} text:"
    )
