"""The base models of digest sources and attachments (kept apart so their modules share them)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from runner.catalogue.fields import ru


class SourceModel(BaseModel):
    """A source or attachment definition in ``jobs.yaml``: strict (unknown fields are
    errors), frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DataSource(SourceModel):
    """A digest's data source: what every type has besides its own fields."""

    title: str | None = Field(
        default=None, min_length=1, max_length=100,
        description="The heading the default digest template gives this source (default: "
        "its name, capitalised): the source's name is for templates, this is for people.",
        examples=["Продажи за день"],
        json_schema_extra=ru("Заголовок этого источника в стандартном шаблоне сводки (по"
                             " умолчанию — его имя с заглавной буквы): имя источника — для"
                             " шаблонов, а заголовок — для людей."),
    )
