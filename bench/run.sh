#!/bin/sh
# run.sh - what `make bench` runs: every benchmark in bench/, each printing
# its own table of figures (medians and ratios against a baseline measured
# in the same run). Benchmarks never pass or fail on time.
# bench/NAME.c is built by the Makefile into $BUILD/bench/NAME and run with
# the grader binary as its argument; bench/*.sh other than this one run
# with GRADER set.
set -u
: "${GRADER:?GRADER must name the grader binary}" "${BUILD:?BUILD must name the build dir}"
here=$(cd "$(dirname "$0")" && pwd)
status=0
for b in "$BUILD"/bench/*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b" "$GRADER" "${BENCH_RUNS:-100}" || status=1
	echo
done
for s in "$here"/*.sh; do
	[ "$(basename "$s")" = run.sh ] && continue
	[ -f "$s" ] || continue
	echo "== $(basename "$s" .sh)"
	GRADER="$GRADER" ROOT="$(dirname "$here")" sh "$s" || status=1
	echo
done
exit $status
