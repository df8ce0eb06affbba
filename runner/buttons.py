"""Signed, versioned ``data`` for the buttons on the runner's own messages.

A button's ``data`` (at most 255 characters) comes back verbatim in a ``button`` /
``click`` webhook event, from whoever clicked. Anyone who can post a message with
buttons can also make up ``data``, so the runner signs what it puts there and
refuses anything it did not sign itself. The format::

    pr1.<action>.<subject>.<scope>.<signature>

- ``pr1``: the format's version; a later format gets a new prefix, old ones stay parseable
  only as long as their parser is kept.
- ``action``: one a job kind offers on a chat (``JobKind.button_actions``: the sweep's
  ``keep`` / ``archive_now``), or ``retry`` (failure alerts).
- ``subject``: a chat id (digits) for a kind's actions; a job name for ``retry``.
  Job names are ``[\\w-]+``, chat ids digits: neither contains a dot, the separator.
- ``scope``: a small non-negative number in base 36 that ties the button to one message
  (a kind uses the id of the run that posted the message), so a button copied from an
  old warning does not act on a new one.
- ``signature``: HMAC-SHA256 over everything before it, truncated to 128 bits,
  base64url without padding (22 characters).

The key (``ButtonKeys.sign``) is a random 256-bit value the state store creates once
and keeps (``StateStore.button_key``), so every replica sharing the store signs with the
same one, and it does not change when the webhook secret or the token does: a warning
posted days before such a change keeps its buttons working. Buttons posted before the
store kept a key were signed with a key derived (HMAC under a fixed label) from the
webhook secret when one was set, else from the token; verification still accepts the
keys those would derive now (``legacy_keys``), so none of them breaks with the upgrade.
The key is a secret: it never appears in logs, errors or the console (``ButtonKeys``
hides it from ``repr``), and the store keeps it outside anything ``history`` shows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from runner import words
from runner.errors import ForgedButton

if TYPE_CHECKING:
    from runner.settings import Settings

VERSION = "pr1"
MAX_DATA = 255
"""Pachca's limit on a button's ``data``."""

JOB_ACTIONS: frozenset[str] = frozenset({"retry"})
"""Actions on a job (their subject is its name), handled by the bot itself."""


def chat_actions() -> frozenset[str]:
    """Actions on a chat (their subject is its id): the ones the job kinds offer."""
    from runner.kinds import registry

    return frozenset(registry.button_actions())


_LABEL = b"pachca-runner/button-data/v1"
_SIG_BYTES = 16  # 128 bits: forging needs 2**128 guesses; keeps data short
_SIG_CHARS = 22  # len(base64url(16 bytes)) without padding
_CHAT_ID = re.compile(r"[1-9][0-9]{0,18}")
_JOB_NAME = re.compile(r"[\w-]+")
_SCOPE = re.compile(r"0|[1-9a-z][0-9a-z]{0,12}")
_SIG = re.compile(rf"[A-Za-z0-9_-]{{{_SIG_CHARS}}}")


@dataclass(frozen=True)
class ButtonAction:
    """What a verified button asks for."""

    action: str
    chat_id: int | None  # for a kind's actions (keep / archive_now)
    job: str | None  # for retry
    scope: int
    version: str = VERSION


@dataclass(frozen=True)
class ButtonKeys:
    """The key new buttons are signed with, and the older ones still accepted.

    ``repr`` names no key: a runtime or context printed in a traceback shows none.
    """

    sign: bytes = field(repr=False)
    legacy: tuple[bytes, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if not self.sign:
            raise ValueError("an empty key cannot sign buttons")

    def accepted(self) -> tuple[bytes, ...]:
        """Every key a button's signature may be made with, the current one first."""
        return (self.sign, *self.legacy)


Keys = bytes | ButtonKeys
"""A bare key (signs and checks) or ``ButtonKeys``."""


def derive_secret(base: str | bytes) -> bytes:
    """The key the first scheme derived from ``base`` (a webhook secret or the token):
    buttons posted before the store kept a key are signed with it."""
    raw = base.encode("utf-8") if isinstance(base, str) else base
    if not raw:
        raise ValueError("an empty secret cannot sign buttons")
    return hmac.new(raw, _LABEL, hashlib.sha256).digest()


def legacy_keys(settings: Settings) -> tuple[bytes, ...]:
    """The keys the first scheme would derive now: from ``webhook_secret`` if set, and
    from the token (a button posted in poll mode, then the secret set, stays valid)."""
    found: list[bytes] = []
    if settings.webhook_secret is not None and settings.webhook_secret.get_secret_value():
        found.append(derive_secret(settings.webhook_secret.get_secret_value()))
    if settings.token is not None and settings.token.get_secret_value():
        found.append(derive_secret(settings.token.get_secret_value()))
    return tuple(found)


def button_keys(stored: bytes, settings: Settings) -> ButtonKeys:
    """Sign with ``stored`` (the store's key); accept the legacy keys of ``settings`` too."""
    return ButtonKeys(stored, tuple(k for k in legacy_keys(settings) if k != stored))


def _signing(secret: Keys) -> bytes:
    return secret.sign if isinstance(secret, ButtonKeys) else secret


def _accepted(secret: Keys) -> Sequence[bytes]:
    return secret.accepted() if isinstance(secret, ButtonKeys) else (secret,)


def _to_base36(n: int) -> str:
    if n < 0:
        raise ValueError("scope must not be negative")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def _sign(body: str, secret: bytes) -> str:
    mac = hmac.new(secret, body.encode("utf-8"), hashlib.sha256).digest()[:_SIG_BYTES]
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def make_button_data(action: str, subject: int | str, secret: Keys, *, scope: int = 0) -> str:
    """Signed ``data`` for a button: ``subject`` is a chat id, or a job name for ``retry``;
    signed with ``secret`` (its ``sign`` key for ``ButtonKeys``).

    ValueError if the action is unknown, the subject does not fit the action, or the
    result would exceed Pachca's 255 characters (a very long job name).
    """
    if action in chat_actions():
        if isinstance(subject, bool) or not isinstance(subject, int) or subject <= 0:
            raise ValueError(f"{action} needs a chat id, got {subject!r}")
        text = str(subject)
    elif action in JOB_ACTIONS:
        if not isinstance(subject, str) or not _JOB_NAME.fullmatch(subject):
            raise ValueError(f"{action} needs a job name, got {subject!r}")
        text = subject
    else:
        raise ValueError(f"unknown button action {action!r}")
    body = f"{VERSION}.{action}.{text}.{_to_base36(scope)}"
    data = f"{body}.{_sign(body, _signing(secret))}"
    if len(data) > MAX_DATA:
        raise ValueError(f"button data would be {len(data)} characters (max {MAX_DATA})")
    return data


def parse_button_data(data: str, secret: Keys) -> ButtonAction:
    """Verify and read button ``data``; ForgedButton if it is not the runner's own
    (signed with none of ``secret``'s accepted keys)."""
    if not isinstance(data, str) or not data or len(data) > MAX_DATA:
        raise ForgedButton(words.text("button.empty"))
    parts = data.split(".")
    if parts[0] != VERSION:
        raise ForgedButton(words.text("button.version", version=repr(parts[0][:8])))
    if len(parts) != 5:
        raise ForgedButton(words.text("button.malformed"))
    _, action, subject, scope, sig = parts
    if not _SIG.fullmatch(sig):
        raise ForgedButton(words.text("button.bad_signature"))
    body = data[: -len(sig) - 1]
    # Check the signature before trusting any field; compare in constant time, with
    # every accepted key (no early exit: which key matched is not timed either).
    given = sig.encode("ascii")
    matched = False
    for key in _accepted(secret):
        matched |= hmac.compare_digest(_sign(body, key).encode("ascii"), given)
    if not matched:
        raise ForgedButton(words.text("button.wrong_signature"))
    if not _SCOPE.fullmatch(scope):
        raise ForgedButton(words.text("button.bad_scope"))
    if action in chat_actions() and _CHAT_ID.fullmatch(subject):
        return ButtonAction(action, int(subject), None, int(scope, 36))
    if action in JOB_ACTIONS and _JOB_NAME.fullmatch(subject):
        return ButtonAction(action, None, subject, int(scope, 36))
    raise ForgedButton(words.text("button.unknown_action", action=repr(action[:16])))
