"""Message ids: ULID-like, unique across the fleet and ordered by creation time.

26 characters of Crockford base32: 48 bits of milliseconds since the epoch, then 80 bits that
are random for the first id of each millisecond and incremented for the next ones, so ids made
by one process sort in creation order and collide across processes with probability ~2^-80.

Thread-safety: :func:`new_message_id` is thread-safe (one lock per process).
"""

from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_lock = threading.Lock()
_last_ms = -1
_last_rand = 0
_RAND_MAX = (1 << 80) - 1


def _encode(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


def new_message_id(now_ms: int | None = None) -> str:
    """A new unique, time-ordered message id (``now_ms`` is for tests)."""
    global _last_ms, _last_rand
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    with _lock:
        if ms <= _last_ms:
            # Same (or an earlier, stepped-back) millisecond: keep strictly increasing ids.
            ms = _last_ms
            _last_rand += 1
            if _last_rand > _RAND_MAX:
                ms += 1
                _last_rand = int.from_bytes(os.urandom(10), "big") >> 1
        else:
            _last_rand = int.from_bytes(os.urandom(10), "big") >> 1  # headroom for increments
        _last_ms = ms
        rand = _last_rand
    return _encode(ms, 10) + _encode(rand, 16)
