"""Buttons already posted keep working when the webhook secret or the token changes.

The runner signs its buttons with a random key its state store keeps; a button posted
before the store kept one was signed with a key derived from the webhook secret (when
set) or the token, and is still accepted while that setting is the same. Each test posts
through the runner (real HTTP to the workspace), changes the settings as an operator
would, and presses the button as Pachca would deliver it (``bot poll --once``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from runner import app
from runner.buttons import derive_secret, make_button_data, parse_button_data
from runner.workspace import WorkspaceServer
from tests.bot.support import Bot
from tests.bot.test_alerts import let_bot_in
from tests.bot.test_alerts import setup as alerts_setup
from tests.bot.test_clicks import data_of, warned
from tests.jobs.sweep_support import EMPTY, Sweep


@pytest.fixture
def bot(fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path) -> Iterator[Bot]:
    sweep = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    yield Bot(sweep)
    sweep.close()


def rotate_token(bot: Bot) -> str:
    """A new token of the bot's own user, as an operator issues one in Pachca."""
    return str(bot.sw.control("POST", "tokens", json={"kind": "bot"})["token"])


async def test_a_warning_still_works_after_push_to_poll_and_a_new_token(bot: Bot) -> None:
    sw = bot.sw
    sw.h.overrides["webhook_secret"] = "whsec-when-posted"  # push mode when it warned
    chat, warning = await warned(bot)
    key = sw.button_key()
    # Days later: push given up (no secret any more) and the token rotated.
    sw.h.overrides = {"token": rotate_token(bot)}
    member = sw.people(1)[0]
    bot.click(data_of(warning), message_id=warning.id, chat_id=chat, user_id=member)

    result = await bot.poll()

    assert result.counts["decided:keep"] == 1 and "refused:forged" not in result.counts
    state = sw.chat_state(chat)
    assert state is not None and state.keep_by_user == member
    assert bot.message(warning.id).buttons is None and bot.dms(member)[0].startswith("Готово")
    sw.advance(8)  # past warn_days: the next sweep (new token) honours the answer
    after = await sw.run()
    assert after.status == "succeeded", after.error
    assert after.report.counts["skipped:kept"] == 1 and not sw.archived(chat)
    assert sw.button_key() == key  # the settings changed, the key did not


async def test_buttons_signed_the_old_way_still_pass_and_others_are_refused(bot: Bot) -> None:
    sw = bot.sw
    first, second, third = sw.chats(["Проект «Альфа»", "Проект «Бета»", "Проект «Гамма»"])
    sw.advance(100)
    sw.job()
    assert (await sw.run()).status == "succeeded"
    member = sw.people(1)[0]
    secret = "whsec-before-the-upgrade"

    def signed(chat: int, key: bytes) -> tuple[str, int]:
        """The warning's keep button as a runner signed it with ``key``."""
        [warning] = sw.bot_messages(chat)
        real = parse_button_data(data_of(warning), sw.button_key())
        return make_button_data(real.action, chat, key, scope=real.scope), warning.id

    # Posted before the upgrade: signed with the key the token gave, or the webhook
    # secret (set then and now).
    for chat, key in ((first, derive_secret(sw.ws.bot_token)), (second, derive_secret(secret)),
                      (third, derive_secret("tok-of-someone-else"))):
        data, message_id = signed(chat, key)
        bot.click(data, message_id=message_id, chat_id=chat, user_id=member)

    result = await bot.poll(webhook_secret=secret)

    assert result.counts["decided:keep"] == 2 and result.counts["refused:forged"] == 1
    assert [sw.chat_state(c).keep_by_user for c in (first, second)] == [member, member]  # type: ignore[union-attr]
    third_state = sw.chat_state(third)
    assert third_state is not None and third_state.keep_by_user is None
    assert any("создал не я" in text for text in bot.dms(member))


async def test_a_retry_alert_still_works_after_the_secret_and_the_token_change(bot: Bot
                                                                              ) -> None:
    sw = bot.sw
    alerts, target = alerts_setup(bot)
    await sw.h.run("reminder", at=sw.now(), webhook_secret="whsec-1")
    [alert] = sw.bot_messages(alerts)
    let_bot_in(bot, target)
    member = sw.people(1)[0]
    bot.click(alert.buttons[0][0]["data"], message_id=alert.id, chat_id=alerts, user_id=member)

    result = await bot.poll(webhook_secret="whsec-2", token=rotate_token(bot))

    assert result.counts["retry"] == 1 and "refused:forged" not in result.counts
    assert [m.content for m in sw.bot_messages(target)] == ["Планёрка через 15 минут"]


async def test_replicas_on_one_store_sign_with_one_key_whatever_their_settings(
    bot: Bot, pg_store_url: str
) -> None:
    sw = bot.sw
    sw.job()
    catalogue = sw.h.catalogue()
    a_settings = sw.h.settings(state_url=pg_store_url, replica_id="a", webhook_secret="whs-a")
    b_settings = sw.h.settings(state_url=pg_store_url, replica_id="b",
                               token=rotate_token(bot))
    async with app.runtime(a_settings, catalogue) as a, app.runtime(b_settings, catalogue) as b:
        assert a.button_secret.sign == b.button_secret.sign
        assert a.button_secret.sign == await a.state.call(a.state.sync.button_key)
        data = make_button_data("retry", "reminder", a.button_secret, scope=7)
        assert parse_button_data(data, b.button_secret).scope == 7
        assert a.button_secret.sign.hex() not in repr(a) + repr(b)
