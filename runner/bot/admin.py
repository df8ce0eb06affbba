"""``bot set-webhook`` and ``bot status``: point the bot at this runner, and check it.

Both first learn what the token is (``GET /oauth/token/info``: its user and scopes).
With the bot's own token, the usual ``PACHCA_TOKEN``, the bot sets its own webhook
(``PUT /bot/webhook``, scope ``bot_self:webhook:write``) and ``status`` shows the
token's scopes against what the bot side needs; the bot's settings themselves
(``GET /bots/{id}``) need ``bots:read``, which no bot token holds, so ``status`` says
which token shows them. With a user's token (the owner's, an admin's, the bot's
creator's) ``--bot-id`` names the bot, edited through ``PUT /bots/{id}``
(``bots:write``). A refusal is explained in one line rather than shown as an API error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from runner import scopes, words
from runner.errors import BotAccessDenied, InputError, PermissionDenied
from runner.pachca.models import Bot, TokenInfo

if TYPE_CHECKING:
    from runner.catalogue import Bot as BotConfig
    from runner.pachca.client import PachcaClient
    from runner.settings import Settings

CLICK_SCOPES = frozenset({"chats:read", "chat_members:read", "messages:read", "messages:create",
                          "messages:update"})
"""What answering button clicks needs (read the chat and message, answer, edit it)."""
POLL_SCOPES = frozenset({"webhooks:events:read", "webhooks:events:delete"})
"""What polling the event history needs."""


def expected_url(settings: Settings, config: BotConfig) -> str | None:
    """The URL Pachca should push events to: ``public_url`` + ``bot.webhook_path``."""
    if not settings.public_url:
        return None
    return settings.public_url.rstrip("/") + config.webhook_path


def _denied(bot_id: int, verb: str) -> BotAccessDenied:
    """A refusal by Pachca's rules (the bot's ``can_edit``), in the operator's language."""
    return BotAccessDenied(words.text("bot.denied", verb=words.text(f"bot.verb.{verb}"),
                                      id=bot_id))


def needed_scopes(config: BotConfig) -> frozenset[str]:
    """The scopes the bot side needs for the catalogue's ``bot`` section."""
    return CLICK_SCOPES | (POLL_SCOPES if config.events == "poll" else frozenset())


@dataclass(frozen=True)
class BotStatus:
    """What ``bot status`` shows."""

    bot: Bot | None  # None: the token may not read the bot's settings (a bot's token)
    expected: str | None  # this runner's webhook URL, None without public_url
    mode: str  # the catalogue's bot.events
    token: TokenInfo | None = None
    needs: frozenset[str] = frozenset()
    unfurl: bool = False  # the catalogue has unfurl rules (needs message_link_shared)

    @property
    def matches(self) -> bool | None:
        """Whether the bot pushes to this runner (None: cannot tell without public_url)."""
        if self.expected is None or self.bot is None:
            return None
        return (self.bot.webhook.outgoing_url or "").rstrip("/") == self.expected.rstrip("/")

    def lines(self) -> list[str]:
        """Plain lines for the operator, in their language."""
        out = self._token_lines()
        if self.bot is None:
            assert self.token is not None
            return [*out, words.text("bot.cannot_read", id=self.token.user_id)]
        return out + self._settings_lines(self.bot)

    def _token_lines(self) -> list[str]:
        if self.token is None:
            return []
        who = words.text("bot.own_token" if self.token.is_bot else "bot.user_token")
        out = [words.text("bot.token", who=who, id=self.token.user_id,
                          n=len(self.token.scopes))]
        missing = sorted(self.needs - set(self.token.scopes))
        if missing:
            where = words.text("bot.where_bot" if self.token.is_bot else "bot.where_user")
            out.append(words.text("bot.lacks", scopes=", ".join(missing), mode=self.mode,
                                  where=where))
        return out

    def _settings_lines(self, bot: Bot) -> list[str]:
        hook = bot.webhook
        events = ", ".join(hook.events) or words.text("word.none")
        out = [
            words.text("bot.bot", id=bot.id) + (f" ({hook.name})" if hook.name else ""),
            words.text("bot.url", url=hook.outgoing_url or words.text("bot.not_set")),
            words.text("bot.events", events=events),
            words.text("bot.history", on=_on(hook.events_history_enabled)),
            words.text("bot.previews", on=_on(hook.link_preview_enabled)),
        ]
        if self.matches is None:
            out.append(words.text("bot.match_unknown"))
        else:
            out.append(words.text("bot.match", url=self.expected,
                                  answer=words.text("ids.yes" if self.matches else "ids.no")))
        # Pachca sends only the events ticked in the bot's settings.
        for event in ("button_click", *(("message_link_shared",) if self.unfurl else ())):
            if event not in hook.events:
                out.append(words.text("bot.event_off", event=event,
                                      why=words.text(f"bot.event_for.{event}")))
        if self.mode == "poll" and not hook.events_history_enabled:
            out.append(words.text("bot.no_history"))
        if self.mode == "push" and self.matches is False:
            out.append(words.text("bot.pushes_elsewhere"))
        return out


def _on(flag: bool) -> str:
    return words.text("bot.on" if flag else "bot.off")


async def set_webhook(
    settings: Settings, config: BotConfig, bot_id: int | None, url: str | None, *,
    unfurl: bool = False,
) -> BotStatus:
    """Point the bot's outgoing webhook at ``url`` (default: this runner's): the bot's own
    token sets its own; a user's token edits bot ``bot_id``. ``unfurl``: the catalogue
    has link-preview rules."""
    from runner.app import make_client

    target = url or expected_url(settings, config)
    if not target:
        raise InputError(words.text("bot.no_url", path=config.webhook_path))
    if not target.startswith(("http://", "https://")):
        raise InputError(words.text("bot.bad_url", url=target))
    client = make_client(settings)
    try:
        info = await scopes.token_info(client)
        if info is not None and info.is_bot:
            if bot_id not in (None, info.user_id):
                raise BotAccessDenied(words.text("bot.other_bot", own=info.user_id, id=bot_id))
            _require(info, "bot_self:webhook:write", info.user_id, "set_webhook")
            bot = await client.set_own_webhook(target)
        else:
            wanted = _bot_id(bot_id, info)
            if info is not None:
                _require(info, "bots:write", wanted, "edit")
            bot = await client.update_bot_webhook(wanted, target)
    except PermissionDenied:
        raise _denied(bot_id or 0, "edit") from None
    finally:
        await client.aclose()
    return BotStatus(bot, expected_url(settings, config) or target, config.events, info,
                     needed_scopes(config), unfurl)


async def status(settings: Settings, config: BotConfig, bot_id: int | None, *,
                 unfurl: bool = False) -> BotStatus:
    """The token's scopes and, where the token may read them, the bot's webhook settings,
    compared with this runner's (``unfurl``: the catalogue has link-preview rules)."""
    from runner.app import make_client

    client = make_client(settings)
    try:
        info = await scopes.token_info(client)
        bot = await _read_bot(client, info, bot_id)
    finally:
        await client.aclose()
    return BotStatus(bot, expected_url(settings, config), config.events, info,
                     needed_scopes(config), unfurl)


async def _read_bot(client: PachcaClient, info: TokenInfo | None, bot_id: int | None
                    ) -> Bot | None:
    """``GET /bots/{id}``, or None for a bot's own token (it may not: no bots:read)."""
    if info is not None and info.is_bot and bot_id in (None, info.user_id):
        return None
    wanted = _bot_id(bot_id, info)
    if info is not None:
        _require(info, "bots:read", wanted, "read")
    try:
        return await client.get_bot(wanted)
    except PermissionDenied:
        raise _denied(wanted, "read") from None


def _bot_id(bot_id: int | None, info: TokenInfo | None) -> int:
    if bot_id is None:
        raise InputError(words.text("bot.need_id"))
    return bot_id


def _require(info: TokenInfo, scope: str, bot_id: int, verb: str) -> None:
    """BotAccessDenied naming the scope and who holds it, when the token lacks it
    (``verb``: a ``bot.verb.*`` word)."""
    if scope in info.scopes:
        return
    said = words.text(f"bot.verb.{verb}")
    which = "bot.lacks_own" if scope.startswith("bot_self:") else "bot.lacks_user"
    raise BotAccessDenied(words.text(which, verb=said, id=bot_id, scope=scope))
