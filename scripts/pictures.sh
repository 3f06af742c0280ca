#!/usr/bin/env bash
# Regenerates the book's timeline pictures: every scenario in this build
# (`corolab run --list`) on every backend it has, one SVG per backend, and a
# markdown fragment per scenario (book/src/pictures/SCENARIO.md) that the
# chapters include, so a backend that lands shows up without editing them.
# pingpong, sleepers and echo always get a fragment, which says so when the
# scenario is not in the build yet.
#
#   scripts/pictures.sh            # uses target/release/corolab (builds it)
#
# The knobs are small on purpose: a picture shows a handful of tasks.
set -euo pipefail
cd "$(dirname "$0")/.."
out=book/src/pictures
cargo build --release --quiet
corolab=target/release/corolab
mkdir -p "$out"
list=$(COLUMNS=1000 "$corolab" run --list) # one line a scenario

picture() { # scenario, then its knobs
  local scenario=$1; shift
  rm -f "$out/$scenario"-*.svg
  local md="$out/$scenario.md"
  if ! grep -q "^$scenario " <<< "$list"; then
    echo "*The $scenario scenario is not in this build yet.*" > "$md"
    echo "$scenario: not in this build"
    return
  fi
  "$corolab" run "$scenario" --backend all --quiet "$@" --svg "$out/$scenario.svg" > /dev/null
  {
    echo "<!-- written by scripts/pictures.sh: corolab run $scenario --backend all $* --svg $scenario.svg -->"
    echo
    echo "Made with \`corolab run $scenario --backend all $* --svg $scenario.svg\` (one file per backend)."
    echo
    for svg in "$out/$scenario"-*.svg; do
      backend=$(basename "$svg" .svg); backend=${backend#"$scenario"-}
      echo "**$backend**"
      echo
      echo "![$scenario on $backend](../pictures/$(basename "$svg"))"
      echo
    done
  } > "$md"
  echo "$scenario: $(ls "$out/$scenario"-*.svg | wc -l) pictures"
}

knobs() { # small knobs for a readable picture
  case $1 in
    sleepers) echo --n 5 --delay-ms 50 ;;
    echo) echo --n 3 --clients 3 ;;
    *) echo --n 3 ;;
  esac
}

scenarios=$(grep -v '^ ' <<< "$list" | cut -d' ' -f1)
all="$out/all.md"
echo "<!-- written by scripts/pictures.sh: every scenario's timelines, for the Timelines chapter -->" > "$all"
for scenario in $(printf '%s\n' pingpong sleepers echo $scenarios | awk '!seen[$0]++'); do
  # shellcheck disable=SC2046 # the knobs are words
  picture "$scenario" $(knobs "$scenario")
  summary=$(grep "^$scenario " <<< "$list" | sed "s/^$scenario *//" || true)
  printf '\n## %s\n\n%s\n\n{{#include %s.md}}\n' "$scenario" "${summary:-Not in this build yet.}" "$scenario" >> "$all"
done
