"""What the runner writes to its log: an operator's lines, in words or as JSON.

Two sorts of records share one handler on the root logger:

- events, on the ``runner.events`` logger: what the daemon does, one line each (start,
  each run, a skipped fire, a reload or a refused one, stop). An event has a name and
  fields; its line is the ``daemon.<name>`` text of ``runner.words`` filled with the
  fields as an operator reads them (times in the job's zone, counts, durations). The
  JSON form is the fields themselves plus that line, one object per line (journald, Loki,
  ELK read it as is).
- everything else: the runner's step-by-step lines (``-v``) and, only with ``--debug``,
  the libraries' (APScheduler, uvicorn, httpx); warnings and errors always.

Every line starts with its time in a named zone (the catalogue's zone once the daemon
runs, the machine's before).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from datetime import UTC, date, datetime, tzinfo
from typing import IO, Any

from runner import words

EVENTS = "runner.events"
"""The logger of the operator's lines (``event``)."""
FORMATS = ("text", "json")

_HANDLER_MARK = "_pachca_runner_handler"


def event(name: str, /, *, level: int = logging.INFO, detail: bool = False,
          words_only: Mapping[str, str] | None = None, **fields: Any) -> None:
    """Log the daemon's event ``name`` with ``fields`` (JSON-able values, datetimes, counts).

    The line is made now, in the language of the moment (``runner.words``), from the
    fields as shown (``shown``) and ``words_only``: placeholders in words (a translated
    outcome, say) that the JSON form carries as plain fields instead. ``detail``: a
    step shown only with ``-v`` (a jitter wait, the next fire).
    """
    logger = logging.getLogger(EVENTS)
    if not logger.isEnabledFor(level):
        return
    values = {k: shown(v) for k, v in fields.items()} | dict(words_only or {})
    message = words.text(f"daemon.{name}", **values)
    logger.log(level, message, extra={"event": name, "fields": fields, "detail": detail})


def shown(value: Any) -> str:
    """A field's value as the text line shows it."""
    if isinstance(value, datetime):
        return moment(value)
    if isinstance(value, float):
        return words.text("unit.seconds", n=words.decimal(value))
    if isinstance(value, Mapping):
        return (", ".join(f"{words.count_name(k)}={v}" for k, v in sorted(value.items()))
                or words.text("word.none"))
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or words.text("word.none")
    if value is None:
        return words.text("word.none")
    return str(value)


def moment(value: datetime, zone: tzinfo | None = None) -> str:
    """``2026-12-04 10:00:00 MSK``: seconds, and the zone it is in, named."""
    if zone is not None:
        value = value.astimezone(zone)
    elif value.tzinfo is None:
        value = value.astimezone()
    return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_value(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class _Formatter(logging.Formatter):
    """The time in ``zone`` (None: the machine's), then the line or the JSON object."""

    def __init__(self, fmt: str, zone: tzinfo | None) -> None:
        super().__init__()
        self.json = fmt == "json"
        self.zone = zone

    def _when(self, record: logging.LogRecord) -> datetime:
        return datetime.fromtimestamp(record.created, UTC).astimezone(self.zone)

    def format(self, record: logging.LogRecord) -> str:
        when = self._when(record)
        name = getattr(record, "event", None)
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        if not self.json:
            if name is not None:
                return f"{moment(when)}  {message}"
            return f"{moment(when)}  {record.levelname} {record.name}: {message}"
        data: dict[str, Any] = {"time": when.isoformat(timespec="milliseconds"),
                                "level": record.levelname.lower()}
        if name is not None:
            data["event"] = name
            data.update(_json_value(getattr(record, "fields", {})))
        else:
            data["logger"] = record.name
        data["message"] = message
        return json.dumps(data, ensure_ascii=False)


class _Shown(logging.Filter):
    """What reaches the operator: the events; the runner's other lines with ``-v``; the
    libraries' with ``--debug``; warnings and errors always.

    A filter on the handler rather than levels on loggers: a level set on ``runner``
    would outlive the command in a process that runs several (tests, an embedding app).
    """

    def __init__(self, verbose: bool, debug: bool) -> None:
        super().__init__()
        self.verbose, self.debug = verbose or debug, debug

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "event", None) is not None:
            return self.verbose or not getattr(record, "detail", False)
        if record.levelno >= logging.WARNING or self.debug:
            return True
        ours = record.name == "runner" or record.name.startswith("runner.")
        return ours and self.verbose and record.levelno >= logging.INFO


def configure(*, verbose: bool = False, debug: bool = False, fmt: str = "text",
              zone: tzinfo | None = None, stream: IO[str] | None = None) -> None:
    """Set up the log: one handler, what ``-v`` / ``--debug`` show, the line format.

    Called again (settings read, catalogue loaded) it replaces its own handler and keeps
    the filters others put on it (the masks of values from ``${VAR}``).
    """
    root = logging.getLogger()
    kept: list[Any] = []
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        kept += [f for f in old.filters if not isinstance(f, _Shown)]
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(_Formatter(fmt, zone))
    handler.addFilter(_Shown(verbose, debug))
    for kept_filter in kept:
        handler.addFilter(kept_filter)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    if debug:  # httpx logs every URL; a digest source's query may hold an API key from ${VAR}
        from runner.pachca.http import hide_url_secrets

        httpx_log = logging.getLogger("httpx")
        if hide_url_secrets not in httpx_log.filters:
            httpx_log.addFilter(hide_url_secrets)
