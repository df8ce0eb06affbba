"""A kind added from its own package alone (``tests.kinds.example_kind``): its command,
its button and its table work through the real CLI, bot dispatch and state store.

Nothing in ``runner/`` knows the ``signup`` kind: the test makes it known with
``registry.add`` (an installed plugin would use the ``pachca_runner.kinds`` entry point).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import inspect

from runner.buttons import parse_button_data
from runner.cli import main
from runner.kinds import registry
from runner.workspace import WorkspaceServer
from tests.bot.support import Bot
from tests.jobs.sweep_support import EMPTY, Sweep

JOB = "meetup-signup"


@pytest.fixture
def bot(fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path) -> Iterator[Bot]:
    registry.add("tests.kinds.example_kind")
    sweep = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    yield Bot(sweep)
    sweep.close()
    registry.remove("signup")


def cli(bot: Bot, *args: str) -> Result:
    """``pachca-runner ARGS`` with the test's catalogue, state and the bot's token."""
    sw = bot.sw
    env = {
        "PACHCA_TOKEN": sw.ws.bot_token,
        "PACHCA_BASE_URL": sw.ws.base_url,
        "PACHCA_RUNNER_STATE_URL": f"sqlite:///{sw.h.tmp / 'state.db'}",
        "PACHCA_RUNNER_CATALOGUE": str(sw.h.tmp / "jobs.yaml"),
        "PACHCA_RUNNER_SERVER_PORT": "0",
    }
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def posted(bot: Bot) -> tuple[int, int, str]:
    """A chat, the signup job run once through ``run-job``: (chat, message id, button data)."""
    sw = bot.sw
    chat = sw.chat("Митап")
    sw.h.write_catalogue(f"""
        timezone: Europe/Moscow
        jobs:
          {JOB}:
            kind: signup
            schedule: "0 10 * * 1"
            chat_id: {chat}
            text: Кто идёт на митап?
        """)
    result = cli(bot, "run-job", JOB)
    assert result.exit_code == 0, result.output
    assert f"signup message posted to chat {chat}" in result.output  # the kind's own words
    [message] = sw.bot_messages(chat)
    assert message.content == "Кто идёт на митап?"
    return chat, message.id, str(message.buttons[0][0]["data"])


def test_the_kind_posts_a_button_signed_with_its_own_action(bot: Bot) -> None:
    _, _, data = posted(bot)

    action = parse_button_data(data, bot.sw.button_key())

    assert action.action == "sign_up" and action.scope > 0


def test_a_click_goes_to_the_kinds_handler_and_its_command_reads_its_table(bot: Bot) -> None:
    chat, message_id, data = posted(bot)
    member = bot.sw.people(1)[0]
    bot.click(data, message_id=message_id, chat_id=chat, user_id=member)
    bot.click(data, message_id=message_id, chat_id=chat, user_id=member, trigger_id="again")

    polled = cli(bot, "bot", "poll", "--once")

    assert polled.exit_code == 0, polled.output
    assert "signed_up — 1" in polled.output and "already_signed_up — 1" in polled.output
    listed = cli(bot, "signups", JOB)
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines() == [f"1 signed up in chat {chat}", f"  user {member}"]


def test_a_click_from_outside_the_chat_is_refused_and_not_recorded(bot: Bot) -> None:
    chat, message_id, data = posted(bot)
    outsider = bot.outsider(chat)
    bot.click(data, message_id=message_id, chat_id=chat, user_id=outsider)

    polled = cli(bot, "bot", "poll", "--once")

    assert "refused:not_member — 1" in polled.output, polled.output
    assert cli(bot, "signups", JOB).output.splitlines() == [f"0 signed up in chat {chat}"]


def test_the_store_creates_the_kinds_table_beside_its_own(bot: Bot) -> None:
    with bot.sw.store() as store, store.read() as conn:
        tables = set(inspect(conn).get_table_names())

    assert {"example_signups", "runs", "job_values"} <= tables


def test_the_command_exists_only_while_the_kind_is_known(bot: Bot) -> None:
    assert "signups" in cli(bot, "--help").output
    registry.remove("signup")

    assert "signups" not in cli(bot, "--help").output
    assert cli(bot, "signups", JOB).exit_code == 2  # click: no such command


def test_a_kind_that_still_names_its_tables_with_a_method_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its tables would never be created: say how to move them instead of failing later.
    (tmp_path / "old_style_kind.py").write_text(textwrap.dedent("""\
        from tests.kinds.example_kind.kind import SignupKind


        class OldStyle(SignupKind):
            name = "old_style"

            def tables(self):
                return ()


        KIND = OldStyle()
        """), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    with pytest.raises(TypeError, match=r"TABLES in the package's table module"):
        registry.add("old_style_kind")
