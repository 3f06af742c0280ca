#!/usr/bin/env bash
# Instructions per round trip for each row of benches/switch_ab.rs, counted
# by valgrind's callgrind: the same on a loaded machine as on a quiet one.
#   scripts/count-switch.sh [path/to/switch_ab binary]
# Needs valgrind (apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
if [ -z "$bin" ]; then
  bin=$(cargo bench -p corolab-benches --bench switch_ab --no-run 2>&1 |
    grep -o '/[^ )]*switch_ab-[0-9a-f]*' | tail -n 1)
fi
command -v valgrind >/dev/null || { echo "needs valgrind: apt-get install valgrind" >&2; exit 1; }
count() { # contender, round trips -> instructions of the whole run
  SWITCH_AB_COUNT="$1:$2" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 |
    sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
printf '%-28s %12s\n' "row" "instr/trip"
for row in corosensei/resume_suspend corosensei/consumed_as_bool corosensei/carrying_value \
           generator/send_yield greenlet/main_g greenlet/g_h; do
  a=$(count "$row" 100000); b=$(count "$row" 200000)
  printf "%-28s %12.1f\n" "$row" "$(python3 -c "print(($b - $a) / 100000)")"
done
