#!/usr/bin/python3
"""web_check.py - drives grader serve's web pages in a real headless
Chromium (selenium + chromedriver, Debian's packages), for
tests/e2e/test_web.sh, which seeds the daemon and passes in the
environment:

  BASE          the daemon's URL
  ARTEFACTS     where the screenshots go
  HOSTILE       the hostile learner's name; HOSTILE_MSG: their commit message
  WORKER_PID    the daemon's worker, stopped (SIGSTOP): carol's submission
                waits in the queue until this script lets it go (SIGCONT)
  EXPECTED_CSV  GET /api/v1/grades.csv as the instructor's bearer token saw it
  COOKIE_OUT    where the instructor's session cookie is written
  WORK          a scratch folder (the browser's profile)
  FAILED_JOB    the id of a job that cannot be fetched (it fails once the
                worker runs again)

Prints one line per check and exits 1 at the first that fails.
"""
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import (NoAlertPresentException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ["BASE"]
ART = os.environ["ARTEFACTS"]
HOSTILE = os.environ["HOSTILE"]
HOSTILE_MSG = os.environ["HOSTILE_MSG"]
# how the pages show them: the RTL override written out, never applied
SHOWN = HOSTILE.replace("\u202e", "[U+202E]")
SHOWN_MSG = HOSTILE_MSG.replace("\u202e", "[U+202E]")
checks = 0


def ok(cond, what):
    global checks
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    checks += 1
    print(f"ok - {what}")


def browser():
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,900", "--no-first-run", "--disable-extensions",
              f"--user-data-dir={os.environ['WORK']}/chromium-profile"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    # Before any page's own script: count alert/confirm/prompt calls. This
    # runs from the DevTools protocol, outside the page's CSP.
    d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
        window.__alerts = [];
        for (const f of ['alert', 'confirm', 'prompt'])
            window[f] = (m) => { window.__alerts.push(String(m)); };
    """})
    d.set_script_timeout(20)
    return d


def wait(d, cond, what, timeout=20):
    try:
        # a re-render may replace an element between finding and reading it
        WebDriverWait(d, timeout, poll_frequency=0.1,
                      ignored_exceptions=(WebDriverException,)).until(lambda _: cond())
    except TimeoutException:
        shot(d, "failed")
        ok(False, f"{what} (timed out after {timeout} s; page: {d.current_url})")
    ok(True, what)


def shot(d, name):
    path = os.path.join(ART, f"{name}.png")
    d.save_screenshot(path)
    print(f"screenshot: {path}")


def no_injection(d, where):
    """Nothing from the data ran or became markup."""
    try:
        text = d.switch_to.alert.text
        ok(False, f"{where}: an alert is open: {text}")
    except NoAlertPresentException:
        pass
    ok(d.execute_script("return window.__alerts.length") == 0, f"{where}: no alert fired")
    srcs = d.execute_script("return [...document.scripts].map(s => s.getAttribute('src'))")
    ok(srcs == ["/static/app.js"], f"{where}: the only script is /static/app.js ({srcs})")
    ok(d.execute_script("return document.images.length") == 0, f"{where}: no <img> element")
    ok(d.execute_script("return document.querySelectorAll('[onerror]').length") == 0,
       f"{where}: no onerror attribute")


def console_errors(d):
    return [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]


def rows(d):
    """The gradebook's learners, once no load is waited for (the table is
    aria-busy while one is): a list naming no learner until then."""
    return d.execute_script(
        "const t = document.getElementById('book');"
        "return t.hasAttribute('aria-busy') ? ['(loading)'] :"
        " [...t.querySelectorAll('tbody tr')].map(r => r.dataset.learner)")


def text_of(el):
    return el.get_property("textContent")


def sign_in(d, token):
    d.get(BASE + "/")
    d.find_element(By.ID, "token").send_keys(token)
    d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()


def http(method, path, cookie=None, headers=None, body=None):
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = "grader_session=" + cookie
    data = json.dumps(body).encode() if body is not None else None
    if data:
        h["Content-Type"] = "application/json"
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


d = browser()
try:
    # ---- sign-in ----
    d.get(BASE + "/")
    ok(d.find_element(By.TAG_NAME, "h1").text == "Sign in to the grader", "the sign-in page")
    ok(d.find_element(By.CSS_SELECTOR, "label[for=token]").text != "", "the token field has a label")
    shot(d, "signin")
    sign_in(d, "not-a-token")
    wait(d, lambda: "That token is not valid" in d.find_element(By.ID, "message").text,
         "a wrong token: the page again, with a message")
    shot(d, "signin-refused")
    sign_in(d, "instructor-token")
    wait(d, lambda: d.current_url == BASE + "/gradebook", "the instructor lands on /gradebook")
    c = d.get_cookie("grader_session")
    ok(c is not None and c["httpOnly"] and c.get("sameSite") == "Strict" and c["path"] == "/",
       f"the session cookie is HttpOnly, SameSite=Strict, Path=/ ({c and {k: c[k] for k in ('httpOnly', 'sameSite', 'path')}})")
    ok(d.execute_script("return document.cookie").find("grader_session") < 0,
       "no script can read the session cookie")
    with open(os.environ["COOKIE_OUT"], "w") as f:
        f.write(c["value"])

    # ---- the gradebook ----
    wait(d, lambda: len(rows(d)) == 4, "the gradebook shows 4 learners")
    ok(sorted(rows(d)) == sorted(["ana", "bob", "carol", HOSTILE]), f"the learners: {rows(d)}")
    carol = d.find_element(By.CSS_SELECTOR, 'tr[data-learner="carol"]')
    cells = carol.find_elements(By.CSS_SELECTOR, "td[data-status]")
    ok(len(cells) == 2 and all(text_of(x).strip() == "pending" for x in cells),
       f"carol's queued submission reads 'pending', never 0: {[text_of(x) for x in cells]}")
    ana = d.find_element(By.CSS_SELECTOR, 'tr[data-learner="ana"]')
    fb = text_of(ana.find_elements(By.CSS_SELECTOR, "td[data-status]")[0])
    ok("best " in fb and "latest " in fb and ("passed" in fb or "failed" in fb),
       f"a graded cell has the best and latest score and a status word: {fb!r}")
    ok("2 attempts" in fb, f"ana's two attempts are counted: {fb!r}")
    total = text_of(ana.find_elements(By.TAG_NAME, "td")[-1])
    ok("/" in total, f"a total per learner: {total!r}")
    links = [a for a in d.find_elements(By.CSS_SELECTOR, "#book tbody th a")
             if text_of(a) == SHOWN]
    ok(len(links) == 1, "the hostile learner's name is shown as text, its RTL override written out")
    no_injection(d, "gradebook")
    ok(d.execute_script("return document.querySelectorAll('th[scope=col]').length") == 4,
       "column headers are <th scope=col>: learner, 2 exercises, total")
    shot(d, "gradebook")
    # on a phone: the page fits the screen, the table scrolls in its box
    d.set_window_size(390, 844)
    wait(d, lambda: d.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"),
         "on a phone-sized screen the page is no wider than the screen")
    shot(d, "gradebook-phone")
    d.set_window_size(1280, 900)

    # keyboard: Tab reaches the filters, the CSV link, every sort button and learner link
    d.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    reached = []
    body = d.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    for _ in range(30):
        a = d.switch_to.active_element
        reached.append(a.get_attribute("id") or a.get_attribute("class") or a.tag_name + ":" + text_of(a))
        a.send_keys(Keys.TAB)
    ok(all(x in reached for x in ("f-exercise", "f-status", "f-learner", "csv")),
       f"Tab reaches the filters and the CSV link: {reached[:8]}")
    ok(reached.count("sort") >= 4 and sum(1 for x in reached if x.startswith("a:")) >= 4,
       "Tab reaches every sort button and every learner link")

    # filters
    f = d.find_element(By.ID, "f-learner")
    f.send_keys("an")
    wait(d, lambda: rows(d) == ["ana"], "the learner-name filter leaves ana")
    f.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)  # clear() fires no input event
    wait(d, lambda: len(rows(d)) == 4, "clearing the filter shows everyone again")
    Select(d.find_element(By.ID, "f-status")).select_by_value("pending")
    wait(d, lambda: rows(d) == ["carol"], "the status filter 'pending' leaves carol")
    Select(d.find_element(By.ID, "f-status")).select_by_value("")
    wait(d, lambda: len(rows(d)) == 4, "status 'any' shows everyone again")
    fx = d.find_element(By.ID, "f-exercise")
    fx.send_keys("cart")
    wait(d, lambda: d.execute_script("return document.querySelectorAll('th[scope=col]').length") == 3,
         "the exercise filter leaves one exercise column")
    fx.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    wait(d, lambda: d.execute_script("return document.querySelectorAll('th[scope=col]').length") == 4,
         "clearing it brings the columns back")
    # stages and due dates, from the course
    stage = Select(d.find_element(By.ID, "f-stage"))
    ok([o.text for o in stage.options] == ["any", "stage 1", "stage 2"],
       f"the stage filter offers the course's stages: {[o.text for o in stage.options]}")
    heads = dict(d.execute_script(
        "return [...document.querySelectorAll('th[scope=col]')].map(h => [h.dataset.key, h.textContent])"))
    ok("stage 2, due 2030-01-15" in heads.get("python/cart", "") and
       "stage 1, no due date" in heads.get("python/fizzbuzz", ""),
       f"each exercise header says its stage and due date: {heads}")
    stage.select_by_value("2")
    wait(d, lambda: [h.get_attribute("data-key") for h in d.find_elements(By.CSS_SELECTOR, "th[scope=col]")]
         == ["learner", "python/cart", "total"], "the stage filter leaves stage 2's exercise")
    stage.select_by_value("")
    wait(d, lambda: d.execute_script("return document.querySelectorAll('th[scope=col]').length") == 4,
         "stage 'any' brings every column back")

    # sorting: click, then Enter from the keyboard
    before = rows(d)
    ok(before == sorted(before), f"rows start sorted by learner: {before}")
    learner_th = lambda: d.find_element(By.CSS_SELECTOR, 'th[data-key="learner"]')
    ok(learner_th().get_attribute("aria-sort") == "ascending", "aria-sort=ascending on Learner")
    learner_th().find_element(By.TAG_NAME, "button").click()
    wait(d, lambda: rows(d) == list(reversed(before)), "a click on Learner sorts descending")
    ok(learner_th().get_attribute("aria-sort") == "descending", "aria-sort=descending")
    total_btn = d.find_element(By.CSS_SELECTOR, 'th[data-key="total"] button')
    total_btn.send_keys(Keys.ENTER)
    wait(d, lambda: d.find_element(By.CSS_SELECTOR, 'th[data-key="total"]').get_attribute("aria-sort")
         == "ascending" and rows(d) != ["(loading)"], "Enter on the Total header sorts by it")
    by_total = rows(d)
    ok(by_total[0] == "carol" and by_total != before, f"sorted by total, carol (nothing graded) first: {by_total}")
    ok(d.switch_to.active_element.get_attribute("class") == "sort",
       "the header button keeps the focus after sorting")

    # the order and the name filter are the whole gradebook's: the server's
    adm = {"Authorization": "Bearer admin-token"}
    _, whole = http("GET", "/api/v1/grades", headers=adm)
    def total(l):
        return sum(g.get("best", 0) for g in l["exercises"].values() if isinstance(g.get("best"), (int, float)))
    graded = [l for l in whole["learners"] if any(isinstance(g.get("best"), (int, float)) for g in l["exercises"].values())]
    want = [l["learner"] for l in sorted(graded, key=lambda l: (-total(l), l["learner"]))][:2]
    code, top = http("GET", "/api/v1/grades?limit=2&sort=total&order=desc", headers=adm)
    got = [l["learner"] for l in top.get("learners", [])]
    ok(code == 200 and sorted(got) == sorted(want) and top["total_learners"] == len(graded),
       f"the server sorts the whole gradebook by total, best first, ties by name: {got} (want {want})")
    code, none = http("GET", "/api/v1/grades?limit=10&name=%25", headers=adm)
    ok(code == 200 and none["total_learners"] == 0 and none["learners"] == [],
       "a name filter of '%' is text, not a pattern: nobody")
    ok(http("GET", "/api/v1/grades?sort=nothing", headers=adm)[0] == 400, "an unknown sort key is 400")
    d.get(BASE + "/gradebook?name=bo")
    wait(d, lambda: rows(d) == ["bob"] and d.find_element(By.ID, "f-learner").get_attribute("value") == "bo",
         "/gradebook?name=bo loads the server's learners named so, and fills in the filter")
    d.get(BASE + "/gradebook")
    wait(d, lambda: len(rows(d)) == 4, "the gradebook again")

    # the CSV link
    csv = d.execute_async_script("""
        const done = arguments[0];
        fetch(document.getElementById('csv').href).then(r => r.text()).then(done, e => done('ERR ' + e));
    """)
    expected = open(os.environ["EXPECTED_CSV"], encoding="utf-8", newline="").read()
    ok(csv == expected, f"the CSV link's content equals GET /api/v1/grades.csv ({len(csv)} bytes)")
    ok(d.find_element(By.ID, "csv").text == "Download CSV", "a 'Download CSV' link")

    # ---- paging: ?page=N&size=M, one learner a page ----
    staff = {"Authorization": "Bearer instructor-token"}
    code, allg = http("GET", "/api/v1/grades", headers=staff)
    order = [l["learner"] for l in allg["learners"] if l["learner"] != "carol"]
    ok(code == 200 and len(order) == 3 and allg["total_learners"] == 3,
       f"the API: 3 graded learners in name order, carol only queued: {order}")
    rng = lambda: text_of(d.find_element(By.ID, "range"))
    prev = lambda: d.find_element(By.ID, "prev")
    nxt = lambda: d.find_element(By.ID, "next")
    ok("learners 1–3 of 3, and 1 with nothing graded yet" in rng(), f"one page of 100 holds all: {rng()!r}")
    ok(prev().get_attribute("disabled") is not None and nxt().get_attribute("disabled") is not None,
       "both buttons are disabled on the only page")
    note = text_of(d.find_element(By.ID, "page-note"))
    ok("act on the whole gradebook" in note and "on this page's learners" in note,
       f"a line says which filters act on the whole gradebook and which on the page: {note!r}")
    d.get(BASE + "/gradebook?size=1")
    wait(d, lambda: rows(d) == order[:1], f"size=1: the first learner only ({order[0]!r})")
    ok("learners 1–1 of 3 (page 1 of 3)" in rng(), f"the range in words: {rng()!r}")
    ok(prev().get_attribute("disabled") is not None and nxt().get_attribute("disabled") is None,
       "page 1: Previous disabled, Next enabled")
    ok(prev().text == "Previous page" and nxt().text == "Next page", "the buttons are labelled")
    nav = d.find_element(By.CSS_SELECTOR, "nav.pager")
    ok(nav.get_attribute("aria-label") == "Pages of the gradebook", "the pager is a labelled <nav>")
    nxt().send_keys(Keys.ENTER)  # from the keyboard
    wait(d, lambda: rows(d) == order[1:2], f"Enter on Next: the second learner ({order[1]!r})")
    ok(d.current_url == BASE + "/gradebook?page=2&size=1", f"the page is in the URL: {d.current_url}")
    ok("learners 2–2 of 3" in rng(), f"the range follows: {rng()!r}")
    code, page2 = http("GET", "/api/v1/grades?offset=1&limit=1", headers=staff)
    ok([l["learner"] for l in page2["learners"]] == rows(d) and page2["total_learners"] == 3,
       "page 2 is the API's ?offset=1&limit=1")
    d.refresh()
    wait(d, lambda: rows(d) == order[1:2], "a reload stays on page 2")
    d.get(BASE + "/gradebook?page=3&size=1")
    wait(d, lambda: rows(d) == order[2:3] + ["carol"],
         "the last page: the last graded learner, then carol, who has only a queued job")
    ok("learners 3–3 of 3, and 1 with nothing graded yet" in rng(), f"and says so: {rng()!r}")
    ok(nxt().get_attribute("disabled") is not None and prev().get_attribute("disabled") is None,
       "the last page: Next disabled, Previous enabled")
    shot(d, "gradebook-paging")
    prev().click()
    wait(d, lambda: rows(d) == order[1:2] and "page=2" in d.current_url, "Previous: page 2")
    d.back()
    wait(d, lambda: rows(d) == order[2:3] + ["carol"] and "page=3" in d.current_url, "Back returns to page 3")
    d.get(BASE + "/gradebook?size=0")
    wait(d, lambda: "size must be a whole number from 1 to 100" in text_of(d.find_element(By.ID, "status")),
         "size=0 is refused in words")
    d.get(BASE + "/gradebook?page=9&size=1")
    wait(d, lambda: "no learners on page 9" in rng(), f"a page past the end says so: {rng()!r}")
    ok(rows(d) == [], "and shows no rows")

    # ---- an exercise's statistics, from the gradebook's header link ----
    d.get(BASE + "/gradebook")
    wait(d, lambda: len(rows(d)) == 4, "the whole gradebook again")
    link = d.find_element(By.CSS_SELECTOR, 'th[data-key="python/fizzbuzz"] a.stats')
    ok(link.get_attribute("aria-label") == "Statistics of python/fizzbuzz", "the exercise header links to its statistics")
    link.click()
    wait(d, lambda: not d.find_element(By.ID, "stats").get_property("hidden"), "the statistics page shows")
    ok(d.current_url == BASE + "/exercises?id=python%2Ffizzbuzz", f"at /exercises?id=: {d.current_url}")
    code, st = http("GET", "/api/v1/stats?exercise=python/fizzbuzz", headers=staff)
    ok(code == 200 and st["learners"] == 3, f"the API's statistics: {st['learners']} learners, {st['passed']} passed")
    rate = text_of(d.find_element(By.ID, "pass-rate"))
    want = f"{st['passed']} of {st['learners']} learners passed: a pass rate of {round(st['pass_rate'] * 100, 2):g}%"
    ok(rate.startswith(want), f"the pass rate in words and numbers: {rate!r} (want {want!r})")
    for chart, key in (("histogram", "histogram"), ("attempts", "attempts_to_pass")):
        bars = d.find_elements(By.CSS_SELECTOR, f"#{chart} svg g.bar")
        ok(len(bars) == len(st[key]) and all(b.find_element(By.TAG_NAME, "rect") for b in bars),
           f"{chart}: one SVG bar per bin ({len(bars)})")
        got = [int(b.get_attribute("data-value")) for b in bars]
        ok(got == [b["learners"] for b in st[key]], f"{chart}: the bars are the API's numbers {got}")
        titles = [text_of(b.find_element(By.TAG_NAME, "title")) for b in bars]
        ok(all(t.startswith(f"{b['learners']} learner") for t, b in zip(titles, st[key])),
           f"{chart}: each bar's <title> says its numbers: {titles[:3]}...")
        cells = [text_of(x) for x in d.find_elements(By.CSS_SELECTOR, f"#{chart} table.chart-data tbody td")]
        ok(cells == [str(b["learners"]) for b in st[key]], f"{chart}: and a table repeats them {cells}")
    ok(text_of(d.find_elements(By.CSS_SELECTOR, "#attempts svg g.bar title")[0]).endswith("passed in 1 attempt"),
       "the attempts bars say what they count")
    trs = d.find_elements(By.CSS_SELECTOR, "#checks tbody tr")
    ok([t.get_attribute("data-check") for t in trs] == [k["name"] for k in st["checks"]],
       f"a row per check ({len(trs)})")
    for t, k in zip(trs, st["checks"]):
        tds = [text_of(x) for x in t.find_elements(By.TAG_NAME, "td")]
        ok(tds == [str(k["learners"]), str(k["passed"]), f"{round(k['pass_rate'] * 100, 2):g}%", str(k["failed_first"])],
           f"check {k['name']}: {tds}")
    ff = text_of(d.find_element(By.ID, "failed-first"))
    ok(st["most_failed_first"] and f"“{st['most_failed_first']}”" in ff,
       f"the check failed first most often is named: {ff!r}")
    no_injection(d, "statistics page")
    shot(d, "exercise-stats")
    d.get(BASE + "/exercises?id=python/nothing")
    wait(d, lambda: "the course has no exercise 'python/nothing'" in text_of(d.find_element(By.ID, "status")),
         "an exercise the course lacks: the API's 404 in words")
    d.get(BASE + "/exercises?id=" + urllib.parse.quote(HOSTILE, safe=""))
    wait(d, lambda: "the course has no exercise" in text_of(d.find_element(By.ID, "status")),
         "a hostile exercise id: refused by the API")
    ok(text_of(d.find_element(By.ID, "exercise-name")) == SHOWN and SHOWN in text_of(d.find_element(By.ID, "status")),
       "and shown as text in the heading and the message")
    no_injection(d, "statistics page with a hostile id")
    d.get(BASE + "/ops")
    ok(d.find_element(By.TAG_NAME, "h1").text == "This page is not shown"
       and "The operations page is for admins." in d.find_element(By.ID, "message").text,
       "an instructor gets the 403 page on /ops")
    ok(http("GET", "/api/v1/ops", headers=staff)[0] == 403, "and 403 from /api/v1/ops")

    # ---- learner pages ----
    d.get(BASE + "/gradebook")
    wait(d, lambda: len(rows(d)) == 4, "the gradebook again")
    [a for a in d.find_elements(By.CSS_SELECTOR, "#book tbody th a") if text_of(a) == SHOWN][0].click()
    wait(d, lambda: d.find_elements(By.CSS_SELECTOR, "article.sub"), "the hostile learner's page shows a submission")
    ok(text_of(d.find_element(By.ID, "learner-name")) == SHOWN, "their name as text in the heading")
    ok(d.current_url.startswith(BASE + "/learners/%3Cscript%3E"), f"the link names them encoded: {d.current_url}")
    msgs = [text_of(p) for p in d.find_elements(By.CSS_SELECTOR, "article.sub pre.msg")]
    ok(SHOWN_MSG in [m.strip() for m in msgs], f"the hostile commit message as text: {msgs}")
    no_injection(d, "hostile learner page")
    shot(d, "learner-hostile")

    d.get(BASE + "/learners/ana")
    wait(d, lambda: len(d.find_elements(By.CSS_SELECTOR, "article.sub")) == 2, "ana's page shows 2 submissions")
    ids = [int(a.get_attribute("data-id")) for a in d.find_elements(By.CSS_SELECTOR, "article.sub")]
    ok(ids == sorted(ids, reverse=True), f"newest first: {ids}")
    ok(len(d.find_elements(By.CSS_SELECTOR, "article.sub table.checks tbody tr")) > 0, "each report's checks")
    ok(all(a.get_attribute("data-state") == "done" for a in d.find_elements(By.CSS_SELECTOR, "article.sub")),
       "their state")
    diffs = d.find_elements(By.CSS_SELECTOR, 'article.sub[data-id="%d"] details.diff' % ids[0])
    ok(diffs, "the failed attempt's report shows where the output differs")
    diffs[0].find_element(By.TAG_NAME, "summary").click()
    wait(d, lambda: "FizzBuzz" in text_of(diffs[0]) and diffs[0].get_attribute("open") is not None,
         f"opening it shows the expected and the actual output: {text_of(diffs[0])[:200]!r}")
    code, rep = http("GET", "/api/v1/submissions/%d" % ids[0], headers={"Authorization": "Bearer admin-token"})
    first_diff = [c["diff"] for c in rep["report"]["exercises"][0]["checks"] if c.get("diff")][0]
    ok("Fizz\u00b7" in text_of(diffs[0]) and first_diff["actual"] in text_of(diffs[0]),
       f"the excerpt as the report writes it, the space at a line's end as ·: {first_diff['actual']!r}")
    ok("Marks: " + first_diff.get("legend", "?") in text_of(diffs[0]) and "a space at the end of a line" in first_diff.get("legend", ""),
       f"and the report's legend of its marks: {first_diff.get('legend')!r}")
    ok(len(d.find_elements(By.CSS_SELECTOR, "#plot-box svg circle")) == 2,
       "a score-over-attempts plot with 2 points")
    ok("attempt 1:" in d.find_element(By.CSS_SELECTOR, "#plot-box svg").get_attribute("aria-label"),
       "the plot says its points in words")
    no_injection(d, "ana's page")
    shot(d, "learner")
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", diffs[0])
    shot(d, "learner-diff")

    # a queued submission: its state and position, then done without a reload
    d.get(BASE + "/learners/carol")
    wait(d, lambda: d.find_elements(By.CSS_SELECTOR, 'article.sub[data-state="queued"]'),
         "carol's submission shows as queued")
    # (read in one script: the page draws itself anew every 2 s while it waits)
    dts = d.execute_script("return [...document.querySelectorAll('article.sub dt')].map(x => x.textContent)")
    ok("Queue position" in dts, f"with its queue position: {dts}")
    shot(d, "learner-queued")
    d.execute_script("window.__same_page = 1")
    os.kill(int(os.environ["WORKER_PID"]), signal.SIGCONT)
    wait(d, lambda: d.find_elements(By.CSS_SELECTOR, 'article.sub[data-state="done"]'),
         "carol's submission turns done by polling", timeout=120)
    ok(d.execute_script("return window.__same_page") == 1, "without a reload")

    # sign out
    d.get(BASE + "/gradebook")
    wait(d, lambda: d.find_element(By.ID, "signout").is_displayed(), "a sign-out button")
    d.find_element(By.ID, "signout").click()
    wait(d, lambda: d.current_url == BASE + "/" and d.get_cookie("grader_session") is None,
         "signing out clears the cookie and shows the sign-in page")

    # ---- a learner ----
    sign_in(d, "ana-token")
    wait(d, lambda: d.current_url == BASE + "/learners/ana", "ana lands on her own page")
    wait(d, lambda: d.find_elements(By.CSS_SELECTOR, "article.sub table.checks"), "her page works")
    shot(d, "learner-own")
    ok(not d.find_element(By.ID, "to-book").is_displayed(), "no gradebook link for a learner")
    d.get(BASE + "/learners/bob")
    ok(d.find_element(By.TAG_NAME, "h1").text == "This page is not shown", "bob's page is refused to ana")
    ok("You may see your own submissions only, not bob's." in d.find_element(By.ID, "message").text,
       "and says why")
    shot(d, "forbidden")
    d.get(BASE + "/learners/ana")
    status = d.execute_async_script("""
        const done = arguments[0];
        fetch('/api/v1/learners/bob/reports').then(r => done(r.status), e => done(String(e)));
    """)
    ok(status == 403, f"bob's data is refused to ana's session too ({status})")
    d.get(BASE + "/gradebook")
    ok(d.find_element(By.TAG_NAME, "h1").text == "This page is not shown", "the gradebook is refused to ana")
    d.get(BASE + "/exercises?id=python/fizzbuzz")
    ok(d.find_element(By.TAG_NAME, "h1").text == "This page is not shown"
       and "Exercise statistics are for instructors and admins." in d.find_element(By.ID, "message").text,
       "the statistics page is refused to ana, saying why")
    d.get(BASE + "/learners/ana")
    st403 = d.execute_async_script("""
        const done = arguments[0];
        fetch('/api/v1/stats?exercise=python%2Ffizzbuzz').then(r => done(r.status), e => done(String(e)));
    """)
    ok(st403 == 403, f"and its data to her session ({st403})")

    # ---- CSRF, outside the browser: ana's cookie, a submission of her repository ----
    cookie = d.get_cookie("grader_session")["value"]
    work = os.environ["WORK"]
    body = {"repo": f"{work}/ana.git", "exercises": ["python/fizzbuzz"]}
    code, r = http("POST", "/api/v1/submissions", cookie, body=body)
    ok(code == 403 and "X-CSRF-Token" in r["error"], f"a POST with the cookie and no CSRF token: 403 ({code} {r})")
    code, s = http("GET", "/api/v1/session", cookie)
    ok(code == 200 and s["learner"] == "ana" and len(s["csrf_token"]) == 64, "the session names ana and her CSRF token")
    code, r = http("POST", "/api/v1/submissions", cookie, {"X-CSRF-Token": "0" * 64, "Origin": BASE}, body)
    ok(code == 403, f"a wrong CSRF token: 403 ({code})")
    code, r = http("POST", "/api/v1/submissions", cookie,
                   {"X-CSRF-Token": s["csrf_token"], "Origin": "http://evil.example"}, body)
    ok(code == 403 and "this site" in r["error"], f"another site's Origin: 403 ({code} {r})")
    code, r = http("POST", "/api/v1/submissions", cookie,
                   {"X-CSRF-Token": s["csrf_token"], "Origin": BASE, "Sec-Fetch-Site": "same-origin"}, body)
    ok(code == 202, f"the CSRF token from this site: 202 ({code} {r})")
    code, r = http("POST", "/logout", cookie)
    ok(code == 403, f"sign-out with the cookie and no CSRF token: 403 ({code})")
    # a bearer token needs neither
    code, r = http("POST", "/api/v1/submissions", None, {"Authorization": "Bearer ana-token"}, body)
    ok(code == 202, f"a bearer token needs no CSRF token ({code})")

    # ---- an admin's operations page ----
    d.delete_all_cookies()
    sign_in(d, "admin-token")
    wait(d, lambda: d.current_url == BASE + "/gradebook", "the admin lands on /gradebook")
    wait(d, lambda: d.find_element(By.ID, "to-ops").is_displayed(), "with a link to the operations page")
    d.find_element(By.ID, "to-ops").click()
    wait(d, lambda: not d.find_element(By.ID, "ops").get_property("hidden"), "the operations page shows")
    failed_id = int(os.environ["FAILED_JOB"])
    # the job that cannot be fetched fails after its leases; the page polls
    wait(d, lambda: d.find_elements(By.CSS_SELECTOR, f'#failures tr[data-id="{failed_id}"]'),
         f"job #{failed_id}, which cannot be fetched, appears under recent failures without a reload", timeout=120)
    # The page draws itself anew every 5 s, so an element found in one read
    # may be gone by the next: the page is read in one script, which runs
    # between two redraws, and compared with the API until the two agree (a
    # job may start or finish between the two reads).
    def ops_page():
        return d.execute_script("""
            const rows = sel => [...document.querySelectorAll(sel)];
            const first = r => (r.querySelector('td') || {}).textContent;
            const bad = document.querySelector('#refused tr[data-reason="bad-signature"]');
            const fail = document.querySelector('#failures tr[data-id="' + arguments[0] + '"]');
            return {
                counts: Object.fromEntries(rows('#jobs tbody tr').map(r => [r.dataset.state, first(r)])),
                summary: document.getElementById('ops-summary').textContent,
                running: rows('#running tbody tr[data-id]').map(r => r.dataset.id),
                running_text: document.getElementById('running').textContent,
                failure: fail ? fail.textContent : null,
                refused: Object.fromEntries(rows('#refused tbody tr').map(r => [r.dataset.reason, first(r)])),
                bad_signature: bad ? bad.textContent : null,
            };""", failed_id)

    seen = {}
    def ops_agrees():
        code, o = http("GET", "/api/v1/ops", headers={"Authorization": "Bearer admin-token"})
        p = ops_page()
        seen.update(api=o, page=p, code=code)
        want_running = [str(j["id"]) for j in o["running"]]
        return (code == 200
                and p["counts"] == {k: str(v) for k, v in o["jobs"].items()}
                and p["running"] == want_running
                and (want_running or "No job is running." in p["running_text"])
                and p["refused"] == {w["reason"]: str(int(w["deliveries"])) for w in o["webhooks_refused"]})
    wait(d, ops_agrees, "the page's queue counts, running jobs and refused deliveries agree with GET /api/v1/ops",
         timeout=60)
    o, p = seen["api"], seen["page"]
    ok(seen["code"] == 200, f"GET /api/v1/ops as admin: {o['jobs']}")
    ok(p["counts"] == {k: str(v) for k, v in o["jobs"].items()},
       f"the queue counts by state are the API's: {p['counts']}")
    q = o["jobs"]["queued"]
    ok(f"{q} jobs queued" in p["summary"] or f"{q} job queued" in p["summary"],
       f"the summary says the queue depth: {p['summary']!r}")
    ok(p["running"] == [str(j["id"]) for j in o["running"]]
       and (p["running"] or "No job is running." in p["running_text"]),
       f"the running jobs, or 'No job is running.', as the API lists them: {p['running']}")
    err = [f["error"] for f in o["recent_failures"] if f["id"] == failed_id][0]
    ok(err and p["failure"] and err in p["failure"] and "carol" in p["failure"],
       f"its learner and error: {(p['failure'] or '')[:160]!r}")
    ok(p["refused"] == {w["reason"]: str(int(w["deliveries"])) for w in o["webhooks_refused"]}
       and int(p["refused"].get("bad-signature", "0")) >= 2,
       f"webhook deliveries refused, by reason, as the API counts them: {p['refused']}")
    ok(p["bad_signature"] and "the signature did not match" in p["bad_signature"], "each reason in words")
    no_injection(d, "operations page")
    shot(d, "ops")

    errs = [m for m in console_errors(d) if "Content Security Policy" in m or "Refused to" in m]
    ok(not errs, f"no CSP violation in the browser's console: {errs}")
finally:
    d.quit()
print(f"web_check: {checks} checks passed")
