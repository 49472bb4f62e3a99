#!/bin/bash
# Takes the 9th space-separated field: wrong when the URL has spaces.
log=${1:-/dev/stdin}
awk '{ print $9 }' "$log" | sort | uniq -c | sort -k1,1nr -k2,2n | awk '{ print $2, $1 }'
