"""``bot set-webhook`` and ``bot status``: point the bot at this runner, and check it.

Only a user who may edit the bot (its creator or an admin) can change its webhook;
the bot's own token, the usual ``PACHCA_TOKEN``, gets 403. That 403 is explained in
one line rather than shown as an API error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from runner.errors import InputError, PermissionDenied
from runner.pachca.models import Bot

if TYPE_CHECKING:
    from runner.catalogue import Bot as BotConfig
    from runner.settings import Settings


class BotAccessDenied(InputError):
    """The token may not read or edit this bot (exit code 2)."""


def expected_url(settings: Settings, config: BotConfig) -> str | None:
    """The URL Pachca should push events to: ``public_url`` + ``bot.webhook_path``."""
    if not settings.public_url:
        return None
    return settings.public_url.rstrip("/") + config.webhook_path


def _denied(bot_id: int, verb: str) -> BotAccessDenied:
    return BotAccessDenied(
        f"this token may not {verb} bot {bot_id}: use the token of a user who can edit the bot"
        " (its creator or an admin), e.g. PACHCA_TOKEN=<their token> pachca-runner bot ..."
    )


@dataclass(frozen=True)
class BotStatus:
    """What ``bot status`` shows."""

    bot: Bot
    expected: str | None  # this runner's webhook URL, None without public_url
    mode: str  # the catalogue's bot.events

    @property
    def matches(self) -> bool | None:
        """Whether the bot pushes to this runner (None: cannot tell without public_url)."""
        if self.expected is None:
            return None
        return (self.bot.webhook.outgoing_url or "").rstrip("/") == self.expected.rstrip("/")

    def lines(self) -> list[str]:
        """Plain-English lines for the operator."""
        hook = self.bot.webhook
        events = ", ".join(hook.events) or "none"
        out = [
            f"bot {self.bot.id}" + (f" ({hook.name})" if hook.name else ""),
            f"outgoing webhook URL: {hook.outgoing_url or 'not set'}",
            f"events: {events}",
            f"event history (for polling): {'on' if hook.events_history_enabled else 'off'}",
            f"link previews: {'on' if hook.link_preview_enabled else 'off'}",
        ]
        if self.matches is None:
            out.append("matches this runner: cannot tell (set PACHCA_RUNNER_PUBLIC_URL)")
        else:
            out.append(f"matches this runner ({self.expected}): "
                       f"{'yes' if self.matches else 'no'}")
        if self.mode == "poll" and not hook.events_history_enabled:
            out.append("warning: bot.events is poll but the bot keeps no event history:"
                       " enable it in the bot's settings")
        if self.mode == "push" and self.matches is False:
            out.append("warning: bot.events is push but the bot pushes elsewhere:"
                       " run 'pachca-runner bot set-webhook'")
        return out


async def set_webhook(
    settings: Settings, config: BotConfig, bot_id: int, url: str | None
) -> BotStatus:
    """Point bot ``bot_id``'s outgoing webhook at ``url`` (default: this runner's)."""
    from runner.app import make_client

    target = url or expected_url(settings, config)
    if not target:
        raise InputError(
            "no webhook URL: pass --url, or set PACHCA_RUNNER_PUBLIC_URL (the runner's public"
            f" base URL; the path {config.webhook_path} is added)"
        )
    if not target.startswith(("http://", "https://")):
        raise InputError(f"the webhook URL must start with https:// (got '{target}')")
    client = make_client(settings)
    try:
        bot = await client.update_bot_webhook(bot_id, target)
    except PermissionDenied:
        raise _denied(bot_id, "edit") from None
    finally:
        await client.aclose()
    return BotStatus(bot, expected_url(settings, config) or target, config.events)


async def status(settings: Settings, config: BotConfig, bot_id: int) -> BotStatus:
    """The bot's webhook settings, compared with this runner's."""
    from runner.app import make_client

    client = make_client(settings)
    try:
        bot = await client.get_bot(bot_id)
    except PermissionDenied:
        raise _denied(bot_id, "read the settings of") from None
    finally:
        await client.aclose()
    return BotStatus(bot, expected_url(settings, config), config.events)
