#!/usr/bin/env bash
# Writes the book chapter of a lesson and lists it in book/src/SUMMARY.md.
#
#   scripts/lesson-chapter.sh 03-greenlets pingpong producer-consumer
#
# The chapter includes the lesson's README (its code comes in by anchor from
# there), the timeline pictures of the scenarios named (made by
# scripts/pictures.sh), and the Python original beside the Rust solution.
# Edit the chapter afterwards if the lesson wants more; re-running the
# script never overwrites an existing chapter.
set -euo pipefail
cd "$(dirname "$0")/.."
slug=${1:?usage: scripts/lesson-chapter.sh NN-slug [scenario...]}
shift
dir=lessons/$slug
chapter=book/src/lessons/$slug.md
[ -f "$dir/README.md" ] || { echo "no $dir/README.md" >&2; exit 1; }
mkdir -p book/src/lessons
if [ ! -e "$chapter" ]; then
  {
    echo "{{#include ../../../$dir/README.md}}"
    for scenario in "$@"; do
      echo
      echo "## Timelines: $scenario"
      echo
      echo "{{#include ../pictures/$scenario.md}}"
    done
    if [ -f "$dir/original.py" ]; then
      echo
      echo "## The Python original beside the Rust"
      echo
      echo '<div class="side-by-side">'
      echo '<div>'
      echo
      echo "**Python**: \`$dir/original.py\`"
      echo
      echo '```python'
      echo "{{#include ../../../$dir/original.py}}"
      echo '```'
      echo
      echo '</div>'
      echo '<div>'
      echo
      echo "**Rust**: \`$dir/solution.rs\`"
      echo
      echo '```rust,ignore'
      echo "{{#include ../../../$dir/solution.rs:solution}}"
      echo '```'
      echo
      echo '</div>'
      echo '</div>'
    fi
  } > "$chapter"
  echo "wrote $chapter"
fi
title=$(grep -m1 '^# ' "$dir/README.md" | sed 's/^# //')
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
