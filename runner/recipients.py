"""Who a job posts to: chats (by id) and people (direct messages by user id)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pydantic import Field, model_validator

from runner.effects import post_once
from runner.jobs.base import JobContext, KindParams
from runner.pachca.models import Button
from runner.render import split_message


class Recipients(KindParams):
    """``to: {chats: [...], users: [...]}``; at least one of them."""

    chats: list[int] = Field(default_factory=list, description="Chat ids to post to.")
    users: list[int] = Field(
        default_factory=list, description="User ids to send a direct message to."
    )

    @model_validator(mode="after")
    def _not_empty(self) -> Recipients:
        if not self.chats and not self.users:
            raise ValueError("name at least one chat or user, e.g. `to: {chats: [101]}`")
        return self


@dataclass(frozen=True)
class Target:
    """One place a message goes."""

    key: str  # the per-run idempotency target, e.g. "chat:101"
    entity_type: str
    entity_id: int
    label: str


def targets(to: Recipients) -> Iterator[Target]:
    """Every recipient as a posting target, chats first."""
    for chat_id in to.chats:
        yield Target(f"chat:{chat_id}", "discussion", chat_id, f"chat {chat_id}")
    for user_id in to.users:
        yield Target(f"user:{user_id}", "user", user_id, f"user {user_id}")


async def post_everywhere(
    ctx: JobContext,
    to: Recipients,
    text: str,
    *,
    buttons: Sequence[Sequence[Button]] | None = None,
    limit: int = 4000,
) -> None:
    """Post ``text`` to every recipient once per run, split into parts if too long.

    Buttons go under the last part, where a reader ends up.
    """
    parts = split_message(text, limit)
    for target in targets(to):
        for number, part in enumerate(parts, 1):
            last = number == len(parts)
            await post_once(
                ctx,
                target.key if len(parts) == 1 else f"{target.key}#{number}",
                entity_id=target.entity_id,
                entity_type=target.entity_type,
                content=part,
                buttons=buttons if last else None,
                label=target.label,
            )
