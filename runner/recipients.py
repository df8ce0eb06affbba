"""Who a job posts to: chats (by id) and people (direct messages by user id)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import Field, model_validator

from runner import words
from runner.catalogue.fields import Id, KindParams, ru
from runner.concurrency import for_each
from runner.effects import post_once
from runner.errors import (
    JobError,
    NotFound,
    PachcaError,
    PermissionDenied,
    RunnerError,
    Unreachable,
    ValidationFailed,
)
from runner.kinds.base import JobContext
from runner.pachca.models import Button
from runner.render import split_message


class Recipients(KindParams):
    """``to: {chats: [...], users: [...]}``; at least one of them."""

    chats: list[Id] = Field(
        default_factory=list, description="Chat ids to post to.", examples=[[101, 102]],
        json_schema_extra=ru("id чатов, куда писать."),
    )
    users: list[Id] = Field(
        default_factory=list, description="User ids to send a direct message to.",
        examples=[[5]], json_schema_extra=ru("id пользователей, которым писать в личку."),
    )

    @model_validator(mode="after")
    def _not_empty(self) -> Recipients:
        if not self.chats and not self.users:
            raise ValueError(words.text("recipients.empty"))
        return self


FAN_OUT = 16
"""Posts in flight at once: enough to hide round trips, far below the connection pool."""
RECORDS_AHEAD = 2
"""Recipients served at once, in ``FAN_OUT``s: a post's records before and after its
request take a turn of the state store's threads each, and a recipient waiting for
them holds no connection, so that the requests keep ``FAN_OUT`` connections busy."""


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
        yield Target(f"chat:{chat_id}", "discussion", chat_id, words.text("post.chat", id=chat_id))
    for user_id in to.users:
        yield Target(f"user:{user_id}", "user", user_id, words.text("post.user", id=user_id))


async def post_everywhere(
    ctx: JobContext,
    to: Recipients,
    text: str,
    *,
    buttons: Sequence[Sequence[Button]] | None = None,
    limit: int = 4000,
    attach: Callable[[Target], Awaitable[list[dict[str, Any]]]] | None = None,
    file_names: Sequence[str] = (),
) -> None:
    """Post ``text`` to every recipient once per run, split into parts if too long.

    Buttons and files (``attach(target)`` uploads them for that recipient and gives the
    ``files`` items) go with the last part, where a reader ends up. Up to ``FAN_OUT``
    posts are in flight at once (``RECORDS_AHEAD`` times as many recipients served,
    their records overlapping the requests); the parts of one message go out in order. A recipient
    that refuses (the bot may not post there, the chat is gone) does not stop the others:
    the run posts everywhere it can, names each one it could not, and fails (JobError), so
    that a rerun of the fire posts only what is left.
    """
    parts = split_message(text, limit)
    if not parts:  # Pachca refuses an empty message; a template may leave nothing to say
        ctx.report.say(words.text("post.empty"))
        return
    unique = {target.key: target for target in targets(to)}  # one chat named twice: one post
    refused: list[tuple[Target, RunnerError]] = []
    done = 0
    label = words.text("progress.post")
    sending = asyncio.Semaphore(FAN_OUT)

    async def deliver(target: Target) -> None:
        nonlocal done
        try:
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
                    files=(lambda: attach(target)) if attach is not None and last else None,
                    file_names=file_names if last else (),
                    sending=sending,
                )
        except PER_TARGET_ERRORS as exc:
            refused.append((target, exc))
        done += 1
        ctx.progress(label, done, len(unique))

    # Message writes are limited per chat, so a fan-out to many chats waits on round
    # trips, not on limits: overlap them. A dry run waits on nothing and keeps the order.
    await for_each(unique.values(), deliver,
                   limit=1 if ctx.dry_run else FAN_OUT * RECORDS_AHEAD)
    if refused:
        await report_refused(ctx, refused, len(unique))


PER_TARGET_ERRORS = (NotFound, PermissionDenied, ValidationFailed, Unreachable)
"""Refusals that concern one recipient (``Unreachable``: known before the run, not
asked); anything else (401, 429, 5xx, transport) stops the run, since the next
recipient would meet it too."""


async def report_refused(
    ctx: JobContext, refused: Sequence[tuple[Target, RunnerError]], total: int
) -> None:
    """Say which recipients refused and why, then fail the run (JobError)."""
    named = []
    for target, exc in sorted(refused, key=lambda item: item[0].key):
        name = await describe(ctx, target)
        named.append(name)
        ctx.report.count("not_posted")
        ctx.report.say(words.text("post.failed", name=name, error=exc))
    raise JobError(words.text(
        "post.refused", n=len(refused), total=total, names=", ".join(named[:3]),
        others=words.text("post.others") if len(named) > 3 else "", error=refused[0][1],
        how=words.text("post.rerun_how", job=ctx.job.name, id=ctx.run.run_id)))


async def describe(ctx: JobContext, target: Target) -> str:
    """``chat «name» (id)`` or ``«First Last» (id)``, as far as the bot may see (the run's
    recipient check has usually looked them up already)."""
    known = ctx.labels.get((target.entity_type, target.entity_id))
    if known:
        return known
    try:
        if target.entity_type == "user":
            user = await ctx.client.get_user(target.entity_id)
            return f"«{user.display_name}» ({target.entity_id})"
        chat = await ctx.client.get_chat(target.entity_id)
        return words.text("post.chat_named", name=chat.name, id=target.entity_id)
    except PachcaError:
        return words.text("post.unseen", label=target.label)
