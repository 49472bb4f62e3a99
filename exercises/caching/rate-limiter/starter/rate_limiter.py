"""A token bucket: requests spend tokens, which come back at a steady rate
up to the bucket's capacity. README.md says what each method must do."""
import time


class TokenBucket:
    def __init__(self, rate, capacity, clock=time.monotonic):
        raise NotImplementedError

    @property
    def tokens(self):
        raise NotImplementedError

    def try_acquire(self, n=1):
        raise NotImplementedError

    def allow(self):
        raise NotImplementedError

    def wait_time(self, n=1):
        raise NotImplementedError
