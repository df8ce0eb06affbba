"""Every error pachca-runner raises on purpose.

The tree::

    RunnerError                      base; ``str(err)`` is one line a user can read
    ├── InputError                   bad input from the operator -> exit code 2
    │   ├── SettingsError            environment / settings are wrong
    │   ├── CatalogueError           jobs.yaml or a template is wrong (carries .problems)
    │   ├── CronProblem              a cron line is malformed (also a ValueError, so field
    │   │                            validators may raise it); names the bad field
    │   ├── TemplateProblem          a template cannot be rendered (.file, .line, .message)
    │   └── BotAccessDenied          the token may not read or edit the bot
    ├── StateError                   the state store cannot be used as configured
    ├── ClaimLost                    another replica took the run over (our lease expired)
    ├── ForgedButton                 button data the runner did not sign: never acted on
    ├── ReadOnlyViolation            a write call through a read-only (dry-run) client
    ├── TemplateLimit                a render went over a sandbox limit (the renderer turns
    │                                it into TemplateProblem on the template's line)
    ├── BodyRefused                  a request to the runner's own server whose body cannot
    │   │                            be read (.status answered, .reason)
    │   ├── BodyTooSlow              408: not received in time
    │   └── BodyTooLarge             413: over the endpoint's cap
    ├── FetchError                   another site's JSON could not be fetched or read
    │                                (.reason, never the URL or a header value)
    ├── JobError                     a job ran and failed -> exit code 1
    │   ├── SourceError              a digest data source failed
    │   ├── MissingScope             the token lacks a scope the job needs (.scopes), found
    │   │                            before the job's first write
    │   ├── Unreachable              a recipient the pre-run check found the token may not
    │   │                            post to: not asked again; names it «name» (id), the fix
    │   └── ForeignExport            the archive behind a ready export webhook holds another
    │                                period (or other chats) than the chunk asked for
    └── PachcaError                  anything that went wrong talking to Pachca
        ├── TransportError           no usable HTTP answer (connect, timeout, dropped)
        └── ApiError                 Pachca answered with an error status (.status, .method, .path)
            ├── TokenRejected        401: the token is wrong or revoked
            ├── PermissionDenied     403: the token lacks a scope or permission
            ├── NotFound             404
            ├── ValidationFailed     400/422: the API's error items in .items
            ├── RateLimited          429 with a Retry-After too long to wait (.retry_after)
            └── ServerError          5xx after the retries allowed for the call

The embedded workspace (``runner/workspace/``) is a separate program sharing the
package: an imitation of Pachca's server, which the runner only talks to over HTTP.
Its own server-side exceptions (``ApiProblem``: an error answer it sends,
``CursorError``: a bad paging cursor, ``DroppedConnection``: a fault it injects) stay
there and never reach the runner's code as exceptions.

Errors from the libraries below (httpx, PyYAML, pydantic, SQLAlchemy) are translated
once, at the boundary that calls them, with ``raise ... from exc``. No secret is ever
put into an error's text: the client never includes headers, and bodies are cut short.
"""

from __future__ import annotations

from dataclasses import dataclass

from runner import words


class RunnerError(Exception):
    """Base of every error raised by pachca-runner on purpose."""

    exit_code = 1


class InputError(RunnerError):
    """The operator's input (arguments, settings, catalogue) is wrong."""

    exit_code = 2


class SettingsError(InputError):
    """Settings from the environment are missing or invalid."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the catalogue, located for the operator."""

    file: str
    line: int | None
    column: int | None
    path: str  # dotted field path, e.g. "jobs.morning.schedule"
    message: str  # what is wrong and how to fix it

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.path}:" if self.path else ""
        # One line whatever the file holds: a key or value may contain a line break.
        return f"{where}:{field} {self.message}".replace("\r", "\\r").replace("\n", "\\n")


class CatalogueError(InputError):
    """The job catalogue or one of its templates is invalid; ``problems`` lists all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        from runner import words

        first = str(self.problems[0]) if self.problems else "invalid catalogue"
        more = len(self.problems) - 1
        super().__init__(first + (words.text("cli.more", n=more) if more > 0 else ""))


class CronProblem(InputError, ValueError):
    """A cron expression is malformed; the text says which field and why."""


class TemplateProblem(InputError):
    """A template cannot be rendered: ``file``, ``line`` (or None) and a plain ``message``."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")


class BotAccessDenied(InputError):
    """The token may not read or edit this bot (exit code 2)."""


class StateError(RunnerError):
    """The state store is unusable as configured (bad URL, SQLite with replicas, ...)."""

    exit_code = 2


class ClaimLost(RunnerError):
    """Another replica took this run over (our lease expired): stop, do not double it."""


class ForgedButton(RunnerError):
    """Button data the runner did not sign (or cannot read): never act on it."""


class ReadOnlyViolation(RunnerError):
    """A write call was attempted through a read-only (dry-run) client."""


class TemplateLimit(RunnerError):
    """A render went over one of the sandbox's limits; ``str()`` says which."""


class BodyRefused(RunnerError):
    """A request body the runner's server cannot read; answered with ``status``."""

    status = 400
    reason = "request body refused"

    def __init__(self) -> None:
        super().__init__(self.reason)


class BodyTooSlow(BodyRefused):
    """The body did not arrive within the server's deadline."""

    status = 408
    reason = "request body not received in time"


class BodyTooLarge(BodyRefused):
    """The body is larger than the endpoint's cap."""

    status = 413
    reason = "request body too large"


class FetchError(RunnerError):
    """Another site's JSON could not be fetched or read; ``reason`` is safe to log.

    Neither the URL nor a header value is ever part of it: both may hold a key.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class JobError(RunnerError):
    """A job ran and could not do its work."""


class SourceError(JobError):
    """A digest data source could not be read."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(words.text("source.failed", source=source, reason=reason))


class Unreachable(JobError):
    """A post to a recipient the check before the run found the token may not post to
    (``runner.preflight``): the request is not sent; the text names the chat and the fix."""


class MissingScope(JobError):
    """The token lacks scopes a job needs; raised before the job makes any call."""

    def __init__(self, message: str, scopes: tuple[str, ...]) -> None:
        super().__init__(message)
        self.scopes = scopes


class ForeignExport(JobError):
    """The archive behind a ready webhook is of another period (or other chats)."""


class PachcaError(RunnerError):
    """Talking to the Pachca API failed."""


class TransportError(PachcaError):
    """No usable HTTP answer: connection refused, timeout, connection dropped."""

    def __init__(self, method: str, path: str, reason: str, *, reached_server: bool) -> None:
        self.method = method
        self.path = path
        self.reason = reason
        # False only when the request provably never left (connect error, pool timeout).
        self.reached_server = reached_server
        super().__init__(words.text("net.call", method=method, path=path, reason=reason))


@dataclass(frozen=True)
class ApiErrorItem:
    """One item of Pachca's ``{"errors": [...]}`` body."""

    key: str
    message: str
    code: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        return f"{self.key}: {self.message}" if self.key else self.message


class ApiError(PachcaError):
    """Pachca answered with an error status."""

    def __init__(
        self,
        status: int,
        method: str,
        path: str,
        detail: str,
        items: tuple[ApiErrorItem, ...] = (),
    ) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.detail = detail
        self.items = items
        super().__init__(words.text("api.refused", method=method, path=path, status=status,
                                    detail=detail))


class TokenRejected(ApiError):
    """401: the token is unknown, expired or revoked."""


class PermissionDenied(ApiError):
    """403: the token lacks the scope or the role needed for the call."""


class NotFound(ApiError):
    """404: the object does not exist or is not visible to this token."""


class ValidationFailed(ApiError):
    """400/422: Pachca rejected the request's content."""


class ServerError(ApiError):
    """5xx: Pachca failed, and retrying (where allowed) did not help."""


class RateLimited(ApiError):
    """429 whose Retry-After is too long to sleep through: give the run back."""

    def __init__(self, method: str, path: str, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(
            429, method, path,
            words.text("api.rate_limited", seconds=f"{retry_after:.0f}"),
        )
