"""Who may use the console: accounts from settings, signed session cookies, CSRF
tokens, and a limit on failed logins.

Accounts: ``PACHCA_RUNNER_CONSOLE_USERS`` lists ``name:role:hash`` entries separated by
spaces or new lines (role ``viewer`` or ``operator``; hash an argon2 one, as
``pachca-runner hash-password`` prints, or a bcrypt one when the ``bcrypt`` package is
installed), and/or ``PACHCA_RUNNER_CONSOLE_PASSWORD`` gives a single ``admin`` operator.
Sessions are cookies signed with a key kept in the state store (every replica accepts
them; restarts keep people logged in); each carries its CSRF token. Wrong passwords
are counted in the state store too, so the limit holds across replicas and restarts.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from runner import words
from runner.errors import SettingsError

if TYPE_CHECKING:
    from runner.settings import Settings
    from runner.state.aio import Store

ROLES = ("viewer", "operator")
ADMIN = "admin"
SESSION_AGE = 12 * 3600
"""Seconds a login lasts."""
MAX_FAILURES = 5
LOCKOUT = 15 * 60.0
"""After ``MAX_FAILURES`` wrong passwords for one name within ``LOCKOUT`` seconds, that
name cannot log in until the oldest of them is ``LOCKOUT`` seconds old (by the state
store's clock, which every replica shares)."""


@dataclass(frozen=True)
class User:
    """A person the console knows: name, role and how to check their password."""

    name: str
    role: str
    hash: str = ""
    password: str = ""  # the single admin password, as given

    @property
    def operator(self) -> bool:
        """Whether this user may act (pause, run, approve, undo)."""
        return self.role == "operator"

    def check(self, password: str) -> bool:
        """Whether ``password`` is this user's (in constant time for the plain one)."""
        if self.password:
            return hmac.compare_digest(self.password.encode(), password.encode())
        return verify(self.hash, password)


ANONYMOUS = User("", "viewer")
"""The reader on loopback when no accounts are configured: may read, never act."""


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` for ``PACHCA_RUNNER_CONSOLE_USERS``."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


def verify(hashed: str, password: str) -> bool:
    """Whether ``password`` matches the argon2 or bcrypt ``hashed``."""
    if hashed.startswith("$argon2"):
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return PasswordHasher().verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False
    import bcrypt  # checked when read

    return bool(bcrypt.checkpw(password.encode(), hashed.encode()))


def accounts(settings: Settings) -> dict[str, User]:
    """The accounts the settings configure (empty: none), or a SettingsError naming the
    entry at fault and how to fix it."""
    found: dict[str, User] = {}
    for entry in (settings.console_users or "").split():
        name, _, rest = entry.partition(":")
        role, _, hashed = rest.partition(":")
        where = words.text("console.users_entry", name=name)
        if not name or not hashed:
            raise SettingsError(words.text("console.users_format", start=entry[:12]))
        if role not in ROLES:
            raise SettingsError(
                words.text("console.users_role", where=where, role=role, roles=", ".join(ROLES)))
        if hashed.startswith(("$2a$", "$2b$", "$2y$")):
            try:
                import bcrypt  # noqa: F401
            except ImportError:
                raise SettingsError(words.text("console.users_bcrypt", where=where)) from None
        elif not hashed.startswith("$argon2"):
            raise SettingsError(words.text("console.users_not_hash", where=where))
        if name in found:
            raise SettingsError(words.text("console.users_twice", where=where))
        found[name] = User(name, role, hash=hashed)
    password = settings.console_password
    if password is not None and password.get_secret_value():
        if ADMIN in found:
            raise SettingsError(words.text("console.password_and_admin"))
        found[ADMIN] = User(ADMIN, "operator", password=password.get_secret_value())
    return found


@dataclass(frozen=True)
class Limiter:
    """Wrong passwords per name, to refuse guessing. Counted in the state store, so
    every replica sharing it, and this one after a restart, sees the same count."""

    state: Store

    async def locked(self, name: str) -> bool:
        """Whether ``name`` has used up its attempts for now."""
        return await self.state.logins.failures(name, LOCKOUT) >= MAX_FAILURES

    async def failed(self, name: str) -> None:
        """Count a wrong password for ``name``."""
        await self.state.logins.failed(name, LOCKOUT)

    async def succeeded(self, name: str) -> None:
        """Forget ``name``'s failures."""
        await self.state.logins.succeeded(name)


@dataclass(frozen=True)
class Session:
    """A logged-in reader: who, and the CSRF token their forms must send back."""

    user: User
    csrf: str


def new_csrf() -> str:
    """A fresh CSRF token."""
    return secrets.token_urlsafe(24)


def same(token: str | None, expected: str) -> bool:
    """Whether a submitted CSRF token is the expected one (constant time)."""
    return bool(token) and bool(expected) and hmac.compare_digest(
        str(token).encode(), expected.encode())
