"""What every bot handler shares: the runtime, the button key, and how to answer people.

Handlers never raise for a person's mistake (a forged button, a click from outside the
chat): they answer politely and log a line. Answers are direct messages rendered from
templates, so a refusal is seen only by the person who clicked, not by the whole chat.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from runner import words
from runner.errors import NotFound, PachcaError, PermissionDenied, RunnerError
from runner.render import truncate_message

if TYPE_CHECKING:
    from runner.buttons import ButtonKeys
    from runner.pachca.models import Chat
    from runner.runtime import Runtime

log = logging.getLogger("runner.bot")

MESSAGE_LIMIT = 4000
"""Pachca's practical message length; longer answers are cut, never split."""


@dataclass
class BotContext:
    """The bot's view of a ``Runtime``; one per process, shared by every handler."""

    rt: Runtime
    locks: dict[int, asyncio.Lock] = field(default_factory=dict)

    @property
    def secret(self) -> ButtonKeys:
        """The keys that sign and check button data."""
        return self.rt.button_secret

    def now(self) -> datetime:
        """The runtime's clock (aware)."""
        return self.rt.clock()

    def lock(self, key: int) -> asyncio.Lock:
        """A lock per chat: two clicks on one warning are decided one after the other."""
        return self.locks.setdefault(key, asyncio.Lock())

    def render(self, template: str, **context: Any) -> str:
        """A template rendered for a person, cut to one message."""
        text = self.rt.renderer.render(template, context).strip()
        return truncate_message(text, MESSAGE_LIMIT)

    async def chat(self, chat_id: int) -> Chat | None:
        """The chat, or None if it is gone or the token may not see it."""
        try:
            return await self.rt.client.get_chat(chat_id)
        except (NotFound, PermissionDenied):
            return None

    async def is_member(self, chat: Chat, user_id: int) -> bool:
        """Whether ``user_id`` is a member of ``chat``."""
        if user_id in chat.member_ids:
            return True
        if chat.member_ids:
            return False
        # Some answers leave member_ids out: ask the members list, page by page.
        async for member in self.rt.client.list_members(chat.id):
            if member.id == user_id:
                return True
        return False

    async def edit(self, message_id: int, chat_id: int, content: str) -> None:
        """Replace the message's text and remove its buttons; failures are only logged."""
        try:
            await self.rt.client.update_message(message_id, content=content, buttons=[],
                                                chat_id=chat_id)
        except PachcaError as exc:
            log.error("%s", words.text("bot.not_updated", id=message_id, chat=chat_id, error=exc))

    async def tell(self, user_id: int, template: str, **context: Any) -> None:
        """Send ``user_id`` a direct message from ``template``; failures are only logged.

        An answer that cannot be delivered must not undo a decision already recorded.
        """
        try:
            text = self.render(template, **context)
            await self.rt.client.send_message(user_id, text, entity_type="user")
        except (PachcaError, RunnerError) as exc:
            log.error("%s", words.text("bot.not_answered", user=user_id, template=template, error=exc))


def event_time(timestamp: object, fallback: datetime) -> datetime:
    """The moment an event happened (``webhook_timestamp``, Unix seconds), or ``fallback``."""
    if isinstance(timestamp, int) and not isinstance(timestamp, bool) and timestamp > 0:
        try:
            return datetime.fromtimestamp(timestamp, UTC)
        except (OverflowError, OSError, ValueError):
            return fallback
    return fallback


def one_line(text: str | None, limit: int = 300) -> str:
    """An error as one short line for a chat message (backticks would break the markup),
    in Russian where it is one of the runner's messages, as everything people read in
    Pachca is."""
    said = words.in_language(text, "ru") if text else "unknown error"
    flat = " ".join(said.split()).replace("`", "'")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
