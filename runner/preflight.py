"""Before a run writes anything: may the token post where the job is set to post?

Each configured recipient (every ``to:`` of the job's fields) is looked up with reads
only: the chat exists and is visible, is not archived, and the token's user is a
member; a person exists and is not deactivated. A problem names the chat as «name» (id) and says
the fix. The same look-up gives the names ``preview`` labels each message with.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from runner.errors import NotFound, PermissionDenied
from runner.recipients import Recipients

if TYPE_CHECKING:
    from runner.pachca.client import PachcaClient

@dataclass(frozen=True)
class TargetCheck:
    """One recipient as the token sees it."""

    entity_type: str  # "discussion" | "user", as POST /messages names them
    entity_id: int
    label: str  # chat «Отдел продаж» (100044) / «Анна Иванова» (10004) / chat 100099
    problem: str | None = None  # what is wrong and how to fix it; None: may post

    @property
    def ok(self) -> bool:
        """Whether the token may post there."""
        return self.problem is None


def configured(params: BaseModel) -> Iterator[Recipients]:
    """Every ``Recipients`` among a job's fields (``to:``, and nested ones)."""
    for name in type(params).model_fields:
        value: Any = getattr(params, name)
        if isinstance(value, Recipients):
            yield value
        elif isinstance(value, BaseModel):
            yield from configured(value)


async def check_recipients(
    client: PachcaClient, recipients: list[Recipients], bot_user_id: int | None
) -> list[TargetCheck]:
    """Check each distinct recipient once, chats first; reads only."""
    chats = list(dict.fromkeys(c for r in recipients for c in r.chats))
    users = list(dict.fromkeys(u for r in recipients for u in r.users))
    checks = [_check_chat(client, c, bot_user_id) for c in chats]
    checks += [_check_user(client, u) for u in users]
    return list(await asyncio.gather(*checks))


async def _check_chat(client: PachcaClient, chat_id: int, me: int | None) -> TargetCheck:
    try:
        chat = await client.get_chat(chat_id)
    except (NotFound, PermissionDenied):
        return TargetCheck("discussion", chat_id, f"chat {chat_id}",
                           f"chat {chat_id} does not exist or the bot cannot see it (a closed"
                           f" chat it is not in): check the id, or add the bot to chat"
                           f" {chat_id}")
    label = f"chat «{chat.name}» ({chat.id})"
    add = f"add the bot to «{chat.name}» ({chat.id})"
    if chat.archived:
        return TargetCheck("discussion", chat_id, label,
                           f"«{chat.name}» ({chat.id}) is archived, nobody may post there:"
                           " unarchive it or take it out of the job's `to`")
    if me is not None and me not in chat.member_ids:
        return TargetCheck("discussion", chat_id, label,
                           f"the bot is not a member of «{chat.name}» ({chat.id}): {add}")
    return TargetCheck("discussion", chat_id, label)


async def _check_user(client: PachcaClient, user_id: int) -> TargetCheck:
    try:
        user = await client.get_user(user_id)
    except (NotFound, PermissionDenied):
        return TargetCheck("user", user_id, f"user {user_id}",
                           f"user {user_id} does not exist: check the id in the job's"
                           " `to.users`")
    label = f"«{user.display_name}» ({user.id})"
    if user.suspended:
        return TargetCheck("user", user_id, label,
                           f"«{user.display_name}» ({user.id}) is deactivated: take them out"
                           " of the job's `to.users`")
    return TargetCheck("user", user_id, label)
