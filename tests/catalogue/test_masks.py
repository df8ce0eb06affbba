"""A value that came from ``${VAR}`` never appears in what the CLI prints about bad input.

Masks are applied where problems are made (the loader knows which values it filled
in), so rather than one test per message, a secret is put into every kind of field
that can be wrong and each broken catalogue goes through ``validate``, ``run-job
--dry-run``, ``jobs`` and ``diff`` (both ways), in English and in Russian.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from runner.catalogue.masks import Masks
from runner.cli import main

REPO = Path(__file__).resolve().parents[2]
SHORT = "tokSECRETa1b2c3d4e5f6"
LONG = "tokSECRET" + "q7" * 60  # longer than messages quote in full
MSG = {"kind": "message", "schedule": "0 9 * * *", "to": {"chats": [101]}, "text": "Привет"}
S = "${PR_SECRET}"

# (name, top-level sections, job fields): each is one mistake that involves the secret.
CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("kind", {}, {"kind": S}),
    ("kind-inside", {}, {"kind": f"x-{S}-y"}),
    ("cron-whole", {}, {"schedule": S}),
    ("cron-field", {}, {"schedule": f"0 {S} * * *"}),
    ("cron-list", {}, {"schedule": ["0 9 * * *", f"{S} 9 * * *"]}),
    ("every", {}, {"schedule": {"every": S}}),
    ("job-timezone", {}, {"timezone": S}),
    ("workdays", {}, {"workdays": S}),
    ("catchup", {}, {"catchup": S}),
    ("timeout", {}, {"timeout": S}),
    ("jitter", {}, {"jitter": f"1{S}"}),
    ("enabled", {}, {"enabled": S}),
    ("chat-id", {}, {"to": {"chats": [S]}}),
    ("user-id", {}, {"to": {"users": [f"1{S}"]}}),
    ("undefined-name", {}, {"text": f"Привет, {{{{ {S} }}}}"}),
    ("undefined-attr", {}, {"text": f"{{{{ job.{S} }}}}"}),
    ("mention", {}, {"text": f"{{{{ '{S}'|mention }}}}"}),
    ("ru-date", {}, {"text": f"{{{{ '{S}'|ru_date }}}}"}),
    ("number", {}, {"text": f"{{{{ '{S}'|number }}}}"}),
    ("syntax", {}, {"text": f"{{{{ {S} ! }}}}"}),
    ("template-missing", {}, {"text": None, "template": f"{S}.md.j2"}),
    ("button-url", {}, {"buttons": [{"text": "Открыть", "url": S}]}),
    ("unknown-field", {}, {"extra": S}),
    ("chat-name", {}, {"kind": "chat_from_template", "to": None, "text": None,
                       "name": f"{{{{ x{S} }}}}", "member_ids": [10004]}),
    ("sweep-regex", {}, {"kind": "sweep", "to": None, "text": None,
                         "exclude": {"names": [f"({S}"]}}),
    ("sweep-days", {}, {"kind": "sweep", "to": None, "text": None, "inactive_days": S}),
    ("report-period", {}, {"kind": "activity_report", "text": None, "period": S}),
    ("report-sort", {}, {"kind": "activity_report", "text": None, "sort_by": S}),
    ("digest-source-url", {}, {"kind": "digest", "text": None,
                               "sources": {"crm": {"type": "http", "url": S}}}),
    ("export-filename", {}, {"kind": "export", "to": None, "text": None,
                             "filename": f"{S}/{{{{ start }}}}.zip"}),
    ("export-period", {}, {"kind": "export", "to": None, "text": None,
                           "period": {"start": S, "end": "2026-01-31"}}),
    ("top-timezone", {"timezone": S}, {}),
    ("alerts-chat", {"alerts": {"chat_id": S}}, {}),
    ("alerts-template", {"alerts": {"chat_id": 101, "template": S}}, {}),
    ("webhook-path", {"bot": {"events": "push", "webhook_path": f"/hooks/export/{S}"}}, {}),
    ("webhook-path-chars", {"bot": {"events": "push", "webhook_path": f"/x {S}"}}, {}),
    ("poll-every", {"bot": {"poll_every": S}}, {}),
    ("unfurl-domain", {"unfurl": [{"domain": f"https://{S}", "source": "https://a.b/c"}]}, {}),
    ("unfurl-source", {"unfurl": [{"domain": "a.b", "source": f"{{{{ {S}( }}}}"}]}, {}),
]


def catalogue(top: dict[str, Any], fields: dict[str, Any]) -> str:
    job = {k: v for k, v in {**MSG, **fields}.items() if v is not None}
    return yaml.safe_dump({**top, "jobs": {"a": job}}, allow_unicode=True, sort_keys=False)


def run(args: list[str], secret: str, lang: str) -> tuple[int, str]:
    env = {"PR_SECRET": secret, "PACHCA_RUNNER_LANG": lang, "PACHCA_TOKEN": "tok-unused",
           "PACHCA_BASE_URL": "http://127.0.0.1:9/api/shared/v1",
           "PACHCA_RUNNER_CATALOGUE": "bad.yaml"}
    result = CliRunner().invoke(main, args, env=env)
    return result.exit_code, result.output


@pytest.mark.parametrize("secret", [SHORT, LONG], ids=["short", "long"])
@pytest.mark.parametrize(("name", "top", "fields"), CASES, ids=[c[0] for c in CASES])
def test_a_secret_from_the_environment_stays_out_of_every_error(
    name: str, top: dict[str, Any], fields: dict[str, Any], secret: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    (tmp_path / "bad.yaml").write_text(catalogue(top, fields), encoding="utf-8")
    (tmp_path / "good.yaml").write_text(catalogue({}, {}), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    commands = [["validate"], ["run-job", "a", "--dry-run"], ["jobs"],
                ["diff", "good.yaml", "bad.yaml"], ["diff", "bad.yaml", "good.yaml"]]
    leaks = []
    for args in commands:
        for lang in ("en", "ru"):
            code, output = run(args, secret, lang)
            if args == ["validate"]:
                assert code == 2, f"{name} is not refused: {output}"  # the path is exercised
            pieces = {secret, secret[:20], secret[-20:], secret.upper()}
            leaks += [f"{' '.join(args)} ({lang}): {output!r}" for piece in pieces
                      if piece in output]
    assert not leaks, "\n".join(leaks)


def test_masks_hide_whole_cut_and_partial_quotes() -> None:
    masks = Masks()
    masks.add("tokSECRETa1b2c3d4e5f6", "${T}")
    masks.add("ru", "${LANG}")  # too short to be a secret: never hidden inside text
    text = ("unknown kind 'tokSECRETa1b2c3…', name 'x_tokSECRETa1b2c3d4e5f6', code"
            " 'TOKSECRETA1B2C3D4E5F6', line 12 in ru")
    assert masks.hide(text) == (
        "unknown kind '${T}…', name 'x_${T}', code '${T}', line 12 in ru")


def test_a_nested_default_is_expanded(tmp_path: Path) -> None:
    from runner.catalogue import load_catalogue

    path = tmp_path / "jobs.yaml"
    path.write_text(catalogue({}, {"text": "${PR_A:-${PR_B:-${PR_C}}} и ${PR_D:-$${x}}"}),
                    encoding="utf-8")
    found = load_catalogue(path, env={"PR_C": "третье"}).jobs["a"].params
    assert found.text == "третье и ${x}"  # type: ignore[attr-defined]
    found = load_catalogue(path, env={"PR_B": "второе", "PR_D": "д"}).jobs["a"].params
    assert found.text == "второе и д"  # type: ignore[attr-defined]


def test_logs_written_after_loading_hide_the_values(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from runner.catalogue.masks import mask_logs

    masks = Masks()
    masks.add(SHORT, "${PR_SECRET}")
    mask_logs(masks.hide)
    log = logging.getLogger("runner.job.a")
    # The level is set on this logger itself: a CLI test run earlier in the same process
    # may have given the "runner" loggers a level of their own.
    with caplog.at_level(logging.INFO, logger=log.name):
        log.info("posting to %s", f"https://hooks.example.com/{SHORT}")
        try:
            raise ValueError(f"bad token {SHORT}")
        except ValueError:
            log.exception("a run failed")
    for handler in logging.getLogger().handlers:  # leave the process's logging as it was
        handler.filters = [f for f in handler.filters if type(f).__name__ != "_LogMask"]
    assert SHORT not in caplog.text
    assert "https://hooks.example.com/${PR_SECRET}" in caplog.text
    assert "ValueError: bad token ${PR_SECRET}" in caplog.text
