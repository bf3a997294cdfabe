"""Python's cyclic garbage collector, paused while data is read."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Reading allocates millions of short-lived rows and keeps large acyclic indexes;
    generational collections would re-walk those indexes again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
