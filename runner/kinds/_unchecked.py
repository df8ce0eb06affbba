"""A stand-in for every kind when only a catalogue's common fields matter (the jobs'
time zones for ``history``): its fields are taken as they are, unchecked, so reading
the catalogue does not load the kinds. It never runs."""

from __future__ import annotations

from typing import Any, NoReturn

from pydantic import ConfigDict

from runner.catalogue.fields import KindParams
from runner.kinds.base import JobContext, JobKind


class UncheckedParams(KindParams):
    """A job's own fields, whatever they are."""

    model_config = ConfigDict(extra="allow")


class UncheckedKind(JobKind[UncheckedParams]):
    """Any kind, its fields unchecked; running it is a programming error."""

    name = "unchecked"
    Params = UncheckedParams

    async def run(self, ctx: JobContext, params: UncheckedParams) -> NoReturn:
        """Never: a catalogue read with this kind is not run."""
        raise TypeError(f"job {ctx.job.name}: its kind was not loaded, only its fields read")


UNCHECKED: JobKind[Any] = UncheckedKind()
