"""Visible tests for caching/ttl-cache: the learner sees their names and failures.

Time is a FakeClock that the tests move by hand: nothing here sleeps."""
import pytest

from ttl_cache import TTLCache


class FakeClock:
    """A clock for TTLCache(clock=...): returns `now`, which only advance() moves."""

    def __init__(self, start=1000.0):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def cache_at(ttl=10, **kwargs):
    clock = FakeClock()
    return TTLCache(ttl, clock=clock, **kwargs), clock


# Stored values are distinct objects compared with `is`, and counts and
# flags have their type checked before `==`: an object whose __eq__ is
# always true would otherwise pass any comparison.


def test_set_then_get():
    cache, _ = cache_at()
    value = object()
    cache.set("user:1", value)
    assert cache.get("user:1") is value


def test_get_missing_key_gives_default():
    cache, _ = cache_at()
    default = object()
    assert cache.get("nope") is None
    assert cache.get("nope", default) is default


def test_set_replaces_value():
    cache, _ = cache_at()
    first, second = object(), object()
    cache.set("k", first)
    cache.set("k", second)
    assert cache.get("k") is second


def test_set_keys_are_independent():
    cache, _ = cache_at()
    a, b = object(), object()
    cache.set("a", a)
    cache.set("b", b)
    assert cache.get("a") is a
    assert cache.get("b") is b


def test_expiry_just_before_ttl_still_there():
    cache, clock = cache_at(ttl=10)
    value = object()
    cache.set("k", value)
    clock.advance(9.5)
    assert cache.get("k") is value


def test_expiry_at_exactly_ttl_is_gone():
    cache, clock = cache_at(ttl=10)
    cache.set("k", object())
    clock.advance(10)
    default = object()
    assert cache.get("k", default) is default, "an entry set at t lives until t + ttl, not at t + ttl"


def test_expiry_long_after_ttl_is_gone():
    cache, clock = cache_at(ttl=0.5)
    cache.set("k", object())
    clock.advance(3600)
    assert cache.get("k") is None


def test_expiry_each_key_has_its_own_deadline():
    cache, clock = cache_at(ttl=10)
    early, late = object(), object()
    cache.set("early", early)
    clock.advance(5)
    cache.set("late", late)
    clock.advance(5)
    assert cache.get("early") is None
    assert cache.get("late") is late


class TestDeleteAndInvalidate:
    def test_delete_removes_the_key(self):
        cache, _ = cache_at()
        kept = object()
        cache.set("gone", object())
        cache.set("kept", kept)
        removed = cache.delete("gone")
        assert removed is True
        assert cache.get("gone") is None
        assert cache.get("kept") is kept

    def test_delete_missing_key_is_false(self):
        cache, _ = cache_at()
        removed = cache.delete("nope")
        assert removed is False

    def test_invalidate_everything(self):
        cache, _ = cache_at()
        for key in ("a", "b", "c"):
            cache.set(key, object())
        removed = cache.invalidate()
        assert type(removed) is int, "invalidate() must return an int"
        assert removed == 3
        for key in ("a", "b", "c"):
            assert cache.get(key) is None

    def test_invalidate_matching_keys(self):
        cache, _ = cache_at()
        kept = object()
        cache.set("user:1", object())
        cache.set("user:2", object())
        cache.set("order:7", kept)
        removed = cache.invalidate(lambda key: key.startswith("user:"))
        assert type(removed) is int, "invalidate() must return an int"
        assert removed == 2
        assert cache.get("user:1") is None
        assert cache.get("user:2") is None
        assert cache.get("order:7") is kept


def test_len_counts_entries():
    cache, _ = cache_at()
    assert type(len(cache)) is int
    assert len(cache) == 0
    cache.set("a", 1)
    cache.set("b", 2)
    cache.set("a", 3)
    assert len(cache) == 2


def test_len_leaves_out_expired_entries():
    cache, clock = cache_at(ttl=10)
    cache.set("old", 1)
    clock.advance(6)
    cache.set("new", 2)
    clock.advance(4)
    assert len(cache) == 1


class TestMaxSize:
    def test_full_cache_evicts_the_oldest_unused(self):
        cache, _ = cache_at(max_size=2)
        b, c = object(), object()
        cache.set("a", object())
        cache.set("b", b)
        cache.set("c", c)
        assert cache.get("a") is None
        assert cache.get("b") is b
        assert cache.get("c") is c
        assert len(cache) == 2

    def test_get_makes_an_entry_recently_used(self):
        cache, _ = cache_at(max_size=2)
        a, c = object(), object()
        cache.set("a", a)
        cache.set("b", object())
        assert cache.get("a") is a
        cache.set("c", c)
        assert cache.get("b") is None, "'b' was the least recently used entry"
        assert cache.get("a") is a
        assert cache.get("c") is c

    def test_replacing_a_key_evicts_nothing(self):
        cache, _ = cache_at(max_size=2)
        a, b = object(), object()
        cache.set("a", object())
        cache.set("b", b)
        cache.set("a", a)
        assert cache.get("a") is a
        assert cache.get("b") is b

    def test_no_max_size_means_no_limit(self):
        cache, _ = cache_at()
        for i in range(1000):
            cache.set(i, i)
        assert len(cache) == 1000


@pytest.mark.parametrize("ttl", [0, -1, "10", None])
def test_invalid_ttl(ttl):
    with pytest.raises(ValueError):
        TTLCache(ttl, clock=FakeClock())


@pytest.mark.parametrize("max_size", [0, -3, 2.5])
def test_invalid_max_size(max_size):
    with pytest.raises(ValueError):
        TTLCache(10, clock=FakeClock(), max_size=max_size)
