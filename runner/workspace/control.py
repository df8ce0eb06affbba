"""The control API under ``/_workspace/`` (not Pachca; no auth; for tests and the demo).

==========================  ==================================================================
``GET  /info``              ``{"root_url", "base_url", "tokens": {"owner", "bot", "limited"},
                            "owner_user_id", "bot_user_id", "limited_user_id", "seed",
                            "counts": {...}}``
``GET  /requests?since=N``  ``{"total": int, "next": int, "requests": [{"index", "ts",
                            "method", "path", "query", "status", "token_kind",
                            "call_class", "chat_id", "fault", "duration_ms"}]}``
``POST /reset_log``         forget the request log and counters -> ``{"ok": true}``
``GET  /stats``             ``{"requests", "by_class", "by_status", "rate_limited",
                            "faults", "in_flight" (API requests taken in, not yet
                            answered: a killed client's may still land),
                            "most_in_flight" (the most at once since the last
                            ``reset_log``), "openapi_checked", "openapi_violations": [{"kind",
                            "method", "path", "status", "message"}],
                            "openapi_violation_count": {"request", "response"}}``
``POST /events``            ``{"payload": {...}, "event_type"?: str}`` (or the bare payload)
                            -> 201 ``{"id": str, "event": WebhookEvent}`` (both null when
                            the bot keeps no history: pushed only); a ``button``
                            payload gets ``trigger_id`` / ``webhook_timestamp`` if missing;
                            409 with the reason when Pachca would not deliver it to the
                            bot (not subscribed, history off, a chat the bot is not in,
                            links off its unfurl domains: ``delivery``)
``POST /messages``          ``{"user_id", "content", "chat_id" | "to_user_id",
                            "buttons"?, "skip_previews"?: [url]}`` -> 201 ``{"data":
                            Message}``; no rate limits; the author joins the chat first
                            if needed; the bot hears of it as of any message
                            (``delivery``: ``message_new``, ``link_shared``, whose
                            ``skip`` is true for the links in ``skip_previews``)
``GET|POST /bot``           the bot's webhook settings (``BotWebhook`` and
                            ``unfurl_domains``), changed as an admin would in its
                            settings: see ``control_bot``
``POST /chats``             ``{"user_id", "chats": [{"name", "member_ids"?, "channel"?,
                            "public"?, "group_tag_ids"?}]}`` -> 201 ``{"data": [Chat]}``;
                            group chats made by ``user_id`` (their creator; the others
                            get the roles joining gives, as ``POST /chats``), no rate
                            limits: test set-up
``POST /chats/<id>/members`` ``{"member_ids": [int]}`` -> ``{"data": Chat}``: people join
                            a chat with the roles joining gives (set-up; no rate
                            limits, no rights needed)
``POST /tokens``            ``{"kind": "owner"|"bot"|"limited", "scopes"?: [...]}`` -> 201
                            ``{"token"}``: another token of that kind's user holding only
                            ``scopes`` (default: all the kind may hold)
``POST /chat_roles``        ``{"chat_id", "user_id", "role": admin|editor|member}`` -> the
                            member's roles ``{"chat_id", "user_id", "role"}``; the user
                            joins first if needed (someone changed it in Pachca's UI)
``GET|POST /clock``         ``{"advance": seconds}`` or ``{"now": iso}``, and/or
                            ``{"freeze": bool}`` -> ``{"now": iso, "offset_seconds":
                            float, "frozen": bool}``; a frozen clock moves only when
                            told, and rate limits refill on this clock
``GET|POST /hold``          ``{"after_writes": n, "chat_id"?: c}`` / ``{"release": "drop" |
                            "pass"}``: hold the write after the next ``n`` (to chat ``c``)
                            at the door (``hold.py``)
``GET|POST /faults``        any of ``config.RUNTIME_FIELDS`` -> ``{"settings": {...}}``
``GET  /exports``           ``{"exports": [export with status, webhook deliveries,
                            "webhook_held", "webhook_released", "download_held",
                            "downloads_waiting"]}``
``POST /exports/<id>/release`` the export's ready webhook goes out though
                            ``export_webhooks_held_from`` holds it (``exports``)
``POST /exports/<id>/download`` ``{"held": bool}``: its download waits at the door
                            until ``{"held": false}`` (``exports``)
``GET  /link_previews``     ``{"link_previews": [{"message_id", "link_previews", ...}]}``
``GET  /downloads/<n>.zip`` the export archive behind a 302 (403 once expired)
``POST /threads`` ...       threads and comments: see ``control_threads``
``POST /reads``             a member read a chat up to a message: see ``reads``
``GET  /pushes``            the tries to push events to the bot's outgoing webhook:
                            see ``pushes``
==========================  ==================================================================

Errors are ``{"error": "..."}`` with 400 or 404.
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from runner.workspace import delivery
from runner.workspace.clock import format_ms, parse_datetime
from runner.workspace.hold import hold
from runner.workspace.responses import ApiProblem
from runner.workspace.routes_messages import validate_buttons
from runner.workspace.runtime import workspace_of
from runner.workspace.scopes import scopes_for
from runner.workspace.store import Store


def _fail(status: int, text: str) -> JSONResponse:
    return JSONResponse({"error": text}, status_code=status)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    data = json.loads(raw) if raw else {}
    if not isinstance(data, dict):
        raise TypeError("body must be a JSON object")
    return data


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


async def info(request: Request) -> Response:
    """Where the workspace is, its tokens and user ids."""
    return JSONResponse(workspace_of(request).info(_origin(request)))


async def requests_log(request: Request) -> Response:
    """The request log from index ``since``."""
    ws = workspace_of(request)
    since = int(request.query_params.get("since", "0"))
    entries = ws.log[since:]
    return JSONResponse({"total": len(ws.log), "next": since + len(entries), "requests": entries})


async def reset_log(request: Request) -> Response:
    """Forget the request log and counters."""
    workspace_of(request).reset_log()
    return JSONResponse({"ok": True})


async def stats(request: Request) -> Response:
    """Counters and OpenAPI violations."""
    return JSONResponse(workspace_of(request).stats())


async def inject_event(request: Request) -> Response:
    """Deliver a webhook event into the bot's history, as Pachca would deliver it: an
    event Pachca would not send this bot (``delivery.refusal``) is refused with 409."""
    ws = workspace_of(request)
    try:
        body = await _body(request)
    except (ValueError, TypeError) as exc:
        return _fail(400, str(exc))
    payload = body.get("payload", body)
    if not isinstance(payload, dict) or "type" not in payload or "event" not in payload:
        return _fail(400, "payload needs at least 'type' and 'event'")
    payload = dict(payload)
    kind = delivery.event_type(payload)
    if body.get("event_type", kind) != kind:
        return _fail(400, f"event_type {body['event_type']!r} does not match the payload's"
                          f" type and event ({kind})")
    why = delivery.refusal(ws.store, kind, payload)
    if why is not None:
        return _fail(409, f"Pachca would not deliver this event: {why}")
    if payload["type"] == "button":
        payload.setdefault("trigger_id", f"{ws.misc_rng.getrandbits(64):016x}")
    payload.setdefault("webhook_timestamp", ws.store.now_ms() // 1000)
    event = delivery.hand_over(ws.store, kind, payload)
    return JSONResponse({"id": event.id if event else None,
                         "event": event.to_json() if event else None}, status_code=201)


async def post_message(request: Request) -> Response:
    """Post as any user, without rate limits (people talking in the workspace)."""
    ws = workspace_of(request)
    store = ws.store
    try:
        body = await _body(request)
        author = int(body["user_id"])
        content = str(body["content"])
    except (ValueError, KeyError, TypeError) as exc:
        return _fail(400, f"need user_id and content: {exc}")
    if author not in store.users:
        return _fail(404, f"user {author} not found")
    try:
        peer = int(body["to_user_id"]) if "to_user_id" in body else None
        chat_id = int(body.get("chat_id", 0))
    except (ValueError, TypeError) as exc:
        return _fail(400, f"bad chat_id / to_user_id: {exc}")
    if peer is not None:
        if peer not in store.users or peer == author:
            return _fail(400, f"bad to_user_id {peer}")
        chat = store.direct_chat(author, peer)
    else:
        found = store.chats.get(chat_id)
        if found is None:
            return _fail(404, f"chat {body.get('chat_id')} not found")
        chat = found
        store.add_member(chat, author)
    try:
        buttons = validate_buttons(body.get("buttons"))
    except ApiProblem as problem:
        return _fail(400, bytes(problem.response.body).decode())
    hidden = body.get("skip_previews") or []
    if not isinstance(hidden, list) or not all(isinstance(u, str) for u in hidden):
        return _fail(400, "skip_previews must be a list of the message's links")
    message = store.post_message(chat, author, content, buttons=buttons,
                                 hidden_previews=frozenset(hidden))
    return JSONResponse({"data": message.to_json()}, status_code=201)


def _chat_spec(store: Store, spec: Any) -> dict[str, Any]:
    """One entry of ``POST /chats``, checked: the arguments of ``Store.create_chat``."""
    if not isinstance(spec, dict):
        raise TypeError("each chat is an object")
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("each chat needs a non-blank 'name'")
    members = {int(uid) for uid in spec.get("member_ids") or []}
    tag_ids = [int(tid) for tid in spec.get("group_tag_ids") or []]
    for tid in tag_ids:
        if tid not in store.tags:
            raise LookupError(f"group tag {tid} not found")
        members.update(store.tags[tid].user_ids)
    for uid in members:
        if uid not in store.users:
            raise LookupError(f"user {uid} not found")
    return {
        "name": name.strip(),
        "member_ids": sorted(members),
        "channel": bool(spec.get("channel", False)),
        "public": bool(spec.get("public", False)),
        "group_tag_ids": tag_ids,
    }


async def create_chats(request: Request) -> Response:
    """Make group chats as any user, without rate limits (a test's set-up)."""
    store = workspace_of(request).store
    try:
        body = await _body(request)
        author = int(body["user_id"])
        specs = body["chats"]
        if not isinstance(specs, list) or not specs:
            raise TypeError("'chats' must be a non-empty list")
        if author not in store.users:
            return _fail(404, f"user {author} not found")
        checked = [_chat_spec(store, spec) for spec in specs]
    except LookupError as exc:
        if isinstance(exc, KeyError):
            return _fail(400, f"need user_id and chats: {exc}")
        return _fail(404, str(exc))
    except (ValueError, TypeError) as exc:
        return _fail(400, str(exc))
    chats = [store.create_chat(owner_id=author, **args) for args in checked]
    return JSONResponse({"data": [chat.to_json() for chat in chats]}, status_code=201)


async def add_members(request: Request) -> Response:
    """People join a group chat (a test's set-up: no rights, no rate limits)."""
    store = workspace_of(request).store
    chat = store.chats.get(int(request.path_params["id"]))
    if chat is None or chat.personal:
        return _fail(404, f"group chat {request.path_params['id']} not found")
    try:
        body = await _body(request)
        member_ids = [int(uid) for uid in body["member_ids"]]
    except (ValueError, KeyError, TypeError) as exc:
        return _fail(400, f"need member_ids, a list of user ids: {exc}")
    missing = [uid for uid in member_ids if uid not in store.users]
    if missing:
        return _fail(404, f"users not found: {missing}")
    for uid in member_ids:
        store.add_member(chat, uid)
    return JSONResponse({"data": chat.to_json()})


async def chat_role(request: Request) -> Response:
    """Give a member a chat role, as a chat admin would in Pachca's UI."""
    store = workspace_of(request).store
    try:
        body = await _body(request)
        chat_id, user_id, role = int(body["chat_id"]), int(body["user_id"]), str(body["role"])
    except (ValueError, KeyError, TypeError) as exc:
        return _fail(400, f"need chat_id, user_id and role: {exc}")
    chat = store.chats.get(chat_id)
    if chat is None or user_id not in store.users:
        return _fail(404, f"chat {chat_id} or user {user_id} not found")
    if role not in ("admin", "editor", "member") or chat.personal or user_id == chat.owner_id:
        return _fail(400, "role is admin, editor or member, in a group chat, not for its"
                          " creator")
    store.add_member(chat, user_id)
    store.set_chat_role(chat, user_id, role)
    return JSONResponse({"chat_id": chat_id, "user_id": user_id, "role": role})


async def clock(request: Request) -> Response:
    """Read, move, freeze or release the workspace clock."""
    ws = workspace_of(request)
    if request.method == "POST":
        try:
            body = await _body(request)
            if not {"advance", "now", "freeze"} & body.keys():
                return _fail(400, "give 'advance' (seconds), 'now' (ISO-8601) or 'freeze'")
            if "freeze" in body:
                if not isinstance(body["freeze"], bool):
                    raise TypeError("'freeze' is true or false")
                ws.clock.freeze(body["freeze"])
            if "advance" in body:
                ws.clock.advance(float(body["advance"]))
            elif "now" in body:
                ws.clock.set_now(parse_datetime(str(body["now"])))
        except (ValueError, TypeError) as exc:
            return _fail(400, str(exc))
    return JSONResponse(
        {
            "now": format_ms(ws.clock.now_ms()),
            "offset_seconds": ws.clock.offset_seconds,
            "frozen": ws.clock.frozen,
        }
    )


async def faults(request: Request) -> Response:
    """Read or change the run-time settings (faults, pace, strictness)."""
    ws = workspace_of(request)
    if request.method == "POST":
        try:
            ws.config.update(await _body(request))
        except (ValueError, TypeError) as exc:
            return _fail(400, str(exc))
        ws.exports.hold_changed()  # a lifted export_webhooks_held_from lets webhooks go
    return JSONResponse({"settings": ws.config.runtime()})


async def exports(request: Request) -> Response:
    """Every export and its webhook deliveries."""
    store = workspace_of(request).store
    return JSONResponse({"exports": [e.to_json() for e in store.exports.values()]})


async def link_previews(request: Request) -> Response:
    """Link previews posted so far."""
    return JSONResponse({"link_previews": workspace_of(request).store.link_previews})


async def issue_token(request: Request) -> Response:
    """Issue another token for a seeded kind's user, with chosen scopes."""
    ws = workspace_of(request)
    store = ws.store
    try:
        body = await _body(request)
    except (ValueError, TypeError) as exc:
        return _fail(400, str(exc))
    kind = body.get("kind")
    users = {"owner": store.owner_id, "bot": store.bot_id, "limited": store.limited_id}
    if kind not in users:
        return _fail(400, f"kind must be one of {', '.join(users)}")
    allowed = scopes_for(str(kind))
    scopes = body.get("scopes")
    if scopes is not None and (not isinstance(scopes, list) or not set(scopes) <= allowed):
        return _fail(400, f"scopes must be a list of scopes a {kind} token may hold")
    token = f"{kind}-{ws.misc_rng.getrandbits(128):032x}"
    store.issue_token(token, str(kind), users[str(kind)],
                      None if scopes is None else frozenset(scopes))
    return JSONResponse({"token": token}, status_code=201)


async def download(request: Request) -> Response:
    """The archive behind a temporary link."""
    ws = workspace_of(request)
    name = request.path_params["name"].removesuffix(".zip")
    found = ws.exports.downloads.get(name)
    if found is None:
        return Response("Not Found", status_code=404, media_type="text/plain")
    export_id, expires = found
    if time.monotonic() > expires:
        return Response("Request has expired", status_code=403, media_type="text/plain")
    archive = ws.store.exports[export_id].archive or b""
    return Response(
        archive,
        media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="export_{export_id}.zip"'},
    )


ROUTES = [
    Route("/info", info, methods=["GET"]),
    Route("/requests", requests_log, methods=["GET"]),
    Route("/reset_log", reset_log, methods=["POST"]),
    Route("/stats", stats, methods=["GET"]),
    Route("/events", inject_event, methods=["POST"]),
    Route("/messages", post_message, methods=["POST"]),
    Route("/chats", create_chats, methods=["POST"]),
    Route("/chat_roles", chat_role, methods=["POST"]),
    Route("/chats/{id:int}/members", add_members, methods=["POST"]),
    Route("/tokens", issue_token, methods=["POST"]),
    Route("/clock", clock, methods=["GET", "POST"]),
    Route("/hold", hold, methods=["GET", "POST"]),
    Route("/faults", faults, methods=["GET", "POST"]),
    Route("/exports", exports, methods=["GET"]),
    Route("/link_previews", link_previews, methods=["GET"]),
    Route("/downloads/{name}", download, methods=["GET"]),
]
