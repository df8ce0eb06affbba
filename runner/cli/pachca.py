"""Commands that talk to Pachca itself: find chat and user ids, serve the embedded
workspace, look after the bot. Each imports what it runs (asyncio too), so that
``--help`` stays quick.
"""

from __future__ import annotations

import errno
import sys
from typing import Any

import click

from runner.cli.group import load, main, settings_of
from runner.errors import InputError


@main.command()
@click.option("--search", "-s", default=None, help="Only chats whose name holds TEXT.")
@click.pass_context
def chats(ctx: click.Context, search: str | None) -> None:
    """Chat ids for jobs.yaml: the token's chats and open ones, its role in each, and
    whether it may post there and archive them."""
    import asyncio

    from runner import lookup

    found = asyncio.run(lookup.find_chats(settings_of(ctx), search))
    click.echo("\n".join(lookup.chat_lines(found, search)))


@main.command()
@click.option("--search", "-s", default=None,
              help="Only users whose name, nickname or email holds TEXT.")
@click.pass_context
def users(ctx: click.Context, search: str | None) -> None:
    """User ids for jobs.yaml: id, name, nickname, workspace role."""
    import asyncio

    from runner import lookup

    found = asyncio.run(lookup.find_users(settings_of(ctx), search))
    click.echo("\n".join(lookup.user_lines(found, search)))


@main.group()
def workspace() -> None:
    """The embedded Pachca workspace (for trying things without an account)."""


@workspace.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8081, show_default=True, type=int, help="Port to listen on.")
@click.option("--seed", default=1, show_default=True, type=int,
              help="Same seed, same data; the sample jobs.yaml's ids are seed 1's.")
@click.option("--speed", default=1.0, show_default=True, type=float,
              help="Multiply the rate limits (and divide delays) by this.")
def workspace_serve(host: str, port: int, seed: int, speed: float) -> None:
    """Serve the demo's workspace until Ctrl+C; prints the variables for the runner."""
    from runner import words
    from runner.demo import runner_variables, workspace_config
    from runner.workspace.server import serve_forever

    def ready(info: dict[str, Any]) -> None:
        click.echo(words.text("ws.at", url=info["base_url"]))
        for line in runner_variables(info):
            click.echo(f"  {line}")
        click.echo(words.text("ws.stop"), nl=True)
        sys.stdout.flush()

    try:
        serve_forever(workspace_config(seed=seed, speed=speed), host, port, on_ready=ready)
    except OSError as exc:
        # Only the bind's own failures are the operator's to fix; anything else is a bug.
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        raise InputError(words.text("ws.port_busy", host=host, port=port,
                                    reason=exc.strerror or exc)) from None


@main.group()
def bot() -> None:
    """The bot: poll its events, point its webhook at this runner, check its settings."""


@bot.command("poll")
@click.option("--once", is_flag=True, help="One pass over the event history, then exit.")
@click.pass_context
def bot_poll(ctx: click.Context, once: bool) -> None:
    """Handle the bot's pending events (clicks, links), deleting each once handled."""
    import asyncio

    from runner import app

    settings = settings_of(ctx)
    result = asyncio.run(app.poll_command(settings, load(settings), once=once))
    click.echo(result.summary())


@bot.command("set-webhook")
@click.option("--bot-id", type=int, default=None,
              help="The bot's id (its user id); only with a user's token, not the bot's own.")
@click.option("--url", default=None, help="Webhook URL (default: public URL + bot.webhook_path).")
@click.pass_context
def bot_set_webhook(ctx: click.Context, bot_id: int | None, url: str | None) -> None:
    """Point the bot's outgoing webhook at this runner; prints what is now configured."""
    import asyncio

    from runner.bot import admin

    settings = settings_of(ctx)
    catalogue = load(settings)
    status = asyncio.run(admin.set_webhook(settings, catalogue.bot, bot_id, url,
                                           unfurl=bool(catalogue.unfurl)))
    click.echo("\n".join(status.lines()))


@bot.command("status")
@click.option("--bot-id", type=int, default=None,
              help="The bot's id (its user id); only with a user's token, not the bot's own.")
@click.pass_context
def bot_status(ctx: click.Context, bot_id: int | None) -> None:
    """Show the token's scopes and the bot's webhook URL, events and history, and whether
    they match this runner."""
    import asyncio

    from runner.bot import admin

    settings = settings_of(ctx)
    catalogue = load(settings)
    status = asyncio.run(admin.status(settings, catalogue.bot, bot_id,
                                      unfurl=bool(catalogue.unfurl)))
    click.echo("\n".join(status.lines()))
