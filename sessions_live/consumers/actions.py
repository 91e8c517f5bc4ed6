"""What a session socket's client may do: chat, vote, ask and support questions, open the
moderation console, resume. Each action calls the same service as the REST API (so both send the
same live events) and is answered with ``ack`` or an error frame carrying the client's ``ref``.

``SessionActions`` is a mixin of ``SessionConsumer`` (``BaseConsumer`` dispatches ``handle_<type>``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from hub.errors import PermissionDenied
from hub.limits import ID_MAX
from hub.permissions import forget_roles
from hub.realtime.consumers import clean_ref
from sessions_live import selectors, votebatch
from sessions_live.errors import Invalid
from sessions_live.events import chat_message_data, moderation_group, question_data
from sessions_live.permissions import can_moderate
from sessions_live.services import chat, polls, questions


def _missing(field: str) -> Invalid:
    return Invalid(_("Some fields are missing or invalid."), fields={field: [_("This field is required.")]})


class SessionActions:
    session_id: int | None
    actor: Any
    moderating: bool

    if TYPE_CHECKING:  # provided by SessionConsumer and its other mixins

        async def send_json(self, content: Any, close: bool = False) -> None: ...

        async def join(self, group: str) -> None: ...

        async def catch_up(self, after: int, upto: int) -> None: ...

        @property
        def last_sent(self) -> int: ...

    async def ack(self, content: dict[str, Any], data: dict[str, Any]) -> None:
        await self.send_json({"type": "ack", "ref": clean_ref(content), "data": data})

    def _session(self) -> Any:
        session = selectors.session_get(self.session_id)
        if self.actor is not None:
            forget_roles(self.actor)
        return session

    async def handle_resume(self, content: dict[str, Any]) -> None:
        last_seq = content.get("last_seq")
        if not isinstance(last_seq, int) or isinstance(last_seq, bool) or not 0 <= last_seq <= ID_MAX:
            raise Invalid(
                _("Some fields are missing or invalid."),
                fields={"last_seq": [_("The last sequence number you received (0 or more).")]},
            )
        await self.catch_up(last_seq, self.last_sent)
        await self.ack(content, {"last_seq": self.last_sent})

    def _chat_send(self, content: dict[str, Any]) -> dict[str, Any]:
        if "text" not in content:
            raise _missing("text")
        message, _created = chat.chat_send(
            actor=self.actor,
            session=self._session(),
            text=content["text"],
            idempotency_key=content.get("idempotency_key", ""),
        )
        return {"message": chat_message_data(message)}

    async def handle_chat_send(self, content: dict[str, Any]) -> None:
        await self.ack(content, await database_sync_to_async(self._chat_send)(content))

    async def handle_poll_vote(self, content: dict[str, Any]) -> None:
        # Group commit (sessions_live.votebatch): applied with this process's other votes of the moment.
        for field in ("poll", "options"):
            if field not in content:
                raise _missing(field)
        assert self.session_id is not None
        vote = polls.VoteIn(
            actor=self.actor,
            poll_id=content["poll"],
            option_ids=content["options"],
            idempotency_key=content.get("idempotency_key", ""),
        )
        await self.ack(content, await votebatch.vote_submit(session_id=self.session_id, vote=vote))

    def _question_ask(self, content: dict[str, Any]) -> dict[str, Any]:
        if "text" not in content:
            raise _missing("text")
        question, _created = questions.question_ask(
            actor=self.actor,
            session=self._session(),
            text=content["text"],
            anonymous=content.get("anonymous", False),
            idempotency_key=content.get("idempotency_key", ""),
        )
        return {"question": question_data(question)}

    async def handle_question_ask(self, content: dict[str, Any]) -> None:
        await self.ack(content, await database_sync_to_async(self._question_ask)(content))

    def _question_vote(self, content: dict[str, Any], up: bool) -> dict[str, Any]:
        if "question" not in content:
            raise _missing("question")
        question = questions.question_get(self.session_id, content["question"])  # type: ignore[arg-type]
        service = questions.question_upvote if up else questions.question_unvote
        return {"question": question_data(service(actor=self.actor, question=question))}

    async def handle_question_upvote(self, content: dict[str, Any]) -> None:
        await self.ack(content, await database_sync_to_async(self._question_vote)(content, True))

    async def handle_question_unvote(self, content: dict[str, Any]) -> None:
        await self.ack(content, await database_sync_to_async(self._question_vote)(content, False))

    def _may_moderate(self) -> bool:
        return self.actor is not None and can_moderate(self.actor, self._session())

    async def handle_moderation_subscribe(self, content: dict[str, Any]) -> None:
        if not await database_sync_to_async(self._may_moderate)():
            raise PermissionDenied(_("Only this commune's moderators see the console."), code="forbidden")
        if not self.moderating:
            assert self.session_id is not None
            await self.join(moderation_group(self.session_id))
            self.moderating = True
        await self.ack(content, {"moderation": True})
