#!/usr/bin/env bash
# proctime.sh N NAME 'COMMAND' [NAME 'COMMAND' ...]
#
# Runs each command N times, interleaved (one round runs every command
# once, so a noisy minute falls on all of them), with its output to
# /dev/null, and prints the median, fastest and slowest wall time of each
# in milliseconds. Used for the process-to-process figures in
# docs/PERFORMANCE.md, e.g.
#
#   scripts/proctime.sh 15 summary "env KOMOJU_TUI_JOURNAL=$J komoju-tui summary --date 2026-11-23 --till all" \
#                          sqlite3 "sqlite3 -readonly $J < groups.sql"
set -euo pipefail
if [ $# -lt 3 ] || [ $(( ($# - 1) % 2 )) -ne 0 ]; then
  echo "usage: $0 N NAME 'COMMAND' [NAME 'COMMAND' ...]" >&2
  exit 2
fi
n=$1
shift
names=() cmds=()
while [ $# -gt 0 ]; do names+=("$1"); cmds+=("$2"); shift 2; done
declare -A times
for ((r = 0; r < n; r++)); do
  for i in "${!cmds[@]}"; do
    t0=$EPOCHREALTIME
    if ! (eval "exec ${cmds[$i]}") >/dev/null 2>/tmp/proctime.$$.err; then
      echo "${names[$i]} failed:" >&2
      cat /tmp/proctime.$$.err >&2
      rm -f /tmp/proctime.$$.err
      exit 1
    fi
    t1=$EPOCHREALTIME
    times[$i]+="$(( (${t1/./} - ${t0/./}) )) "
  done
done
rm -f /tmp/proctime.$$.err
for i in "${!cmds[@]}"; do
  # shellcheck disable=SC2086
  sorted=$(printf '%s\n' ${times[$i]} | sort -n)
  awk -v name="${names[$i]}" '{ v[NR] = $1 } END {
    printf "%-24s median %8.1f ms   fastest %8.1f   slowest %8.1f\n", name, v[int((NR + 1) / 2)] / 1000, v[1] / 1000, v[NR] / 1000
  }' <<<"$sorted"
done
