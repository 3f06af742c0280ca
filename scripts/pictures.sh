#!/usr/bin/env bash
# Regenerates the book's timeline pictures: pingpong, sleepers and echo on
# every backend each scenario has in this build, one SVG per backend, and a
# markdown fragment per scenario (book/src/pictures/SCENARIO.md) that the
# chapters include, so a backend that lands shows up without editing them.
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

picture() { # scenario, then its knobs
  local scenario=$1; shift
  rm -f "$out/$scenario"-*.svg
  local md="$out/$scenario.md"
  if ! "$corolab" run --list | grep -q "^$scenario "; then
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

picture pingpong --n 3
picture sleepers --n 5 --delay-ms 50
picture echo --n 3 --clients 3
