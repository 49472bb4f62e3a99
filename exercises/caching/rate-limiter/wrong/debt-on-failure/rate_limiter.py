"""A token bucket: requests spend tokens, which come back at a steady rate
up to the bucket's capacity."""
import math
import time


def _positive(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("%s must be a number, not %r" % (name, value))
    if not (value > 0 and math.isfinite(value)):
        raise ValueError("%s must be a finite number above 0, got %r" % (name, value))
    return value


class TokenBucket:
    def __init__(self, rate, capacity, clock=time.monotonic):
        self.rate = _positive("rate", rate)
        self.capacity = _positive("capacity", capacity)
        self._clock = clock
        self._tokens = capacity
        self._last = clock()

    def _refill(self):
        now = self._clock()
        if now > self._last:
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
        # a clock that went backwards adds nothing; the bucket waits for it
        # to pass the last reading again

    def _check_n(self, n):
        _positive("n", n)
        if n > self.capacity:
            raise ValueError("n (%r) is more than the capacity (%r)" % (n, self.capacity))
        return n

    @property
    def tokens(self):
        self._refill()
        return self._tokens

    def try_acquire(self, n=1):
        self._check_n(n)
        self._refill()
        self._tokens -= n
        return self._tokens >= 0

    def allow(self):
        return self.try_acquire(1)

    def wait_time(self, n=1):
        self._check_n(n)
        self._refill()
        if self._tokens >= n:
            return 0.0
        return (n - self._tokens) / self.rate
