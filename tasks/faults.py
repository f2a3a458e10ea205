"""Crash points for the kill -9 tests: a named place in the code where the process can be made to die.

`CSP_CRASH_AT=name` (or `name:n`, the n-th time the point is reached) makes the process SIGKILL
itself there, as a power cut or an OOM kill would; unset, a crash point costs one dict lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

_reached: Counter[str] = Counter()


def crash_point(name: str) -> None:
    """Die here, without cleanup, if CSP_CRASH_AT names this point (and this is its n-th visit)."""
    target = os.environ.get("CSP_CRASH_AT")
    if not target:
        return
    point, _, nth = target.partition(":")
    if point != name:
        return
    _reached[name] += 1
    if _reached[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
