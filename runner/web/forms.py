"""What every console page module shares: where the console lives, its login cookie,
safe redirects and form reading.

Kept apart from ``app`` (which imports every page module) so that page modules import
these at the top, with no import loop through the app.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request

PREFIX = "/console"
LOGIN_COOKIE = "console_login"


def inside(back: str) -> str:
    """``back`` if it is a page of the console, else the Jobs page: never an open
    redirect to elsewhere."""
    ok = back.startswith(PREFIX + "/") and "//" not in back and "\\" not in back
    return back if ok else PREFIX + "/jobs"


async def read_form(request: Request) -> dict[str, str]:
    """A form's fields (the first value of each); the server's guard caps the body."""
    body = (await request.body()).decode("utf-8", "replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
