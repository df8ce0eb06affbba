"""The file upload calls of the client: ``POST /uploads``, then the form to storage.

Pachca's upload is two steps: ``POST /uploads`` returns signed form fields, a ``key``
ending in ``${filename}`` and a ``direct_url``; the fields and the file are posted as
``multipart/form-data`` to that URL, without the token. The file's key is the granted
key with ``${filename}`` replaced; ``send_message(files=[...])`` attaches it.
"""

from __future__ import annotations

import httpx

from runner import errors
from runner.pachca.calls import ApiCalls

_FORM = ("Content-Disposition", "acl", "policy", "x-amz-credential", "x-amz-algorithm",
         "x-amz-date", "x-amz-signature", "key")


class UploadCalls(ApiCalls):
    """``POST /uploads`` and the storage form."""

    async def upload_file(self, name: str, data: bytes, content_type: str) -> str:
        """Upload ``data`` as file ``name``; return its key for ``send_message(files=...)``.

        The storage post is not retried once sent: a repeated upload is only an unused
        file, but the caller records the key it got so a rerun does not upload again.
        """
        response = await self._session.request("POST", "/uploads", expect=(200, 201))
        try:
            params = response.json()
            form = {field: str(params[field]) for field in _FORM}
            direct_url = str(params["direct_url"])
        except (ValueError, KeyError, TypeError) as exc:
            raise errors.ApiError(response.status_code, "POST", "/uploads",
                                  f"unexpected answer from Pachca: {exc}"[:300]) from None
        async with self._session.plain_client() as plain:
            try:
                stored = await plain.post(direct_url, data=form,
                                          files={"file": (name, data, content_type)})
            except httpx.TransportError as exc:
                raise errors.TransportError("POST", "(file storage)", type(exc).__name__,
                                            reached_server=True) from None
        if stored.status_code not in (200, 201, 204):
            raise errors.ApiError(stored.status_code, "POST", "(file storage)",
                                  "the file storage refused the upload")
        return form["key"].replace("${filename}", name)
