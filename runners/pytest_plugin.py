"""grader_pytest_plugin - the pytest side of the pytest kind (runners/pytest.c).

pytest loads it with -p before it imports any test module, so it runs before
the learner's code. It writes one JSON line per event to the records file the
grader named in GRADER_PYTEST_RECORDS, each tagged with the run's nonce
(read from stdin, so it is in no environment); the grader ignores every
line without that nonce. The variables are removed from os.environ at once,
and the file is opened before any learner module is imported. Code in the same interpreter can still
find both (docs/security.md says how and what the grader does about it).

Records ("t" is the type):
  start    a test begins (its nodeid): a timeout names the last one
  result   a test's final outcome: passed, failed, error, skipped, xfail
           (with duration, a short message and pytest's assertion text,
           and for a failure the test's captured stdout and stderr, capped,
           the learner-side frames of its traceback, and, for a failed
           `==` on long values, both sides pretty-printed); a subtest
           (pytest-subtests, unittest's subTest) has a result of its own,
           "NODEID [its message or parameters]", and its test counts them
  test     once per collected test: its display name (Class > test name),
           its source (test_code) and its task (@pytest.mark.task(taskno=N))
  collect  a collection error (a test file that could not be imported)
  tamper   pytest's machinery or this plugin was replaced while the tests
           ran (what, and after which test): no result of the run counts
  finish   the session ended normally (pytest's exit status)
"""
import ast
import importlib.util
import inspect
import json
import linecache
import os
import pprint
import signal
import sys

import pytest

MAX_TEXT = 2000
MAX_SIDE = 8000  # one side of a compared pair
MAX_CODE = 1500  # a test's source
MAX_FRAMES = 5

# unittest's subTest() and the subtests fixture report each case, when
# Debian's python3-pytest-subtests is installed (plugin autoload is off,
# so it is loaded here, by name) and a test file names either (the grader
# says so: GRADER_PYTEST_SUBTESTS=1).
if (os.environ.get("GRADER_PYTEST_SUBTESTS") == "1"
        and importlib.util.find_spec("pytest_subtests") is not None):
    pytest_plugins = ["pytest_subtests"]


def _read_nonce():
    """The nonce arrives on stdin, read here before any learner code runs;
    pytest then puts /dev/null on fd 0, so tests cannot read it again."""
    data = b""
    while not data.endswith(b"\n") and len(data) < 256:
        try:
            chunk = os.read(0, 256 - len(data))
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data.decode("ascii", "replace").strip()


_nonce = _read_nonce()
_path = os.environ.pop("GRADER_PYTEST_RECORDS", "")
_learner = os.environ.pop("GRADER_PYTEST_LEARNER", "/work")
_timeout = float(os.environ.pop("GRADER_PYTEST_TEST_TIMEOUT", "0") or 0)
_fd = os.open(_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600) if _path else -1
_state = {}

# The learner's folder goes last on sys.path, after the standard library and
# pytest: a learner's file can neither shadow them nor the test files.
if _learner not in sys.path:
    sys.path.append(_learner)


def _cap(text):
    text = str(text)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "..."


def _cap_out(text):
    text = str(text or "")
    return text if len(text) <= 500 else text[:500] + "..."


def _emit(**rec):
    if _fd < 0:
        return
    rec["n"] = _nonce
    line = (json.dumps(rec, ensure_ascii=True) + "\n").encode()
    os.write(_fd, line)


def _where(path, lineno):
    """'cart.py:12' for a file of the learner's, the test's path otherwise."""
    path = str(path)
    if path.startswith(_learner + "/"):
        path = path[len(_learner) + 1 :]
    elif "/suite/" in path:
        path = path.split("/suite/", 1)[1]
    return "%s:%s" % (path, lineno) if lineno else path


def _describe(exc):
    """A learner-facing line for an exception raised while importing."""
    if isinstance(exc, SyntaxError):
        return "%s in %s: %s" % (
            type(exc).__name__,
            _where(exc.filename or "?", exc.lineno),
            exc.msg,
        )
    if isinstance(exc, ModuleNotFoundError):
        return "ModuleNotFoundError: No module named %r" % exc.name
    if isinstance(exc, SystemExit):
        return "the code called sys.exit(%r) while being imported" % (exc.code,)
    tb = exc.__traceback__
    where = ""
    while tb is not None:
        fn = tb.tb_frame.f_code.co_filename
        if fn.startswith(_learner + "/"):
            where = " (at %s)" % _where(fn, tb.tb_lineno)
        tb = tb.tb_next
    return "%s: %s%s" % (type(exc).__name__, exc, where)


def _crash(longrepr):
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message, _where(crash.path, crash.lineno)
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip
        return longrepr[2], _where(longrepr[0], longrepr[1])
    return str(longrepr).strip().splitlines()[-1:] or [""], ""


def _display_name(item):
    """Exercism's convention: 'Class > test name', from the docstring's
    first line or the function's name without its test_ prefix."""
    fn = getattr(item, "function", None)
    doc = (inspect.getdoc(fn) or "").strip().splitlines() if fn else []
    name = doc[0] if doc else item.name
    if not doc:
        base, bracket, rest = name.partition("[")
        if base.startswith("test_"):
            base = base[5:]
        name = base.replace("_", " ") + (bracket + rest if bracket else "")
    cls = getattr(item, "cls", None)
    if cls is not None:
        cname = cls.__name__
        if cname.startswith("Test") and len(cname) > 4:
            cname = cname[4:]
        name = "%s > %s" % (cname, name)
    return name


_ranges = {}  # file -> {first line of a function: its last line}


def _function_ranges(filename, lines):
    """Where each function of a file starts (its first decorator) and
    ends, from its syntax tree, once per file: tokenize (what
    inspect.getsource uses) costs more than a small run's tests."""
    found = _ranges.get(filename)
    if found is None:
        found = {}
        try:
            for node in ast.walk(ast.parse("".join(lines))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    first = min([d.lineno for d in node.decorator_list] + [node.lineno])
                    found[first] = node.end_lineno
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
        _ranges[filename] = found
    return found


def _source(item):
    """The test function's source, as inspect.getsource shows it."""
    try:
        code = inspect.unwrap(item.function).__code__
    except (AttributeError, TypeError, ValueError):
        return ""
    lines = linecache.getlines(code.co_filename)
    last = _function_ranges(code.co_filename, lines).get(code.co_firstlineno)
    if not lines or last is None:
        return ""
    text = "".join(lines[code.co_firstlineno - 1:last])
    return text if len(text) <= MAX_CODE else text[:MAX_CODE] + "..."


# What decides a test's outcome and how it reaches the grader: pytest's
# runner, reports and outcomes, pluggy's hook calls, and this plugin's own
# writer. Learner code runs in this interpreter and could replace any of
# them; the plugin keeps the originals from before any learner module was
# imported and compares after collection and after every test. A change
# is reported (a "tamper" record) and the grader trusts no result of the
# run. Code that also replaces this check is not caught: docs/security.md.
def _watched():
    import _pytest.outcomes
    import _pytest.python
    import _pytest.reports
    import _pytest.runner
    import pluggy._manager

    items = []
    for mod, names in (
        (_pytest.runner, ("call_and_report", "runtestprotocol", "call_runtest_hook",
                          "check_interactive_exception", "pytest_runtest_protocol",
                          "pytest_runtest_call", "pytest_runtest_makereport")),
        (_pytest.outcomes, ("fail", "skip", "xfail", "exit")),
        (_pytest.python, ("pytest_pyfunc_call",)),
        (pluggy._manager, ("_multicall",)),
        (pytest, ("fail", "skip", "xfail", "raises", "approx")),
        (os, ("write", "_exit")),
        (json, ("dumps",)),
    ):
        for name in names:
            items.append(("%s.%s" % (mod.__name__, name), mod.__dict__, name))
    for cls, names in (
        (_pytest.runner.CallInfo, ("from_call",)),
        (_pytest.reports.BaseReport, ("passed", "failed", "skipped")),
        (_pytest.reports.TestReport, ("__init__", "from_item_and_call")),
        (_pytest.python.Function, ("runtest", "setup")),
        (AssertionError, ("__init__",)),
    ):
        for name in names:
            items.append(("%s.%s" % (cls.__qualname__, name), cls.__dict__, name))
    me = sys.modules.get(__name__)
    for name in ("_emit", "_check_tamper", "_state", "_fd", "_nonce", "pytest_runtest_logreport",
                 "pytest_runtest_logfinish", "pytest_sessionfinish"):
        items.append(("%s.%s" % (__name__, name), me.__dict__, name))
    return [(label, ns, name, ns.get(name)) for label, ns, name in items]


def _check_tamper(where, _st=_state, _fd=_fd, _nonce=_nonce, _write=os.write, _dumps=json.dumps):
    # the originals are bound here, at import: a replaced global changes nothing
    if "tamper" in _st or "watched" not in _st:
        return
    changed = [label for label, ns, name, orig in _st["watched"] if ns.get(name) is not orig]
    pm = _st.get("pm")
    if pm is not None and pm._inner_hookexec is not _st.get("hookexec"):
        changed.append("PluginManager._inner_hookexec")
    if not changed:
        return
    _st["tamper"] = True
    rec = {"t": "tamper", "what": changed[:8], "when": where, "n": _nonce}
    if _fd >= 0:
        _write(_fd, (_dumps(rec, ensure_ascii=True) + "\n").encode())


def pytest_configure(config):
    config.addinivalue_line("markers", "task(taskno): the exercise task a test belongs to")
    _state["watched"] = _watched()
    _state["pm"] = config.pluginmanager
    _state["hookexec"] = config.pluginmanager._inner_hookexec


def pytest_collection_modifyitems(session, config, items):
    # The test files are the exercise's and are imported by now; what is
    # read here is their own code, before any test runs.
    _check_tamper("collection")
    for item in items:
        mark = item.get_closest_marker("task")
        task = mark.kwargs.get("taskno", mark.args[0] if mark.args else 0) if mark else 0
        _emit(
            t="test",
            id=item.nodeid,
            name=_cap(_display_name(item)),
            code=_source(item),
            task=task if isinstance(task, int) and not isinstance(task, bool) else 0,
        )


def _side(value):
    try:
        text = pprint.pformat(value, width=72)
    except Exception:  # a hostile __repr__: say so, do not fail the report
        return "<the value could not be printed>"
    return (text if len(text) <= MAX_SIDE else text[:MAX_SIDE] + "\n...") + "\n"


def pytest_assertrepr_compare(config, op, left, right):
    """Keeps both sides of the first failed `==` of the running test when
    they are long (pytest's own message shows them only in part); pytest's
    explanation is unchanged."""
    nodeid = _state.get("current")
    if op != "==" or nodeid is None or ("cmp:" + nodeid) in _state:
        return None
    a, b = _side(left), _side(right)
    if len(a) > 61 or len(b) > 61 or "\n" in a[:-1] or "\n" in b[:-1]:
        _state["cmp:" + nodeid] = (a, b)
    return None


def _frames(excinfo):
    """Where the failure went through the learner's files, innermost last."""
    frames = []
    tb = excinfo.tb if excinfo is not None else None
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.startswith(_learner + "/"):
            frames.append("%s in %s" % (_where(code.co_filename, tb.tb_lineno), code.co_name))
        tb = tb.tb_next
    return frames[-MAX_FRAMES:]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and call.excinfo is not None:
        _state.setdefault("frames:" + item.nodeid, _frames(call.excinfo))


def pytest_exception_interact(node, call, report):
    """Collection errors: keep the learner-facing cause (syntax error, the
    missing module) from the original exception."""
    if report.when != "collect" or call.excinfo is None:
        return
    exc = call.excinfo.value
    cause = exc.__cause__ or exc.__context__ or exc
    _state["collect:" + report.nodeid] = _describe(cause)


def pytest_collectreport(report):
    if not report.failed:
        return
    msg = _state.get("collect:" + report.nodeid)
    if msg is None:
        msg, _ = _crash(report.longrepr)
        if isinstance(msg, list):
            msg = msg[0] if msg else ""
    _emit(t="collect", id=report.nodeid, msg=_cap(msg))


class TestTimeout(Exception):
    """Raised inside a test that runs longer than the per-test limit."""

    __test__ = False


def _alarm(signum, frame):
    # Where the test was when its time ran out (the learner's line, usually).
    if frame is not None:
        _state["timeout_where"] = _where(frame.f_code.co_filename, frame.f_lineno)
    raise TestTimeout("the test ran longer than its limit of %.1f s" % _timeout)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """The per-test time limit (wall time), when the exercise sets one."""
    if _timeout <= 0:
        yield
        return
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, _timeout)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def pytest_runtest_logstart(nodeid, location):
    _state[nodeid] = {"outcome": "passed", "dur": 0.0, "msg": "", "where": "", "subtests": 0}
    _state["current"] = nodeid
    _emit(t="start", id=nodeid)


def _subtest_id(report):
    ctx = report.context
    parts = []
    if ctx.msg is not None:
        parts.append(str(ctx.msg))
    parts.extend("%s=%r" % kv for kv in sorted(ctx.kwargs.items()))
    return "%s [%s]" % (report.nodeid, ", ".join(parts) or "subtest")


def _subtest_report(report):
    """A subtest's own result (pytest-subtests reports each one through
    logreport with a context); its test counts its subtests."""
    if report.when != "call":
        return
    st = _state.get(report.nodeid)
    if st is not None:
        st["subtests"] += 1
    rec = {"outcome": "passed", "msg": "", "where": ""}
    if report.skipped:
        rec["outcome"] = "skipped"
    elif report.failed:
        msg, where = _crash(report.longrepr)
        rec.update(outcome="failed", msg=_cap(msg if isinstance(msg, str) else ""), where=where)
        # pytest-subtests made its report through pytest_runtest_makereport
        # just now, which kept the frames under the test's id
        rec["frames"] = _state.pop("frames:" + report.nodeid, [])
    _emit(t="result", id=_subtest_id(report), dur=round(report.duration, 6), **rec)


def pytest_runtest_logreport(report):
    if getattr(report, "context", None) is not None and hasattr(report.context, "kwargs"):
        _subtest_report(report)
        return
    st = _state.setdefault(
        report.nodeid, {"outcome": "passed", "dur": 0.0, "msg": "", "where": ""}
    )
    st["dur"] += report.duration
    if st["outcome"] != "passed" and report.when == "teardown":
        return
    xfail = hasattr(report, "wasxfail")
    if report.passed:
        if xfail and report.when == "call":
            st["outcome"] = "passed"  # an unexpected pass (non-strict)
        return
    if report.skipped:
        st["outcome"] = "xfail" if xfail else "skipped"
        msg = report.wasxfail if xfail else _crash(report.longrepr)[0]
        st["msg"] = _cap(msg if isinstance(msg, str) else "")
        return
    # failed: in the call it is the test's failure; in setup or teardown
    # the test errored (a fixture failed).
    st["outcome"] = "failed" if report.when == "call" else "error"
    msg, where = _crash(report.longrepr)
    if isinstance(msg, list):
        msg = msg[0] if msg else ""
    if report.when != "call":
        msg = "error in %s: %s" % (report.when, msg)
    elif isinstance(msg, str) and "TestTimeout: " in msg:
        msg = msg.split("TestTimeout: ", 1)[1]
        where = _state.pop("timeout_where", where)
    st["msg"] = _cap(msg)
    st["where"] = where
    # What the test printed, for the learner to see (visible checks only:
    # the core redacts hidden checks' messages).
    st["out"] = _cap_out(getattr(report, "capstdout", ""))
    st["err"] = _cap_out(getattr(report, "capstderr", ""))


def pytest_runtest_logfinish(nodeid, location):
    _check_tamper(nodeid)
    st = _state.pop(nodeid, None)
    _state.pop("current", None)
    cmp = _state.pop("cmp:" + nodeid, None)
    frames = _state.pop("frames:" + nodeid, [])
    if st is None:
        return
    rec = dict(
        t="result",
        id=nodeid,
        outcome=st["outcome"],
        dur=round(st["dur"], 6),
        msg=st["msg"],
        where=st["where"],
        out=st.get("out", ""),
        err=st.get("err", ""),
        subtests=st["subtests"],
    )
    if st["outcome"] in ("failed", "error"):
        rec["frames"] = frames
        if cmp is not None:
            rec["left"], rec["right"] = cmp
    _emit(**rec)


def pytest_sessionfinish(session, exitstatus):
    _check_tamper("finish")
    _emit(t="finish", exit=int(exitstatus), collected=session.testscollected)
