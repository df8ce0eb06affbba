"""The file upload flow: ``POST /uploads``, the storage form, and files on messages.

``POST /uploads`` answers 201 with the spec's ``UploadParams`` (no ``data`` envelope):
form fields signed for one upload and a ``key`` ending in ``${filename}``. The form is
then posted, without a token, to ``direct_url`` (``/_storage/upload`` here, outside the
API as S3 is): every field must come back unchanged with a ``file``; the signature is
checked and each grant is good for one upload (204). The stored key is the granted key
with ``${filename}`` replaced by the file's name. ``POST /messages`` takes ``files``
whose ``key`` was uploaded and whose ``name`` has the key's extension (422
``wrong_params`` otherwise).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runner.workspace.clock import format_ms
from runner.workspace.responses import auth, invalid, json_response
from runner.workspace.runtime import Workspace, workspace_of

FIELDS = ("Content-Disposition", "acl", "policy", "x-amz-credential", "x-amz-algorithm",
          "x-amz-date", "x-amz-signature", "key")
FILE_TYPES = ("file", "image", "audio", "voice")
MAX_FILE = 50 * 1024 * 1024


@dataclass(slots=True)
class StoredFile:
    """An uploaded file: its key, name, bytes and id."""

    id: int
    key: str
    name: str
    data: bytes


def _sign(ws: Workspace, policy: str) -> str:
    secret = f"workspace-{ws.config.seed}".encode()
    return hmac.new(secret, policy.encode(), hashlib.sha256).hexdigest()


async def upload_params(request: Request) -> Response:
    """``POST /uploads`` (201): the signed form for one upload."""
    ws, info = workspace_of(request), auth(request)
    store = ws.store
    key = f"attaches/files/{info.user_id}/{uuid.uuid4()}/${{filename}}"
    stamp = format_ms(store.now_ms()).replace("-", "").replace(":", "")[:15] + "Z"
    policy = base64.b64encode(json.dumps(
        {"expiration": format_ms(store.now_ms() + 3_600_000),
         "conditions": [["starts-with", "$key", key.removesuffix("${filename}")]]},
        separators=(",", ":")).encode()).decode()
    params = {
        "Content-Disposition": "attachment", "acl": "private", "policy": policy,
        "x-amz-credential": f"workspace/{stamp[:8]}/ru-1a/s3/aws4_request",
        "x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-date": stamp,
        "x-amz-signature": _sign(ws, policy), "key": key,
        "direct_url": f"{request.url.scheme}://{request.url.netloc}" + "/_storage/upload",
    }
    store.upload_grants[policy] = key
    return json_response(params, 201)


def _form(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """Fields of a multipart/form-data body: name -> (file name, bytes)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    parsed = BytesParser(policy=HTTP).parsebytes(head + body)
    out: dict[str, tuple[str | None, bytes]] = {}
    if not parsed.is_multipart():
        return out
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            out[name] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
    return out


def _storage_error(status: int, code: str, message: str) -> Response:
    # S3 answers in XML; the runner needs only the status, and a person the reason.
    body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return Response(body, status, media_type="application/xml")


async def storage_upload(request: Request) -> Response:
    """``POST /_storage/upload`` (204): the signed form with the file."""
    ws = workspace_of(request)
    store = ws.store
    body = await request.body()
    if len(body) > MAX_FILE:
        return _storage_error(400, "EntityTooLarge", "The file is too large")
    form = _form(request.headers.get("content-type", ""), body)
    missing = [f for f in (*FIELDS, "file") if f not in form]
    if missing:
        return _storage_error(400, "InvalidArgument", f"missing form fields: {missing}")
    fields = {f: form[f][1].decode("utf-8", "replace") for f in FIELDS}
    policy = fields["policy"]
    granted = store.upload_grants.get(policy)
    if (granted is None or not hmac.compare_digest(_sign(ws, policy), fields["x-amz-signature"])
            or fields["key"] != granted):
        return _storage_error(403, "AccessDenied", "Invalid according to Policy")
    file_name, data = form["file"]
    if not file_name:
        return _storage_error(400, "InvalidArgument", "the file part needs a filename")
    del store.upload_grants[policy]  # one upload per grant
    key = granted.replace("${filename}", file_name)
    store.files[key] = StoredFile(len(store.files) + 1, key, file_name, data)
    return Response(status_code=204)


def _ext(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def message_files(ws: Workspace, files: Any, root: str) -> list[dict[str, Any]]:
    """The ``files`` of a ``POST /messages`` body, checked, as the spec's ``File`` objects
    (``url`` downloads it from ``root``)."""
    if files is None:
        return []
    if not isinstance(files, list):
        raise invalid("files", "files must be an array", files)
    kept = []
    for item in files:
        # The spec requires all four; Pachca shows the size to people, so it is not optional.
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not isinstance(
                item.get("name"), str) or not isinstance(item.get("file_type"), str) or (
                type(item.get("size")) is not int or item["size"] < 0):
            raise invalid("files", "each file needs key, name, file_type and size", item)
        stored = ws.store.files.get(item["key"])
        if stored is None:
            raise invalid("files", "The file was not uploaded", item["key"], "not_found")
        if _ext(item["name"]) != _ext(stored.key):
            raise invalid("files", "The file name's extension must match its key's",
                          item["name"], "wrong_params")
        file_type = item["file_type"]
        if file_type not in FILE_TYPES or file_type == "voice":
            raise invalid("file_type", "file_type must be file, image or audio", file_type,
                          "inclusion")
        kept.append({"id": stored.id, "key": stored.key, "name": item["name"],
                     "file_type": file_type,
                     "width": item.get("width") if file_type == "image" else None,
                     "height": item.get("height") if file_type == "image" else None,
                     "url": f"{root}/_storage/files/{stored.key}"})
    return kept


async def storage_file(request: Request) -> Response:
    """``GET /_storage/files/{key}``: an uploaded file's bytes."""
    stored = workspace_of(request).store.files.get(request.path_params["key"])
    if stored is None:
        return _storage_error(404, "NoSuchKey", "The specified key does not exist")
    return Response(stored.data, media_type="application/octet-stream")


API_ROUTES = [Route("/uploads", upload_params, methods=["POST"])]
STORAGE_ROUTES = [
    Route("/upload", storage_upload, methods=["POST"]),
    Route("/files/{key:path}", storage_file, methods=["GET"]),
]
