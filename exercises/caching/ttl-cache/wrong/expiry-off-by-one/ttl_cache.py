"""A key-value cache whose entries expire ttl seconds after they were set,
with an optional size limit that evicts the least recently used entry."""
import math
import time
from collections import OrderedDict


def _check_ttl(ttl):
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise ValueError("ttl must be a number, not %r" % (ttl,))
    if not (ttl > 0 and math.isfinite(ttl)):
        raise ValueError("ttl must be a finite number above 0, got %r" % (ttl,))
    return ttl


def _check_max_size(max_size):
    if max_size is None:
        return None
    if isinstance(max_size, bool) or not isinstance(max_size, int):
        raise ValueError("max_size must be an int or None, not %r" % (max_size,))
    if max_size < 1:
        raise ValueError("max_size must be at least 1, got %r" % (max_size,))
    return max_size


class TTLCache:
    def __init__(self, ttl, clock=time.monotonic, max_size=None):
        self.ttl = _check_ttl(ttl)
        self.max_size = _check_max_size(max_size)
        self._clock = clock
        # key -> (value, expires_at); the least recently used entry first
        self._entries = OrderedDict()

    def _purge(self, now):
        expired = [k for k, (_, expires_at) in self._entries.items() if now > expires_at]
        for key in expired:
            del self._entries[key]

    def _live(self, key, now):
        """The (value, expires_at) of key if it has not expired, else None."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if now > entry[1]:
            del self._entries[key]
            return None
        return entry

    def get(self, key, default=None):
        entry = self._live(key, self._clock())
        if entry is None:
            return default
        self._entries.move_to_end(key)
        return entry[0]

    def set(self, key, value):
        now = self._clock()
        self._entries.pop(key, None)
        if self.max_size is not None:
            self._purge(now)
            while len(self._entries) >= self.max_size:
                self._entries.popitem(last=False)
        self._entries[key] = (value, now + self.ttl)

    def delete(self, key):
        if self._live(key, self._clock()) is None:
            return False
        del self._entries[key]
        return True

    def invalidate(self, match=None):
        self._purge(self._clock())
        keys = [k for k in self._entries if match is None or match(k)]
        for key in keys:
            del self._entries[key]
        return len(keys)

    def __len__(self):
        self._purge(self._clock())
        return len(self._entries)

    def __contains__(self, key):
        return self._live(key, self._clock()) is not None
