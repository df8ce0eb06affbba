"""What the commands that only show things import: ``--help`` lists every command, the
kinds' included, without importing the kinds (a kind's commands come from its
package's ``commands`` module, and the kind, with the client, the store and the
renderer it imports, loads only when one of them runs); ``history`` reads the jobs'
zones and the store without the kinds, the client or the renderer; opening the store
for a run creates every kind's tables without importing the kinds (a run of one kind
loads that kind alone).

Each case runs ``python -m runner`` in a fresh process, so what it imported is what
the command imported, not what earlier tests left in ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("asyncio", "httpx", "sqlalchemy", "jinja2", "pydantic", "yaml", "runner.app",
         "runner.settings", "runner.kinds.sweep.kind", "runner.kinds.export")
"""What help has no use for: the event loop, the client, the store, the renderer,
settings and catalogue parsing, the kinds themselves."""

PROBE = """
import json, sys
from runner.cli import main
try:
    main(sys.argv[2:], prog_name="pachca-runner")
except SystemExit as exc:
    code = exc.code
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def probe(tmp_path: Path, *args: str, path: Path | None = None, lang: str = "en",
          **settings: str) -> tuple[int, set[str], str]:
    """Run ``pachca-runner ARGS`` in a fresh process: exit code, modules it imported,
    what it printed."""
    found, out = fresh(tmp_path, PROBE, *args, path=path, lang=lang, **settings)
    return found["code"], set(found["modules"]), out


def fresh(tmp_path: Path, code: str, *args: str, path: Path | None = None,
          lang: str = "en", **settings: str) -> tuple[dict[str, Any], str]:
    """Run ``code`` with ``ARGS`` in a fresh process: what it wrote to the report file
    (its first argument), what it printed."""
    report = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACHCA_")} | settings
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (ROOT, path) if p)
    env["PACHCA_RUNNER_LANG"] = lang
    done = subprocess.run([sys.executable, "-c", code, str(report), *args], env=env,
                          cwd=tmp_path, capture_output=True, text=True, check=False)
    assert report.exists(), done.stdout + done.stderr
    return json.loads(report.read_text()), done.stdout + done.stderr


@pytest.mark.parametrize("args", [["--help"], [], ["plan", "--help"], ["undo", "--help"],
                                  ["run-job", "--help"], ["history", "--help"]],
                         ids=lambda a: " ".join(a) or "bare")
def test_help_lists_and_parses_without_the_kinds_or_the_runtime(
        tmp_path: Path, args: list[str]) -> None:
    code, modules, out = probe(tmp_path, *args)

    assert code in (0, 2), out  # bare `pachca-runner` shows the usage and exits 2
    assert "Usage: pachca-runner" in out
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY
                  or m.startswith(HEAVY)) == []


def test_the_sweeps_commands_are_listed_with_their_help_in_both_languages(
        tmp_path: Path) -> None:
    _, _, english = probe(tmp_path, "--help")
    _, _, russian = probe(tmp_path, "--help", lang="ru")

    assert "plan           Sweeps: what the next run would do to which chat, and..." in english
    assert "undo           Unarchive every chat a sweep run archived (shows them..." in english
    assert "plan           Для уборки чатов: что следующий запуск сделает с каким..." in russian
    assert "undo           Вернуть из архива все чаты, которые заархивировал запуск..." in russian


def plugin(site: Path) -> None:
    """An installed kind (entry point ``pachca_runner.kinds``) with a command that
    speaks one of the kind's own messages."""
    package = site / "hello_kind"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(dedent('''
        def __getattr__(name):  # KIND on first use, as runner.kinds.sweep does
            if name == "KIND":
                from hello_kind.kind import KIND

                return KIND
            raise AttributeError(name)
        '''))
    (package / "kind.py").write_text(dedent('''
        from runner.catalogue.fields import KindParams
        from runner.kinds.base import JobKind

        class HelloParams(KindParams):
            pass

        class HelloKind(JobKind[HelloParams]):
            name = "hello"
            Params = HelloParams
            messages = {"hello.greeting": ("Hello from the kind", "Привет от вида")}

            async def run(self, ctx, params):
                pass

        KIND = HelloKind()
        '''))
    (package / "commands.py").write_text(dedent('''
        import click

        @click.command()
        def greet():
            """Say the kind's greeting."""
            from runner import words

            click.echo(words.text("hello.greeting"))

        COMMANDS = (greet,)
        '''))
    (package / "table.py").write_text(dedent('''
        from sqlalchemy import BigInteger, Column, MetaData, Table

        greeted = Table("hello_greeted", MetaData(),
                        Column("chat_id", BigInteger, primary_key=True))

        TABLES = (greeted,)
        '''))
    info = site / "hello_kind-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hello-kind\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pachca_runner.kinds]\nhello = hello_kind\n")


def test_an_installed_kinds_command_is_listed_without_its_kind_and_runs_with_it(
        tmp_path: Path) -> None:
    site = tmp_path / "site"
    plugin(site)

    code, modules, out = probe(tmp_path, "--help", path=site)
    assert code == 0, out
    assert "greet          Say the kind's greeting." in out
    assert "hello_kind.kind" not in modules

    code, modules, out = probe(tmp_path, "greet", path=site, lang="ru")
    assert (code, out) == (0, "Привет от вида\n")
    assert "hello_kind.kind" in modules


OPEN_STORE = """
import json, sys
from sqlalchemy import inspect
from runner.state import StateStore
with StateStore(sys.argv[2], replica="probe") as state:
    opened = sorted(sys.modules)
    with state.read() as conn:
        tables = sorted(inspect(conn).get_table_names())
from runner.kinds import registry
kinds = sorted(type(kind).__module__ for kind in registry.every_kind())
with open(sys.argv[1], "w") as out:
    json.dump({"modules": opened, "tables": tables, "kinds": kinds}, out)
"""


def test_opening_the_store_creates_the_kinds_tables_without_importing_a_kind(
        tmp_path: Path) -> None:
    found, out = fresh(tmp_path, OPEN_STORE, f"sqlite:///{tmp_path / 'state.db'}")

    opened = set(found["modules"])
    assert {"runner.kinds.digest", "runner.kinds.sweep.kind"} <= set(found["kinds"])
    assert sorted(set(found["kinds"]) & opened) == [], out
    assert not {"pydantic", "httpx", "jinja2"} & opened  # the kinds' params, client, renderer
    assert {"chats", "actions", "exports"} <= set(found["tables"])  # the sweep's, the export's


def test_an_installed_kinds_table_is_created_without_its_kind(tmp_path: Path) -> None:
    site = tmp_path / "site"
    plugin(site)

    found, out = fresh(tmp_path, OPEN_STORE, f"sqlite:///{tmp_path / 'state.db'}", path=site)

    assert "hello_kind.kind" in found["kinds"], out
    assert "hello_kind.kind" not in found["modules"]
    assert "hello_greeted" in found["tables"]


CATALOGUE = """\
timezone: Europe/Moscow
defaults:
  timezone: Asia/Yekaterinburg
jobs:
  digest:
    kind: message
    schedule: "0 9 * * *"
    to: {chats: [1]}
    text: Доброе утро
  far:
    kind: message
    timezone: Asia/Vladivostok
    schedule: "0 9 * * *"
    to: {chats: [1]}
    text: Доброе утро
"""


def test_history_reads_the_zones_and_the_store_without_the_kinds(tmp_path: Path) -> None:
    from runner.state import StateStore

    (tmp_path / "jobs.yaml").write_text(CATALOGUE, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'state.db'}"
    with StateStore(url, replica="host-a:1") as state:
        for job in ("digest", "far"):
            fire = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)
            handle = state.claim(job, f"{job}@{fire.isoformat()}", kind="message",
                                 scheduled_for=fire, lease=30)
            assert handle is not None
            state.finish(handle, "succeeded", counts={"posted": 1}, lines=[], error=None)

    code, modules, out = probe(tmp_path, "history", PACHCA_RUNNER_STATE_URL=url,
                               PACHCA_RUNNER_CATALOGUE=str(tmp_path / "jobs.yaml"))

    assert code == 0, out
    assert "digest  2026-12-04 09:00:00 +05" in out  # the defaults' zone
    assert "far     2026-12-04 14:00:00 +10" in out  # the job's own
    assert not {"runner.kinds.message", "runner.kinds.sweep.kind", "httpx", "jinja2",
                "runner.app"} & modules
    # nor the scheduler (the schedules are checked, no trigger is built), the kinds'
    # registry, or what SQLAlchemy offers beyond Core on SQLite
    assert not {"apscheduler", "runner.schedule", "runner.kinds.registry", "sqlalchemy.orm",
                "sqlalchemy.ext", "sqlalchemy.dialects.postgresql"} & modules


def test_the_zones_come_from_the_common_fields_even_when_a_jobs_own_are_wrong(
        tmp_path: Path) -> None:
    from runner.opening import job_zones
    from runner.settings import load_settings

    path = tmp_path / "jobs.yaml"
    path.write_text(CATALOGUE.replace("text: Доброе утро\n  far:", "txet: typo\n  far:"),
                    encoding="utf-8")
    settings = load_settings(catalogue=path, state_url=f"sqlite:///{tmp_path / 's.db'}")

    zones = job_zones(settings)

    # `validate` refuses the file (the kind's field is misspelt); the zones need none of it.
    assert {name: str(zone) for name, zone in zones.items()} == {
        "digest": "Asia/Yekaterinburg", "far": "Asia/Vladivostok"}
    path.write_text("jobs: [", encoding="utf-8")
    assert job_zones(settings) == {}  # unreadable: UTC, as before


def test_loading_every_kind_leaves_the_http_client_to_the_runs(tmp_path: Path) -> None:
    """``validate``, ``jobs``, ``schema`` and ``docs kinds`` load every kind a catalogue
    names; only a run talks to Pachca."""
    code = ("import sys; from runner.kinds import registry; registry.every_kind();"
            " print(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'httpcore')"
            " or m == 'runner.pachca.client'))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACHCA_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"
