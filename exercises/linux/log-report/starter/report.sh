#!/bin/bash
# Usage: report.sh [LOGFILE]   (reads standard input without one)
log=${1:-/dev/stdin}
# print "CODE COUNT" lines, most frequent first
