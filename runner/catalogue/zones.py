"""Time zones as operators write them: IANA names, and how to fix what is not one."""

from __future__ import annotations

import re
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from runner import words
from runner.words import closest, suggest


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


_ABBREVIATED = {
    "MSK": "Europe/Moscow", "МСК": "Europe/Moscow", "MOSCOW": "Europe/Moscow",
    "МОСКВА": "Europe/Moscow", "KALT": "Europe/Kaliningrad", "SAMT": "Europe/Samara",
    "YEKT": "Asia/Yekaterinburg", "OMST": "Asia/Omsk", "NOVT": "Asia/Novosibirsk",
    "KRAT": "Asia/Krasnoyarsk", "IRKT": "Asia/Irkutsk", "YAKT": "Asia/Yakutsk",
    "VLAT": "Asia/Vladivostok", "MAGT": "Asia/Magadan", "PETT": "Asia/Kamchatka",
    "ALMT": "Asia/Almaty", "FET": "Europe/Minsk",
}
"""Names people write for a zone that are not IANA names (difflib would offer 'MST',
US mountain time, for MSK)."""
_CITY_AT = {2: "Europe/Kaliningrad", 3: "Europe/Moscow", 4: "Europe/Samara",
            5: "Asia/Yekaterinburg", 6: "Asia/Omsk", 7: "Asia/Novosibirsk",
            8: "Asia/Irkutsk", 9: "Asia/Yakutsk", 10: "Asia/Vladivostok",
            11: "Asia/Magadan", 12: "Asia/Kamchatka"}
_OFFSET = re.compile(r"(?:UTC|GMT|МСК|MSK)?\s*(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?::?00)?")


def _zone_hint(value: str) -> str:
    """How to write the zone ``value`` stands for, or the closest IANA name (of a whole
    name, or else of a city: 'Moskow' is far from 'Europe/Moscow' as a whole)."""
    upper = value.strip().upper()
    named = _ABBREVIATED.get(upper)
    if named is not None:
        return words.text("zone.named", zone=named)
    offset = _OFFSET.fullmatch(upper)
    if offset is not None:
        hours = int(offset["hours"]) * (1 if offset["sign"] == "+" else -1)
        if upper.startswith(("МСК", "MSK")):
            hours += 3  # МСК+2 is two hours ahead of Moscow
        if hours == 0:
            return words.text("zone.named", zone="UTC")
        zone = f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"
        if zone in _zones():
            city = _CITY_AT.get(hours)
            return words.text("zone.offset_city" if city else "zone.offset", city=city,
                              zone=zone, offset=f"{hours:+d}")
    found = suggest(value, _zones())
    if found:
        return found
    cities = {zone.rsplit("/", 1)[-1].replace("_", " "): zone for zone in _zones()}
    city = closest(value.strip().replace("_", " "), tuple(cities))
    if city:
        return words.text("hint.did_you_mean", word=cities[city])
    return words.text("zone.example")


def check_zone(value: str) -> str:
    """``value`` if it names an IANA time zone; ValueError with a suggestion otherwise."""
    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):
        raise ValueError(
            # a NUL or a line break would hide in the line: shown escaped
            words.text("zone.unknown", value=value if value.isprintable() else repr(value)[1:-1],
                       hint=_zone_hint(value))
        ) from None
    return value
