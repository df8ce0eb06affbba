"""The template reference (``docs/templates*.md``) is made from the current code, and
says the truth: what each default template uses is among what it is given."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runner.defaults import TEMPLATES
from runner.template_docs import _used, templates_markdown

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("page", "lang"),
                         [("docs/templates.md", "en"), ("docs/templates.ru.md", "ru")])
def test_the_template_reference_is_current(page: str, lang: str) -> None:
    committed = (REPO / page).read_text(encoding="utf-8")
    command = f"pachca-runner docs templates{' --lang ru' if lang == 'ru' else ''} -o {page}"
    assert committed == templates_markdown(lang), f"out of date: run `{command}`"


def sections(text: str) -> dict[str, list[set[str]]]:
    """Each ``### `name``` section's top-level variables (a name may have several)."""
    found: dict[str, list[set[str]]] = {}
    for block in text.split("\n### ")[1:]:
        name = block.split("`")[1]
        table = set(re.findall(r"^\| `([a-z_]+)[`.\[]", block, re.MULTILINE))
        listed = set(re.findall(r"`([a-z_]+)`", block.split("\n\n")[-1]))
        found.setdefault(name, []).append(table or listed)
    return found


def test_every_default_template_is_described_with_what_it_uses() -> None:
    found = sections(templates_markdown("en").split("\n## Catalogue sections")[0])
    for template in sorted(TEMPLATES.glob("*.j2")):
        assert template.name in found, f"{template.name} is missing from the reference"
        for given in found[template.name]:
            missing = set(_used(template.name)) - given
            assert not missing, f"{template.name} uses {missing}, the reference omits them"


def test_the_catalogue_sections_are_described_field_by_field() -> None:
    text = templates_markdown("en").split("\n## Catalogue sections")[1]
    for field in ("alerts.chat_id", "alerts.repeat_every", "bot.events", "bot.poll_every",
                  "unfurl[].domain", "unfurl[].source", "unfurl[].title"):
        assert f"| `{field}` |" in text
    assert "| `url` |" in templates_markdown("en").split("### `unfurl`")[1]


def test_every_digest_source_type_is_listed_with_its_variables() -> None:
    from typing import get_args

    from runner.sources import Source

    page = templates_markdown("en").split("\n## Digest sources\n")[1]
    blocks = {block.split("`")[1]: block for block in page.split("\n### ")[1:]}
    types = [get_args(m.model_fields["type"].annotation)[0]
             for m in get_args(get_args(Source)[0])]
    assert sorted(blocks) == sorted(types)
    for name in ("sql", "pachca_search", "pachca_tasks", "pachca_threads"):
        assert "| `NAME.count` |" in blocks[name] or "| `NAME.counts` |" in blocks[name], name
    assert "| `NAME.rows[].day` | date |" in blocks["sql"]
    assert "| `NAME.threads[].parent.text` | text |" in blocks["pachca_threads"]
