"""Files a digest attaches: a chart (PNG) or a CSV of a source's rows.

Both read the ``rows`` of a source that has them (``sql``). A chart is drawn with
matplotlib's Agg backend (imported only when a chart is drawn, so the CLI starts fast)
with a fixed size, resolution, font and no time stamp in the file, so the same rows give
the same bytes; dates on the axis are shown in the job's zone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, Field, field_validator

from runner import words
from runner.catalogue.fields import Label, ru
from runner.catalogue.source import shorten
from runner.source_base import SourceModel

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SIZE = (8.0, 4.5)
"""Chart size in inches; at ``DPI`` a readable 800x450 picture in a chat."""
DPI = 100
_TICKS = ["%Y", "%m.%Y", "%d.%m", "%H:%M", "%H:%M", "%H:%M:%S"]
_ZERO_TICKS = ["", "%Y", "%d.%m", "%d.%m", "%H:%M", "%H:%M"]
_OFFSETS = ["", "%Y", "%m.%Y", "%d.%m.%Y", "%d.%m.%Y", "%d.%m.%Y %H:%M"]


_FILE_NAME = re.compile(r"[^/\\\0\n\r]{1,100}")


def _file_name(value: str, ext: str) -> str:
    """``value`` if it is a plain name ending in ``.ext``, else one plain error."""
    stem, dot, end = value.rpartition(".")
    if not (dot and end == ext and _FILE_NAME.fullmatch(stem)):
        raise ValueError(words.text("attachment.file_name", ext=ext, got=shorten(value)))
    return value


PngName = Annotated[str, AfterValidator(lambda v: _file_name(v, "png"))]
CsvName = Annotated[str, AfterValidator(lambda v: _file_name(v, "csv"))]


class ChartAttachment(SourceModel):
    """``{type: chart, source: sales, x: day, y: [revenue]}``: a PNG chart of the rows."""

    type: Literal["chart"] = Field(
        description="A chart (PNG) of a source's rows.", examples=["chart"],
        json_schema_extra=ru("График (PNG) по строкам источника."),
    )
    source: str = Field(
        description="The source whose rows are drawn (an `sql` source).", examples=["sales"],
        json_schema_extra=ru("Источник, чьи строки рисуются (источник `sql`)."),
    )
    x: str = Field(description="Column along the x axis.", examples=["day"],
                   json_schema_extra=ru("Столбец по оси X."))
    y: list[str] = Field(min_length=1, max_length=8, description="Columns drawn as series.",
                         examples=[["revenue"]],
                         json_schema_extra=ru("Столбцы, которые рисуются линиями или"
                                              " столбиками."))
    chart: Literal["line", "bar"] = Field(
        default="line", description="Line or bar chart.", examples=["bar"],
        json_schema_extra=ru("Линии или столбики."),
    )
    title: Label | None = Field(default=None, description="Chart title.",
                                examples=["Выручка по дням"],
                                json_schema_extra=ru("Заголовок графика."))
    x_label: Label | None = Field(default=None, description="X axis label.", examples=["День"],
                                  json_schema_extra=ru("Подпись оси X."))
    y_label: Label | None = Field(default=None, description="Y axis label.",
                                  examples=["₽"], json_schema_extra=ru("Подпись оси Y."))
    file: PngName = Field(default="chart.png", description="File name shown in the chat.",
                          examples=["sales.png"], json_schema_extra=ru("Имя файла в чате."))


class CsvAttachment(SourceModel):
    """``{type: csv, source: sales}``: the rows as a CSV file."""

    type: Literal["csv"] = Field(
        description="A source's rows as a CSV file.", examples=["csv"],
        json_schema_extra=ru("Строки источника файлом CSV."),
    )
    source: str = Field(
        description="The source whose rows are written (an `sql` source).", examples=["sales"],
        json_schema_extra=ru("Источник, чьи строки записываются (источник `sql`)."),
    )
    columns: list[str] = Field(
        default_factory=list, description="Columns written, in order (empty: all).",
        examples=[["day", "revenue"]],
        json_schema_extra=ru("Какие столбцы записать и в каком порядке (пусто — все)."),
    )
    file: CsvName = Field(default="data.csv", description="File name shown in the chat.",
                          examples=["sales.csv"], json_schema_extra=ru("Имя файла в чате."))

    @field_validator("columns")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError(words.text("attachment.columns"))
        return v


Attachment = Annotated[
    ChartAttachment | CsvAttachment,
    Field(discriminator="type", description="A file attached to the digest."),
]


@dataclass(frozen=True)
class Rendered:
    """An attachment ready to upload."""

    name: str
    data: bytes
    content_type: str
    file_type: str  # Pachca's: "image" or "file"
    width: int | None = None
    height: int | None = None

    def message_file(self, key: str) -> dict[str, Any]:
        """The ``files`` item of ``POST /messages`` for this file uploaded as ``key``."""
        item: dict[str, Any] = {"key": key, "name": self.name, "file_type": self.file_type,
                                "size": len(self.data)}
        if self.width is not None:
            item |= {"width": self.width, "height": self.height}
        return item


def render(attachment: ChartAttachment | CsvAttachment, value: Any, zone: ZoneInfo) -> Rendered:
    """The file of ``attachment`` from its source's ``value`` (None: the source failed)."""
    rows: list[dict[str, Any]] = list((value or {}).get("rows") or [])
    columns: list[str] = list((value or {}).get("columns") or [])
    if isinstance(attachment, CsvAttachment):
        return Rendered(attachment.file, to_csv(rows, attachment.columns or columns, zone),
                        "text/csv", "file")
    return Rendered(attachment.file, chart_png(attachment, rows, zone), "image/png", "image",
                    int(SIZE[0] * DPI), int(SIZE[1] * DPI))


def _cell(value: Any, zone: ZoneInfo) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(zone).isoformat(" ")
    return "" if value is None else value


def to_csv(rows: list[dict[str, Any]], columns: list[str], zone: ZoneInfo) -> bytes:
    """``rows`` as CSV (UTF-8 with a BOM, so spreadsheet programs read Cyrillic right)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c), zone) for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def chart_png(chart: ChartAttachment, rows: list[dict[str, Any]], zone: ZoneInfo) -> bytes:
    """The chart of ``rows`` as PNG bytes, the same for the same rows."""
    out = io.BytesIO()
    with drawn(chart, rows, zone) as figure:
        # No "Software" or time stamp in the file: the same rows, the same bytes.
        figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


@contextmanager
def drawn(chart: ChartAttachment, rows: list[dict[str, Any]], zone: ZoneInfo
          ) -> Iterator[Figure]:
    """The figure of ``rows``, drawn with the chart's fixed style, closed on leaving.

    Saving must happen inside: the style (font, size) is in force only here."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import dates as mdates
    from matplotlib import pyplot as plt

    xs = [row.get(chart.x) for row in rows]
    xs = [x.astimezone(zone) if isinstance(x, dt.datetime) and x.tzinfo else x for x in xs]
    # DejaVu Sans ships with matplotlib (and has Cyrillic): no system font decides the look;
    # nor does a matplotlibrc on the machine (hinting and anti-aliasing are set here).
    style: dict[str, Any] = {"font.family": "DejaVu Sans", "font.size": 10,
                             "text.hinting": "force_autohint",
                             "text.antialiased": True, "lines.antialiased": True,
                             "svg.hashsalt": "pachca-runner", "axes.grid": True,
                             "grid.alpha": 0.3}
    with plt.rc_context(style):  # type: ignore[arg-type]
        figure, axes = plt.subplots(figsize=SIZE, dpi=DPI)
        try:
            positions: list[Any] = list(range(len(xs)))
            temporal = bool(xs) and all(isinstance(x, dt.date) for x in xs)
            if chart.chart == "line" and temporal:
                positions = xs
            width = 0.8 / len(chart.y)
            for i, column in enumerate(chart.y):
                ys = [float(row.get(column) or 0) for row in rows]
                if chart.chart == "bar":
                    axes.bar([p + i * width for p in range(len(xs))], ys, width=width,
                             label=column)
                else:
                    axes.plot(positions, ys, marker="o", label=column)
            if chart.chart == "bar" or not temporal:
                labels = [_label(x) for x in xs]
                ticks = [p + width * (len(chart.y) - 1) / 2 for p in range(len(xs))]
                axes.set_xticks(ticks if chart.chart == "bar" else positions, labels)
            else:
                # Ticks at whole days, hours or months in the job's zone, each said once
                # in numbers (no English month names): "17.11", "12:00", "11.2026".
                locator = mdates.AutoDateLocator(tz=zone)
                axes.xaxis.set_major_locator(locator)
                axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(
                    locator, tz=zone, formats=_TICKS, zero_formats=_ZERO_TICKS,
                    offset_formats=_OFFSETS))
            if chart.title:
                axes.set_title(chart.title)
            if chart.x_label:
                axes.set_xlabel(chart.x_label)
            if chart.y_label:
                axes.set_ylabel(chart.y_label)
            if len(chart.y) > 1:
                axes.legend()
            figure.autofmt_xdate()
            yield figure
        finally:
            plt.close(figure)


def _label(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m")
    return str(value)
