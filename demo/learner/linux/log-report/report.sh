#!/bin/bash
# Usage: report.sh [LOGFILE]   (reads standard input without one)
# The status is the first field after the closing quote of the request.
set -euo pipefail
log=${1:-/dev/stdin}
awk -F'"' 'NF >= 3 { split($3, f, " "); if (f[1] != "") print f[1] }' "$log" |
	sort | uniq -c | sort -k1,1nr -k2,2n | awk '{ print $2, $1 }'
