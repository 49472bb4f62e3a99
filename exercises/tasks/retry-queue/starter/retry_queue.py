"""A job queue that retries failing jobs with exponential backoff and keeps
the ones that never succeeded in a dead-letter list. README.md says what
each class and method must do."""
import time


class Job:
    def __init__(self, func, args, kwargs):
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.status = "pending"
        self.attempts = 0
        self.result = None
        self.error = None
        self.next_run = None


class RetryQueue:
    def __init__(self, max_attempts=3, base_delay=1.0, max_delay=60.0,
                 clock=time.monotonic, sleep=time.sleep):
        raise NotImplementedError

    def submit(self, func, *args, **kwargs):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def run_pending(self):
        raise NotImplementedError

    def run(self):
        raise NotImplementedError
