"""``pachca-runner docs templates``: what each template is given, made from the code.

For every template a job, the alerts or the link previews render, the page lists the
variables with their type and an example, taken from the very sample data ``validate``
renders them with (the kinds' ``sample_context``, the alerts' sample, the link-preview
context); the jobs are the sample catalogue's, one section per distinct set of
variables. Templates without sample data (the answers to button clicks, the recovery
note) list the variables their default text uses. Also: the filters, the catalogue
sections ``alerts``, ``bot`` and ``unfurl`` field by field (from the editors' schema), and
what a digest source of each type gives a template.
A test checks the committed ``docs/templates.md`` and ``docs/templates.ru.md`` are current.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, get_args

from jinja2 import meta, nodes

from runner.defaults import SAMPLE, TEMPLATES

_TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "title": "# Templates and catalogue sections",
        "made": "<!-- Made by `pachca-runner docs templates` from the code; do not edit by"
                " hand: a test checks it is current. -->",
        "intro": "Messages are Jinja templates, rendered in a sandbox; an unknown variable is"
                 " an error (`validate` renders each with the data below). The defaults ship"
                 " with the runner; a file of the same name in the catalogue's `templates/`"
                 " replaces one (`pachca-runner init` writes copies to edit).",
        "filters": "Filters (besides Jinja's own):",
        "head": "| variable | type | example |",
        "given": "Given to `{name}` — {who}:",
        "job": "kind `{kind}`, as the sample's job `{job}` gets it",
        "inline": "the field `{field}` of kind `{kind}` (a template written in the job)",
        "alert": "the `alerts` section's `template` (a failed or missed run)",
        "unfurl": "`unfurl` rules: `source` gets these; `title`, `description` and"
                  " `image_url` also get `data`, the JSON the source answered",
        "used": "Variables its default text uses (rendered by the runner itself: {who}):",
        "clicks": "the answer to a click on a button",
        "recovery": "the note that a failing job works again (alerts)",
        "sections": "## Catalogue sections: `alerts`, `bot`, `unfurl`",
        "fields": "| field | type | default | what it does | example |",
        "sources": "## Digest sources",
        "sources_intro": "A digest's source named `NAME` gives its template `NAME` (also"
                         " `sources.NAME`, and `data` of its item in `sections`, whose"
                         " `type` is the source's type). By type:",
        "http": "`NAME` is the JSON the URL answered, as it is.",
        "types": {"text": "text", "int": "whole number", "number": "number",
                  "bool": "true/false", "date": "date", "datetime": "date and time (aware)",
                  "list": "list", "mapping": "mapping", "null": "empty (null)"},
    },
    "ru": {
        "title": "# Шаблоны и разделы каталога",
        "made": "<!-- Сделано командой `pachca-runner docs templates --lang ru` из кода; не"
                " править вручную: тест проверяет, что страница актуальна. -->",
        "intro": "Сообщения — это шаблоны Jinja, они выполняются в песочнице; неизвестная"
                 " переменная — ошибка (`validate` отрисовывает каждый шаблон с данными ниже)."
                 " Шаблоны по умолчанию входят в раннер; файл с тем же именем в папке"
                 " `templates/` каталога заменяет его (`pachca-runner init` кладёт копии"
                 " для правки).",
        "filters": "Фильтры (кроме встроенных в Jinja):",
        "head": "| переменная | тип | пример |",
        "given": "Получает `{name}` — {who}:",
        "job": "вид `{kind}`, как его получает задание `{job}` из образца",
        "inline": "поле `{field}` вида `{kind}` (шаблон прямо в задании)",
        "alert": "`template` раздела `alerts` (неудачный или пропущенный запуск)",
        "unfurl": "правила `unfurl`: `source` получает это; `title`, `description` и"
                  " `image_url` — ещё и `data`, JSON из ответа источника",
        "used": "Переменные, которые использует текст по умолчанию (его отрисовывает сам"
                " раннер: {who}):",
        "clicks": "ответ на нажатие кнопки",
        "recovery": "сообщение, что упавшее задание снова работает (оповещения)",
        "sections": "## Разделы каталога: `alerts`, `bot`, `unfurl`",
        "fields": "| поле | тип | по умолчанию | что делает | пример |",
        "sources": "## Источники сводки",
        "sources_intro": "Источник сводки с именем `NAME` даёт шаблону `NAME` (а также"
                         " `sources.NAME` и `data` своего элемента в `sections`, где `type` —"
                         " тип источника). По типам:",
        "http": "`NAME` — JSON из ответа по адресу, как есть.",
        "types": {"text": "текст", "int": "целое число", "number": "число",
                  "bool": "true/false", "date": "дата", "datetime": "дата и время (с поясом)",
                  "list": "список", "mapping": "словарь", "null": "пусто (null)"},
    },
}

EXAMPLE_URL = "https://tracker.example.com/issues/PROJ-42?tab=comments"


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "number"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, list | tuple):
        return "list"
    return "text"


def _example(value: Any) -> str:
    if isinstance(value, Mapping) or (isinstance(value, list | tuple) and value
                                      and isinstance(value[0], Mapping)):
        return "—"
    shown = value.isoformat() if isinstance(value, date) else repr(value)
    shown = shown if len(shown) <= 48 else shown[:47] + "…"
    return "`" + shown.replace("|", "\\|").replace("`", "'") + "`"


def _flatten(context: Mapping[str, Any], prefix: str = "", depth: int = 0
             ) -> Iterator[tuple[str, Any]]:
    """(dotted name, value): mappings opened two levels deep, a list of mappings as
    ``name[].field`` from its first item."""
    for name, value in context.items():
        full = f"{prefix}{name}"
        yield full, value
        if depth >= 2:
            continue
        if isinstance(value, Mapping):
            yield from _flatten(value, full + ".", depth + 1)
        elif isinstance(value, list | tuple) and value and isinstance(value[0], Mapping):
            yield from _flatten(value[0], full + "[].", depth + 1)


def _table(context: Mapping[str, Any], t: dict[str, Any], depth: int = 0) -> list[str]:
    rows = [f"| `{name}` | {t['types'][_type(value)]} | {_example(value)} |"
            for name, value in _flatten(context, depth=depth)]
    return [t["head"], "| --- | --- | --- |", *rows]


def _given(t: dict[str, Any], name: str, who: str, context: Mapping[str, Any]) -> list[str]:
    return [f"### `{name}`", "", t["given"].format(name=name, who=who), "",
            *_table(context, t), ""]


def _job_sections(t: dict[str, Any]) -> list[str]:
    """Each template and inline field of the sample's jobs, once per set of variables."""
    from runner.catalogue import validate
    from runner.kinds.registry import get_kind

    catalogue = validate(SAMPLE, env={}, templates_dir=TEMPLATES)
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    out: list[str] = []
    for job in catalogue.jobs.values():
        kind = get_kind(job.kind)
        named = [(n, False) for n in kind.templates(job.params)]
        inline = [(f, True) for f in kind.inline_templates(job.params)]
        for name, is_field in named + inline:
            context = kind.sample_context(job.params, name)
            key = (job.kind, name, tuple(sorted(n for n, _ in _flatten(context))))
            if key in seen:
                continue
            seen.add(key)
            who = (t["inline"].format(field=name, kind=job.kind) if is_field
                   else t["job"].format(kind=job.kind, job=job.name))
            out += _given(t, name, who, context)
    return out


def _used(name: str) -> list[str]:
    """The top-level variables the default template ``name`` reads."""
    from runner.render import Renderer

    env = Renderer(TEMPLATES).env
    tree = env.parse((TEMPLATES / name).read_text(encoding="utf-8"))
    # Jinja counts a name `set` inside a block as undeclared; the template makes it
    made = {node.name for node in tree.find_all(nodes.Name) if node.ctx == "store"}
    return sorted(meta.find_undeclared_variables(tree) - made)


def _sections(lang: str) -> list[str]:
    from runner.catalogue.schema import catalogue_schema
    from runner.reference import _Pages

    schema = catalogue_schema()
    pages = _Pages(schema, lang)
    wanted = {name: schema["properties"][name] for name in ("alerts", "bot", "unfurl")}
    # a plain $ref is not opened into rows; as a one-branch union it is, like `alerts`
    bot = {k: v for k, v in wanted["bot"].items() if k != "$ref"}
    if "$ref" in wanted["bot"]:
        wanted["bot"] = {**bot, "anyOf": [{"$ref": wanted["bot"]["$ref"]}]}
    return [_TEXT[lang]["sections"], "", _TEXT[lang]["fields"],
            "| --- | --- | --- | --- | --- |", *pages.rows(wanted, []), ""]


def _source_sections(t: dict[str, Any]) -> list[str]:
    """What a digest source of each type gives the template, from the same sample data
    ``validate`` renders digests with (each field set to its documented example)."""
    from runner.sources import Source, sample

    end = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    out = [t["sources"], "", t["sources_intro"], ""]
    for model in get_args(get_args(Source)[0]):
        kind = get_args(model.model_fields["type"].annotation)[0]
        examples = {name: field.examples[0] for name, field in model.model_fields.items()
                    if field.examples and name != "type"}
        # Not validated: an example may be a ${VAR} the catalogue would fill in.
        source = model.model_construct(type=kind, **examples)
        out += [f"### `{kind}`", ""]
        if kind == "http":  # whatever the other site answers: nothing to list
            out += [t["http"], ""]
            continue
        # one level deeper than a template's own table: `NAME.` is a level of its own
        data = {"NAME": sample(source, end - timedelta(days=1), end)}
        out += [*_table(data, t, depth=-1), ""]
    return out


def templates_markdown(lang: str = "en") -> str:
    """The template and section reference page (Markdown) in ``lang``."""
    from runner.bot.alerts import sample_context
    from runner.bot.unfurl import link_context
    from runner.filters import _filters

    t = _TEXT[lang]
    filters = ", ".join(f"`{name}`" for name in sorted(_filters(lang)))
    lines = [t["title"], "", t["made"], "", t["intro"], "", f"{t['filters']} {filters}.", "",
             "## " + ("Templates" if lang == "en" else "Шаблоны"), ""]
    lines += _job_sections(t)
    lines += _given(t, "alert.md.j2", t["alert"], sample_context("Europe/Moscow"))
    lines += _given(t, "unfurl", t["unfurl"], link_context(EXAMPLE_URL))
    own = sorted(p.name for p in TEMPLATES.glob("click_*.j2")) + ["recovery.md.j2"]
    for name in own:
        who = t["recovery"] if name.startswith("recovery") else t["clicks"]
        used = ", ".join(f"`{v}`" for v in _used(name))
        lines += [f"### `{name}`", "", t["used"].format(who=who), used, ""]
    lines += _sections(lang)
    lines += _source_sections(t)
    return "\n".join(lines).rstrip("\n") + "\n"
