"""The text of a run, rendered once per run key and reused by a resumed attempt.

A digest or report is built from data that may change between two attempts of the same
run (an HTTP source answers differently, a chat is renamed). ``post_once`` recognises a
post whose answer was lost by its text, and the parts of a split message are targets of
their own, so a resumed attempt must post exactly the text the first attempt rendered.
The text is kept in the state store before the first post and read back on a retry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from runner import words

if TYPE_CHECKING:
    from runner.kinds.base import JobContext

_NAME = "rendered"


async def render_once(
    ctx: JobContext, render: Callable[[], Awaitable[str | None]]
) -> str | None:
    """The text this run posts: the one an earlier attempt of this run key rendered, if any.

    ``render`` builds it from live data (None: nothing to post). Dry runs always render
    afresh and remember nothing.
    """
    if ctx.dry_run:
        return await render()
    kept = await ctx.state.values.get(ctx.job.name, _NAME)
    if isinstance(kept, dict) and kept.get("key") == ctx.run.key:
        ctx.report.say(words.text("post.reused"))
        return kept.get("text")
    text = await render()
    await ctx.state.values.set(ctx.job.name, _NAME, {"key": ctx.run.key, "text": text})
    return text
