#!/bin/bash
# keep-reports.sh - what the end-to-end tests run as $GRADER (run.sh sets
# it): runs the real grader ($GRADER_REAL) with the same arguments, stdin,
# stderr and exit status, and for `grade` and `report` in a format with a
# schema (json, junit, gradescope, exercism) keeps a copy of the report it
# wrote in $GRADER_REPORT_SINK: NAME.FORMAT, and NAME.FORMAT.cmd naming
# the test ($GRADER_E2E_TEST) and the command. tests/validate_reports.py
# validates them all after the tests ran (run.sh), so no test has to
# remember to.
#
# It stays out of the way: any other command, --help, a report to a
# terminal or a device (/dev/null, /dev/full) is exec'ed as it is; a
# report to a file is read back from that file after the run; a report to
# a pipe goes through tee. It never writes to stderr (a test may check it).
set -u
real=${GRADER_REAL:?keep-reports.sh: GRADER_REAL must name the grader binary}
sink=${GRADER_REPORT_SINK:-}
if [ -z "$sink" ] || [ ! -d "$sink" ]; then exec "$real" "$@"; fi
case "${1:-}" in
grade) format=json ;;
report) format=text ;;
*) exec "$real" "$@" ;;
esac

# The format and output the command asks for, read the way getopt_long
# reads cmd_grade.c's and cmd_report.c's options (-fX, -f X, --format=X,
# --format X; the options taking a value, so their values are skipped).
output=""
takes="cefo"
shift_next=""
for a in "${@:2}"; do
	if [ -n "$shift_next" ]; then
		case $shift_next in f) format=$a ;; o) output=$a ;; esac
		shift_next=""
		continue
	fi
	case $a in
	--) break ;;
	-h | --help) exec "$real" "$@" ;;
	--format=*) format=${a#--format=} ;;
	--format) shift_next=f ;;
	--output=*) output=${a#--output=} ;;
	--output) shift_next=o ;;
	--course | --exercise | --audience | --ref | --commit | --since | --state-dir) shift_next=x ;;
	--*) ;;
	-?*)
		rest=${a#-}
		while [ -n "$rest" ]; do
			c=${rest:0:1}
			rest=${rest:1}
			case $takes in *"$c"*) ;; *) continue ;; esac
			if [ -n "$rest" ]; then
				case $c in f) format=$rest ;; o) output=$rest ;; esac
			else
				shift_next=$c
			fi
			break
		done
		;;
	esac
done
case $format in json | junit | gradescope | exercism) ;; *) exec "$real" "$@" ;; esac

cmdline=$(printf '%q ' "$@")
# keep FILE: copies FILE into the sink unless it is empty (a usage error
# writes no report).
keep() {
	[ -s "$1" ] || return 0
	local name
	name=$(mktemp "$sink/${GRADER_E2E_TEST:-by-hand}.XXXXXX") || return 0
	cp "$1" "$name.$format" 2>/dev/null
	printf 'test %s: grader %s\n' "${GRADER_E2E_TEST:-(run by hand)}" "$cmdline" >"$name.$format.cmd"
	rm -f "$name"
}

if [ -n "$output" ]; then
	before=$(stat -c '%i %Y %s' -- "$output" 2>/dev/null || true)
	"$real" "$@"
	rc=$?
	after=$(stat -c '%i %Y %s' -- "$output" 2>/dev/null || true)
	# written atomically (a rename): a new inode when the grader wrote it
	[ -n "$after" ] && [ "$after" != "$before" ] && keep "$output"
	exit "$rc"
fi
if [ -f /dev/stdout ] && [ ! -t 1 ]; then
	# a regular file: what the run writes to it, from where it stood (the
	# file's end when it is open for appending, else the offset)
	info=/proc/$$/fdinfo/1
	start=$(sed -n 's/^pos:[[:space:]]*//p' "$info" 2>/dev/null)
	flags=$(sed -n 's/^flags:[[:space:]]*//p' "$info" 2>/dev/null)
	if [ -n "$flags" ] && (((8#$flags & 8#2000) != 0)); then
		start=$(stat -L -c %s /proc/$$/fd/1 2>/dev/null)
	fi
	"$real" "$@"
	rc=$?
	part=$(mktemp) || exit "$rc"
	tail -c +"$((${start:-0} + 1))" /proc/$$/fd/1 >"$part" 2>/dev/null
	keep "$part"
	rm -f "$part"
	exit "$rc"
fi
if [ -p /dev/stdout ]; then
	part=$(mktemp) || exec "$real" "$@"
	"$real" "$@" | tee "$part"
	rc=${PIPESTATUS[0]}
	keep "$part"
	rm -f "$part"
	exit "$rc"
fi
exec "$real" "$@"
