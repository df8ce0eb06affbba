"""From plain YAML data to a validated Catalogue, with plain-language problems."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from runner import words
from runner.catalogue.explain import Explainer, _fields_at
from runner.catalogue.fields import KindParams
from runner.catalogue.models import (
    _JOB_NAME,
    COMMON_FIELDS,
    DEFAULT_MISFIRE_GRACE,
    DEFAULT_TIMEOUT,
    JOB_NAME_MAX,
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
from runner.catalogue.yaml_errors import not_utf8
from runner.collector import collector_paused
from runner.cron import parse_cron  # not runner.schedule: no APScheduler to read a file
from runner.durations import LONGEST, parse_within
from runner.errors import CatalogueError, CronProblem, Problem
from runner.kinds.base import JobKind


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
        self.explain = Explainer(doc.secrets)

    def validate(
        self, model: type[BaseModel], data: Any, path: FieldPath, allowed: Sequence[str] = ()
    ) -> tuple[BaseModel | None, list[tuple[FieldPath, str, str]]]:
        """The model instance or None, and (path, error type, message) for each problem."""
        try:
            return model.model_validate(data if data is not None else {}), []
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            located = [(self._real_loc(data, e["loc"], e["type"]), e) for e in errors]
            issues, seen = [], set()
            for loc, err in located:
                full = path + loc
                if full in seen or any(len(other) > len(loc) and other[:len(loc)] == loc
                                       for other, _ in located):
                    # Seen, or the complaint of a union member that wanted a plain value
                    # where a mapping was written: the errors inside that mapping say more.
                    continue
                seen.add(full)
                names = (_fields_at(model, err["loc"]) if len(loc) > 1 else []) or (
                    allowed or list(model.model_fields))
                issues.append((full, err["type"], self.explain.plain(err, full, model, names)))
            return None, issues

    @staticmethod
    def _real_loc(data: Any, loc: tuple[Any, ...], kind: str = "missing") -> FieldPath:
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
            elif (i == len(loc) - 1 and isinstance(data, dict | None) and isinstance(item, str)
                  and kind in ("missing", "extra_forbidden")):
                out.append(item)  # a missing or unknown field of this mapping
        return tuple(out)

    def report(self, issues: list[tuple[FieldPath, str, str]]) -> None:
        """Add issues to the problems, each at the best position for its kind."""
        for path, kind, message in issues:
            if self.doc.has_problem(path):
                continue  # reading it already failed (a ${VAR} not set, a bad date): said
            if kind == "missing":
                if path in self.explain.suggested:
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
            doc.add((), words.text("top.not_mapping"))
            return Catalogue(path=path, timezone="UTC", templates_dir=path.parent / "templates")
        for key in root:
            if key not in TOP_FIELDS and not key.startswith("x-"):
                doc.add(
                    (key,),
                    words.text("top.unknown", key=key, hint=suggest(key, TOP_FIELDS)
                               or words.text("top.sections", known=", ".join(TOP_FIELDS))),
                    doc.where((key,), key=True),
                )
        timezone = zone or "UTC"
        if root.get("timezone") is not None and not doc.has_problem(("timezone",)):
            try:
                timezone = check_zone(str(root["timezone"]))
            except ValueError as exc:
                doc.add(("timezone",), self.explain.hide(("timezone",), str(exc), root["timezone"]))
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
        if catalogue.alerts is not None:
            catalogue.alerts._template_line = doc.where(("alerts", "template"))[0]
            catalogue.alerts._chat_line = doc.where(("alerts", "chat_id"))[0]
        unfurl = root.get("unfurl") or []
        if not isinstance(unfurl, list):
            doc.add(("unfurl",), words.text("unfurl.not_list"))
            unfurl = []
        for i, item in enumerate(unfurl):
            rule = self.section(UnfurlRule, item, ("unfurl", i))
            if rule is not None:
                rule._line = doc.where(("unfurl", i))[0]
                rule._field_lines = self.lines(("unfurl", i), item)
                catalogue.unfurl.append(rule)
        jobs = root.get("jobs")
        if "jobs" not in root:
            doc.add((), words.text("jobs.missing"))
        elif not isinstance(jobs, dict) or not jobs:
            doc.add(("jobs",), words.text("jobs.empty"))
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
            doc.add(path, words.text("job.name", name=name), doc.where(path, key=True))
        elif len(name) > JOB_NAME_MAX:
            doc.add(path, words.text("job.name_long", n=len(name), max=JOB_NAME_MAX),
                    doc.where(path, key=True))
        if not isinstance(body, dict):
            doc.add(path, words.text("job.not_mapping"))
            return None
        kind: JobKind | None = None
        # A number is taken as text (as _JobFields does), so `kind: 1` is an unknown kind,
        # not a job that vanishes without a word.
        raw_kind = body.get("kind")
        if isinstance(raw_kind, str | int | float) and not isinstance(raw_kind, bool):
            try:
                kind = self.kinds(str(raw_kind))
            except KeyError:
                known = list(self.kind_names())
                hint = suggest(str(raw_kind), known)
                doc.add(path + ("kind",), words.text(
                    "job.kind_unknown" if hint else "job.kind_unknown_plain",
                    kind=raw_kind, hint=hint, known=", ".join(known)))
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
        if isinstance(params, KindParams) and kind is not None and (
                head is None or schedule is None or len(doc.problems) > bad):
            catalogue._unscheduled.append(JobSpec(
                name=name, kind=kind.name, schedule=schedule or Schedule(every=86400.0),
                timezone=catalogue.timezone, params=params, line=doc.where(path, key=True)[0],
                field_lines=self.lines(path, body), block_lines=self.blocks(path, body)))
            return None
        if head is None or params is None or schedule is None or len(doc.problems) > bad:
            return None
        assert isinstance(head, _JobFields) and isinstance(params, KindParams)
        d = catalogue.defaults

        def pick(name: str, fallback: Any) -> Any:
            # An empty value (`catchup:`) means "the default", as it does in `defaults:`.
            if name in head.model_fields_set and getattr(head, name) is not None:
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
            field_lines=self.lines(path, body),
            block_lines=self.blocks(path, body),
        )

    def lines(self, path: FieldPath, body: dict[str, Any]) -> dict[str, int]:
        """Where each field of the mapping at ``path`` (a job, an unfurl rule) is written."""
        return {str(key): line for key in body
                if (line := self.doc.where(path + (key,))[0]) is not None}

    def blocks(self, path: FieldPath, body: dict[str, Any]) -> dict[str, int]:
        """Where each literal block text (`|`) of a job's fields starts."""
        return {str(key): self.doc.blocks[path + (key,)] for key in body
                if path + (key,) in self.doc.blocks}

    def schedule(self, value: Any, path: FieldPath) -> Schedule | None:
        doc, bad = self.doc, len(self.doc.problems)
        if isinstance(value, dict):
            for key in value:
                if key != "every":
                    doc.add(path + (key,), words.text("schedule.every_only", key=key),
                            doc.where(path + (key,), key=True))
            if "every" not in value:
                doc.add(path, words.text("schedule.every_missing"))
                return None
            try:
                every = parse_within(0, LONGEST, value["every"])
            except ValueError as exc:
                doc.add(path + ("every",), self.explain.hide(path + ("every",), str(exc), value["every"]))
                return None
            if every < 1:
                doc.add(path + ("every",), words.text("schedule.every_small"))
            return None if len(doc.problems) > bad else Schedule(every=every)
        items = (
            [(path, value)]
            if isinstance(value, str)
            else [(path + (i,), v) for i, v in enumerate(value)]
            if isinstance(value, list)
            else []
        )
        if not items:
            doc.add(path, words.text("schedule.type"))
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
    doc = _Doc(str(path), os.environ if env is None else env, [])
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        doc.add((), *not_utf8(exc.object, exc.start))
        text = None
    except FileNotFoundError:  # the first thing an operator meets in a new folder
        doc.add((), words.text("file.missing"), (None, None))
        text = None
    except OSError as exc:
        doc.add((), words.text("file.unreadable", reason=exc.strerror), (None, None))
        text = None
    root = doc.read(text) if text is not None else None
    if kinds is None or kind_names is None:  # the registry's (``history`` brings its own)
        from runner.kinds import registry

        kinds, kind_names = kinds or registry.get_kind, kind_names or registry.kind_names
    loader = _Loader(doc, kinds, kind_names)
    if doc.problems and root is None:
        catalogue = Catalogue(path=path, timezone="UTC", templates_dir=path.parent)
    else:
        catalogue = loader.load(root, Path(path), templates_dir, default_timezone)
    catalogue._masks = doc.masks
    catalogue._warnings = sorted(doc.warnings, key=lambda p: (p.line or 0, p.column or 0))
    problems = sorted(doc.problems, key=lambda p: (p.line or 0, p.column or 0))
    return catalogue, [catalogue.hide(p) for p in problems]


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
    with collector_paused():
        catalogue, problems = _load(path, env, kinds, kind_names, templates_dir,
                                    default_timezone)
    if problems:
        raise CatalogueError(problems)
    return catalogue

