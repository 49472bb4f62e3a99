/*
 * app.js - the gradebook and learner pages, rendered in the browser from
 * the daemon's JSON API (docs/web.md). Plain JavaScript, no library.
 *
 * Every string from the API may be a learner's (names, commit messages,
 * check output): it only ever reaches the page as textContent or an
 * attribute set with setAttribute, never as HTML.
 */
"use strict";

/* s with each bidirectional control (U+202A-202E, U+2066-2069, U+200E,
 * U+200F, U+061C) written out as [U+XXXX]: a name or message with an
 * RTL override shows what it holds instead of reordering the text
 * around it. */
function visible(s) {
	return String(s).replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g,
		c => "[U+" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0") + "]");
}

/* el("td", {class: "num"}, "text", child...): an element whose children
 * are text nodes (through visible) or elements. */
function el(tag, attrs, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {}))
		if (v !== null && v !== undefined && v !== false)
			e.setAttribute(k, v === true ? "" : String(v));
	for (const c of children)
		if (c !== null && c !== undefined)
			e.appendChild(typeof c === "string" || typeof c === "number" ?
				document.createTextNode(visible(c)) : c);
	return e;
}

/* The status line: its text may quote the API's errors, which quote
 * what was asked (an exercise id, a learner), so through visible too. */
function setStatus(text) {
	const s = document.getElementById("status");
	if (s)
		s.textContent = visible(text);
}

/* The session: {name, role, learner?, csrf_token}. */
let session = null;

async function api(path, options) {
	const opts = Object.assign({credentials: "same-origin", headers: {}}, options || {});
	if (opts.method && opts.method !== "GET" && session)
		opts.headers["X-CSRF-Token"] = session.csrf_token;
	const r = await fetch(path, opts);
	let body = null;
	try {
		body = await r.json();
	} catch (e) {
		body = null;
	}
	if (!r.ok) {
		const err = new Error(body && body.error ? body.error : "HTTP " + r.status);
		err.status = r.status;
		throw err;
	}
	return body;
}

async function signOut() {
	try {
		await api("/logout", {method: "POST"});
	} finally {
		window.location.assign("/");
	}
}

async function loadSession() {
	try {
		session = await api("/api/v1/session");
	} catch (e) {
		if (e.status === 401)
			window.location.assign("/");
		throw e;
	}
	const who = document.getElementById("who");
	who.textContent = visible("Signed in as " + session.name + " (" + session.role + ")");
	const out = document.getElementById("signout");
	out.hidden = false;
	out.addEventListener("click", signOut);
	const book = document.getElementById("to-book");
	if (book && (session.role === "admin" || session.role === "instructor"))
		book.hidden = false;
	const ops = document.getElementById("to-ops");
	if (ops && session.role === "admin")
		ops.hidden = false;
}

function fmt(n) {
	return typeof n === "number" ? String(Math.round(n * 100) / 100) : "–";
}

/* ---- the gradebook ---- */

/* What a cell says: its status word and numbers. */
function cellState(g) {
	if (!g)
		return {word: "none", label: "not submitted", best: -1};
	const graded = typeof g.best === "number";
	if (!graded)
		return {word: "pending", label: "pending", best: -1};
	return {word: g.status || "graded", label: g.status || "graded", best: g.best};
}

function gradeCell(g) {
	const s = cellState(g);
	const td = el("td", {class: "num", "data-status": s.word});
	if (g && typeof g.best === "number") {
		td.appendChild(el("span", {class: "word " + s.word}, s.label));
		td.appendChild(document.createTextNode(" best " + fmt(g.best) + "/" + fmt(g.max_score) +
			", latest " + fmt(g.latest) + "/" + fmt(g.max_score)));
		if (g.attempts)
			td.appendChild(document.createTextNode(" (" + g.attempts + " attempt" + (g.attempts === 1 ? "" : "s") + ")"));
		if (g.pending)
			td.appendChild(el("span", {class: "word pending"}, " pending"));
	} else {
		td.appendChild(el("span", {class: "word " + s.word}, s.label));
	}
	return td;
}

function totals(entry, ids) {
	let got = 0, max = 0;
	for (const id of ids) {
		const g = entry.exercises[id];
		if (g && typeof g.best === "number") {
			got += g.best;
			max += g.max_score || 0;
		}
	}
	return {got, max};
}

const book = {data: null, sortKey: "learner", sortDir: "ascending"};

function sortValue(entry, key) {
	if (key === "learner")
		return entry.learner;
	if (key === "total")
		return totals(entry, book.data.exercises).got;
	return cellState(entry.exercises[key]).best;
}

function headerCell(label, key, scope) {
	const th = el("th", {scope: scope || "col", "data-key": key});
	th.setAttribute("aria-sort", book.sortKey === key ? book.sortDir : "none");
	const b = el("button", {type: "button", class: "sort"}, label);
	/* a button: click, Enter and Space all work from the keyboard */
	b.addEventListener("click", () => {
		if (book.sortKey === key)
			book.sortDir = book.sortDir === "ascending" ? "descending" : "ascending";
		else
			book.sortKey = key, book.sortDir = "ascending";
		renderBook();
		/* the order is the whole gradebook's: the server sorts, and the
		 * first page of that order is loaded */
		if (book.page) {
			history.pushState(null, "", pageUrl(1, book.page));
			loadBookPage().then(() => {
				/* the header was drawn again: its button keeps the focus */
				const b2 = document.querySelector('th[data-key="' + CSS.escape(key) + '"] button');
				if (b2)
					b2.focus();
			}).catch(e => setStatus("Error: " + e.message));
		}
		const again = document.querySelector('th[data-key="' + CSS.escape(key) + '"] button');
		if (again)
			again.focus();
	});
	th.appendChild(b);
	return th;
}

function renderBook() {
	const data = book.data;
	const fx = document.getElementById("f-exercise").value.trim().toLowerCase();
	const fs = document.getElementById("f-status").value;
	const fl = document.getElementById("f-learner").value.trim().toLowerCase();
	const fst = document.getElementById("f-stage").value;
	const info = {};
	for (const e of data.exercise_info || [])
		info[e.id] = e;
	const ids = data.exercises.filter(id => id.toLowerCase().includes(fx) &&
		(!fst || (info[id] && String(info[id].stage) === fst)));
	const table = document.getElementById("book");
	const thead = table.tHead, tbody = table.tBodies[0];
	thead.replaceChildren();
	tbody.replaceChildren();
	const hr = el("tr", {});
	hr.appendChild(headerCell("Learner", "learner"));
	for (const id of ids) {
		const th = headerCell(id, id);
		const e = info[id];
		if (e)
			th.appendChild(el("span", {class: "meta"}, "stage " + e.stage +
				(e.due ? ", due " + e.due.slice(0, 10) : ", no due date")));
		th.appendChild(el("a", {class: "stats", href: "/exercises?id=" + encodeURIComponent(id),
			"aria-label": "Statistics of " + id}, "statistics"));
		hr.appendChild(th);
	}
	hr.appendChild(headerCell("Total (best)", "total"));
	thead.appendChild(hr);

	let rows = data.learners.filter(l => l.learner.toLowerCase().includes(fl));
	if (fs)
		rows = rows.filter(l => ids.some(id => {
			const g = l.exercises[id];
			if (fs === "pending")
				return g && g.pending;
			return cellState(g).word === fs;
		}));
	const dir = book.sortDir === "ascending" ? 1 : -1;
	rows.sort((a, b) => {
		const x = sortValue(a, book.sortKey), y = sortValue(b, book.sortKey);
		const c = typeof x === "string" ? x.localeCompare(y) : x - y;
		return c !== 0 ? dir * c : a.learner.localeCompare(b.learner);
	});
	for (const l of rows) {
		const tr = el("tr", {"data-learner": l.learner});
		const th = el("th", {scope: "row"});
		th.appendChild(el("a", {href: "/learners/" + encodeURIComponent(l.learner)}, l.learner));
		tr.appendChild(th);
		for (const id of ids)
			tr.appendChild(gradeCell(l.exercises[id]));
		const t = totals(l, ids);
		tr.appendChild(el("td", {class: "num"}, fmt(t.got) + "/" + fmt(t.max)));
		tbody.appendChild(tr);
	}
	table.hidden = false;
	setStatus(rows.length + " of " + data.learners.length + " learners of this page shown");
}

/* 1,000: counts in words a person reads, whatever the browser's locale. */
function count(n) {
	return Number(n).toLocaleString("en-US");
}

/* The page of the gradebook the URL asks for: ?page=N (from 1) and
 * ?size=M learners a page (1..100, default 100; a test uses a small one).
 * Anything else is refused in words rather than guessed at. */
function pageArgs() {
	const q = new URLSearchParams(window.location.search);
	const whole = (v, lo, hi) => /^[0-9]{1,9}$/.test(v) && Number(v) >= lo && Number(v) <= hi;
	const page = q.get("page") === null ? "1" : q.get("page");
	const size = q.get("size") === null ? "100" : q.get("size");
	if (!whole(page, 1, 1000000))
		return {error: "page must be a whole number from 1"};
	if (!whole(size, 1, 100))
		return {error: "size must be a whole number from 1 to 100"};
	return {page: Number(page), size: Number(size), sized: q.get("size") !== null,
		name: q.get("name") || "", sort: q.get("sort") || "learner",
		order: q.get("order") === "desc" ? "desc" : "asc"};
}

/* The URL of a page of the gradebook: its number and size, and the name
 * filter and the order now chosen (the server applies both to the whole
 * gradebook). */
function pageUrl(page, p) {
	const q = new URLSearchParams();
	if (page > 1)
		q.set("page", String(page));
	if (p.sized)
		q.set("size", String(p.size));
	const name = document.getElementById("f-learner").value.trim();
	if (name)
		q.set("name", name);
	if (book.sortKey !== "learner")
		q.set("sort", book.sortKey);
	if (book.sortDir === "descending")
		q.set("order", "desc");
	const s = q.toString();
	return "/gradebook" + (s ? "?" + s : "");
}

/* The table is aria-busy while a load is waited for or in flight, so that
 * a screen reader (and a test) waits for the rows that are coming. */
function bookBusy(delta) {
	book.busy = (book.busy || 0) + delta;
	const t = document.getElementById("book");
	if (book.busy > 0)
		t.setAttribute("aria-busy", "true");
	else
		t.removeAttribute("aria-busy");
}

async function loadBookPage() {
	bookBusy(1);
	try {
		await loadBookPageNow();
	} finally {
		bookBusy(-1);
	}
}

/* Loads the page of learners the URL names (GET /api/v1/grades?offset&limit)
 * and sets the Previous/Next buttons and the range line. */
async function loadBookPageNow() {
	const p = pageArgs();
	const prev = document.getElementById("prev"), next = document.getElementById("next");
	const range = document.getElementById("range");
	if (p.error) {
		prev.disabled = next.disabled = true;
		range.textContent = "";
		document.getElementById("book").hidden = true;
		setStatus("Not shown: " + p.error);
		return;
	}
	const offset = (p.page - 1) * p.size;
	setStatus("Loading the gradebook…");
	book.sortKey = p.sort;
	book.sortDir = p.order === "desc" ? "descending" : "ascending";
	const fl = document.getElementById("f-learner");
	if (document.activeElement !== fl)
		fl.value = p.name;
	book.data = await api("/api/v1/grades?offset=" + offset + "&limit=" + p.size +
		(p.name ? "&name=" + encodeURIComponent(p.name) : "") +
		"&sort=" + encodeURIComponent(p.sort) + "&order=" + p.order);
	book.page = p;
	/* the stage filter's choices, once: the course's stages */
	const stage = document.getElementById("f-stage");
	if (stage.options.length === 1) {
		const stages = [...new Set((book.data.exercise_info || []).map(e => e.stage))];
		for (const st of stages.sort((a, b) => a - b))
			stage.appendChild(el("option", {value: String(st)}, "stage " + st));
	}
	/* total_learners counts the graded; one with only a queued job is
	 * listed on the last page, after them */
	const total = book.data.total_learners;
	const queuedOnly = book.data.learners.filter(l =>
		!Object.values(l.exercises).some(g => typeof g.best === "number")).length;
	const n = book.data.learners.length - queuedOnly;
	const last = Math.max(1, Math.ceil(total / p.size));
	prev.disabled = p.page <= 1;
	next.disabled = p.page >= last;
	const also = queuedOnly ? ", and " + count(queuedOnly) + " with nothing graded yet (in the queue)" : "";
	if (n)
		range.textContent = "learners " + count(offset + 1) + "–" + count(offset + n) +
			" of " + count(total) + also + " (page " + count(p.page) + " of " + count(last) + ")";
	else if (queuedOnly && p.page === 1)
		range.textContent = "no learner graded yet" + also;
	else
		range.textContent = "no learners on page " + count(p.page) + "; there " +
			(total === 1 ? "is 1 learner" : "are " + count(total) + " learners") +
			" (page " + count(last) + " is the last)";
	renderBook();
}

/* Previous/Next: a new entry in the history, so that back and reload
 * come to the same page. */
function goPage(delta) {
	const p = book.page;
	if (!p)
		return;
	history.pushState(null, "", pageUrl(Math.max(1, p.page + delta), p));
	loadBookPage().catch(e => setStatus("Error: " + e.message));
}

async function gradebookPage() {
	await loadSession();
	for (const id of ["f-exercise", "f-stage", "f-status", "f-learner"])
		for (const ev of ["input", "change"])
			document.getElementById(id).addEventListener(ev, () => book.data && renderBook());
	/* the learner-name filter is the whole gradebook's: once typing
	 * pauses, the server's first page of those learners is loaded */
	let nameTimer = null;
	document.getElementById("f-learner").addEventListener("input", () => {
		if (nameTimer === null)
			bookBusy(1);
		clearTimeout(nameTimer);
		nameTimer = setTimeout(() => {
			nameTimer = null;
			if (book.page) {
				history.replaceState(null, "", pageUrl(1, book.page));
				loadBookPage().catch(e => setStatus("Error: " + e.message));
			}
			bookBusy(-1);
		}, 300);
	});
	document.getElementById("filters").addEventListener("submit", e => e.preventDefault());
	document.getElementById("prev").addEventListener("click", () => goPage(-1));
	document.getElementById("next").addEventListener("click", () => goPage(1));
	window.addEventListener("popstate", () => loadBookPage().catch(e => setStatus("Error: " + e.message)));
	await loadBookPage();
}

/* ---- a learner's page ---- */

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
	const e = document.createElementNS(SVG, tag);
	for (const [k, v] of Object.entries(attrs))
		e.setAttribute(k, String(v));
	if (text !== undefined)
		e.textContent = text;
	return e;
}

/* The score of each graded submission, oldest first, as a line plot. */
function plot(subs) {
	const pts = subs.filter(s => s.report && typeof s.report.score === "number")
		.sort((a, b) => a.id - b.id)
		.map(s => ({id: s.id, score: s.report.score, max: s.report.max_score || 0}));
	const box = document.getElementById("plot-box");
	const old = box.querySelector("svg");
	if (old)
		old.remove();
	if (!pts.length) {
		box.hidden = true;
		return;
	}
	const W = 480, H = 200, L = 40, R = 12, T = 12, B = 30;
	const top = Math.max(1, ...pts.map(p => Math.max(p.max, p.score)));
	const x = i => L + (pts.length === 1 ? (W - L - R) / 2 : i * (W - L - R) / (pts.length - 1));
	const y = v => T + (H - T - B) * (1 - v / top);
	const desc = pts.map((p, i) => "attempt " + (i + 1) + ": " + fmt(p.score) + "/" + fmt(p.max)).join("; ");
	const s = svg("svg", {class: "plot", viewBox: "0 0 " + W + " " + H, role: "img",
		"aria-label": "Score over attempts: " + desc});
	s.appendChild(svg("line", {class: "axis", x1: L, y1: T, x2: L, y2: H - B}));
	s.appendChild(svg("line", {class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B}));
	s.appendChild(svg("text", {x: L - 6, y: y(top) + 4, "text-anchor": "end"}, fmt(top)));
	s.appendChild(svg("text", {x: L - 6, y: y(0) + 4, "text-anchor": "end"}, "0"));
	s.appendChild(svg("polyline", {class: "line", points: pts.map((p, i) => x(i) + "," + y(p.score)).join(" ")}));
	pts.forEach((p, i) => {
		const c = svg("circle", {class: "dot", cx: x(i), cy: y(p.score), r: 4});
		c.appendChild(svg("title", {}, "attempt " + (i + 1) + " (#" + p.id + "): " + fmt(p.score) + "/" + fmt(p.max)));
		s.appendChild(c);
		s.appendChild(svg("text", {x: x(i), y: H - B + 16, "text-anchor": "middle"}, String(i + 1)));
	});
	box.appendChild(s);
	box.hidden = false;
}

/* Where a failed comparison first differs: the report's diff. */
function diffBox(d) {
	const box = el("details", {class: "diff"});
	box.appendChild(el("summary", {}, d.summary || "the outputs differ"));
	const dl = el("dl", {});
	/* The excerpts and the diff come from the grader in the text
	 * report's visible form (a tab as →, a space at a line's end as ·, an
	 * invisible character as <U+XXXX>, ...), with the legend of the marks
	 * they hold: shown as they are, so the page and the report agree. */
	if (typeof d.expected === "string") {
		dl.appendChild(el("dt", {}, "expected"));
		dl.appendChild(el("dd", {}, el("pre", {class: "msg"}, d.expected)));
	}
	if (typeof d.actual === "string") {
		dl.appendChild(el("dt", {}, "got"));
		dl.appendChild(el("dd", {}, el("pre", {class: "msg"}, d.actual)));
	}
	box.appendChild(dl);
	if (d.unified)
		box.appendChild(el("pre", {class: "msg unified"}, d.unified));
	if (d.legend)
		box.appendChild(el("p", {class: "legend"}, "Marks: " + d.legend));
	return box;
}

function checksTable(ex) {
	const t = el("table", {class: "checks"});
	t.appendChild(el("caption", {}, "Checks of " + (ex.id || "the exercise") + ": " +
		(ex.status || "") + ", " + fmt(ex.score) + "/" + fmt(ex.max_score)));
	t.appendChild(el("thead", {}, el("tr", {},
		el("th", {scope: "col"}, "Check"), el("th", {scope: "col"}, "Status"),
		el("th", {scope: "col"}, "Score"), el("th", {scope: "col"}, "Message"))));
	const body = el("tbody", {});
	for (const c of ex.checks || []) {
		const msg = c.message || (c.hidden ? "hidden check" : "");
		body.appendChild(el("tr", {},
			el("th", {scope: "row"}, c.name || ""),
			el("td", {}, el("span", {class: "word " + (c.status || "")}, c.status || "")),
			el("td", {class: "num"}, fmt(c.score) + "/" + fmt(c.max_score)),
			el("td", {}, el("pre", {class: "msg"}, msg), c.diff ? diffBox(c.diff) : null)));
	}
	t.appendChild(body);
	return t;
}

function submissionCard(s) {
	const rep = s.report;
	const a = el("article", {class: "sub", "data-id": s.id, "data-state": s.state});
	a.appendChild(el("h2", {}, "Submission #" + s.id));
	const dl = el("dl", {});
	const row = (k, v) => { dl.appendChild(el("dt", {}, k)); dl.appendChild(el("dd", {}, v)); };
	row("State", el("span", {class: "word " + s.state}, s.state));
	if (s.state === "queued" && typeof s.queue_position === "number")
		row("Queue position", String(s.queue_position));
	if (s.commit)
		row("Commit", el("code", {class: "commit"}, s.commit.slice(0, 12)));
	if (rep && rep.submission && rep.submission.message)
		row("Message", el("pre", {class: "msg"}, rep.submission.message));
	if (rep)
		row("Score", el("span", {}, el("span", {class: "word " + (rep.status || "")}, rep.status || ""),
			" " + fmt(rep.score) + "/" + fmt(rep.max_score)));
	if (s.error)
		row("Error", s.error);
	a.appendChild(dl);
	if (rep)
		for (const ex of rep.exercises || [])
			a.appendChild(checksTable(ex));
	return a;
}

let pollTimer = null;

async function renderLearner(id) {
	let data;
	clearTimeout(pollTimer);
	try {
		data = await api("/api/v1/learners/" + encodeURIComponent(id) + "/reports");
	} catch (e) {
		if (e.status && e.status < 500) {
			setStatus("Not shown: " + e.message);
			return;
		}
		/* the daemon restarting, or the network: try again */
		setStatus("The grader does not answer (" + e.message + "); trying again in 2 s");
		pollTimer = setTimeout(() => renderLearner(id), 2000);
		return;
	}
	const subs = data.submissions.slice().sort((a, b) => b.id - a.id); /* newest first */
	const box = document.getElementById("submissions");
	box.replaceChildren(...subs.map(submissionCard));
	plot(subs);
	const waiting = subs.filter(s => s.state === "queued" || s.state === "running").length;
	setStatus(subs.length + " submission" + (subs.length === 1 ? "" : "s") +
		(waiting ? ", " + waiting + " waiting: this page updates itself every 2 s" : ""));
	if (waiting)
		pollTimer = setTimeout(() => renderLearner(id), 2000);
}

async function learnerPage() {
	await loadSession();
	const id = decodeURIComponent(window.location.pathname.split("/")[2] || "");
	document.getElementById("learner-name").textContent = visible(id);
	await renderLearner(id);
}

/* ---- an exercise's statistics ---- */

function percent(rate) {
	return typeof rate === "number" ? fmt(rate * 100) + "%" : "–";
}

function learners(n) {
	return count(n) + " learner" + (n === 1 ? "" : "s");
}

/* A bar chart as inline SVG, and the same numbers as a table beside it,
 * so that the picture is never the only place they are: bars is
 * [{label, value, title}], each bar's <title> its numbers in words. */
function barChart(box, bars, what, axis) {
	const W = 420, H = 210, L = 36, R = 8, T = 12, B = 34;
	const top = Math.max(1, ...bars.map(b => b.value));
	const slot = (W - L - R) / bars.length;
	const y = v => T + (H - T - B) * (1 - v / top);
	const s = svg("svg", {class: "bars", viewBox: "0 0 " + W + " " + H, role: "img",
		"aria-label": what + ": " + bars.map(b => b.title).join("; ")});
	s.appendChild(svg("line", {class: "axis", x1: L, y1: T, x2: L, y2: H - B}));
	s.appendChild(svg("line", {class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B}));
	s.appendChild(svg("text", {x: L - 6, y: y(top) + 4, "text-anchor": "end"}, String(top)));
	s.appendChild(svg("text", {x: L - 6, y: y(0) + 4, "text-anchor": "end"}, "0"));
	bars.forEach((b, i) => {
		const g = svg("g", {class: "bar", "data-label": b.label, "data-value": b.value});
		g.appendChild(svg("title", {}, b.title));
		/* an empty bin still gets a sliver to hover and its title */
		const h = Math.max(1, (H - T - B) * b.value / top);
		g.appendChild(svg("rect", {x: L + i * slot + slot * 0.12, y: H - B - h, width: slot * 0.76, height: h}));
		g.appendChild(svg("text", {x: L + i * slot + slot / 2, y: H - B + 14, "text-anchor": "middle"},
			b.tick || b.label));
		s.appendChild(g);
	});
	s.appendChild(svg("text", {x: L + (W - L - R) / 2, y: H - 4, "text-anchor": "middle"}, axis));
	box.appendChild(s);
	const t = el("table", {class: "chart-data"});
	t.appendChild(el("caption", {}, what + " (the chart's numbers)"));
	t.appendChild(el("thead", {}, el("tr", {}, el("th", {scope: "col"}, what), el("th", {scope: "col"}, "Learners"))));
	const body = el("tbody", {});
	for (const b of bars)
		body.appendChild(el("tr", {}, el("th", {scope: "row"}, b.label), el("td", {class: "num"}, count(b.value))));
	t.appendChild(body);
	box.appendChild(t);
}

function renderStats(st) {
	document.getElementById("pass-rate").textContent = visible(st.learners ?
		count(st.passed) + " of " + learners(st.learners) + " passed: a pass rate of " + percent(st.pass_rate) +
		(typeof st.mean_attempts_to_pass === "number" ?
			", taking " + fmt(st.mean_attempts_to_pass) + " attempt" + (st.mean_attempts_to_pass === 1 ? "" : "s") +
			" on average to pass." : ".") :
		"No learner has been graded on this exercise yet.");
	const worst = st.checks.find(k => k.name === st.most_failed_first);
	document.getElementById("failed-first").textContent = visible(worst ?
		"The check learners fail first most often is “" + worst.name + "”: " +
		learners(worst.failed_first) + " failed it before any other." :
		"No learner's latest grading failed a check.");
	const pctLabel = v => String(Math.round(v * 100));
	barChart(document.getElementById("histogram"), st.histogram.map((b, i) => ({
		label: pctLabel(b.from) + "–" + pctLabel(b.to) + "%",
		tick: pctLabel(b.from), /* the axis has room for the lower bound only */
		value: b.learners,
		title: learners(b.learners) + " with a best score from " + pctLabel(b.from) + "% " +
			(i === st.histogram.length - 1 ? "to " + pctLabel(b.to) + "% inclusive" : "up to " + pctLabel(b.to) + "%"),
	})), "Best score", "Best score, % (each bar from the number under it)");
	barChart(document.getElementById("attempts"), st.attempts_to_pass.map(b => ({
		label: b.attempts,
		value: b.learners,
		title: learners(b.learners) + " passed in " + (b.attempts.endsWith("+") ?
			b.attempts.slice(0, -1) + " or more attempts" : b.attempts + " attempt" + (b.attempts === "1" ? "" : "s")),
	})), "Attempts to pass", "Attempts");
	const body = document.getElementById("checks").tBodies[0];
	body.replaceChildren(...st.checks.map(k => el("tr", {"data-check": k.name},
		el("th", {scope: "row"}, k.name),
		el("td", {class: "num"}, count(k.learners)),
		el("td", {class: "num"}, count(k.passed)),
		el("td", {class: "num"}, percent(k.pass_rate)),
		el("td", {class: "num"}, count(k.failed_first)))));
	document.getElementById("stats").hidden = false;
}

async function exercisesPage() {
	await loadSession();
	const id = new URLSearchParams(window.location.search).get("id") || "";
	document.getElementById("exercise-name").textContent = visible(id || "no exercise");
	if (!id) {
		setStatus("Not shown: give the exercise, /exercises?id=ID (the gradebook's headers link here)");
		return;
	}
	document.title = visible("Statistics of " + id + " · grader");
	let st;
	try {
		st = await api("/api/v1/stats?exercise=" + encodeURIComponent(id));
	} catch (e) {
		setStatus("Not shown: " + e.message);
		return;
	}
	renderStats(st);
	setStatus("");
}

/* ---- the operations page (admins) ---- */

/* What each refusal reason means, for a person (the codes are
 * docs/operations.md's, Logs); an unknown one shows as its code. */
const REFUSAL = {
	"unknown-forge": "no webhook endpoint for that forge",
	"too-large": "the body was too large",
	"wrong-endpoint": "another forge's event at this endpoint",
	"bad-signature": "the signature did not match the secret",
	"malformed": "the body was not a push event the grader can read",
	"unsupported-event": "an event other than a push",
	"nothing-to-grade": "a push with nothing to grade (a deleted branch)",
	"unknown-repository": "a repository that is not configured",
	"other-branch": "a push to a branch that is not graded",
};

function emptyRow(table, cols, text) {
	table.tBodies[0].replaceChildren(el("tr", {}, el("td", {colspan: cols}, text)));
}

function renderOps(o) {
	const j = o.jobs;
	document.getElementById("ops-summary").textContent =
		count(j.queued) + " job" + (j.queued === 1 ? "" : "s") + " queued" +
		(j.queued ? " (the oldest waiting " + fmt(o.oldest_queued_age_s) + " s)" : "") +
		", " + count(j.running) + " running, on " + count(o.workers) + " worker" + (o.workers === 1 ? "" : "s") + ".";
	const jobs = document.getElementById("jobs").tBodies[0];
	jobs.replaceChildren(...Object.keys(j).map(k => el("tr", {"data-state": k},
		el("th", {scope: "row"}, el("span", {class: "word " + k}, k)), el("td", {class: "num"}, count(j[k])))));
	const run = document.getElementById("running");
	if (o.running && o.running.length)
		run.tBodies[0].replaceChildren(...o.running.map(r => el("tr", {"data-id": r.id},
			el("th", {scope: "row"}, "#" + r.id),
			el("td", {}, el("a", {href: "/learners/" + encodeURIComponent(r.learner)}, r.learner)),
			el("td", {}, el("code", {}, r.worker)),
			el("td", {}, r.started || "–"),
			el("td", {}, r.lease_expires || "–"),
			el("td", {class: "num"}, count(r.attempts)))));
	else
		emptyRow(run, 6, "No job is running.");
	const ft = document.getElementById("failures");
	if (o.recent_failures.length)
		ft.tBodies[0].replaceChildren(...o.recent_failures.map(f => el("tr", {"data-id": f.id},
			el("th", {scope: "row"}, "#" + f.id),
			el("td", {}, el("a", {href: "/learners/" + encodeURIComponent(f.learner)}, f.learner)),
			el("td", {}, f.finished || "–"),
			el("td", {class: "num"}, count(f.attempts)),
			el("td", {}, el("pre", {class: "msg"}, f.error)))));
	else
		emptyRow(ft, 5, "No job has failed.");
	const rt = document.getElementById("refused");
	if (o.webhooks_refused.length)
		rt.tBodies[0].replaceChildren(...o.webhooks_refused.map(w => el("tr", {"data-reason": w.reason},
			el("th", {scope: "row"}, el("code", {}, w.reason), REFUSAL[w.reason] ? ": " + REFUSAL[w.reason] : ""),
			el("td", {class: "num"}, count(w.deliveries)))));
	else
		emptyRow(rt, 2, "No webhook delivery has been refused.");
	document.getElementById("ops").hidden = false;
}

let opsTimer = null;

/* The figures, again every 5 s: an admin watches a queue drain. */
async function refreshOps() {
	clearTimeout(opsTimer);
	try {
		renderOps(await api("/api/v1/ops"));
		setStatus("Updated " + new Date().toLocaleTimeString("en-GB") + "; this page updates itself every 5 s");
	} catch (e) {
		if (e.status && e.status < 500) {
			setStatus("Not shown: " + e.message);
			return;
		}
		setStatus("The grader does not answer (" + e.message + "); trying again in 5 s");
	}
	opsTimer = setTimeout(refreshOps, 5000);
}

async function opsPage() {
	await loadSession();
	await refreshOps();
}

document.addEventListener("DOMContentLoaded", () => {
	const page = document.body.dataset.page;
	const run = {gradebook: gradebookPage, learner: learnerPage, exercises: exercisesPage,
		ops: opsPage}[page];
	if (run)
		run().catch(e => setStatus("Error: " + e.message));
});
