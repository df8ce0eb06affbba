"""File sizes as people read them, for the messages jobs post and for the console."""

from __future__ import annotations


def size_text(size: int, lang: str = "ru") -> str:
    """«1,2 МБ»: a byte count in the largest unit that keeps it at least 1."""
    from babel.units import format_unit

    value, unit = float(size), "byte"
    for bigger in ("kilobyte", "megabyte", "gigabyte", "terabyte"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return format_unit(value, f"digital-{unit}", length="short", format="#,##0.#", locale=lang)
