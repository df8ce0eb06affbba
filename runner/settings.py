"""Runner settings from the environment (and an optional ``.env`` file).

Precedence, highest first: keyword arguments given in code (the CLI's options),
environment variables ``PACHCA_*`` / ``PACHCA_RUNNER_*``, the ``.env`` file, defaults.
Secrets are ``SecretStr``: their repr and str are masked, and only the client
unwraps the token, at the moment it builds the Authorization header.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from runner import words
from runner.errors import SettingsError

OFFICIAL_BASE_URL = "https://api.pachca.com/api/shared/v1"


class Settings(BaseSettings):
    """Everything the runner reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="PACHCA_RUNNER_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("PACHCA_TOKEN", "PACHCA_RUNNER_TOKEN"),
        description="Pachca API token (bot or user).",
    )
    export_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("PACHCA_EXPORT_TOKEN", "PACHCA_RUNNER_EXPORT_TOKEN"),
        description="Token of the workspace owner for exports (default: PACHCA_TOKEN).",
    )
    base_url: str = Field(
        default=OFFICIAL_BASE_URL,
        validation_alias=AliasChoices("PACHCA_BASE_URL", "PACHCA_RUNNER_BASE_URL"),
        description="Pachca API base URL.",
    )
    bot_user_id: int | None = Field(
        default=None,
        description="User id of the bot whose token is used: its own messages are not activity.",
    )
    catalogue: Path = Field(default=Path("jobs.yaml"), description="The job catalogue.")
    templates_dir: Path | None = Field(
        default=None, description="Template folder; default: 'templates' beside the catalogue."
    )
    timezone: str | None = Field(
        default=None, description="Default time zone when the catalogue names none."
    )
    state_url: str = Field(
        default="sqlite:///pachca-runner.db",
        description="SQLAlchemy URL of the state store (SQLite file or PostgreSQL).",
    )
    replica_id: str | None = Field(
        default=None, description="Name of this replica in history; default host:pid."
    )
    server_host: str = Field(default="127.0.0.1", description="Host the runner's server binds.")
    server_port: int = Field(default=8765, description="Port of the runner's server.")
    public_url: str | None = Field(
        default=None, description="Public base URL of the runner's server (for webhooks)."
    )
    server_body_timeout: float = Field(
        default=10.0, gt=0, le=3600,
        description="Seconds a client has to send a request's head, then its body, to the"
        " runner's server.",
    )
    console: bool = Field(
        default=False,
        description="Serve the operators' console (web pages) at /console/ on the runner's"
        " server.",
    )
    console_users: str | None = Field(
        default=None,
        description="The console's accounts: 'name:role:hash' entries (role viewer or"
        " operator; an argon2 or bcrypt hash) separated by spaces or new lines.",
    )
    console_password: SecretStr | None = Field(
        default=None,
        description="A single password for the console's 'admin' operator (small teams).",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("PACHCA_WEBHOOK_SECRET", "PACHCA_RUNNER_WEBHOOK_SECRET"),
        description="Signing secret of the bot's outgoing webhook.",
    )
    webhook_senders: str | None = Field(
        default=None,
        description="Addresses or networks (CIDR), comma-separated, webhooks are accepted"
        " from; 'any': from anywhere. Default: Pachca's documented addresses"
        " (37.200.70.177, 185.209.115.174, 135.106.159.61) with Pachca's API, loopback with an API on loopback (the embedded workspace), else"
        " the addresses the API's host resolves to.",
    )
    trusted_proxies: str | None = Field(
        default=None,
        description="Reverse proxies (addresses or CIDR networks, comma-separated) whose"
        " X-Forwarded-For names the webhook's sender; from any other peer it is ignored."
        " Default: none.",
    )
    request_timeout: float = Field(default=30.0, gt=0, description="Per-request timeout, s.")
    max_retry_after: float = Field(
        default=60.0,
        ge=0,
        description="Longest Retry-After slept through; longer ones fail the run as RateLimited.",
    )
    retry_backoff: float = Field(
        default=0.5, gt=0, description="First wait before retrying a failed call, s (doubles)."
    )
    rate_limit_scale: float = Field(
        default=1.0, gt=0, description="Multiply the documented rate limits (testing only)."
    )
    lease: float = Field(
        default=30.0, gt=0, description="Seconds a run's claim lasts unless renewed (replicas)."
    )
    history_retention_days: int = Field(default=90, ge=1, description="Run history kept, days.")
    lang: str | None = Field(
        default=None,
        description="'ru' or 'en': language of error messages (default: the locale's) and of"
        " the templates' number and date words (default: ru).",
    )

    log_format: Literal["text", "json"] = Field(
        default="text",
        description="'text': the daemon's lines in words; 'json': one JSON object a line"
        " with the same fields (journald, Loki, ELK).",
    )

    @field_validator("lang")
    @classmethod
    def _known_lang(cls, value: str | None) -> str | None:
        # An unknown language would silently mean English; say so instead.
        known = r"(ru|en)([_.-][\w.@-]*)?"  # ru, en, or a locale name such as ru_RU.UTF-8
        if value is None or re.fullmatch(known, value.strip(), re.IGNORECASE):
            return value
        raise ValueError(words.text("settings.lang", got=f"'{value}'"))

    @field_validator("base_url")
    @classmethod
    def _http_address(cls, value: str) -> str:
        # Otherwise a typo surfaces only at the first request, as a transport error.
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(value.strip())
            hostname = parts.hostname
        except ValueError:
            hostname = None
        if hostname and parts.scheme in ("http", "https"):
            return value.strip()
        # Not echoed: a token pasted into the wrong variable would land in the output.
        raise ValueError(words.text("settings.base_url", example=OFFICIAL_BASE_URL))

    @field_validator("webhook_senders", "trusted_proxies")
    @classmethod
    def _addresses(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Checked here so a typo stops every command, not only the server's start.
        from runner.addresses import parse_networks

        if value is None or not value.strip():
            return None
        parse_networks(value, any_allowed=info.field_name == "webhook_senders")
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from runner.catalogue.models import check_zone

        return check_zone(value)

    def environment(self) -> Mapping[str, str]:
        """What ``${VAR}`` in the catalogue reads: the same sources as these settings.

        The process environment wins over the ``.env`` file, as it does for the settings
        themselves, so a value the token's ``.env`` sets is seen by the catalogue too.
        """
        from dotenv import dotenv_values

        env_file = self.model_config.get("env_file")
        values: dict[str, str] = {}
        if isinstance(env_file, str | Path) and Path(env_file).is_file():
            encoding = self.model_config.get("env_file_encoding")
            found = dotenv_values(env_file, encoding=encoding)
            values.update({k: v for k, v in found.items() if v is not None})
        values.update(os.environ)
        return values

    def require_token(self) -> SecretStr:
        """The token, or a SettingsError saying how to provide one."""
        if self.token is None or not self.token.get_secret_value():
            raise SettingsError(words.text("settings.no_token"))
        return self.token


_SECRET = ("token", "export_token", "webhook_secret")


def variable(field: str) -> str:
    """The environment variable an operator sets for settings field ``field``."""
    field = _field_named(field)
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"PACHCA_RUNNER_{field.upper()}"


def _field_named(name: str) -> str:
    """The field ``name`` stands for: pydantic names a field read through its aliases
    (``PACHCA_TOKEN``) by the alias."""
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices) and name in alias.choices:
            return field
    return name


def _explain(err: ErrorDetails) -> str:
    """One pydantic error about a setting in the operator's words, naming the variable."""
    from runner.catalogue.explain import _BOUNDS, _SIMPLE

    field = _field_named(".".join(str(p) for p in err["loc"])) or "settings"
    kind, ctx = err["type"], err.get("ctx") or {}
    value = err.get("input")
    got = words.text("got.empty") if value in ("", None) else f"'{value}'"
    if field in _SECRET or not re.fullmatch(r"[\w.+-]{0,16}", str(value or "")):
        # A long or URL-like value may be a secret set in the wrong variable: not echoed.
        got = words.text("got.env", names=variable(field))
    if kind in _SIMPLE:
        detail = words.text(_SIMPLE[kind], got=got, quote="")
    elif kind in _BOUNDS:
        message_id, key = _BOUNDS[kind]
        detail = words.text(message_id, limit=ctx.get(key), got=got)
    elif kind in ("literal_error", "enum"):
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        # the value was echoed (not a possible secret): the choice it is nearest is said too
        hint = words.suggest(str(value), choices) if got == f"'{value}'" else ""
        detail = words.text("field.choice", options=", ".join(choices), got=got, hint=hint)
    elif kind == "value_error":
        detail = str(ctx.get("error", err["msg"]))
    else:
        detail = words.text("field.invalid", detail=err["msg"])
    return words.text("settings.invalid", field=variable(field), detail=detail)


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning pydantic's error into one readable SettingsError."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise SettingsError(_explain(exc.errors()[0])) from None
