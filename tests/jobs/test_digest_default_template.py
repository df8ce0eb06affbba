"""The default digest template shows every type of source without a custom template."""

from __future__ import annotations

from pathlib import Path

from runner.catalogue import validate
from runner.defaults import TEMPLATES
from runner.kinds.registry import get_kind
from runner.render import Renderer

CATALOGUE = """\
jobs:
  everything:
    kind: digest
    schedule: "0 18 * * *"
    window: today
    to: {chats: [101]}
    sources:
      activity: {type: pachca_activity}
      crm: {type: http, url: "https://crm.example.com/api/sales/today"}
      info: {type: vars, values: {team: Продажи}}
      plan: {type: vars, title: План на месяц, values: {выручка: 104}}
      sales: {type: sql, url: "sqlite:///sales.db", query: "SELECT day, revenue FROM sales"}
      incidents: {type: pachca_search, query: инцидент}
      tasks: {type: pachca_tasks}
      talk: {type: pachca_threads}
"""


def test_each_source_type_has_its_own_part_of_the_message(tmp_path: Path) -> None:
    (tmp_path / "jobs.yaml").write_text(CATALOGUE, encoding="utf-8")
    job = validate(tmp_path / "jobs.yaml", env={}).jobs["everything"]
    context = get_kind("digest").sample_context(job.params, "digest.md.j2")
    text = Renderer(TEMPLATES).render("digest.md.j2", context)
    shown = {
        "pachca_activity": "**Самые активные чаты**\n1. [Отдел продаж]",
        "http": "**Crm**\n- total: 1",  # 1 250 000, spaced as Russian numbers are
        "vars": "**Info**\n- team: Продажи",
        "vars with a title": "**План на месяц**\n- выручка: 104",
        "sql": "**Sales**\n- day: 2026-11-19 · revenue: 1",
        "pachca_search": "**Поиск «инцидент»** — 1 сообщение\n- [20 ноября, 09:00](",
        "pachca_tasks": "**Задачи**: на сегодня — 1, просрочено — 1, выполнено — 1",
        "pachca_threads": "**Обсуждали в тредах**\n- [Обсуждаем план релиза]",
    }
    missing = {kind: part for kind, part in shown.items() if part not in text}
    assert not missing, f"not shown: {sorted(missing)}\n--- message:\n{text}"
