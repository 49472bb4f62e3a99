"""Visible tests for tasks/retry-queue: the learner sees their names and failures.

Time is a FakeTime whose sleep() only records the wait and moves the fake
clock: nothing here sleeps for real."""
import pytest

from retry_queue import RetryQueue


class FakeTime:
    """clock and sleep for RetryQueue(clock=..., sleep=...)."""

    def __init__(self, start=1000.0):
        self.now = start
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        assert type(seconds) in (int, float), "sleep() must be given a number of seconds"
        assert seconds > 0, "sleep() was given %r seconds" % (seconds,)
        self.sleeps.append(seconds)
        if len(self.sleeps) > 100:
            raise AssertionError("run() slept more than 100 times: does it retry forever?")
        self.now += seconds

    def advance(self, seconds):
        self.now += seconds


class Flaky:
    """A job that raises for its first `failures` calls, then returns `value`."""

    def __init__(self, failures, value="ok", log=None, name=None):
        self.failures = failures
        self.value = value
        self.calls = []
        self.raised = []
        self.log = log
        self.name = name

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        if self.log is not None:
            self.log.append(self.name)
        if len(self.calls) <= self.failures:
            error = RuntimeError("failure %d" % len(self.calls))
            self.raised.append(error)
            raise error
        return self.value


def always_failing(**kwargs):
    return Flaky(10 ** 9, **kwargs)


def make_queue(**kwargs):
    fake = FakeTime()
    return RetryQueue(clock=fake.clock, sleep=fake.sleep, **kwargs), fake


# Strings and counts have their type checked before `==`, and objects are
# compared with `is`: an object whose __eq__ is always true would otherwise
# pass any comparison.


def status_of(job):
    assert type(job.status) is str, "status must be a str"
    return job.status


def attempts_of(job):
    assert type(job.attempts) is int, "attempts must be an int"
    return job.attempts


def count(n):
    assert type(n) is int, "expected an int, got %r" % type(n).__name__
    return n


class TestSuccess:
    def test_a_job_that_succeeds_runs_once(self):
        q, fake = make_queue()
        value = object()
        work = Flaky(0, value)
        job = q.submit(work)
        assert status_of(job) == "pending"
        q.run()
        assert len(work.calls) == 1
        assert status_of(job) == "done"
        assert attempts_of(job) == 1
        assert job.result is value
        assert fake.sleeps == [], "nothing failed, so nothing should wait"
        assert len(q.completed) == 1 and q.completed[0] is job
        assert len(q.dead_letters) == 0
        assert count(len(q)) == 0

    def test_arguments_reach_the_job(self):
        q, _ = make_queue()
        work = Flaky(0)
        q.submit(work, 1, "two", key=3)
        q.run()
        assert work.calls == [((1, "two"), {"key": 3})]

    def test_run_with_nothing_to_do(self):
        q, fake = make_queue()
        q.run()
        assert fake.sleeps == []


def test_retry_a_failing_job_until_it_succeeds():
    q, fake = make_queue(max_attempts=3)
    work = Flaky(2, "ok")
    job = q.submit(work)
    q.run()
    assert len(work.calls) == 3
    assert status_of(job) == "done"
    assert type(job.result) is str and job.result == "ok"
    assert attempts_of(job) == 3
    assert len(q.dead_letters) == 0


def test_retry_every_job_in_turn():
    log = []
    q, fake = make_queue(max_attempts=3)
    a = q.submit(Flaky(1, log=log, name="a"))
    b = q.submit(Flaky(0, log=log, name="b"))
    c = q.submit(Flaky(2, log=log, name="c"))
    q.run()
    assert log == ["a", "b", "c", "a", "c", "c"]
    assert [status_of(j) for j in (a, b, c)] == ["done", "done", "done"]
    assert len(q.completed) == 3
    assert [j is k for j, k in zip(q.completed, (b, a, c))] == [True, True, True]


class TestDeadLetters:
    def test_a_job_that_keeps_failing_is_dead_after_max_attempts(self):
        q, _ = make_queue(max_attempts=4)
        work = always_failing()
        job = q.submit(work)
        q.run()
        assert len(work.calls) == 4, "max_attempts=4 means 4 calls in all"
        assert status_of(job) == "dead"
        assert attempts_of(job) == 4
        assert job.error is work.raised[-1], "error is the exception of the last attempt"
        assert len(q.dead_letters) == 1 and q.dead_letters[0] is job
        assert len(q.completed) == 0
        assert count(len(q)) == 0

    def test_max_attempts_one_means_no_retry(self):
        q, fake = make_queue(max_attempts=1)
        work = always_failing()
        job = q.submit(work)
        q.run()
        assert len(work.calls) == 1
        assert status_of(job) == "dead"
        assert fake.sleeps == []

    def test_one_dead_job_does_not_stop_the_others(self):
        q, _ = make_queue(max_attempts=2)
        dead = q.submit(always_failing())
        done = q.submit(Flaky(1))
        q.run()
        assert status_of(dead) == "dead"
        assert status_of(done) == "done"
        assert len(q.dead_letters) == 1 and q.dead_letters[0] is dead


class TestBackoff:
    def test_delays_double_after_each_failure(self):
        q, fake = make_queue(max_attempts=4, base_delay=1)
        q.submit(always_failing())
        q.run()
        assert fake.sleeps == pytest.approx([1, 2, 4])

    def test_delays_start_at_base_delay(self):
        q, fake = make_queue(max_attempts=5, base_delay=0.5)
        q.submit(always_failing())
        q.run()
        assert fake.sleeps == pytest.approx([0.5, 1, 2, 4])

    def test_next_run_after_each_failure(self):
        q, fake = make_queue(max_attempts=4, base_delay=2)
        job = q.submit(always_failing())
        expected = [1002, 1006, 1014]         # failures at 1000, 1002, 1006
        for want in expected:
            q.run_pending()
            assert type(job.next_run) in (int, float)
            assert job.next_run == pytest.approx(want)
            fake.now = job.next_run

    def test_sleeps_only_until_the_next_job_is_due(self):
        q, fake = make_queue(max_attempts=3, base_delay=1)
        q.submit(always_failing())
        q.run_pending()
        fake.advance(0.5)
        q.submit(always_failing())
        # failures at 1000 and 1000.5: due at 1001 and 1001.5, then
        # at 1003 and 1003.5
        q.run()
        assert fake.sleeps == pytest.approx([0.5, 0.5, 1.5, 0.5])


class TestCap:
    def test_delays_are_capped_at_max_delay(self):
        q, fake = make_queue(max_attempts=7, base_delay=1, max_delay=5)
        q.submit(always_failing())
        q.run()
        assert fake.sleeps == pytest.approx([1, 2, 4, 5, 5, 5])

    def test_max_delay_equal_to_base_delay(self):
        q, fake = make_queue(max_attempts=4, base_delay=3, max_delay=3)
        q.submit(always_failing())
        q.run()
        assert fake.sleeps == pytest.approx([3, 3, 3])


class TestRunPending:
    def test_runs_only_the_jobs_that_are_due(self):
        q, fake = make_queue(max_attempts=3, base_delay=1)
        work = always_failing()
        job = q.submit(work)
        assert count(q.run_pending()) == 1
        assert count(q.run_pending()) == 0, "the retry is not due before 1 s"
        fake.advance(0.5)
        assert count(q.run_pending()) == 0
        fake.advance(0.5)
        assert count(q.run_pending()) == 1
        assert attempts_of(job) == 2
        assert count(len(q)) == 1
        assert fake.sleeps == [], "run_pending() never sleeps"

    def test_in_order_of_due_time_then_submission(self):
        log = []
        q, fake = make_queue(max_attempts=3, base_delay=1)
        q.submit(Flaky(1, log=log, name="a"))     # fails at 1000, due at 1001
        fake.advance(0.5)
        q.submit(Flaky(0, log=log, name="b"))     # due at 1000.5
        q.submit(Flaky(0, log=log, name="c"))     # due at 1000.5
        assert count(q.run_pending()) == 3
        fake.advance(1)
        q.submit(Flaky(0, log=log, name="d"))     # due at 1001.5
        assert count(q.run_pending()) == 2
        assert log == ["a", "b", "c", "a", "d"]

    def test_len_counts_the_jobs_still_waiting(self):
        q, _ = make_queue(max_attempts=2)
        q.submit(always_failing())
        q.submit(Flaky(0))
        assert count(len(q)) == 2
        q.run_pending()
        assert count(len(q)) == 1


@pytest.mark.parametrize("kwargs", [
    {"max_attempts": 0},
    {"max_attempts": -1},
    {"max_attempts": 2.5},
    {"base_delay": 0},
    {"base_delay": -1},
    {"base_delay": "1"},
    {"base_delay": 10, "max_delay": 5},
], ids=lambda kw: ",".join("%s=%r" % kv for kv in kw.items()))
def test_invalid_arguments(kwargs):
    fake = FakeTime()
    with pytest.raises(ValueError):
        RetryQueue(clock=fake.clock, sleep=fake.sleep, **kwargs)
