"""A job queue that retries failing jobs with exponential backoff and keeps
the ones that never succeeded in a dead-letter list."""
import math
import time


def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("%s must be a number, not %r" % (name, value))
    if not math.isfinite(value):
        raise ValueError("%s must be finite, got %r" % (name, value))
    return value


class Job:
    def __init__(self, func, args, kwargs, seq, now):
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.status = "pending"
        self.attempts = 0
        self.result = None
        self.error = None
        self.next_run = now
        self._seq = seq

    def __repr__(self):
        return "<Job %s %s after %d attempts>" % (
            getattr(self.func, "__name__", "?"), self.status, self.attempts)


class RetryQueue:
    def __init__(self, max_attempts=3, base_delay=1.0, max_delay=60.0,
                 clock=time.monotonic, sleep=time.sleep):
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise ValueError("max_attempts must be an int of at least 1, got %r" % (max_attempts,))
        if not _number("base_delay", base_delay) > 0:
            raise ValueError("base_delay must be above 0, got %r" % (base_delay,))
        if _number("max_delay", max_delay) < base_delay:
            raise ValueError("max_delay (%r) must not be below base_delay (%r)" % (max_delay, base_delay))
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._clock = clock
        self._sleep = sleep
        self._pending = []
        self._seq = 0
        self.completed = []
        self.dead_letters = []

    def submit(self, func, *args, **kwargs):
        job = Job(func, args, kwargs, self._seq, self._clock())
        self._seq += 1
        self._pending.append(job)
        return job

    def __len__(self):
        return len(self._pending)

    def delay(self, attempt):
        """The wait after the attempt-th failed attempt (1 for the first)."""
        return min(self.base_delay * 2 ** (attempt - 1), self.max_delay)

    def _attempt(self, job):
        job.attempts += 1
        try:
            job.result = job.func(*job.args, **job.kwargs)
        except Exception as e:
            job.error = e
            if job.attempts >= self.max_attempts:
                self._finish(job, "dead", self.dead_letters)
            else:
                job.next_run = self._clock() + self.delay(job.attempts)
            return
        self._finish(job, "done", self.completed)

    def _finish(self, job, status, where):
        job.status = status
        job.next_run = None
        self._pending.remove(job)
        where.append(job)

    def run_pending(self):
        now = self._clock()
        due = sorted((j for j in self._pending if j.next_run <= now),
                     key=lambda j: (j.next_run, j._seq))
        for job in due:
            self._attempt(job)
        return len(due)

    def run(self):
        while self._pending:
            now = self._clock()
            first = min(j.next_run for j in self._pending)
            if first > now:
                self._sleep(first - now)
            self.run_pending()
