"""The sweep's story in the demo: warning with buttons → a click → a week later.

The first pass of the demo already ran the sweep, which warned the quiet chats. Here
a member of one warned chat presses «Оставить чат» (an event injected into the bot's
history, handled the way `pachca-runner bot poll` handles it), then the workspace's
clock moves past the warning period and the sweep runs again: the kept chat stays,
the others are archived.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from runner import words
from runner.state import StateStore

if TYPE_CHECKING:
    from runner.demo import Demo


async def _api(demo: Demo, method: str, path: str, **kwargs: Any) -> Any:
    """A call to the workspace as the bot (it is in every chat it warned; the Owner,
    like anyone, sees only the closed chats it belongs to)."""
    headers = {"Authorization": f"Bearer {demo.ws.bot_token}"}
    return await demo.call(method, f"{demo.ws.base_url}{path}", headers=headers, **kwargs)


async def sweep_story(demo: Demo) -> int:
    """Click «Оставить чат» on one warning, then jump a week ahead; returns failures."""
    sweeps = [j for j in demo.catalogue.jobs.values() if j.kind == "sweep" and j.enabled]
    if not sweeps or demo.catalogue.bot.events == "off":
        return 0
    job = sweeps[0]
    c = demo.console
    from runner.kinds.sweep.table import open_sweep_chats

    state = StateStore(demo.settings.state_url, replica="demo-story")
    try:
        warned = [s for s in open_sweep_chats(state) if s.warning_message_id]
    finally:
        state.close()
    if not warned:
        return 0
    c.rule(f"[bold]{words.text('demo.story.title')}[/bold]")
    first = warned[0]
    message = (await _api(demo, "GET", f"/messages/{first.warning_message_id}"))["data"]
    chat = (await _api(demo, "GET", f"/chats/{first.chat_id}"))["data"]
    labels = " | ".join(f"[{b['text']}]" for row in message["buttons"] or [] for b in row)
    c.print(words.text("demo.story.buttons", name=chat["name"], labels=labels), markup=False)
    member = next(m for m in chat["member_ids"] if m not in (demo.info["bot_user_id"],))
    keep = message["buttons"][0][0]
    await demo.control("POST", "events", json={"payload": {
        "type": "button", "event": "click", "data": keep["data"],
        "message_id": message["id"], "user_id": member, "chat_id": chat["id"]}})
    c.print(words.text("demo.story.press", user=member, button=keep["text"]), markup=False)

    from runner.app import poll_command

    result = await poll_command(demo.settings, demo.catalogue, once=True)
    c.print(words.text("demo.story.bot", summary=result.summary()), markup=False)
    updated = (await _api(demo, "GET", f"/messages/{first.warning_message_id}"))["data"]
    c.print(words.text("demo.story.now_reads", text=updated["content"].splitlines()[-1],
                       gone=words.text("ids.no" if updated["buttons"] else "ids.yes")),
            markup=False)

    params = job.params
    days = getattr(params, "warn_days", 7) + 1
    await demo.control("POST", "clock", json={"advance": days * 86400})
    c.print(words.text("demo.story.later", days=days), markup=False)
    outcome = await demo.run(job.name, at=await demo.now() + timedelta(seconds=1))
    kept = (await _api(demo, "GET", f"/chats/{chat['id']}"))["data"]
    c.print(words.text("demo.story.kept", name=chat["name"],
                       archived=words.text("ids.yes" if kept["archived"] else "ids.no")),
            markup=False)
    return outcome.status == "failed"
