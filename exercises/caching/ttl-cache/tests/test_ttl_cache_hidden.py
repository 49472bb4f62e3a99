"""Hidden tests for caching/ttl-cache: run in their own pytest process."""
import math

import pytest

from ttl_cache import TTLCache


class FakeClock:
    def __init__(self, start=1000.0):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def cache_at(ttl=10, **kwargs):
    clock = FakeClock()
    return TTLCache(ttl, clock=clock, **kwargs), clock


def test_set_again_restarts_the_ttl():
    cache, clock = cache_at(ttl=10)
    value = object()
    cache.set("k", object())
    clock.advance(6)
    cache.set("k", value)
    clock.advance(6)
    assert cache.get("k") is value


def test_get_does_not_extend_the_ttl():
    cache, clock = cache_at(ttl=10)
    value = object()
    cache.set("k", value)
    clock.advance(6)
    assert cache.get("k") is value
    clock.advance(4)
    assert cache.get("k") is None


def test_none_is_a_value_like_any_other():
    cache, _ = cache_at()
    cache.set("k", None)
    assert cache.get("k", "default") is None
    assert ("k" in cache) is True
    assert len(cache) == 1


def test_in_follows_expiry():
    cache, clock = cache_at(ttl=10)
    cache.set("k", 1)
    assert ("k" in cache) is True
    assert ("other" in cache) is False
    clock.advance(10)
    assert ("k" in cache) is False


def test_expired_entries_make_room_before_eviction():
    cache, clock = cache_at(ttl=10, max_size=2)
    b, c = object(), object()
    cache.set("a", object())          # expires at 1010
    clock.advance(1)
    cache.set("b", b)                 # expires at 1011
    clock.advance(1)
    cache.get("a")                    # 'b' is now the least recently used
    clock.advance(8.5)                # 1010.5: 'a' has expired, 'b' has not
    cache.set("c", c)
    assert cache.get("b") is b, "an expired entry frees its place before a live one is evicted"
    assert cache.get("c") is c


def test_max_size_one():
    cache, _ = cache_at(max_size=1)
    b = object()
    cache.set("a", object())
    cache.set("b", b)
    assert cache.get("a") is None
    assert cache.get("b") is b
    assert len(cache) == 1


def test_delete_an_expired_key_is_false():
    cache, clock = cache_at(ttl=10)
    cache.set("k", 1)
    clock.advance(10)
    removed = cache.delete("k")
    assert removed is False


def test_invalidate_counts_only_live_entries():
    cache, clock = cache_at(ttl=10)
    cache.set("user:old", 1)
    clock.advance(5)
    cache.set("user:new", 2)
    cache.set("order:1", 3)
    clock.advance(5)
    removed = cache.invalidate(lambda key: key.startswith("user:"))
    assert type(removed) is int
    assert removed == 1
    assert len(cache) == 1


def test_invalidate_an_empty_cache():
    cache, _ = cache_at()
    removed = cache.invalidate()
    assert type(removed) is int
    assert removed == 0


def test_float_ttl():
    cache, clock = cache_at(ttl=0.25)
    value = object()
    cache.set("k", value)
    clock.advance(0.125)
    assert cache.get("k") is value
    clock.advance(0.125)
    assert cache.get("k") is None


@pytest.mark.parametrize("ttl", [True, math.nan, math.inf])
def test_invalid_ttl_edge_cases(ttl):
    with pytest.raises(ValueError):
        TTLCache(ttl, clock=FakeClock())


def test_bool_is_not_a_max_size():
    with pytest.raises(ValueError):
        TTLCache(10, clock=FakeClock(), max_size=True)


def test_default_clock_works():
    cache = TTLCache(60)
    value = object()
    cache.set("k", value)
    assert cache.get("k") is value
