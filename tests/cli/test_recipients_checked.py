"""Before anything is written, and in ``preview``, ``--dry-run`` and ``validate``: may the
bot post to each recipient? Problems name the chat «name» (id) and the fix; the preview
says where each message goes and shows mentions as names, as Pachca will."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from runner.cli import main
from runner.workspace import WorkspaceServer

MISSING = 99999999


@pytest.fixture
def ws(fresh_workspace: Callable[..., WorkspaceServer]) -> WorkspaceServer:
    return fresh_workspace()


def setup(ws: WorkspaceServer, tmp_path: Path) -> dict[str, object]:
    """A chat the bot is in, an open chat it is not in, a person; the catalogue; the env."""
    store = ws.store

    def pick() -> tuple[int, str, int, str, str]:
        person = next(u for u in sorted(store.users.values(), key=lambda u: u.id)
                      if not u.bot and u.id not in (store.owner_id, store.limited_id)
                      and not u.suspended and u.first_name and u.last_name)
        return (person.id, f"{person.first_name} {person.last_name}",
                store.bot_id, person.first_name or "", person.last_name or "")

    person, person_name, bot, _, _ = ws.call(pick)
    owner = {"Authorization": f"Bearer {ws.owner_token}"}
    bot_auth = {"Authorization": f"Bearer {ws.bot_token}"}
    made = httpx.post(f"{ws.base_url}/chats", headers=bot_auth, json={"chat": {
        "name": "Спринт Юг-7", "channel": False, "public": False, "member_ids": [person]}})
    made.raise_for_status()
    joined = made.json()["data"]["id"]
    made = httpx.post(f"{ws.base_url}/chats", headers=owner, json={"chat": {
        "name": "Спринт Север-43", "channel": False, "public": True, "member_ids": [person]}})
    made.raise_for_status()
    outside = made.json()["data"]["id"]
    (tmp_path / "jobs.yaml").write_text(textwrap.dedent(f"""\
        timezone: Europe/Moscow
        jobs:
          standup:
            kind: message
            schedule: "0 10 * * 1-5"
            to: {{chats: [{joined}, {outside}, {MISSING}], users: [{person}]}}
            text: "Стендап через 10 минут, {{{{ {person} | mention }}}} ведёт."
        """), encoding="utf-8")
    env = {"PACHCA_TOKEN": ws.bot_token, "PACHCA_BASE_URL": ws.base_url,
           "PACHCA_RUNNER_STATE_URL": f"sqlite:///{tmp_path / 'state.db'}",
           "PACHCA_RUNNER_CATALOGUE": str(tmp_path / "jobs.yaml"),
           "PACHCA_RUNNER_SERVER_PORT": "0"}
    return {"env": env, "joined": joined, "outside": outside, "person": person,
            "person_name": person_name, "bot": bot}


def cli(env: object, *args: str):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)  # type: ignore


def writes(ws: WorkspaceServer, since: int) -> list[dict]:
    log = httpx.get(f"{ws.root_url}/_workspace/requests", params={"since": since}).json()
    return [r for r in log["requests"] if r["method"] != "GET"]


def mark(ws: WorkspaceServer) -> int:
    url = f"{ws.root_url}/_workspace/requests"
    return int(httpx.get(url, params={"since": 1 << 30}).json()["total"])


def test_preview_dry_run_and_validate_name_each_chat_the_bot_may_not_post_to(ws, tmp_path):
    s = setup(ws, tmp_path)
    env, outside = s["env"], s["outside"]
    start = mark(ws)

    for args in (["preview", "standup"], ["run-job", "standup", "--dry-run"], ["validate"]):
        result = cli(env, *args)
        out = " ".join(result.output.split())  # rich may wrap long lines
        assert result.exit_code == 1, (args, result.output)
        assert (f"the bot is not a member of «Спринт Север-43» ({outside}):"
                f" add the bot to «Спринт Север-43» ({outside})") in out, args
        assert f"chat {MISSING} does not exist" in out, args
        assert f"«Спринт Юг-7» ({s['joined']}): " not in out, args  # the good one is fine

    assert writes(ws, start) == []


def test_preview_says_where_each_message_goes_and_shows_mentions_as_names(ws, tmp_path):
    s = setup(ws, tmp_path)
    result = cli(s["env"], "preview", "standup")
    out = result.output

    assert f"message 1 → chat «Спринт Юг-7» ({s['joined']})" in out
    assert f"→ «{s['person_name']}» ({s['person']})" in out
    assert f"@{s['person_name']} ведёт" in out
    assert "<@" not in out


def test_a_run_whose_every_recipient_is_unusable_writes_nothing(ws, tmp_path):
    s = setup(ws, tmp_path)
    path = tmp_path / "jobs.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"[{s['joined']}, {s['outside']}, {MISSING}]",
                                 f"[{s['outside']}, {MISSING}]")
                    .replace(f"users: [{s['person']}]", "users: []"), encoding="utf-8")
    start = mark(ws)

    result = cli(s["env"], "run-job", "standup")

    assert result.exit_code == 1
    assert "may not post to 2 of 2 recipient(s)" in " ".join(result.output.split())
    assert writes(ws, start) == []


def test_a_fan_out_to_many_chats_is_checked_from_the_listing(ws, tmp_path):
    s = setup(ws, tmp_path)
    bot_auth = {"Authorization": f"Bearer {ws.bot_token}"}
    many = []
    for i in range(55):
        made = httpx.post(f"{ws.base_url}/chats", headers=bot_auth, json={"chat": {
            "name": f"Команда {i}", "channel": False, "public": False, "member_ids": []}})
        made.raise_for_status()
        many.append(made.json()["data"]["id"])
    path = tmp_path / "jobs.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"[{s['joined']}, {s['outside']}, {MISSING}]",
                                 str([*many, s["outside"], MISSING])), encoding="utf-8")
    start = mark(ws)

    result = cli(s["env"], "run-job", "standup", "--dry-run")

    out = " ".join(result.output.split())
    assert result.exit_code == 1
    assert f"add the bot to «Спринт Север-43» ({s['outside']})" in out
    assert f"chat {MISSING} does not exist" in out
    log = httpx.get(f"{ws.root_url}/_workspace/requests", params={"since": start}).json()
    one_by_one = {r["path"].rsplit("/", 1)[-1] for r in log["requests"]
                  if r["method"] == "GET" and "/chats/" in r["path"]}
    assert one_by_one == {str(s["outside"]), str(MISSING)}  # the rest came from the listing


def test_a_channel_the_bot_only_subscribes_to_is_named_with_the_fix(ws, tmp_path):
    s = setup(ws, tmp_path)
    owner = {"Authorization": f"Bearer {ws.owner_token}"}
    made = httpx.post(f"{ws.base_url}/chats", headers=owner, json={"chat": {
        "name": "Новости отдела", "channel": True, "public": False,
        "member_ids": [s["bot"]]}})
    made.raise_for_status()
    channel = made.json()["data"]["id"]
    # Someone made the bot a plain subscriber in Pachca's UI: it reads, it may not post.
    httpx.post(f"{ws.root_url}/_workspace/chat_roles", json={
        "chat_id": channel, "user_id": s["bot"], "role": "member"}).raise_for_status()
    path = tmp_path / "jobs.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"{s['outside']}, {MISSING}", str(channel)), encoding="utf-8")

    looked = cli(s["env"], "preview", "standup")
    assert looked.exit_code == 1
    assert (f"the bot only reads the channel «Новости отдела» ({channel}), as a subscriber:"
            " make it an editor or admin of the channel") in " ".join(looked.output.split())

    httpx.post(f"{ws.root_url}/_workspace/chat_roles", json={
        "chat_id": channel, "user_id": s["bot"], "role": "editor"}).raise_for_status()
    assert cli(s["env"], "preview", "standup").exit_code == 0


def posts(ws: WorkspaceServer, since: int) -> list[dict]:
    """Every POST /messages since ``since``, refused ones included."""
    log = httpx.get(f"{ws.root_url}/_workspace/requests", params={"since": since}).json()
    return [r for r in log["requests"]
            if r["method"] == "POST" and r["path"].endswith("/messages")]


def test_a_run_posts_where_it_may_names_the_rest_and_a_rerun_posts_only_what_is_left(
    ws, tmp_path
):
    s = setup(ws, tmp_path)
    env, outside = s["env"], s["outside"]
    fire = ["run-job", "standup", "--at", "2026-12-07 10:00"]
    start = mark(ws)

    first = cli(env, *fire)

    out = " ".join(first.output.split())
    assert first.exit_code == 1, first.output
    assert f"add the bot to «Спринт Север-43» ({outside})" in out
    assert f"chat {MISSING} does not exist" in out
    sent = posts(ws, start)
    # the two usable recipients got it; the two known to refuse were not even asked
    assert len(sent) == 2 and all(r["status"] < 300 for r in sent), sent

    # The operator follows the fix: adds the bot, drops the wrong id; reruns that fire.
    httpx.post(f"{ws.base_url}/chats/{outside}/members",
               headers={"Authorization": f"Bearer {ws.owner_token}"},
               json={"member_ids": [s["bot"]]}).raise_for_status()
    path = tmp_path / "jobs.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(f", {MISSING}]", "]"),
                    encoding="utf-8")
    start = mark(ws)

    rerun = cli(env, *fire)

    assert rerun.exit_code == 0, rerun.output
    [only] = posts(ws, start)  # only what was left
    assert only["status"] < 300 and only["chat_id"] == outside


def test_report_and_alert_chats_are_checked_like_recipients(ws, tmp_path):
    # A job called "alerts" is checked as a job, beside the alerts' chat.
    s = setup(ws, tmp_path)
    env, outside = s["env"], s["outside"]
    (tmp_path / "jobs.yaml").write_text(textwrap.dedent(f"""\
        timezone: Europe/Moscow
        alerts: {{chat_id: {MISSING}}}
        jobs:
          tidy:
            kind: sweep
            schedule: "0 10 * * 1"
            exclude: {{names: ["."]}}
            report_chat_id: {outside}
          alerts:
            kind: message
            schedule: "0 10 * * 1-5"
            to: {{chats: [{outside}]}}
            text: "Проверьте оповещения"
        """), encoding="utf-8")
    fix = f"add the bot to «Спринт Север-43» ({outside})"
    start = mark(ws)

    checked = cli(env, "validate")
    out = " ".join(checked.output.split())
    assert checked.exit_code == 1, checked.output
    assert (f"jobs.yaml:8: jobs.tidy.report_chat_id: cannot post to chat «Спринт Север-43»"
            f" ({outside}):") in out and fix in out
    assert (f"jobs.yaml:2: alerts.chat_id: cannot post to chat {MISSING}: chat {MISSING}"
            " does not exist") in out
    assert (f"jobs.yaml:12: jobs.alerts.to: cannot post to chat «Спринт Север-43»"
            f" ({outside}):") in out
    for args in (["preview", "tidy"], ["run-job", "tidy", "--dry-run"]):
        looked = cli(env, *args)
        assert looked.exit_code == 1 and fix in " ".join(looked.output.split()), args
    assert writes(ws, start) == []

    ran = cli(env, "run-job", "tidy")

    assert ran.exit_code == 1
    assert fix in " ".join(ran.output.split())  # named with the fix, not a bare 403
    # the report was not sent to be refused (the one post is the failure's alert)
    assert [r for r in posts(ws, start) if r["chat_id"] == outside] == []


def test_a_manual_run_is_finished_with_rerun_and_only_what_is_left_is_posted(ws, tmp_path):
    s = setup(ws, tmp_path)
    env, outside = s["env"], s["outside"]
    path = tmp_path / "jobs.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(f", {MISSING}]", "]"),
                    encoding="utf-8")
    start = mark(ws)

    first = cli(env, "run-job", "standup")  # a manual run: no fire to name with --at

    out = " ".join(first.output.split())
    assert first.exit_code == 1, first.output
    found = re.search(r"`pachca-runner run-job standup --rerun (\d+)`", out)
    assert found, out  # the failure says how to finish it
    assert len(posts(ws, start)) == 2
    httpx.post(f"{ws.base_url}/chats/{outside}/members",
               headers={"Authorization": f"Bearer {ws.owner_token}"},
               json={"member_ids": [s["bot"]]}).raise_for_status()
    start = mark(ws)

    finished = cli(env, "run-job", "standup", "--rerun", found.group(1))

    assert finished.exit_code == 0, finished.output
    [only] = posts(ws, start)
    assert only["status"] < 300 and only["chat_id"] == outside
    again = cli(env, "run-job", "standup", "--rerun", found.group(1))
    assert again.exit_code == 2 and "--rerun finishes a failed run" in again.output
    assert posts(ws, start) == [only]
    other = cli(env, "run-job", "standup", "--rerun", "999")
    assert other.exit_code == 2 and "run 999 is not a run of standup" in other.output


def test_a_dry_run_does_not_say_it_would_post_where_it_may_not(ws, tmp_path):
    s = setup(ws, tmp_path)
    start = mark(ws)

    dry = cli(s["env"], "run-job", "standup", "--dry-run")

    lines = dry.output.splitlines()
    assert dry.exit_code == 1, dry.output
    assert f"  • would not post to chat {MISSING}: the token may not post there (see above)" in lines
    assert not any(f"would post to chat {MISSING}" in line for line in lines), dry.output
    assert any(f"would post to chat «Спринт Юг-7» ({s['joined']})" in line for line in lines)
    assert writes(ws, start) == []
