"""The ``chart`` attachment against stored pictures, and the data behind them.

Why both. The PNG is what people see, so each chart is compared with a stored one
(``charts/*.png``) pixel by pixel: a pixel differs when a colour channel is off by more
than ``VISIBLE``, and the picture matches when at most ``TOLERANCE`` of its pixels differ.
Glyphs are where renderers disagree: another FreeType or hinting mode moves the edges of
every letter, which measured up to 1.1% of the pixels here, as much as one bar a step
taller or a title one letter longer. So the tolerance (1.5%) absorbs font rendering and
the pixel test catches what changes the picture as a whole (a series or rows missing,
the wrong kind of chart: over 12%; ``test_the_tolerance_still_sees_a_changed_chart``
keeps it so). The small changes that matter (a value, a tick label, dates of another
zone, a title) are caught exactly by comparing the data behind the picture: the texts
and plotted values of the figure before it is saved.

The style is fixed in code (size, DPI, the DejaVu Sans font that ships with matplotlib,
hinting, anti-aliasing), and the file holds no time stamp or software name, so the same
rows give the same bytes on one machine.

After a deliberate change of the look, store new pictures with
``python -m tests.jobs.test_digest_chart_image`` and look at them before committing.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from PIL import Image

from runner.attachments import DPI, SIZE, ChartAttachment, chart_png, drawn

STORED = Path(__file__).with_name("charts")
VISIBLE = 48  # of 255 in a channel: faint anti-aliasing shifts stay below
TOLERANCE = 0.015  # share of differing pixels: 5,400 of 800x450
ZONE = ZoneInfo("Europe/Moscow")

BAR = ChartAttachment(type="chart", source="runs", x="job", y=["runs", "failed"], chart="bar",
                      title="Запуски заданий за сутки", x_label="Задание",
                      y_label="Запусков", file="runs.png")
BAR_ROWS = [{"job": "morning-digest", "runs": 12, "failed": 1},
            {"job": "sweep-quiet-chats", "runs": 4, "failed": 0},
            {"job": "weekly-activity", "runs": 7, "failed": 2}]
LINE = ChartAttachment(type="chart", source="sales", x="at", y=["revenue"], chart="line",
                       title="Выручка по дням", x_label="День", y_label="₽", file="sales.png")
# 22:30 UTC is 01:30 the next day in Moscow: the axis must show Moscow's days.
LINE_ROWS = [{"at": dt.datetime(2026, 11, day, 22, 30, tzinfo=dt.UTC), "revenue": revenue}
             for day, revenue in ((16, 1200), (17, 700), (18, 1500), (19, 900))]
CASES: dict[str, tuple[ChartAttachment, list[dict[str, Any]]]] = {
    "bar": (BAR, BAR_ROWS), "line": (LINE, LINE_ROWS)}


def pixels(png: bytes) -> np.ndarray:
    """The picture as an array of RGB values (wide enough to subtract)."""
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def differing(png: bytes, other: bytes) -> float:
    """The share of visibly different pixels (1.0 when the sizes differ)."""
    a, b = pixels(png), pixels(other)
    if a.shape != b.shape:
        return 1.0
    return float((np.abs(a - b).max(axis=2) > VISIBLE).mean())


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_chart_looks_like_the_stored_picture(name: str) -> None:
    chart, rows = CASES[name]
    png = chart_png(chart, rows, ZONE)
    image = Image.open(io.BytesIO(png))
    assert image.size == (int(SIZE[0] * DPI), int(SIZE[1] * DPI))
    # Nothing that changes from run to run: no time stamp, no software version.
    assert not {"Creation Time", "Software", "date:create"} & set(image.info)
    share = differing(png, (STORED / f"{name}.png").read_bytes())
    assert share <= TOLERANCE, f"{share:.2%} of the pixels differ from charts/{name}.png"


def test_the_tolerance_still_sees_a_changed_chart() -> None:
    """A series left out, a row left out, bars drawn as lines: each is far over the
    tolerance, so a broken chart cannot pass as a difference of fonts."""
    stored = (STORED / "bar.png").read_bytes()
    for changed in (BAR.model_copy(update={"y": ["runs"]}), BAR,
                    BAR.model_copy(update={"chart": "line"})):
        rows = BAR_ROWS[:2] if changed is BAR else BAR_ROWS
        assert differing(chart_png(changed, rows, ZONE), stored) > 4 * TOLERANCE


def _seen(chart: ChartAttachment, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What the figure shows, as text and numbers: titles, tick labels, plotted values."""
    with drawn(chart, rows, ZONE) as figure:
        figure.canvas.draw()  # tick labels are made when the figure is drawn
        [axes] = figure.axes
        return {
            "title": axes.get_title(), "x": axes.get_xlabel(), "y": axes.get_ylabel(),
            "ticks": [t.get_text() for t in axes.get_xticklabels() if t.get_text()],
            "offset": axes.xaxis.get_offset_text().get_text(),
            "bars": [round(p.get_height(), 6) for p in axes.patches],
            "lines": [[float(v) for v in line.get_ydata()] for line in axes.get_lines()],
            "legend": [t.get_text() for t in axes.get_legend().get_texts()]
            if axes.get_legend() else [],
        }


def test_the_bar_chart_shows_the_rows_with_russian_words() -> None:
    assert _seen(BAR, BAR_ROWS) == {
        "title": "Запуски заданий за сутки", "x": "Задание", "y": "Запусков",
        "ticks": ["morning-digest", "sweep-quiet-chats", "weekly-activity"], "offset": "",
        "bars": [12, 4, 7, 1, 0, 2], "lines": [], "legend": ["runs", "failed"],
    }


def test_the_line_chart_says_the_days_of_the_jobs_zone() -> None:
    seen = _seen(LINE, LINE_ROWS)
    assert seen["lines"] == [[1200.0, 700.0, 1500.0, 900.0]]
    # Moscow's days (the first point is 01:30 on 17.11 there), each day named once.
    assert seen["ticks"] == ["17.11", "12:00", "18.11", "12:00", "19.11", "12:00", "20.11"]
    assert (seen["title"], seen["x"], seen["y"]) == ("Выручка по дням", "День", "₽")


def store() -> None:
    """Write the stored pictures anew (after a deliberate change of the look)."""
    STORED.mkdir(exist_ok=True)
    for name, (chart, rows) in CASES.items():
        (STORED / f"{name}.png").write_bytes(chart_png(chart, rows, ZONE))


if __name__ == "__main__":
    store()
