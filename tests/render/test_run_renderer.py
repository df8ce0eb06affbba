"""A run renders with the renderer that checked its catalogue only where that one renders
exactly what the run would: the same templates folder, in the run's language."""

from __future__ import annotations

from pathlib import Path

from runner.app import run_renderer
from runner.render import Renderer


def test_the_checking_renderer_is_used_again_for_the_same_folder_and_language(
    tmp_path: Path,
) -> None:
    (tmp_path / "n.md.j2").write_text("{{ n | number }}", encoding="utf-8")
    checked = Renderer(tmp_path)
    checked.render("n.md.j2", {"n": 1234567})  # compiled by the check
    used = run_renderer(tmp_path, "ru", checked)
    assert used is checked
    assert used.render("n.md.j2", {"n": 1234567}) == Renderer(tmp_path).render(
        "n.md.j2", {"n": 1234567})


def test_another_language_or_folder_gets_a_renderer_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "n.md.j2").write_text("{{ n | number }}", encoding="utf-8")
    other = tmp_path / "other"
    other.mkdir()
    (other / "n.md.j2").write_text("другой {{ n }}", encoding="utf-8")
    checked = Renderer(tmp_path)
    english = run_renderer(tmp_path, "en", checked)
    assert english is not checked and english.lang == "en"
    assert english.render("n.md.j2", {"n": 1234567}) == Renderer(tmp_path, lang="en").render(
        "n.md.j2", {"n": 1234567})
    assert english.render("n.md.j2", {"n": 1234567}) != checked.render(
        "n.md.j2", {"n": 1234567})
    elsewhere = run_renderer(other, "ru", checked)
    assert elsewhere is not checked
    assert elsewhere.render("n.md.j2", {"n": 5}) == "другой 5"
    assert run_renderer(tmp_path, "ru", None) is not checked
