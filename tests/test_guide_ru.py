"""The Russian guide stands on its own: install, token, first start, the console and
deployment are in it (not behind a link to the English README), and every command it shows exists."""

from __future__ import annotations

import re
from pathlib import Path

import click

from runner.cli import main

REPO = Path(__file__).resolve().parents[1]
GUIDE = (REPO / "docs" / "operators.ru.md").read_text(encoding="utf-8")


def headings() -> list[str]:
    return re.findall(r"^## (.+)$", GUIDE, re.MULTILINE)


def test_it_covers_install_token_start_and_deploy_itself() -> None:
    assert {"Установка", "Токен", "Первый запуск", "Пульт", "Развёртывание"} <= set(headings())
    assert "README" not in GUIDE, "the Russian guide sends the reader to the English one"
    for needed in ("pip install", "pachca-runner init", "PACHCA_TOKEN", "systemctl",
                   "docker run", "/healthz", "templates.ru.md", "kinds.ru.md",
                   "PACHCA_RUNNER_CONSOLE=true", "PACHCA_RUNNER_CONSOLE_USERS"):
        assert needed in GUIDE, needed


def test_every_command_it_shows_exists() -> None:
    blocks = "\n".join(re.findall(r"^```(?:bash|text)\n(.*?)^```", GUIDE,
                                  re.MULTILINE | re.DOTALL))
    # the command at a line's start or as a path .../bin/pachca-runner (not a user's name)
    shown = re.findall(r"(?:^|bin/)pachca-runner ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", blocks,
                       re.MULTILINE)
    assert len(shown) >= 10
    for first, second in shown:
        words = f"{first} {second}"
        command = main.commands.get(first)
        assert command is not None, f"`pachca-runner {first}` is no command"
        if isinstance(command, click.Group):
            assert second in command.commands, f"`pachca-runner {words}` is no command"


def test_its_links_lead_to_pages_and_headings_that_exist() -> None:
    anchors = {h.lower().replace(" ", "-").replace(":", "").replace("`", "").replace(",", "")
               for h in headings()}
    for target in re.findall(r"\]\(([^)]+)\)", GUIDE):
        if target.startswith("#"):
            assert target[1:] in anchors, target
        elif not target.startswith("http"):
            assert (REPO / "docs" / target).is_file(), target
