"""Token scopes as Pachca's spec gives them: which scope each call needs, which token
kinds may hold which scope.

The spec marks an operation's scope with ``x-requirements: {scope: ...}`` and lists,
under the ``OAuthScope`` schema's ``x-scope-roles``, the roles (owner, admin, user,
bot) that may hold each scope. ``scope_table.py`` is generated from those two
(``python -m runner.workspace.scopes SPEC -o runner/workspace/scope_table.py``); a test
regenerates it from the spec and fails when it is stale. The gateway refuses a call
whose scope the token lacks with 403 ``OAuthError`` ``insufficient_scope``, before the
route runs, as Pachca does.
"""

from __future__ import annotations

import argparse
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from runner.workspace.scope_table import OPERATIONS, ROLES

ROLE_OF_KIND = {"owner": "owner", "admin": "admin", "user": "user", "bot": "bot",
                "limited": "user"}
"""The role (``x-scope-roles``) behind each kind of token the workspace issues."""


def table_from_spec(spec: dict[str, Any]) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """``("GET /chats/{id}" -> scope, scope -> roles)`` read from the OpenAPI document."""
    operations: dict[str, str] = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            scope = ((op or {}).get("x-requirements") or {}).get("scope") if isinstance(
                op, dict) else None
            if scope:
                operations[f"{method.upper()} {path}"] = scope
    schema = spec["components"]["schemas"]["OAuthScope"]
    by_key = {name.replace(":", "_"): name for name in schema["enum"]}
    roles = {by_key[key]: tuple(value) for key, value in schema["x-scope-roles"].items()}
    return dict(sorted(operations.items())), dict(sorted(roles.items()))


def render(spec: dict[str, Any]) -> str:
    """The source of ``scope_table.py`` for ``spec``."""
    operations, roles = table_from_spec(spec)
    lines = ['"""Generated from Pachca\'s OpenAPI spec by ``python -m runner.workspace.scopes``;',
             'do not edit: a test regenerates it from the spec."""', "",
             "OPERATIONS: dict[str, str] = {"]
    lines += [f"    {json.dumps(k)}: {json.dumps(v)}," for k, v in operations.items()]
    lines += ["}", "", "ROLES: dict[str, tuple[str, ...]] = {"]
    for scope, who in roles.items():
        lines.append(f"    {json.dumps(scope)}: ({', '.join(json.dumps(r) for r in who)},),")
    lines.append("}")
    return "\n".join(lines) + "\n"


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    """(method, path regex, scope), literal paths before templated ones."""
    rows = []
    for key, scope in OPERATIONS.items():
        method, path = key.split(" ", 1)
        regex = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$")
        rows.append((path.count("{"), method, regex, scope))
    return tuple((m, r, s) for _, m, r, s in sorted(rows, key=lambda row: row[0]))


def required_scope(method: str, path: str) -> str | None:
    """The scope a call needs (``path`` relative to the API base); None if none."""
    for want, regex, scope in _patterns():
        if want == method and regex.match(path):
            return scope
    return None


def scopes_for(kind: str) -> frozenset[str]:
    """Every scope a token of ``kind`` may hold; what the workspace gives it by default.

    The ``limited`` token is a user's token granted only the reading scopes.
    """
    role = ROLE_OF_KIND[kind]
    allowed = frozenset(scope for scope, roles in ROLES.items() if role in roles)
    if kind == "limited":
        return frozenset(s for s in allowed if s.endswith(":read"))
    return allowed


def main(argv: list[str] | None = None) -> None:
    """Write ``scope_table.py`` from the spec."""
    import yaml

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("spec", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    spec = yaml.safe_load(args.spec.read_text(encoding="utf-8"))
    args.output.write_text(render(spec), encoding="utf-8")


if __name__ == "__main__":
    main()
