"""``manage.py sms_receive``: keep an SMPP receiver bind to the operator (``settings.SMS_URL``) and
store what comes in (MO messages, delivery receipts). Runs until SIGTERM / SIGINT; one per account
(the compose ``sms`` service)."""

from __future__ import annotations

import signal
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notifications.sms.receiver import Receiver


class Command(BaseCommand):
    help = "Receive SMS and delivery receipts from the SMPP operator account in SMS_URL."

    def handle(self, *args: Any, **options: Any) -> None:
        if urlsplit(settings.SMS_URL).scheme not in ("smpp", "smpps"):
            raise CommandError(
                "SMS_URL is not an smpp:// or smpps:// URL: nothing to receive from "
                "(an HTTP aggregator posts to /api/v1/sms/inbound/ instead)."
            )
        receiver = Receiver()

        def stop(signum: int, frame: Any) -> None:
            receiver.stop(timeout=0)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Receiving SMS from {receiver.account.host}:{receiver.account.port}")
        receiver.run()
