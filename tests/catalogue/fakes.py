"""A fake job kind for catalogue tests: the real kinds are written elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from runner.catalogue.fields import KindParams
from runner.kinds.base import JobContext, JobKind


class DigestParams(KindParams):
    to: list[int] = Field(examples=[[101]])
    limit: int = 10
    title: str = "Сводка"
    template: str = "digest.md.j2"


class FakeDigest(JobKind[DigestParams]):
    name = "digest"
    Params = DigestParams

    def templates(self, params: DigestParams) -> list[str]:
        return [params.template]

    def sample_context(self, params: DigestParams, template: str) -> dict[str, Any]:
        return {
            "chats": [{"name": "Отдел продаж", "messages": 3}],
            "period": "неделя",
            "digest": {"total": 3},
        }

    async def run(self, ctx: JobContext, params: DigestParams) -> None:  # pragma: no cover
        raise NotImplementedError


KINDS: dict[str, JobKind] = {"digest": FakeDigest()}


def get_kind(name: str) -> JobKind:
    return KINDS[name]


def kind_names() -> Sequence[str]:
    return sorted(KINDS) + ["sweep"]


def job_spec(**fields: Any) -> Any:
    """A JobSpec with the fake kind's params, for schedule tests."""
    from runner.catalogue import JobSpec, Schedule

    crons, every = fields.pop("crons", None), fields.pop("every", None)
    fields.setdefault("timezone", "Europe/Moscow")
    return JobSpec(
        name="j",
        kind="digest",
        schedule=Schedule(crons=crons, every=every),
        params=DigestParams(to=[1]),
        **fields,
    )
