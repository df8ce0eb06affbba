"""The Pachca API calls the runner makes, typed.

Every call goes through ``ApiSession.request`` (limits, retries, errors); the client
holds its session (``ApiCalls``) instead of being one. List calls
are async iterators that fetch one page at a time, so a sweep over 100,000 chats holds
one page in memory, not the workspace.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import aclosing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Unpack

from pydantic import SecretStr

from runner import errors
from runner.concurrency import merge
from runner.pachca import dense, windows
from runner.pachca.calls import api_time
from runner.pachca.http import ApiSession, SessionOptions
from runner.pachca.models import (
    Bot,
    Button,
    Chat,
    Message,
    TokenInfo,
    User,
    WebhookEvent,
)
from runner.pachca.search import SearchCalls
from runner.pachca.threads import ThreadCalls
from runner.pachca.uploads import UploadCalls

Order = Literal["asc", "desc"]
EntityType = Literal["discussion", "thread", "user"]


def _buttons(rows: Sequence[Sequence[Button]] | None) -> list[list[dict[str, str]]] | None:
    if rows is None:
        return None
    return [[b.model_dump(exclude_none=True) for b in row] for row in rows]


class PachcaClient(ThreadCalls, SearchCalls, UploadCalls):
    """A Pachca API client for one token (see ``ApiSession`` for the request path; the
    thread calls are in ``ThreadCalls``, search and tasks in ``SearchCalls``, file
    uploads in ``UploadCalls``)."""

    def __init__(self, base_url: str, token: SecretStr, **options: Unpack[SessionOptions]
                 ) -> None:
        super().__init__(ApiSession(base_url, token, **options))

    # -- chats -------------------------------------------------------------------------

    def list_chats(
        self,
        *,
        sort: Literal["id", "last_message_at"] | None = None,
        order: Order | None = None,
        availability: Literal["is_member", "public"] | None = None,
        archived: bool | None = None,
        personal: bool | None = None,
        last_message_after: datetime | None = None,
        last_message_before: datetime | None = None,
        on_page: Callable[[int], None] | None = None,
        page_size: int = 50,
    ) -> AsyncIterator[Chat]:
        """Chats matching the server-side filters, page by page.

        Both date filters include their bound (Pachca: "no earlier than", "no later than").
        """
        params: dict[str, Any] = {
            "sort": sort,
            "order": order,
            "availability": availability,
            "archived": archived,
            "personal": personal,
            "last_message_at_after": last_message_after and api_time(last_message_after),
            "last_message_at_before": last_message_before and api_time(last_message_before),
        }
        return self._session.paginate("/chats", Chat, params, on_page=on_page, page_size=page_size)

    async def list_chats_by_last_message(
        self,
        *,
        after: datetime | None,
        before: datetime | None,
        parts: int = 4,
        recent: Sequence[timedelta] = (),
        now: datetime | None = None,
        personal: bool | None = None,
        on_page: Callable[[int], None] | None = None,
        until: Callable[[], bool] | None = None,
        split_dense: int = 0,
    ) -> AsyncIterator[Chat]:
        """Chats whose last message is within [after, before] (a None bound is open), read
        as several listings of consecutive time windows at once, in no set order.

        A listing is a chain of round trips (each page needs the previous one's cursor);
        several chains reach the rate limit where one would wait on the network. The
        range is cut into ``parts`` windows of equal width; without ``after``, one
        single-chat page finds the oldest last message to split from. ``recent``: ages
        back from ``before`` (or ``now``, the caller's clock; default the system's) that
        bound narrower windows of the newest chats, read at once with that look-up (see
        ``windows.recent``); the equal ones then cover only what is older.

        ``until``: once it is true, no further page is asked for, and the listing ends
        when the pages under way have come in. They are not cut off: Pachca would still
        serve a request whose connection was dropped, beside the caller's next ones.
        ``split_dense``: a window holding more than a page is read newest first and, past
        its first page, cut into this many slices at once (``dense.read``) rather than
        chained; 0: chained.
        """
        now = now or datetime.now(UTC)
        done = until or (lambda: False)
        newest, end = windows.recent(after, before, recent, now)
        listings = [self._window(w, personal, on_page, done, split_dense) for w in newest]

        async def older() -> AsyncIterator[Chat]:
            start = after
            if start is None:
                probe = self.list_chats(sort="last_message_at", order="asc", personal=personal,
                                        last_message_before=end, page_size=1)
                async with aclosing(probe):  # type: ignore[type-var]
                    first = await anext(probe, None)
                if first is None or done():
                    return
                start = first.last_message_at
            async for chat in merge([self._window(w, personal, on_page, done, split_dense)
                                     for w in windows.split(start, end, parts, now)]):
                yield chat

        async for chat in merge([*listings, older()]):
            yield chat

    async def _window(self, window: windows.Window, personal: bool | None,
                      on_page: Callable[[int], None] | None, done: Callable[[], bool],
                      split: int) -> AsyncIterator[Chat]:
        if split:
            page = dense.newest_first(self._session, personal, on_page)
            listing = dense.read(page, window, slices=split, done=done)
        else:
            listing = self.list_chats(personal=personal, last_message_after=window[0],
                                      last_message_before=window[1], on_page=on_page)
        async with aclosing(listing):  # type: ignore[type-var]
            async for chat in listing:
                yield chat
                if done():  # between pages or within one: no request is under way
                    return

    async def get_chat(self, chat_id: int) -> Chat:
        """One chat by id."""
        return await self._session.get_data(f"/chats/{chat_id}", Chat)

    async def create_chat(
        self,
        name: str,
        *,
        channel: bool = False,
        public: bool = False,
        member_ids: Iterable[int] = (),
        group_tag_ids: Iterable[int] = (),
    ) -> Chat:
        """Create a conversation (or a channel); the token's user becomes its owner."""
        body = {
            "chat": {
                "name": name,
                "channel": channel,
                "public": public,
                "member_ids": list(member_ids),
                "group_tag_ids": list(group_tag_ids),
            }
        }
        response = await self._session.request("POST", "/chats", json=body)
        return self._session.parse(response, Chat, "POST", "/chats")

    async def update_chat(
        self, chat_id: int, *, name: str | None = None, public: bool | None = None
    ) -> Chat:
        """Rename a chat or change whether it is public."""
        fields = {k: v for k, v in {"name": name, "public": public}.items() if v is not None}
        path = f"/chats/{chat_id}"
        response = await self._session.request("PUT", path, json={"chat": fields})
        return self._session.parse(response, Chat, "PUT", path)

    async def archive_chat(self, chat_id: int) -> None:
        """Archive a chat (204)."""
        await self._session.request("PUT", f"/chats/{chat_id}/archive")

    async def unarchive_chat(self, chat_id: int) -> None:
        """Bring a chat back from the archive (204)."""
        await self._session.request("PUT", f"/chats/{chat_id}/unarchive")

    def list_members(
        self,
        chat_id: int,
        *,
        role: Literal["all", "owner", "admin", "editor", "member"] | None = None,
    ) -> AsyncIterator[User]:
        """Members of a chat (optionally only those with ``role``), page by page."""
        return self._session.paginate(f"/chats/{chat_id}/members", User, {"role": role})

    async def add_members(
        self, chat_id: int, member_ids: Iterable[int], *, silent: bool | None = None
    ) -> None:
        """Add users to a chat (204)."""
        body: dict[str, Any] = {"member_ids": list(member_ids)}
        if silent is not None:
            body["silent"] = silent
        await self._session.request("POST", f"/chats/{chat_id}/members", json=body)

    # -- users -------------------------------------------------------------------------

    def list_users(self) -> AsyncIterator[User]:
        """Every user of the workspace, page by page."""
        return self._session.paginate("/users", User)

    async def get_user(self, user_id: int) -> User:
        """One user by id."""
        return await self._session.get_data(f"/users/{user_id}", User)

    async def get_profile(self) -> User:
        """The user the token belongs to (a bot token: the bot)."""
        return await self._session.get_data("/profile", User)

    def list_tag_users(self, tag_id: int) -> AsyncIterator[User]:
        """Members of a group tag, page by page."""
        return self._session.paginate(f"/group_tags/{tag_id}/users", User)

    # -- messages ----------------------------------------------------------------------

    def list_messages(
        self, chat_id: int, *, order: Order = "desc", on_page: Callable[[int], None] | None = None
    ) -> AsyncIterator[Message]:
        """Messages of a chat, newest first by default, page by page.

        Stop iterating as soon as you have gone far enough back: pages are only
        fetched as they are consumed.
        """
        params = {"chat_id": chat_id, "sort": "id", "order": order}
        return self._session.paginate("/messages", Message, params, on_page=on_page)

    async def get_message(self, message_id: int) -> Message:
        """One message by id."""
        return await self._session.get_data(f"/messages/{message_id}", Message)

    async def send_message(
        self,
        entity_id: int,
        content: str,
        *,
        entity_type: EntityType = "discussion",
        buttons: Sequence[Sequence[Button]] | None = None,
        parent_message_id: int | None = None,
        files: Sequence[dict[str, Any]] | None = None,
    ) -> Message:
        """Post a message to a chat, a thread, or a user (direct message); ``files`` are
        uploaded files (``key``, ``name``, ``file_type``, ``size``...) to attach.

        Not retried once it may have reached Pachca: a timeout here can mean the
        message exists, and callers check before posting again.
        """
        message: dict[str, Any] = {
            "entity_type": entity_type,
            "entity_id": entity_id,
            "content": content,
        }
        if buttons:
            message["buttons"] = _buttons(buttons)
        if parent_message_id is not None:
            message["parent_message_id"] = parent_message_id
        if files:
            message["files"] = [dict(f) for f in files]
        response = await self._session.request(
            "POST", "/messages", json={"message": message}, chat_key=(entity_type, entity_id)
        )
        return self._session.parse(response, Message, "POST", "/messages")

    async def update_message(
        self,
        message_id: int,
        *,
        content: str | None = None,
        buttons: Sequence[Sequence[Button]] | None = None,
        chat_id: int | None = None,
    ) -> Message:
        """Edit a message's text or buttons (``buttons=[]`` removes them).

        ``chat_id``, when known, puts the edit under that chat's write limit.
        """
        message: dict[str, Any] = {}
        if content is not None:
            message["content"] = content
        if buttons is not None:
            message["buttons"] = _buttons(buttons)
        path = f"/messages/{message_id}"
        key = ("discussion", chat_id) if chat_id is not None else ("message", message_id)
        response = await self._session.request("PUT", path, json={"message": message}, chat_key=key)
        return self._session.parse(response, Message, "PUT", path)

    async def add_link_previews(
        self, message_id: int, previews: dict[str, dict[str, str]]
    ) -> None:
        """Attach previews (url -> {title, description, image_url}) to a message (unfurl)."""
        await self._session.request(
            "POST",
            f"/messages/{message_id}/link_previews",
            json={"link_previews": previews},
            chat_key=("message", message_id),
        )

    # -- exports -----------------------------------------------------------------------

    async def request_export(
        self,
        start: date,
        end: date,
        webhook_url: str,
        *,
        chat_ids: Sequence[int] | None = None,
        skip_chats_file: bool = False,
    ) -> None:
        """Ask Pachca to prepare a message export; it answers 204 and no export id.

        The id arrives later in the webhook posted to ``webhook_url``.
        """
        body: dict[str, Any] = {
            "start_at": start.isoformat(),
            "end_at": end.isoformat(),
            "webhook_url": webhook_url,
        }
        if chat_ids:
            body["chat_ids"] = list(chat_ids)
        if skip_chats_file:
            body["skip_chats_file"] = True
        await self._session.request("POST", "/chats/exports", json=body)

    async def download_export(self, export_id: int, dest: Path) -> tuple[int, str]:
        """Follow the export's 302 and stream the archive into ``dest``.

        Returns (size in bytes, SHA-256 hex). ``dest`` is written as given: callers
        pass a temporary path and rename it when the download is complete.
        """
        path = f"/chats/exports/{export_id}"
        response = await self._session.request("GET", path, expect=(302,))
        location = response.headers.get("Location")
        if not location:
            raise errors.ApiError(302, "GET", path, "export redirect without a Location")
        digest = hashlib.sha256()
        with dest.open("wb") as out:

            def sink(chunk: bytes) -> None:
                digest.update(chunk)
                out.write(chunk)

            size = await self._session.stream_to(str(self._session.url(path).join(location)), sink)
        return size, digest.hexdigest()

    # -- bots and events ---------------------------------------------------------------

    def knows_token_info(self) -> bool:
        """Whether ``token_info`` answers without waiting (it was answered already)."""
        asked = self._session.memo.get("token_info")
        return asked is not None and asked.done() and not asked.cancelled() \
            and asked.exception() is None

    async def token_info(self) -> TokenInfo:
        """The token's user and scopes (``GET /oauth/token/info``, which needs no scope),
        asked once per session: scopes do not change while the runner runs. Callers that
        ask while the question is under way share its answer; a failed one is asked
        again by the next caller."""
        asked: asyncio.Future[TokenInfo] | None = self._session.memo.get("token_info")
        if asked is None or (asked.done() and (asked.cancelled() or asked.exception())):
            asked = self._session.memo["token_info"] = asyncio.ensure_future(
                self._session.get_data("/oauth/token/info", TokenInfo))
            # Whoever awaits it gets its failure; asked by no one any more (a run skipped,
            # the client closing under it), it is not reported as never retrieved.
            asked.add_done_callback(lambda done: done.cancelled() or done.exception())
        # Shielded: one caller cancelled (its run timed out) leaves the answer to the others.
        return await asyncio.shield(asked)

    async def set_own_webhook(self, outgoing_url: str) -> Bot:
        """Point the calling bot's own outgoing webhook at ``outgoing_url`` (bot token)."""
        response = await self._session.request(
            "PUT", "/bot/webhook", json={"webhook": {"outgoing_url": outgoing_url}}
        )
        return self._session.parse(response, Bot, "PUT", "/bot/webhook")

    async def get_bot(self, bot_id: int) -> Bot:
        """A bot's settings (its id is its user id)."""
        return await self._session.get_data(f"/bots/{bot_id}", Bot)

    async def update_bot_webhook(self, bot_id: int, outgoing_url: str) -> Bot:
        """Point a bot's outgoing webhook at ``outgoing_url``."""
        path = f"/bots/{bot_id}"
        response = await self._session.request(
            "PUT", path, json={"webhook": {"outgoing_url": outgoing_url}}
        )
        return self._session.parse(response, Bot, "PUT", path)

    def list_events(self) -> AsyncIterator[WebhookEvent]:
        """The bot's event history, page by page, in Pachca's order (newest first)."""
        return self._session.paginate("/webhooks/events", WebhookEvent)

    async def delete_event(self, event_id: str) -> None:
        """Remove a handled event from the history, so it is not handled twice."""
        await self._session.request("DELETE", f"/webhooks/events/{event_id}")
