"""The cycle collector paused while a command makes objects that live on."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(*, freeze: bool = False) -> Iterator[None]:
    """Python's cycle collector off while a catalogue is read and checked (or a command
    imports and loads what it runs with).

    Reading one makes millions of objects that all live on (YAML nodes, positions, plain
    data, models), and the collector walks every live object again and again as they
    pile up: on a 10,000-job catalogue that was two fifths of ``validate``. Cycles made
    meanwhile are collected once it is back on.

    ``freeze``: what is alive at the end is kept as long as the caller needs it (a
    command's catalogue), so it is ``gc.freeze()``-d before the collector comes back;
    otherwise the first collections after loading walk all of it again (0.2-0.5 s for
    10,000 jobs) to find nothing. Whoever freezes unfreezes (``gc.unfreeze()``) when
    that use ends, and loading leaves almost no cyclic garbage to be pinned meanwhile.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was_on:
            gc.enable()
