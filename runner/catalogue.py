"""jobs.yaml -> validated models; every problem is located at file:line:column.

The file is composed with PyYAML (so each node keeps its position), turned into plain data
with ``${VAR}`` / ``${VAR:-default}`` filled in from the environment, then validated by
pydantic models with ``extra="forbid"``. Pydantic's errors are rewritten into plain
sentences at the position of the field they concern. All problems of a file are raised
together as one ``CatalogueError``; no YAML or pydantic exception leaves this module.
"""

from __future__ import annotations

import difflib
import os
import re
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, available_timezones

import yaml
from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError, field_validator

from runner.durations import Duration, parse_duration
from runner.errors import CatalogueError, Problem
from runner.jobs.base import JobKind, KindParams
from runner.schedule import CronProblem, parse_cron

if TYPE_CHECKING:
    from runner.render import Renderer

FieldPath = tuple[str | int, ...]
Pos = tuple[int | None, int | None]  # 1-based line and column
COMMON_FIELDS = (
    "kind",
    "description",
    "schedule",
    "timezone",
    "workdays",
    "enabled",
    "jitter",
    "misfire_grace",
    "catchup",
    "timeout",
)
TOP_FIELDS = ("timezone", "defaults", "alerts", "bot", "unfurl", "jobs")
DEFAULT_MISFIRE_GRACE = 600.0
DEFAULT_TIMEOUT = 1800.0
_JOB_NAME = re.compile(r"[\w-]+")
_VAR = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
_VAR_BODY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)(.*))?", re.DOTALL)
_MAX_NODES = 50_000  # guards against alias bombs


def suggest(word: str, choices: Sequence[str]) -> str:
    """ " — did you mean 'x'?" for the closest choice, or ""."""
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(str(word).lower(), list(lowered), n=1, cutoff=0.6)
    return f" — did you mean '{lowered[close[0]]}'?" if close else ""


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def check_zone(value: str) -> str:
    """``value`` if it names an IANA time zone; ValueError with a suggestion otherwise."""
    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):
        raise ValueError(f"unknown time zone '{value}'{suggest(value, _zones())}") from None
    return value


def check_country(value: Any) -> str:
    """An upper-cased country code the ``holidays`` library knows."""
    import holidays

    if isinstance(value, bool):
        raise ValueError(  # noqa: TRY004 - pydantic turns only ValueError into a field error
            "must be a country code like RU; write 'NO' in quotes (YAML reads NO as false)"
        )
    code = str(value).upper()
    known = holidays.list_supported_countries()
    if code not in known:
        raise ValueError(
            f"'{value}' is not a country with a holiday calendar{suggest(code, list(known))}"
            " (use a code like RU, KZ, BY)"
        )
    return code


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    @field_validator("timezone", check_fields=False)
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        return None if v is None else check_zone(v)

    @field_validator("workdays", mode="before", check_fields=False)
    @classmethod
    def _country(cls, v: Any) -> str | None:
        return None if v is None else check_country(v)


class Defaults(_Fields):
    """``defaults:``: common job fields applied to every job that does not set them."""

    timezone: str | None = None
    workdays: str | None = None
    enabled: bool | None = None
    jitter: Duration | None = None
    misfire_grace: Duration | None = None
    catchup: Duration | None = None
    timeout: Duration | None = None


class _JobFields(Defaults):
    kind: str
    description: str = ""
    schedule: Any


class Alerts(_Fields):
    """``alerts:``: where failure alerts go and how often an ongoing failure is repeated."""

    chat_id: int
    template: str = "alert.md.j2"
    repeat_every: Duration = 6 * 3600.0


class Bot(_Fields):
    """``bot:``: how the bot receives events."""

    events: Literal["poll", "push", "off"] = "off"
    poll_every: Duration = 10.0
    webhook_path: str = "/pachca/events"

    @field_validator("webhook_path")
    @classmethod
    def _slash(cls, v: str) -> str:
        if not v.startswith("/"):
            raise ValueError("must start with '/', e.g. /pachca/events")
        return v


class UnfurlRule(_Fields):
    """One ``unfurl:`` item: how to preview links to ``domain``; strings are Jinja."""

    domain: str
    source: str
    headers: dict[str, str] = {}
    title: str | None = None
    description: str | None = None
    image_url: str | None = None
    _line: int | None = PrivateAttr(default=None)

    @field_validator("domain")
    @classmethod
    def _bare(cls, v: str) -> str:
        if not v or "/" in v or ":" in v or " " in v:
            raise ValueError(
                "must be a bare domain like tracker.example.com (no https://, no path)"
            )
        return v.lower()


class Schedule(BaseModel):
    """When a job fires: crontab lines (standard meaning), or an interval in seconds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    crons: list[str] | None = None
    every: float | None = None


class JobSpec(BaseModel):
    """One job, defaults applied, ready for the scheduler."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    name: str
    kind: str
    schedule: Schedule
    timezone: str
    params: KindParams
    enabled: bool = True
    jitter: float | None = None
    misfire_grace: float = DEFAULT_MISFIRE_GRACE
    catchup: float = DEFAULT_MISFIRE_GRACE
    timeout: float = DEFAULT_TIMEOUT
    description: str = ""
    workdays: str | None = None
    line: int | None = None


class Catalogue(BaseModel):
    """The whole of jobs.yaml, validated."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    path: Path
    timezone: str
    templates_dir: Path
    defaults: Defaults = Defaults()
    jobs: dict[str, JobSpec] = {}
    alerts: Alerts | None = None
    bot: Bot = Bot()
    unfurl: list[UnfurlRule] = []


def dotted(path: FieldPath) -> str:
    """``("jobs", "a", "to", 1)`` -> ``jobs.a.to[1]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class _Doc:
    """Plain data from the YAML file, and where each piece of it was written."""

    file: str
    env: Mapping[str, str]
    problems: list[Problem]
    values: dict[FieldPath, Pos] = field(default_factory=dict)
    keys: dict[FieldPath, Pos] = field(default_factory=dict)
    secrets: dict[FieldPath, list[str]] = field(default_factory=dict)
    _nodes: int = 0
    _active: set[int] = field(default_factory=set)
    _constructor: yaml.constructor.SafeConstructor = field(
        default_factory=yaml.constructor.SafeConstructor
    )

    def add(self, path: FieldPath, message: str, pos: Pos | None = None) -> None:
        line, col = pos if pos else self.where(path)
        self.problems.append(Problem(self.file, line, col, dotted(path), message))

    def where(self, path: FieldPath, *, key: bool = False) -> Pos:
        """The position of ``path`` (its key if ``key``), else of its nearest ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        while path:
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (None, None))

    def read(self, text: str) -> Any:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            if node is None:
                self.add((), "the file is empty — it needs at least a 'jobs:' section", (1, 1))
                return None
            return self._build(node, ())
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            pos = (mark.line + 1, mark.column + 1) if mark else (None, None)
            message = f"YAML syntax error: {exc.problem or exc.context}"
            if any("alias" in str(t) or "anchor" in str(t) for t in (exc.context, exc.problem)):
                message += " (a value starting with * or & must be in quotes)"
            self.add((), message, pos)
        except yaml.YAMLError as exc:
            self.add((), f"the file cannot be read as YAML: {exc}", (None, None))
        except RecursionError:
            self.add((), "the file is nested too deeply", (None, None))
        return None

    def _build(self, node: yaml.Node, path: FieldPath) -> Any:
        self._nodes += 1
        if self._nodes > _MAX_NODES:
            raise yaml.YAMLError("the file expands to too many values (check its aliases)")
        self.values.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if id(node) in self._active:
            self.add(path, "an alias refers to itself")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                return [self._build(item, path + (i,)) for i, item in enumerate(node.value)]
            return self._scalar(node, path)
        finally:
            self._active.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merges = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merges.append(value_node)
                continue
            pos = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if not isinstance(key_node, yaml.ScalarNode):
                self.add(path, "a key must be a plain name, not a list or mapping", pos)
                continue
            key = key_node.value
            if key in out:
                first = self.keys[path + (key,)][0]
                self.add(
                    path + (key,),
                    f"duplicate key '{key}' (already set on line {first}) — keep only one",
                    pos,
                )
                continue
            self.keys[path + (key,)] = pos
            out[key] = self._build(value_node, path + (key,))
        for merge in merges:  # "<<: *anchor": explicit keys win over merged ones
            for part in merge.value if isinstance(merge, yaml.SequenceNode) else [merge]:
                merged = self._build(part, path)
                if not isinstance(merged, dict):
                    self.add(path, "'<<' must refer to a mapping")
                    continue
                for key, value in merged.items():
                    out.setdefault(key, value)
        return out

    def _scalar(self, node: yaml.Node, path: FieldPath) -> Any:
        if node.tag == "tag:yaml.org,2002:str":
            return self._interpolate(node.value, path)
        try:
            return self._constructor.construct_object(node)
        except yaml.constructor.ConstructorError:
            self.add(path, f"YAML tag '{node.tag}' is not supported")
        except (ValueError, TypeError, OverflowError):
            self.add(path, f"'{node.value}' cannot be read as {node.tag.rsplit(':', 1)[-1]}")
        return None

    def _interpolate(self, text: str, path: FieldPath) -> str:
        if "$" not in text:
            return text
        used: list[str] = []

        def fill(m: re.Match[str]) -> str:
            if m.group(0) == "$${":
                return "${"
            if m.group(1) is None:
                self.add(path, "'${' is not closed with '}' — write $${ for a literal ${")
                return ""
            body = _VAR_BODY.fullmatch(m.group(1))
            if body is None:
                self.add(
                    path,
                    f"'${{{m.group(1)}}}' is not a variable reference — use ${{NAME}}"
                    " or ${NAME:-default}",
                )
                return ""
            name, op, default = body.groups()
            used.append(name)
            value = self.env.get(name)
            if op == ":-" and not value or op == "-" and value is None:
                value = default
            if value is None:
                self.add(
                    path,
                    f"environment variable {name} is not set — set it, or give a"
                    f" default: ${{{name}:-...}}",
                )
                return ""
            return value

        out = _VAR.sub(fill, text)
        if used:
            self.secrets[path] = used
        return out


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


def check_templates(
    catalogue: Catalogue, renderer: Renderer, kinds: Callable[[str], JobKind] | None = None
) -> list[Problem]:
    """Render every job's templates with its kind's sample data; one Problem per failure."""
    from runner.jobs import registry
    from runner.render import TemplateProblem

    kinds = kinds or registry.get_kind
    file, problems = str(catalogue.path), []
    for job in catalogue.jobs.values():
        kind = kinds(job.kind)
        for name in kind.templates(job.params):
            where = f"jobs.{job.name}"
            if not renderer.exists(name):
                problems.append(
                    Problem(
                        file,
                        job.line,
                        None,
                        where,
                        f"template '{name}' does not exist in {catalogue.templates_dir}",
                    )
                )
                continue
            try:
                renderer.render(name, kind.sample_context(job.params, name))
            except TemplateProblem as exc:
                problems.append(
                    Problem(exc.file, exc.line, None, where, f"{exc.message} (job '{job.name}')")
                )
    if catalogue.alerts and not renderer.exists(catalogue.alerts.template):
        problems.append(
            Problem(
                file,
                None,
                None,
                "alerts.template",
                f"template"
                f" '{catalogue.alerts.template}' does not exist in"
                f" {catalogue.templates_dir}",
            )
        )
    for i, rule in enumerate(catalogue.unfurl):
        for key in ("source", "title", "description", "image_url"):
            source = getattr(rule, key)
            if source is not None:
                try:
                    renderer.compile_string(source, origin=f"unfurl[{i}].{key}")
                except TemplateProblem as exc:
                    problems.append(
                        Problem(file, rule._line, None, f"unfurl[{i}].{key}", exc.message)
                    )
    return problems


def validate(
    path: Path,
    env: Mapping[str, str] | None = None,
    renderer_factory: Callable[[Path], Renderer] | None = None,
    *,
    kinds: Callable[[str], JobKind] | None = None,
    kind_names: Callable[[], Sequence[str]] | None = None,
) -> Catalogue:
    """Load ``path`` and check its templates; CatalogueError lists every problem of both."""
    catalogue, problems = _load(path, env, kinds, kind_names, None, None)
    if catalogue.jobs or catalogue.unfurl:
        if renderer_factory is None:
            from runner.render import Renderer

            renderer_factory = Renderer
        problems = problems + check_templates(
            catalogue, renderer_factory(catalogue.templates_dir), kinds
        )
    if problems:
        raise CatalogueError(problems)
    return catalogue
