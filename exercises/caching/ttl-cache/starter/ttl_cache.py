"""A key-value cache whose entries expire ttl seconds after they were set.
README.md says what each method must do."""
import time


class TTLCache:
    def __init__(self, ttl, clock=time.monotonic, max_size=None):
        raise NotImplementedError

    def get(self, key, default=None):
        raise NotImplementedError

    def set(self, key, value):
        raise NotImplementedError

    def delete(self, key):
        raise NotImplementedError

    def invalidate(self, match=None):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def __contains__(self, key):
        raise NotImplementedError
