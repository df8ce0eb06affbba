"""Link previews: a ``link_shared`` event -> data fetched per ``unfurl:`` rule -> previews.

For each link of a configured domain (the domain itself or a subdomain) that the author
did not hide (``skip``), the rule's ``source`` URL template is rendered from the link,
the JSON there is fetched with the bounded ``JsonFetcher`` (its own timeout, size cap
and headers, never the Pachca token), and ``title`` / ``description`` / ``image_url`` are rendered
with that ``data``. One failing link is logged and skipped; the others still get their
preview. Logs never carry header values or the source URL (either may hold a key).
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx

from runner import words
from runner.errors import (
    FetchError,
    PachcaError,
    RunnerError,
    TemplateProblem,
    ValidationFailed,
)
from runner.pachca.fetch import JsonFetcher
from runner.pachca.models import LinkShared

if TYPE_CHECKING:
    from runner.catalogue import UnfurlRule
    from runner.runtime import Runtime

log = logging.getLogger("runner.bot.unfurl")

FETCH_TIMEOUT = 10.0
MAX_SOURCE_BYTES = 1 << 20
"""Largest source answer read: a preview needs a title, not a database dump."""
TITLE_LIMIT, DESCRIPTION_LIMIT = 255, 1000



def link_context(url: str) -> dict[str, Any]:
    """What a rule's ``source`` is rendered with (its ``title``, ``description`` and
    ``image_url`` get this and ``data``, the JSON the source answered)."""
    parts = urlsplit(url)
    return {
        "url": url,
        "domain": (parts.hostname or "").lower(),
        "path": parts.path,
        "segments": [s for s in parts.path.split("/") if s],
        "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
    }

class Unfurler:
    """Builds and posts the previews of one ``link_shared`` event."""

    def __init__(self, rt: Runtime, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.rt = rt
        self._fetcher = JsonFetcher(user_agent="pachca-runner (link previews)",
                                    transport=transport)

    async def aclose(self) -> None:
        """Close the fetching client."""
        await self._fetcher.aclose()

    def rule_for(self, url: str, domain: str) -> UnfurlRule | None:
        """The rule for the link's host (exact domain first, then the nearest parent)."""
        host = (urlsplit(url).hostname or domain or "").lower()
        best: UnfurlRule | None = None
        for rule in self.rt.catalogue.unfurl:
            ours = host == rule.domain or host.endswith("." + rule.domain)
            if ours and (best is None or len(rule.domain) > len(best.domain)):
                best = rule
        return best

    async def handle(self, event: LinkShared) -> str:
        """Post previews for the event's links; returns a label for the counts."""
        previews: dict[str, dict[str, str]] = {}
        for link in event.links:
            if link.skip or link.url in previews:
                continue
            rule = self.rule_for(link.url, link.domain)
            if rule is None:
                log.debug("no unfurl rule for %s; ignored", link.domain)
                continue
            if not await self._first_time(event.message_id, link.url):
                continue
            preview = await self.preview(rule, link.url)
            if preview is not None:
                previews[link.url] = preview
        if not previews:
            return "unfurl:nothing"
        try:
            await self.rt.client.add_link_previews(event.message_id, previews)
        except ValidationFailed as exc:
            if len(previews) == 1:
                log.error("%s", words.text("unfurl.failed", id=event.message_id, error=exc))
                return "unfurl:failed"
            # Pachca makes none when one URL is refused (say, edited out of the message
            # since): each alone, so only that one is lost.
            posted = await self._one_by_one(event.message_id, previews)
            return "unfurl:posted" if posted else "unfurl:failed"
        except PachcaError as exc:
            log.error("%s", words.text("unfurl.failed", id=event.message_id, error=exc))
            return "unfurl:failed"
        log.info("%s", words.text("unfurl.added", n=len(previews), id=event.message_id))
        return "unfurl:posted"

    async def _first_time(self, message_id: int, url: str) -> bool:
        """Claim the preview of ``url`` in message ``message_id``; False if claimed before.

        An edit that brings a link sends link_shared again, and may list the links
        previewed before beside the new one; Pachca keeps every preview posted, so each
        link of a message is previewed at most once.
        """
        digest = hashlib.sha256(url.encode()).hexdigest()[:32]
        if await self.rt.state.events.mark_handled(f"preview:{message_id}:{digest}"):
            return True
        log.info("%s", words.text("unfurl.again", url=url, id=message_id))
        return False

    async def _one_by_one(self, message_id: int, previews: dict[str, dict[str, str]]) -> int:
        """Post each preview in a request of its own; how many were made."""
        posted = 0
        for url, preview in previews.items():
            try:
                await self.rt.client.add_link_previews(message_id, {url: preview})
            except PachcaError as exc:
                log.error("%s", words.text("unfurl.failed", id=message_id, error=exc))
                continue
            posted += 1
        if posted:
            log.info("%s", words.text("unfurl.added", n=posted, id=message_id))
        return posted

    async def preview(self, rule: UnfurlRule, url: str) -> dict[str, str] | None:
        """The preview of ``url`` by ``rule``, or None (logged) when it cannot be made."""
        link = link_context(url)
        render = self.rt.renderer.render_string
        try:
            source = render(rule.source, link, origin=f"unfurl {rule.domain} source").strip()
            data = await self._fetcher.get(source, rule.headers, timeout=FETCH_TIMEOUT,
                                           max_bytes=MAX_SOURCE_BYTES)
            context = {**link, "data": data}
            fields: dict[str, str] = {}
            for key in ("title", "description", "image_url"):
                template = getattr(rule, key)
                if template is not None:
                    fields[key] = render(template, context,
                                         origin=f"unfurl {rule.domain} {key}").strip()
        except FetchError as exc:
            log.warning("%s", words.text("unfurl.source_failed", url=url, rule=rule.domain, error=exc))
            return None
        except (TemplateProblem, RunnerError) as exc:
            log.warning("%s", words.text("unfurl.skipped", url=url, error=exc))
            return None
        title = fields.get("title") or (_default_title(data) if rule.title is None else "")
        if not title:
            log.warning("%s", words.text("unfurl.empty_title", url=url))
            return None
        preview = {"title": title[:TITLE_LIMIT],
                   "description": fields.get("description", "")[:DESCRIPTION_LIMIT]}
        if fields.get("image_url"):
            preview["image_url"] = fields["image_url"]
        return preview


def _default_title(data: Any) -> str:
    """A title when the rule gives none: the source's own ``title`` or ``name``."""
    if isinstance(data, dict):
        for key in ("title", "name", "summary"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return ""
