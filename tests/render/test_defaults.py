"""The default templates ship inside the package, once: a catalogue's own folder
overrides them by name and falls back to them for the rest."""

from __future__ import annotations

from pathlib import Path

from runner.catalogue import validate
from runner.defaults import SAMPLE, TEMPLATES
from runner.render import Renderer

REPO = Path(__file__).resolve().parents[2]


def test_a_template_of_the_folder_wins_and_the_rest_come_from_the_package(tmp_path: Path
                                                                           ) -> None:
    (tmp_path / "digest.md.j2").write_text("свой: {{ 1 + 1 }}", encoding="utf-8")
    renderer = Renderer(tmp_path)
    assert renderer.render("digest.md.j2", {}) == "свой: 2"
    assert renderer.exists("alert.md.j2") and not renderer.exists("nope.md.j2")
    shipped = Renderer(tmp_path / "absent")
    assert shipped.exists("digest.md.j2")
    assert shipped.env.loader.get_source(shipped.env, "alert.md.j2")[0] == (  # type: ignore[union-attr]
        (TEMPLATES / "alert.md.j2").read_text(encoding="utf-8"))


def test_each_default_template_has_one_copy_in_the_repository() -> None:
    defaults = {p.name for p in TEMPLATES.glob("*.j2")}
    assert "digest.md.j2" in defaults
    copies = [p for p in REPO.rglob("*.j2")
              if p.name in defaults and p.parent != TEMPLATES
              and not p.is_relative_to(REPO / "tests") and ".git" not in p.parts]
    assert copies == [], "keep the default templates only in runner/defaults/templates"


def test_the_sample_validates_with_an_empty_templates_folder(tmp_path: Path) -> None:
    catalogue = validate(SAMPLE, env={}, templates_dir=tmp_path)
    assert catalogue.templates_dir == tmp_path
    assert {job.kind for job in catalogue.jobs.values()} >= {
        "message", "digest", "activity_report", "chat_from_template", "sweep", "export"}


def test_the_sweep_report_words_every_skip_reason_in_russian() -> None:
    # A reason the template does not know is shown as its key ("no_rights — 3").
    from datetime import date

    from runner.kinds.sweep.decide import SKIP_REASONS

    reasons = (*SKIP_REASONS, "changed", "not_planned")  # the last two: a saved plan's
    text = Renderer(TEMPLATES).render("sweep_report.md.j2", {
        "job": "sweep", "date": date(2026, 12, 5), "dry_run": False, "scanned": 40,
        "warned": [], "archived": [], "failed": [], "waiting": 0, "later": 0,
        "skipped": {reason: 1 for reason in reasons}, "inactive_days": 90, "warn_days": 7})
    shown = [reason for reason in reasons if reason in text]
    assert not shown, f"shown as keys: {shown}\n{text}"
