"""jobs.yaml -> validated models; every problem is located at file:line:column.

The file is composed with PyYAML (so each node keeps its position), turned into plain data
with ``${VAR}`` / ``${VAR:-default}`` filled in from the environment, then validated by
pydantic models with ``extra="forbid"``. Pydantic's errors are rewritten into plain
sentences at the position of the field they concern. All problems of a file are raised
together as one ``CatalogueError``; no YAML or pydantic exception leaves this module.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner import words
from runner.collector import collector_paused
from runner.errors import CatalogueError, Problem, TemplateProblem
from runner.kinds.base import JobKind

if TYPE_CHECKING:
    from runner.render import Renderer
    from runner.settings import Settings

from runner.catalogue.loader import _load, load_catalogue
from runner.catalogue.models import (
    COMMON_FIELDS,
    TOP_FIELDS,
    Alerts,
    Bot,
    Catalogue,
    Defaults,
    JobSpec,
    Schedule,
    UnfurlRule,
    check_country,
    check_zone,
    suggest,
)
from runner.catalogue.source import FieldPath, dotted

__all__ = [
    "COMMON_FIELDS", "TOP_FIELDS", "Alerts", "Bot", "Catalogue", "Defaults", "FieldPath", "JobSpec",
    "Schedule", "UnfurlRule", "check_country", "check_templates", "check_zone", "dotted",
    "load_catalogue", "load_configured", "suggest", "validate",
]


_SHAPED = 10_000
"""Inline texts up to this long are checked once per shape (their plain text aside)."""


def check_templates(
    catalogue: Catalogue, renderer: Renderer, kinds: Callable[[str], JobKind] | None = None
) -> list[Problem]:
    """Render every job's templates with its kind's sample data; one Problem per failure."""
    from runner.kinds import registry

    kinds = kinds or registry.get_kind
    file, problems = str(catalogue.path), []
    # Jobs of one kind often render the same template with the same sample data, and
    # inline texts that differ only in plain text behave alike: render each (template or
    # text shape, sample) once and give every job the same outcome.
    outcomes: dict[tuple[object, str], TemplateProblem | str] = {}
    # A kind that names what its sample data depends on (``sample_key``) has it built,
    # and told apart from other data (``repr``), once per distinct key.
    samples: dict[tuple[str, str, Hashable], tuple[dict[str, Any], str]] = {}

    def sample_of(kind: JobKind, params: Any, template: str) -> tuple[dict[str, Any], str]:
        """The sample data of ``template`` and the text that tells it apart (its repr)."""
        key = kind.sample_key(params, template)
        if key is None:
            context = kind.sample_context(params, template)
            return context, repr(context)
        if (kind.name, template, key) not in samples:
            context = kind.sample_context(params, template)
            samples[kind.name, template, key] = context, repr(context)
        return samples[kind.name, template, key]

    def rendered(template: object, context_key: str, render: Callable[[], str]
                 ) -> TemplateProblem | str:
        key = (template, context_key)
        if key not in outcomes:
            try:
                outcomes[key] = render()
            except TemplateProblem as exc:
                outcomes[key] = exc
        return outcomes[key]

    for job in [*catalogue.jobs.values(), *catalogue._unscheduled]:
        kind = kinds(job.kind)
        for name in kind.templates(job.params):
            # The field that names the template (`template: digest.md.j2`), if one does:
            # a kind may also render templates of its own (a sweep's warning).
            field = _naming_field(job, name)
            where = f"jobs.{job.name}" + (f".{field}" if field else "")
            if not renderer.exists(name):
                missing = words.text("tpl.missing", name=name, folder=catalogue.templates_dir)
                missing += _similar_template(name, renderer)
                line = job.field_lines.get(field, job.line) if field else job.line
                problems.append(Problem(file, line, None, where, missing))
                continue
            sample, context_key = sample_of(kind, job.params, name)
            failed = rendered(name, context_key, partial(renderer.render, name, sample))
            if isinstance(failed, TemplateProblem):
                message = words.text("tpl.in_job", detail=failed.message, job=job.name)
                problems.append(Problem(renderer.path_of(failed.file), failed.line, None,
                                        where, message))
        for field, source in kind.inline_templates(job.params).items():
            sample, context_key = sample_of(kind, job.params, field)
            origin = f"{job.name}.{field}"
            render = partial(renderer.render_string, source, sample, origin=origin)
            # A long text may be too long to post whatever its shape: checked on its own.
            shape = renderer.shape_of(source) if len(source) <= _SHAPED else source
            outcome = rendered(("inline", shape), context_key, render)
            # What the kind checks in the text itself (a chat name's length) needs the
            # whole text: made from its shape's template, not compiled on its own.
            whole = partial(renderer.render_like, source, sample, origin=origin,
                            context_key=context_key) if len(source) <= _SHAPED else render
            wrong = outcome.message if isinstance(outcome, TemplateProblem) else (
                kind.check_rendered(job.params, field, whole))
            if wrong is not None:
                line = job.field_lines.get(field.split(".")[0].split("[")[0], job.line)
                if isinstance(outcome, TemplateProblem) and outcome.line and (
                        field in job.block_lines):
                    # a `text: |` block: the template's line N is the file's line too
                    line = job.block_lines[field] + outcome.line - 1
                problems.append(Problem(file, line, None, f"jobs.{job.name}.{field}", wrong))
    if catalogue.alerts and not renderer.exists(catalogue.alerts.template):
        missing = words.text("tpl.missing", name=catalogue.alerts.template,
                             folder=catalogue.templates_dir)
        missing += _similar_template(catalogue.alerts.template, renderer)
        problems.append(Problem(file, catalogue.alerts._template_line, None, "alerts.template",
                                missing))
    elif catalogue.alerts:
        from runner.bot.alerts import sample_context

        try:
            renderer.render(catalogue.alerts.template, sample_context(catalogue.timezone))
        except TemplateProblem as exc:
            problems.append(Problem(renderer.path_of(exc.file), exc.line, None,
                                    "alerts.template", exc.message))
    for i, rule in enumerate(catalogue.unfurl):
        for key in ("source", "title", "description", "image_url"):
            source = getattr(rule, key)
            if source is not None:
                try:
                    renderer.compile_string(source, origin=f"unfurl[{i}].{key}")
                    if key == "source":
                        _check_unfurl_source(rule, renderer, i)
                except TemplateProblem as exc:
                    line = rule._field_lines.get(key, rule._line)
                    problems.append(Problem(file, line, None, f"unfurl[{i}].{key}", exc.message))
    return [catalogue.hide(p) for p in problems]  # a template may quote a value from ${VAR}


def _check_unfurl_source(rule: UnfurlRule, renderer: Renderer, index: int) -> None:
    """Refuse a ``source`` that, for a sample link, is not an http(s) URL (a file:// or a
    bare path would fail on every link shared): TemplateProblem, like a template error."""
    from urllib.parse import urlsplit

    from runner.bot.unfurl import link_context

    link = f"https://{rule.domain}/browse/TASK-1"
    try:
        got = renderer.render_string(rule.source, link_context(link),
                                     origin=f"unfurl[{index}].source").strip()
    except TemplateProblem:
        return  # it may need a part this sample link lacks (a query); real links decide
    parts = urlsplit(got)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TemplateProblem("", None, words.text("unfurl.source_url", got=got[:80], link=link))


def _similar_template(name: str, renderer: Renderer) -> str:
    """ " — did you mean 'digest.md.j2'?" for a misspelt template name, or "".

    Names are compared without their shared ending (``.md.j2``), which would make any
    two names look alike."""
    def stem(text: str) -> str:
        return text.split(".", 1)[0]

    known = {stem(t): t for t in renderer.env.list_templates()}
    found = words.closest(stem(name), list(known))
    return words.text("hint.did_you_mean", word=known[found]) if found else ""


def _naming_field(job: JobSpec, name: str) -> str | None:
    """The job's field whose value is the template file ``name``, or None."""
    for field in type(job.params).model_fields:
        if field in job.field_lines and getattr(job.params, field, None) == name:
            return field
    return None


def validate(
    path: Path,
    env: Mapping[str, str] | None = None,
    renderer_factory: Callable[[Path], Renderer] | None = None,
    *,
    kinds: Callable[[str], JobKind] | None = None,
    kind_names: Callable[[], Sequence[str]] | None = None,
    templates_dir: Path | None = None,
    default_timezone: str | None = None,
) -> Catalogue:
    """Load ``path`` and check its templates; CatalogueError lists every problem of both.

    ``templates_dir``: where templates live (default: ``templates`` beside the file);
    ``default_timezone``: the zone of a catalogue that names none (default: UTC).
    """
    with collector_paused():
        catalogue, problems = _load(path, env, kinds, kind_names, templates_dir,
                                    default_timezone)
        if catalogue.jobs or catalogue.unfurl or catalogue._unscheduled:
            if renderer_factory is None:
                from runner.render import Renderer

                renderer_factory = Renderer
            problems = problems + check_templates(
                catalogue, renderer_factory(catalogue.templates_dir), kinds
            )
    if problems:
        raise CatalogueError(problems)
    return catalogue


def load_configured(settings: Settings, path: Path | None = None, *, templates: bool = True,
                    kinds: Callable[[str], JobKind] | None = None,
                    kind_names: Callable[[], Sequence[str]] | None = None,
                    renderer_factory: Callable[[Path], Renderer] | None = None) -> Catalogue:
    """The catalogue as the settings describe it: its file (or ``path``), ``${VAR}`` read
    from the settings' sources, their templates folder and default time zone.

    ``templates``: also render every template with sample data (``validate``);
    ``kinds``, ``kind_names``: as for ``load_catalogue`` (default: the registry's);
    ``renderer_factory``: as for ``validate``.
    """
    options = {"env": settings.environment(), "templates_dir": settings.templates_dir,
               "default_timezone": settings.timezone, "kinds": kinds,
               "kind_names": kind_names}
    if templates:
        return validate(path or settings.catalogue, renderer_factory=renderer_factory,
                        **options)  # type: ignore[arg-type]
    return load_catalogue(path or settings.catalogue, **options)  # type: ignore[arg-type]
