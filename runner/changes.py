"""``diff``: what changing the catalogue does, with the chats each changed job would act
on now, as its kind counts them (``JobKind.affected``: the sweep's warnings and archives).

Only reads: the kinds count through a read-only view and no run is claimed or recorded.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from runner import app, words
from runner.catalogue import Catalogue
from runner.catalogue.diff import Affected, CatalogueDiff, compare
from runner.errors import PachcaError
from runner.kinds.registry import get_kind
from runner.runtime import shifted_clock, system_clock
from runner.settings import Settings


async def diff_catalogues(
    settings: Settings, old: Catalogue, new: Catalogue, *, now: datetime | None = None
) -> CatalogueDiff:
    """``compare(old, new)``, and for each job whose own fields changed and whose kind
    counts the chats it acts on, those chats now (or at ``now``, naive = the catalogue's
    zone) under each version, when a token is set."""
    diff = compare(old, new, now)
    counted = [c for c in diff.changed
               if c.params_changed and get_kind(c.kind).affects_chats]
    if not counted:
        return diff
    token = settings.token.get_secret_value() if settings.token else ""
    if not token:
        for change in counted:
            change.note = words.text("diff.no_token")
        return diff
    clock = system_clock
    if now is not None:
        clock = shifted_clock(now if now.tzinfo else now.replace(tzinfo=ZoneInfo(new.timezone)))
    try:
        async with app.runtime(settings, new, clock=clock) as rt:
            for change in counted:
                kind = get_kind(change.kind)
                before = await kind.affected(rt, old.jobs[change.name])
                after = await kind.affected(rt, new.jobs[change.name])
                if before is not None and after is not None:
                    change.affected = Affected(dict(before), dict(after))
    except PachcaError as exc:
        for change in counted:
            if change.affected is None:
                change.note = words.text("diff.cannot_count", error=exc)
    return diff
