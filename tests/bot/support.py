"""What the bot tests share: clicks injected into the workspace's event history, the
bot's direct messages as people see them, and one ``bot poll --once`` pass."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runner import app
from runner.bot.polling import PollResult
from tests.jobs.sweep_support import Sweep


@dataclass
class Bot:
    """A sweep world (``tests.jobs.sweep_support.Sweep``) seen from the bot's side."""

    sw: Sweep

    def click(self, data: str, *, message_id: int, chat_id: int, user_id: int,
              trigger_id: str | None = None) -> str:
        """Someone presses a button: a ``button``/``click`` event lands in the history.

        The same ``trigger_id`` again is Pachca delivering one press a second time.
        """
        payload = {"type": "button", "event": "click", "data": data, "message_id": message_id,
                   "chat_id": chat_id, "user_id": user_id}
        if trigger_id is not None:
            payload["trigger_id"] = trigger_id
        return str(self.sw.control("POST", "events", json={"payload": payload})["id"])

    def subscribe(self, *events: str, **settings: Any) -> dict[str, Any]:
        """An admin ticks ``events`` (and sets ``settings``) in the bot's settings: Pachca
        delivers only the events a bot is subscribed to."""
        current = self.sw.control("GET", "bot")["data"]["events"]
        wanted = {"events": [*current, *(e for e in events if e not in current)], **settings}
        return dict(self.sw.control("POST", "bot", json=wanted)["data"])

    def pending(self) -> list[str]:
        """Ids of the events still in the bot's history."""
        store = self.sw.ws.store
        return self.sw.ws.call(lambda: list(store.event_ids))

    def dms(self, user_id: int) -> list[str]:
        """Texts of the bot's direct messages to ``user_id``, oldest first."""
        store, bot = self.sw.ws.store, self.sw.bot
        return self.sw.ws.call(lambda: [
            m.content for m in sorted(store.messages.values(), key=lambda m: m.id)
            if m.user_id == bot and m.entity_type == "user" and m.entity_id == user_id])

    def message(self, message_id: int) -> Any:
        """A message as the workspace holds it."""
        return self.sw.ws.call(lambda: self.sw.ws.store.messages[message_id])

    async def poll(self, **settings: Any) -> PollResult:
        """``pachca-runner bot poll --once``."""
        h = self.sw.h
        return await app.poll_command(h.settings(**settings), h.catalogue(), once=True)

    def outsider(self, chat_id: int) -> int:
        """A person who is not a member of the chat but can press its buttons: the chat is
        made open (every employee sees an open chat; a closed one's messages, buttons
        included, are shown to its members only, so Pachca has no click from outside)."""
        chat = self.sw.ws.store.chats[chat_id]

        def opened() -> set[int]:
            chat.public = True
            return set(chat.member_ids)

        members = self.sw.ws.call(opened)
        return next(p for p in self.sw.people(20) if p not in members)
