"""What the sweep tests share: a private workspace holding only the chats a test makes,
a catalogue writer, a clock that moves in days, and looks into chats and the state store.

The runner uses the bot's token (as deployed): the test's chats are made as the bot, so it
is their admin and may archive them; set-up (chats, people talking) goes through the
workspace's control API, which has no rate limits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from runner.execute import Outcome
from runner.kinds.sweep.records import ChatState
from runner.kinds.sweep.table import actions_of, chat_state, update_chat
from runner.state import StateStore
from runner.workspace import WorkspaceServer
from tests.harness import Harness

T0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday, 10:00 in Moscow
DAY = 86_400.0
JOB = "sweep-quiet-chats"

# No seeded group chats and no seeded messages: the sweep sees only what a test makes.
EMPTY = {"start_time": T0.isoformat(), "conversations": 0, "channels": 0, "direct_chats": 0,
         "messages": 0, "short_page_rate": 0.0}

SAMPLE: dict[str, Any] = {
    "kind": "sweep",
    "description": "Архивировать заброшенные чаты",
    "schedule": "0 10 * * 1",
    "inactive_days": 90,
    "warn_days": 7,
    "snooze_days": 30,
    "max_fraction": 1.0,
}


@dataclass
class Sweep:
    """One private workspace + one temp folder, and the sweep job written there.

    It keeps one HTTP client open for the control API: a new client per call would
    spend most of a test building TLS contexts.
    """

    ws: WorkspaceServer
    h: Harness
    ctl: httpx.Client

    @classmethod
    def make(cls, ws: WorkspaceServer, tmp: Path) -> Sweep:
        """A Sweep over ``ws`` with its state in ``tmp``; ``close()`` it afterwards."""
        ctl = httpx.Client(base_url=f"{ws.root_url}/_workspace/", timeout=10)
        return cls(ws, Harness(ws, tmp), ctl)

    def close(self) -> None:
        """Close the HTTP client."""
        self.ctl.close()

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the workspace's control API."""
        response = self.ctl.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def mark(self) -> int:
        """The length of the request log now (see ``writes``)."""
        return int(self.control("GET", "requests", params={"since": 1 << 30})["total"])

    # -- the catalogue -----------------------------------------------------------------

    def job(self, **fields: Any) -> None:
        """Write jobs.yaml with the sweep job: SAMPLE updated with ``fields``."""
        body = {**SAMPLE, **fields}
        text = yaml.safe_dump({"timezone": "Europe/Moscow", "jobs": {JOB: body}},
                              allow_unicode=True, sort_keys=False)
        self.h.write_catalogue(text)

    async def run(self, **kwargs: Any) -> Outcome:
        """Run the sweep once as if now on the workspace clock."""
        return await self.h.run(JOB, at=self.now(), **kwargs)

    # -- people, chats and time ---------------------------------------------------------

    @property
    def bot(self) -> int:
        """The bot's user id (the runner's own messages)."""
        return self.ws.store.bot_id

    def mention(self, user_id: int) -> str:
        """A ``<@id>`` mention as Pachca stores it: ``@nickname``."""
        return "@" + self.ws.call(lambda: self.ws.store.users[user_id].nickname)

    def people(self, n: int = 3) -> list[int]:
        """``n`` ordinary users (not the bot, the owner or the limited user)."""
        store = self.ws.store
        skip = {store.bot_id, store.owner_id, store.limited_id}
        return self.ws.call(lambda: sorted(u.id for u in store.users.values()
                                           if u.id not in skip and not u.suspended))[:n]

    def tag(self) -> tuple[int, list[int]]:
        """A group tag with members: (id, user ids)."""
        tags = self.ws.call(lambda: [(t.id, list(t.user_ids)) for t in
                                     self.ws.store.tags.values() if t.user_ids])
        return tags[0]

    def chat(self, name: str, *, members: int = 3, channel: bool = False,
             tags: list[int] | None = None) -> int:
        """Create a group chat owned by the bot, now; returns its id."""
        return self.chats([name], members=members, channel=channel, tags=tags)[0]

    def chats(self, names: list[str], *, members: int = 3, channel: bool = False,
              tags: list[int] | None = None) -> list[int]:
        """Create group chats owned by the bot, now, in one control call; their ids."""
        spec = {"member_ids": self.people(members), "channel": channel,
                "group_tag_ids": tags or []}
        return self._make_chats(self.bot, [{"name": name, **spec} for name in names])

    def chat_of_people(self, name: str) -> int:
        """A group chat two people made with the bot in it: it may post, not archive."""
        maker, other = self.people(2)
        return self._make_chats(maker, [{"name": name, "member_ids": [other, self.bot]}])[0]

    def join(self, chat_id: int, user_id: int) -> None:
        """Someone joins the chat now (added by a member, say)."""
        self.control("POST", f"chats/{chat_id}/members", json={"member_ids": [user_id]})

    def archive_by_hand(self, chat_id: int) -> None:
        """The chat's admin (the bot's token, outside the runner) archives it now."""
        response = httpx.put(f"{self.ws.base_url}/chats/{chat_id}/archive", timeout=10,
                             headers={"Authorization": f"Bearer {self.ws.bot_token}"})
        response.raise_for_status()

    def _make_chats(self, user_id: int, chats: list[dict[str, Any]]) -> list[int]:
        # Set-up goes through the control API: the public one is rate limited, and a
        # test must not depend on how fast this machine sends its set-up requests.
        made = self.control("POST", "chats", json={"user_id": user_id, "chats": chats})
        return [int(chat["id"]) for chat in made["data"]]

    def direct(self, user_id: int | None = None) -> int:
        """A direct chat between a person and the bot (made by the person writing)."""
        person = user_id or self.people(1)[0]
        message = self.control("POST", "messages", json={
            "user_id": person, "to_user_id": self.bot, "content": "Привет!"})
        return int(message["data"]["chat_id"])

    def say(self, chat_id: int, user_id: int | None = None, text: str = "Есть новости?") -> None:
        """Someone (a person by default) writes in the chat now."""
        author = user_id or self.people(1)[0]
        self.control("POST", "messages", json={"user_id": author, "chat_id": chat_id,
                                                 "content": text})

    def advance(self, days: float) -> None:
        """Move the workspace clock forward."""
        self.control("POST", "clock", json={"advance": days * DAY})

    def now(self) -> datetime:
        """The workspace's now."""
        text = self.control("GET", "clock")["now"]
        return datetime.fromisoformat(text)

    # -- looking -------------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[Any]:
        """Messages of a chat, oldest first (the workspace's own records)."""
        store = self.ws.store
        return self.ws.call(lambda: [store.messages[i] for (i,) in store.chat_messages[chat_id]
                                     if i in store.messages])

    def bot_messages(self, chat_id: int) -> list[Any]:
        """What the runner posted in a chat."""
        return [m for m in self.messages(chat_id) if m.user_id == self.bot]

    def archived(self, chat_id: int) -> bool:
        """Whether the chat is archived in the workspace."""
        return bool(self.ws.call(lambda: self.ws.store.chats[chat_id].archived))

    def writes(self, since: int = 0) -> list[tuple[str, str]]:
        """(method, path) of every write since ``since`` (paths without the API prefix)."""
        out = []
        log = self.control("GET", "requests", params={"since": since})["requests"]
        for r in log:
            if r["method"] not in ("POST", "PUT", "PATCH", "DELETE"):
                continue
            path = r["path"].split("/api/shared/v1", 1)[-1]
            out.append((r["method"], path))
        return out

    def archive_puts(self, since: int = 0) -> Counter[int]:
        """PUT /chats/{id}/archive calls per chat."""
        return Counter(int(p.split("/")[2]) for m, p in self.writes(since)
                       if m == "PUT" and p.endswith("/archive"))

    def store(self) -> StateStore:
        """The runner's state store (close it after use)."""
        return StateStore(f"sqlite:///{self.h.tmp / 'state.db'}", replica="probe")

    def button_key(self) -> bytes:
        """The key the runner signs its buttons with (kept in its state store)."""
        store = self.store()
        try:
            return store.button_key()
        finally:
            store.close()

    def chat_state(self, chat_id: int) -> ChatState | None:
        """What the runner remembers about a chat."""
        store = self.store()
        try:
            return chat_state(store, chat_id)
        finally:
            store.close()

    def set_chat_state(self, chat_id: int, **fields: Any) -> None:
        """Write chat state as the bot's button handler would."""
        store = self.store()
        try:
            update_chat(store, chat_id, **fields)
        finally:
            store.close()

    def actions(self, action: str) -> Counter[int]:
        """How many times each chat got ``action``, over every run so far."""
        store = self.store()
        try:
            out: Counter[int] = Counter()
            for run in store.runs(JOB, limit=1000):
                for record in actions_of(store, run.id, action):
                    out[record.chat_id] += 1
            return out
        finally:
            store.close()
