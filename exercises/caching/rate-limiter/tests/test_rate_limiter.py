"""Visible tests for caching/rate-limiter: the learner sees their names and failures.

Time is a FakeClock that the tests move by hand: nothing here sleeps. The
rates and steps are powers of two, so the float arithmetic is exact."""
import pytest

from rate_limiter import TokenBucket


class FakeClock:
    """A clock for TokenBucket(clock=...): returns `now`, which only advance() moves."""

    def __init__(self, start=1000.0):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def bucket(rate, capacity):
    clock = FakeClock()
    return TokenBucket(rate, capacity, clock=clock), clock


# Numbers have their type checked before `==` and flags are compared with
# `is`: an object whose __eq__ is always true would otherwise pass.


def tokens_of(b):
    t = b.tokens
    assert type(t) in (int, float), "tokens must be an int or a float"
    return t


def allows(b, times):
    """What `times` calls of allow() in a row answer (each must be a bool)."""
    answers = [b.allow() for _ in range(times)]
    assert all(type(a) is bool for a in answers), "allow() must return True or False"
    return answers


def drain(b):
    """Spend every whole token (a bucket that never refuses fails here)."""
    for _ in range(1000):
        if b.allow() is not True:
            return
    raise AssertionError("allow() still said True after 1000 requests with the clock stopped")


def test_new_bucket_is_full():
    b, _ = bucket(rate=1, capacity=5)
    assert tokens_of(b) == 5


def test_new_bucket_allows_capacity_requests_then_refuses():
    b, _ = bucket(rate=1, capacity=3)
    assert allows(b, 4) == [True, True, True, False]
    assert all(type(x) is bool for x in (b.allow(), b.try_acquire()))


def test_refill_at_rate_per_second():
    b, clock = bucket(rate=2, capacity=4)
    drain(b)
    assert tokens_of(b) == 0
    clock.advance(0.5)
    assert tokens_of(b) == 1
    assert b.allow() is True
    assert b.allow() is False
    clock.advance(1.5)
    assert tokens_of(b) == 3


def test_refill_keeps_fractions_of_a_token():
    b, clock = bucket(rate=2, capacity=4)
    drain(b)
    for _ in range(3):
        clock.advance(0.125)      # a quarter of a token each time
        assert b.allow() is False
    clock.advance(0.125)
    assert tokens_of(b) == 1, "four steps of 0.125 s at 2 tokens/s make one token"
    assert b.allow() is True


def test_refill_without_a_request_in_between():
    b, clock = bucket(rate=0.5, capacity=10)
    assert b.try_acquire(10) is True
    clock.advance(8)
    assert tokens_of(b) == 4


def test_capacity_caps_the_refill():
    b, clock = bucket(rate=1, capacity=3)
    drain(b)
    clock.advance(100)
    assert tokens_of(b) == 3
    assert allows(b, 4) == [True, True, True, False]


def test_capacity_of_a_bucket_left_idle_when_full():
    b, clock = bucket(rate=4, capacity=2)
    clock.advance(60)
    assert tokens_of(b) == 2
    assert allows(b, 3) == [True, True, False]


class TestTryAcquire:
    def test_takes_n_tokens(self):
        b, _ = bucket(rate=1, capacity=10)
        assert b.try_acquire(4) is True
        assert tokens_of(b) == 6

    def test_takes_nothing_when_short(self):
        b, _ = bucket(rate=1, capacity=10)
        assert b.try_acquire(4) is True
        assert b.try_acquire(7) is False
        assert tokens_of(b) == 6
        assert b.try_acquire(6) is True
        assert tokens_of(b) == 0

    def test_default_n_is_one(self):
        b, _ = bucket(rate=1, capacity=2)
        assert b.try_acquire() is True
        assert tokens_of(b) == 1

    def test_fractional_n(self):
        b, _ = bucket(rate=1, capacity=4)
        assert b.try_acquire(2.5) is True
        assert tokens_of(b) == 1.5


def test_wait_time_is_zero_when_tokens_are_there():
    b, _ = bucket(rate=2, capacity=4)
    w = b.wait_time()
    assert type(w) in (int, float), "wait_time() must return a number"
    assert w == 0


def test_wait_time_until_enough_tokens():
    b, clock = bucket(rate=2, capacity=4)
    drain(b)
    w1, w3 = b.wait_time(), b.wait_time(3)
    assert type(w1) in (int, float) and type(w3) in (int, float)
    assert w1 == 0.5
    assert w3 == 1.5
    clock.advance(0.5)
    assert b.wait_time(1) == 0
    assert b.wait_time(2) == 0.5


@pytest.mark.parametrize("rate", [0, -1, "5", None])
def test_invalid_rate(rate):
    with pytest.raises(ValueError):
        TokenBucket(rate, 10, clock=FakeClock())


@pytest.mark.parametrize("capacity", [0, -2, "10", None])
def test_invalid_capacity(capacity):
    with pytest.raises(ValueError):
        TokenBucket(1, capacity, clock=FakeClock())


@pytest.mark.parametrize("n", [0, -1, 11])
def test_invalid_n(n):
    b = TokenBucket(1, 10, clock=FakeClock())
    with pytest.raises(ValueError):
        b.try_acquire(n)
    with pytest.raises(ValueError):
        b.wait_time(n)
