#!/usr/bin/env bash
# Writes the book chapter of a lesson and lists it in book/src/SUMMARY.md.
#
#   scripts/lesson-chapter.sh 03-greenlets pingpong producer-consumer
#
# The chapter includes the lesson's lesson.md (its code comes in by anchor
# from there), the timeline pictures of the scenarios named (made by
# scripts/pictures.sh), the Python original, and the Rust solution folded
# in a <details> (no answer in sight until the reader asks).
# Edit the chapter afterwards if the lesson wants more; re-running the
# script never overwrites an existing chapter.
set -euo pipefail
cd "$(dirname "$0")/.."
slug=${1:?usage: scripts/lesson-chapter.sh NN-slug [scenario...]}
shift
dir=lessons/$slug
chapter=book/src/lessons/$slug.md
[ -f "$dir/lesson.md" ] || { echo "no $dir/lesson.md" >&2; exit 1; }
mkdir -p book/src/lessons
if [ ! -e "$chapter" ]; then
  {
    echo "{{#include ../../../$dir/lesson.md}}"
    for scenario in "$@"; do
      echo
      echo "## Timelines: $scenario"
      echo
      echo "{{#include ../pictures/$scenario.md}}"
    done
    if [ -f "$dir/original.py" ]; then
      echo
      echo "## The Python original"
      echo
      echo "\`$dir/original.py\`, the program this lesson translates:"
      echo
      echo '```python'
      echo "{{#include ../../../$dir/original.py}}"
      echo '```'
    fi
    n=${slug:0:2}
    echo
    echo "## One answer"
    echo
    echo "Try the exercise first: \`corolab check $n\` says what still fails,"
    echo "and \`corolab hint $n\` gives one hint at a time."
    echo
    echo '<details>'
    echo "<summary>Show one answer in Rust (<code>$dir/solution.rs</code>)</summary>"
    echo
    echo '```rust,ignore'
    echo "{{#include ../../../$dir/solution.rs:solution}}"
    echo '```'
    echo
    echo '</details>'
  } > "$chapter"
  echo "wrote $chapter"
fi
title=$(grep -m1 '^# ' "$dir/lesson.md" | sed 's/^# //')
line="- [$title](lessons/$slug.md)"
summary=book/src/SUMMARY.md
if ! grep -qF "(lessons/$slug.md)" "$summary"; then
  python3 - "$summary" "$line" "$slug" <<'PY'
import sys
path, line, slug = sys.argv[1:]
lines = open(path).read().split("\n")
if "# Lessons" not in lines:
    at = lines.index("# Watching")
    lines[at:at] = ["# Lessons", "", "# Watching"][:2] + [""]
    lines = lines  # "# Lessons" followed by a blank line, before "# Watching"
start = lines.index("# Lessons") + 1
# Lesson entries are kept in folder order.
end = start
while end < len(lines) and (lines[end] == "" or lines[end].startswith("- [")):
    end += 1
entries = [l for l in lines[start:end] if l.startswith("- [")] + [line]
entries.sort(key=lambda l: l.split("(lessons/")[1])
lines[start:end] = [""] + entries + [""]
open(path, "w").write("\n".join(lines))
PY
  echo "listed it in $summary"
fi
