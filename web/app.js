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

function setStatus(text) {
	const s = document.getElementById("status");
	if (s)
		s.textContent = text;
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
	const ids = data.exercises.filter(id => id.toLowerCase().includes(fx));
	const table = document.getElementById("book");
	const thead = table.tHead, tbody = table.tBodies[0];
	thead.replaceChildren();
	tbody.replaceChildren();
	const hr = el("tr", {});
	hr.appendChild(headerCell("Learner", "learner"));
	for (const id of ids)
		hr.appendChild(headerCell(id, id));
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
	setStatus(rows.length + " of " + data.learners.length + " learners shown");
}

async function gradebookPage() {
	await loadSession();
	book.data = await api("/api/v1/grades");
	for (const id of ["f-exercise", "f-status", "f-learner"])
		for (const ev of ["input", "change"])
			document.getElementById(id).addEventListener(ev, renderBook);
	document.getElementById("filters").addEventListener("submit", e => e.preventDefault());
	renderBook();
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

/* An output excerpt with what the eye cannot see written out, as the
 * text report does: tabs, carriage returns, no-break and zero-width
 * spaces, and spaces at the end of a line. */
function invisible(s) {
	return String(s)
		.replace(/\t/g, "\u21e5")
		.replace(/\r/g, "\u240d")
		.replace(/\u00a0/g, "\u237d")
		.replace(/[\u200b-\u200d\ufeff]/g,
			c => "[U+" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0") + "]")
		.replace(/ +$/gm, m => "\u00b7".repeat(m.length));
}

/* Where a failed comparison first differs: the report's diff. */
function diffBox(d) {
	const box = el("details", {class: "diff"});
	box.appendChild(el("summary", {}, d.summary || "the outputs differ"));
	const dl = el("dl", {});
	if (typeof d.expected === "string") {
		dl.appendChild(el("dt", {}, "expected"));
		dl.appendChild(el("dd", {}, el("pre", {class: "msg"}, invisible(d.expected))));
	}
	if (typeof d.actual === "string") {
		dl.appendChild(el("dt", {}, "got"));
		dl.appendChild(el("dd", {}, el("pre", {class: "msg"}, invisible(d.actual))));
	}
	box.appendChild(dl);
	if (d.unified)
		box.appendChild(el("pre", {class: "msg unified"}, d.unified));
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

document.addEventListener("DOMContentLoaded", () => {
	const page = document.body.dataset.page;
	const run = page === "gradebook" ? gradebookPage : page === "learner" ? learnerPage : null;
	if (run)
		run().catch(e => setStatus("Error: " + e.message));
});
