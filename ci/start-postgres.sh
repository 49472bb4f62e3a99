#!/bin/sh
# start-postgres.sh - sourced by .ci/run before the tests: starts one
# throwaway PostgreSQL cluster (tests/pg.sh: unix socket only, no TCP) for
# the whole CI run and exports GRADER_TEST_PG, so the queue tests of both
# `make test` and `make asan` use it instead of starting their own; the
# cluster is stopped when the CI shell exits.
#
# If the cluster cannot be started, it says so and leaves GRADER_TEST_PG
# unset: test_queue then tries to start its own cluster and, failing that,
# FAILS its PostgreSQL tests with the reason (they never pass silently).
#
# By hand:  . ci/start-postgres.sh   (then `make unit`).
if [ -z "${GRADER_TEST_PG:-}" ]; then
	if grader_pg_url=$(sh tests/pg.sh start); then
		GRADER_TEST_PG=$grader_pg_url
		export GRADER_TEST_PG
		grader_pg_dir=$(printf '%s\n' "$grader_pg_url" | sed -n 's/.*host=\([^&]*\).*/\1/p')
		echo "start-postgres: PostgreSQL for the tests at $grader_pg_dir"
		if [ -z "$(trap -p EXIT 2>/dev/null || true)" ]; then
			# shellcheck disable=SC2064 # expand the dir now
			trap "sh tests/pg.sh stop '$grader_pg_dir' >/dev/null 2>&1 || true" EXIT
		fi
	else
		echo "start-postgres: could not start PostgreSQL; test_queue will try on its own" >&2
	fi
	unset grader_pg_url
fi
