"""The base model of every digest source definition (kept apart so source modules share it)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SourceModel(BaseModel):
    """A source definition in ``jobs.yaml``: strict (unknown fields are errors), frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)
