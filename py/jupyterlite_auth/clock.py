"""Time as an injectable dependency, so polling and expiry can be tested without waiting."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Protocol

#: Sleeps up to this long (the device flow's waits between polls) are taken in steps of
#: `WAKE_STEP` in CPython; longer ones (the token keeper's) in one go.
STEPPED_UP_TO = 60.0
WAKE_STEP = 0.25


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def time(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock. `asyncio.sleep` (never `time.sleep`, which freezes a Pyodide kernel)."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        if sys.platform == "emscripten" or seconds > STEPPED_UP_TO or seconds == 0:
            await asyncio.sleep(seconds)
            return
        # A kernel interrupt is SIGINT, whose Python handler runs only when the main thread runs:
        # caught by one of the kernel's other threads, it would wait out a whole 5 s sleep.
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(remaining, WAKE_STEP))
