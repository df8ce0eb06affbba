"""From plain YAML data to a validated Catalogue, with plain-language problems."""

from __future__ import annotations

import os
import re
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from runner.catalogue.models import (
    _JOB_NAME,
    COMMON_FIELDS,
    DEFAULT_MISFIRE_GRACE,
    DEFAULT_TIMEOUT,
    TOP_FIELDS,
    Alerts,
    Bot,
    Catalogue,
    Defaults,
    JobSpec,
    Schedule,
    UnfurlRule,
    _JobFields,
    check_zone,
    suggest,
)
from runner.catalogue.source import (
    FieldPath,
    _Doc,
)
from runner.durations import parse_duration
from runner.errors import CatalogueError, Problem
from runner.jobs.base import JobKind, KindParams
from runner.schedule import CronProblem, parse_cron


def _example(model: type[BaseModel], name: str) -> str:
    info = model.model_fields.get(name)
    if info is not None and info.examples:
        return yaml.safe_dump(info.examples[0], default_flow_style=True).split("\n...")[0].strip()
    annotation = info.annotation if info else None
    args = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    base = args[0]
    inner = typing.get_args(base)
    if typing.get_origin(base) in (list, tuple, set):
        return f"[{_example_of(inner[0] if inner else str)}]"
    if typing.get_origin(base) is dict:
        return "{key: value}"
    return _example_of(base)


def _example_of(tp: Any) -> str:
    return {int: "101", bool: "true", float: "1.5"}.get(tp, "...")


class _Loader:
    def __init__(
        self,
        doc: _Doc,
        kinds: Callable[[str], JobKind],
        kind_names: Callable[[], Sequence[str]],
    ) -> None:
        self.doc = doc
        self.kinds = kinds
        self.kind_names = kind_names

    def got(self, path: FieldPath, value: Any) -> str:
        if path in self.doc.secrets:
            return "the value of " + ", ".join(f"${{{v}}}" for v in self.doc.secrets[path])
        if isinstance(value, bool):
            return str(value).lower()
        if value is None:
            return "an empty value"
        if isinstance(value, list):
            return "a list"
        if isinstance(value, dict):
            return "a mapping"
        text = str(value)
        return (
            f"'{text[:60]}…'" if len(text) > 60 else f"'{text}'" if isinstance(value, str) else text
        )

    def hide(self, path: FieldPath, message: str, value: Any) -> str:
        """``message`` with a quoted ``value`` replaced when it came from the environment."""
        if path in self.doc.secrets and isinstance(value, str) and value:
            return message.replace(f"'{value}'", self.got(path, value))
        return message

    def plain(
        self, err: Any, path: FieldPath, model: type[BaseModel], allowed: Sequence[str]
    ) -> str:
        kind, name, ctx = err["type"], str(path[-1]) if path else "", err.get("ctx") or {}
        got = self.got(path, err.get("input"))
        if kind == "missing":
            return f"required field '{name}' is missing — add it, e.g. `{name}: {_example(model, name)}`"
        if kind == "extra_forbidden":
            return f"unknown field '{name}'{suggest(name, allowed)}"
        if kind in ("int_parsing", "int_type", "int_from_float"):
            return f"must be a whole number, got {got}"
        if kind in ("float_parsing", "float_type"):
            return f"must be a number, got {got}"
        if kind in ("bool_parsing", "bool_type"):
            return f"must be true or false, got {got}"
        if kind == "string_type":
            quote = " — put it in quotes" if isinstance(err.get("input"), int | float) else ""
            return f"must be text, got {got}{quote}"
        if kind in ("list_type", "tuple_type", "set_type"):
            return f"must be a list, e.g. [a, b], got {got}"
        if kind in ("dict_type", "model_type", "model_attributes_type", "dataclass_type"):
            return f"must be a mapping (lines of `key: value`), got {got}"
        if kind in ("literal_error", "enum"):
            options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
            hint = suggest(str(err.get("input")), options) if path not in self.doc.secrets else ""
            return f"must be one of {', '.join(options)}; got {got}{hint}"
        bounds = {
            "greater_than": ("more than", "gt"),
            "greater_than_equal": ("at least", "ge"),
            "less_than": ("less than", "lt"),
            "less_than_equal": ("at most", "le"),
        }
        if kind in bounds:
            words, key = bounds[kind]
            return f"must be {words} {ctx.get(key)}, got {got}"
        if kind in ("too_short", "string_too_short"):
            n = ctx.get("min_length", 1)
            return "must not be empty" if n == 1 else f"must have at least {n} items/characters"
        if kind in ("too_long", "string_too_long"):
            return f"must have at most {ctx.get('max_length')} items/characters"
        if kind in ("value_error", "assertion_error"):
            return self.hide(path, str(ctx.get("error", err["msg"])), err.get("input"))
        return str(err["msg"]).replace("Input should be", "must be")

    def validate(
        self, model: type[BaseModel], data: Any, path: FieldPath, allowed: Sequence[str] = ()
    ) -> tuple[BaseModel | None, list[tuple[FieldPath, str, str]]]:
        """The model instance or None, and (path, error type, message) for each problem."""
        try:
            return model.model_validate(data if data is not None else {}), []
        except ValidationError as exc:
            issues, seen = [], set()
            for err in exc.errors(include_url=False):
                loc = self._real_loc(data, err["loc"])
                full = path + loc
                if full in seen:
                    continue
                seen.add(full)
                names = allowed or list(model.model_fields)
                issues.append((full, err["type"], self.plain(err, full, model, names)))
            return None, issues

    @staticmethod
    def _real_loc(data: Any, loc: tuple[Any, ...]) -> FieldPath:
        """Pydantic's loc without union-member tags, so it matches the YAML path."""
        out: list[str | int] = []
        for i, item in enumerate(loc):
            if isinstance(data, dict) and isinstance(item, str) and item in data:
                inside = True
            else:
                inside = isinstance(data, list) and isinstance(item, int) and 0 <= item < len(data)
            if inside:
                out.append(item)
                data = data[item]
            elif i == len(loc) - 1 and isinstance(data, dict | None) and isinstance(item, str):
                out.append(item)  # a missing or unknown field of this mapping
        return tuple(out)

    def report(self, issues: list[tuple[FieldPath, str, str]]) -> None:
        """Add issues to the problems, each at the best position for its kind."""
        unknown_hints = {m.rsplit("'", 2)[-2] for _, t, m in issues if "did you mean" in m}
        for path, kind, message in issues:
            if kind == "missing":
                if path[-1] in unknown_hints:
                    continue  # the misspelt field is reported: one problem per mistake
                self.doc.add(path, message, self.doc.where(path[:-1], key=True))
            elif kind == "extra_forbidden":
                self.doc.add(path, message, self.doc.where(path, key=True))
            else:
                self.doc.add(path, message)

    def section(self, model: type[BaseModel], data: Any, path: FieldPath) -> Any:
        instance, issues = self.validate(model, data, path)
        self.report(issues)
        return instance

    def load(
        self, root: Any, path: Path, templates_dir: Path | None, zone: str | None
    ) -> Catalogue:
        doc = self.doc
        if not isinstance(root, dict):
            doc.add((), "the file must be a mapping with a 'jobs:' section at the top level")
            return Catalogue(path=path, timezone="UTC", templates_dir=path.parent / "templates")
        for key in root:
            if key not in TOP_FIELDS and not key.startswith("x-"):
                doc.add(
                    (key,),
                    f"unknown section '{key}'{suggest(key, TOP_FIELDS)}",
                    doc.where((key,), key=True),
                )
        timezone = zone or "UTC"
        if root.get("timezone") is not None:
            try:
                timezone = check_zone(str(root["timezone"]))
            except ValueError as exc:
                doc.add(("timezone",), self.hide(("timezone",), str(exc), root["timezone"]))
        defaults = self.section(Defaults, root.get("defaults"), ("defaults",)) or Defaults()
        catalogue = Catalogue(
            path=path,
            timezone=timezone,
            templates_dir=templates_dir or path.parent / "templates",
            defaults=defaults,
            alerts=self.section(Alerts, root["alerts"], ("alerts",))
            if root.get("alerts")
            else None,
            bot=self.section(Bot, root.get("bot"), ("bot",)) or Bot(),
        )
        unfurl = root.get("unfurl") or []
        if not isinstance(unfurl, list):
            doc.add(("unfurl",), "must be a list of rules, each starting with '- domain: ...'")
            unfurl = []
        for i, item in enumerate(unfurl):
            rule = self.section(UnfurlRule, item, ("unfurl", i))
            if rule is not None:
                rule._line = doc.where(("unfurl", i))[0]
                catalogue.unfurl.append(rule)
        jobs = root.get("jobs")
        if "jobs" not in root:
            doc.add((), "required section 'jobs' is missing — add `jobs:` with at least one job")
        elif not isinstance(jobs, dict) or not jobs:
            doc.add(("jobs",), "must be a mapping of job names to jobs, with at least one job")
        else:
            for name, body in jobs.items():
                job = self.job(str(name), body, catalogue)
                if job is not None:
                    catalogue.jobs[job.name] = job
        return catalogue

    def job(self, name: str, body: Any, catalogue: Catalogue) -> JobSpec | None:
        doc, path = self.doc, ("jobs", name)
        bad = len(doc.problems)
        if not _JOB_NAME.fullmatch(name):
            doc.add(
                path,
                f"job name '{name}' may use only letters, digits, '-' and '_'",
                doc.where(path, key=True),
            )
        if not isinstance(body, dict):
            doc.add(path, "a job must be a mapping of fields (kind, schedule, ...)")
            return None
        kind: JobKind | None = None
        if isinstance(body.get("kind"), str):
            try:
                kind = self.kinds(body["kind"])
            except KeyError:
                known = list(self.kind_names())
                doc.add(
                    path + ("kind",),
                    f"unknown kind '{body['kind']}'"
                    f"{suggest(body['kind'], known)} Known kinds: {', '.join(known)}",
                )
        allowed = list(COMMON_FIELDS) + (list(kind.Params.model_fields) if kind else [])
        common = {k: v for k, v in body.items() if k in COMMON_FIELDS}
        head, issues = self.validate(_JobFields, common, path, allowed)
        params = None
        if kind is not None:
            rest = {k: v for k, v in body.items() if k not in COMMON_FIELDS}
            params, more = self.validate(kind.Params, rest, path, allowed)
            issues += more
        self.report(issues)
        schedule = (
            self.schedule(body["schedule"], path + ("schedule",)) if "schedule" in body else None
        )
        if head is None or params is None or schedule is None or len(doc.problems) > bad:
            return None
        assert isinstance(head, _JobFields) and isinstance(params, KindParams)
        d = catalogue.defaults

        def pick(name: str, fallback: Any) -> Any:
            if name in head.model_fields_set:
                return getattr(head, name)
            value = getattr(d, name)
            return fallback if value is None else value

        grace = pick("misfire_grace", DEFAULT_MISFIRE_GRACE)
        return JobSpec(
            name=name,
            kind=head.kind,
            schedule=schedule,
            params=params,
            timezone=pick("timezone", catalogue.timezone),
            enabled=pick("enabled", True),
            jitter=pick("jitter", None),
            misfire_grace=grace,
            catchup=pick("catchup", grace),
            timeout=pick("timeout", DEFAULT_TIMEOUT),
            description=head.description,
            workdays=pick("workdays", None),
            line=doc.where(path, key=True)[0],
        )

    def schedule(self, value: Any, path: FieldPath) -> Schedule | None:
        doc, bad = self.doc, len(self.doc.problems)
        if isinstance(value, dict):
            for key in value:
                if key != "every":
                    doc.add(
                        path + (key,),
                        f"unknown field '{key}' — a schedule mapping takes only"
                        " 'every', e.g. {every: 15m}",
                        doc.where(path + (key,), key=True),
                    )
            if "every" not in value:
                doc.add(path, "an interval needs 'every', e.g. {every: 15m}")
                return None
            try:
                every = parse_duration(value["every"])
            except ValueError as exc:
                doc.add(path + ("every",), self.hide(path + ("every",), str(exc), value["every"]))
                return None
            if every < 1:
                doc.add(path + ("every",), "must be at least 1s")
            return None if len(doc.problems) > bad else Schedule(every=every)
        items = (
            [(path, value)]
            if isinstance(value, str)
            else [(path + (i,), v) for i, v in enumerate(value)]
            if isinstance(value, list)
            else []
        )
        if not items:
            doc.add(
                path,
                'must be a cron expression like "0 9 * * 1-5", a list of them, or {every: 15m}',
            )
            return None
        for where, expr in items:
            try:
                parse_cron(expr)
            except CronProblem as exc:
                doc.add(where, str(exc))
        return None if len(doc.problems) > bad else Schedule(crons=[e for _, e in items])


def _load(
    path: Path,
    env: Mapping[str, str] | None,
    kinds: Callable[[str], JobKind] | None,
    kind_names: Callable[[], Sequence[str]] | None,
    templates_dir: Path | None,
    default_timezone: str | None,
) -> tuple[Catalogue, list[Problem]]:
    from runner.jobs import registry

    doc = _Doc(str(path), os.environ if env is None else env, [])
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        doc.add((), "the file is not UTF-8 text", (None, None))
        text = None
    except OSError as exc:
        doc.add((), f"cannot read the file: {exc.strerror}", (None, None))
        text = None
    root = doc.read(text) if text is not None else None
    loader = _Loader(doc, kinds or registry.get_kind, kind_names or registry.kind_names)
    if doc.problems and root is None:
        return Catalogue(path=path, timezone="UTC", templates_dir=path.parent), doc.problems
    catalogue = loader.load(root, Path(path), templates_dir, default_timezone)
    return catalogue, sorted(doc.problems, key=lambda p: (p.line or 0, p.column or 0))


def load_catalogue(
    path: Path,
    *,
    env: Mapping[str, str] | None = None,
    kinds: Callable[[str], JobKind] | None = None,
    kind_names: Callable[[], Sequence[str]] | None = None,
    templates_dir: Path | None = None,
    default_timezone: str | None = None,
) -> Catalogue:
    """Read and validate ``path``; CatalogueError lists every problem found."""
    catalogue, problems = _load(path, env, kinds, kind_names, templates_dir, default_timezone)
    if problems:
        raise CatalogueError(problems)
    return catalogue

