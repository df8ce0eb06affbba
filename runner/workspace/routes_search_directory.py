"""``GET /search/chats`` and ``GET /search/users``.

Chats: conversations and channels whose name holds every word of ``query``
(case-insensitive), among the chats the caller may see (its own, and open ones: the
``access`` rule); direct chats only with ``personal=true`` and only the caller's own
(their name is never searched), threads' chats only with ``chat_subtype=thread``.
``active`` keeps unarchived (true) or archived (false) chats; ``created_from`` /
``created_to`` bound the creation time; newest first unless ``order=asc``.

Users: people and bots whose first or last name, nickname, email, department or title
holds every word of ``query``; ``company_roles`` keeps those roles, ``created_from`` /
``created_to`` bound the creation time. ``sort``: ``by_score`` (default; name matches
before others, then A to Z), ``alphabetical`` (by full name: ``order=asc`` is A to Z) or
``creation``; ``order`` defaults to ``desc``.

Both answer the search meta (``routes_search.search_page``) and take a bad parameter as
a 400, as the spec has no 422 for search.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runner.workspace import access
from runner.workspace.models import Chat, User
from runner.workspace.paging import Key
from runner.workspace.responses import (
    auth,
    invalid,
    json_response,
    q_bool,
    q_choice,
    q_datetime,
    q_limit,
)
from runner.workspace.routes_search import bad_input_is_400, search_page
from runner.workspace.runtime import workspace_of
from runner.workspace.store import Store, TokenInfo

CHAT_LIMIT, USER_LIMIT = 100, 200
ROLES = ("admin", "user", "multi_guest", "guest")


def _words(request: Request) -> list[str]:
    return (request.query_params.get("query") or "").lower().split()


def _created_between(request: Request) -> tuple[int | None, int | None]:
    return q_datetime(request, "created_from"), q_datetime(request, "created_to")


def _within(ms: int, bounds: tuple[int | None, int | None]) -> bool:
    lo, hi = bounds
    return (lo is None or ms >= lo) and (hi is None or ms <= hi)


def _chat_matches(store: Store, info: TokenInfo, chat: Chat, words: list[str],
                  threads: bool, personal: bool | None) -> bool:
    if (chat.thread_id is not None) != threads:
        return False
    if chat.personal:
        return bool(personal) and not words and store.is_member(chat, info.user_id)
    if personal:
        return False
    name = chat.name.lower()
    return all(word in name for word in words) and access.can_see(store, info, chat)


@bad_input_is_400
async def search_chats(request: Request) -> Response:
    """``GET /search/chats``: one page of matching chats and the total."""
    ws, info = workspace_of(request), auth(request)
    words, limit = _words(request), q_limit(request, CHAT_LIMIT)
    descending = q_choice(request, "order", ("asc", "desc"), "desc") == "desc"
    bounds = _created_between(request)
    active = q_bool(request, "active", None)
    threads = q_choice(request, "chat_subtype", ("discussion", "thread"),
                       "discussion") == "thread"
    personal = q_bool(request, "personal", None)
    store = ws.store
    found: list[Key] = [
        (chat.created_ms, chat.id) for chat in store.chats.values()
        if (active is None or chat.archived != active) and _within(chat.created_ms, bounds)
        and _chat_matches(store, info, chat, words, threads, personal)
    ]
    page, meta = search_page(found, descending=descending, limit=limit,
                             cursor=request.query_params.get("cursor"))
    return json_response({"data": [store.chats[k[1]].to_json() for k in page], "meta": meta})


def _score(user: User, words: list[str], email: bool) -> int:
    """2: every word is in the names; 1: in the other fields too (the email only if the
    caller may see it); 0: no match."""
    names = f"{user.first_name} {user.last_name} {user.nickname}".lower()
    if all(word in names for word in words):
        return 2
    shown = (user.email if email else None, user.department, user.title)
    rest = " ".join(v for v in shown if v).lower()
    return 1 if all(word in names or word in rest for word in words) else 0


def _roles(request: Request) -> set[str] | None:
    values = (request.query_params.getlist("company_roles[]")
              + request.query_params.getlist("company_roles"))
    if not values:
        return None
    roles = {part for value in values for part in value.split(",") if part}
    if not roles <= set(ROLES):
        raise invalid("company_roles", f"company_roles must be among: {', '.join(ROLES)}",
                      ",".join(values), "inclusion")
    return roles


@bad_input_is_400
async def search_users(request: Request) -> Response:
    """``GET /search/users``: one page of matching users and the total."""
    ws, info = workspace_of(request), auth(request)
    words, limit = _words(request), q_limit(request, USER_LIMIT)
    sort = q_choice(request, "sort", ("by_score", "alphabetical", "creation"), "by_score")
    descending = q_choice(request, "order", ("asc", "desc"), "desc") == "desc"
    bounds, roles = _created_between(request), _roles(request)
    users = ws.store.users
    # Keys hold integers only (cursors carry them): a name's rank stands for the name.
    rank = {uid: i for i, uid in enumerate(
        sorted(users, key=lambda uid: (users[uid].full_name.lower(), uid)))}
    found: list[Key] = []
    for user in users.values():
        score = _score(user, words, access.sees_personal_data(ws.store, info, user.id))
        if not score or not _within(user.created_ms, bounds) or (
                roles is not None and user.role not in roles):
            continue
        if sort == "alphabetical":
            found.append((rank[user.id], user.id))
        elif sort == "creation":
            found.append((user.created_ms, user.id))
        else:
            found.append((score, -rank[user.id]))
    page, meta = search_page(found, descending=descending, limit=limit,
                             cursor=request.query_params.get("cursor"))
    if sort == "by_score":
        by_rank = {r: uid for uid, r in rank.items()}
        ids = [by_rank[-k[1]] for k in page]
    else:
        ids = [k[1] for k in page]
    return json_response({"data": [access.user_json(ws.store, info, users[uid]) for uid in ids],
                          "meta": meta})


ROUTES = [
    Route("/search/chats", search_chats, methods=["GET"]),
    Route("/search/users", search_users, methods=["GET"]),
]
