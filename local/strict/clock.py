"""The emulator's clock: real UTC time plus an offset that tests can move forward.

Rules with a time window (one UpdateTimeToLive per table per hour, two table-class changes per 30 days, four
switches to on-demand per rolling 24 hours) read the time here, never ``datetime.now()`` directly, so a test can
step over the window with ``POST /tablewarden/clock {"advanceSeconds": 3600}`` instead of waiting. ``POST
/moto-api/reset`` sets the offset back to zero with the rest of the state. Under ``faketime`` the base time is
the faked one, so the whole suite can run a year ahead.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

_lock = threading.Lock()
_offset = timedelta(0)


def now() -> datetime:
    """The emulator's current time, timezone-aware UTC."""
    with _lock:
        return datetime.now(timezone.utc) + _offset


def advance(seconds: float) -> None:
    """Move the clock forward (never back: AWS time windows only ever elapse)."""
    if seconds < 0:
        raise ValueError("advanceSeconds must be >= 0")
    global _offset
    with _lock:
        _offset += timedelta(seconds=seconds)


def reset() -> None:
    global _offset
    with _lock:
        _offset = timedelta(0)


def offset_seconds() -> float:
    with _lock:
        return _offset.total_seconds()
