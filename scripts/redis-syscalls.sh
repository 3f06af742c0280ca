#!/usr/bin/env bash
# Syscalls per command, the figure that does not move with the machine's
# load: `strace -c -f` on the server while `redis-benchmark -t get -n 20000
# -c 50 -q` (and again with -P 16) runs against Debian's redis-server and
# against `corolab serve redis --backend aio`.
#
#   scripts/redis-syscalls.sh              # uses target/release/corolab
#   COROLAB=path/to/corolab BACKEND=gevent scripts/redis-syscalls.sh
set -uo pipefail
cd "$(dirname "$0")/.."
COROLAB=${COROLAB:-${CARGO_TARGET_DIR:-target}/release/corolab}
BACKEND=${BACKEND:-aio}
N=20000
for tool in strace redis-server redis-benchmark bc; do
  command -v "$tool" > /dev/null || { echo "$tool not found" >&2; exit 1; }
done
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
count() { # name port pid [redis-benchmark flags]
  local name=$1 port=$2 pid=$3 out
  shift 3
  out=$(mktemp)
  strace -c -f -p "$pid" -o "$out" 2> /dev/null &
  local tracer=$!
  sleep 0.5
  redis-benchmark -p "$port" -t get -n "$N" -c 50 -q "$@" > /dev/null
  kill -INT "$tracer"; wait "$tracer" 2> /dev/null
  local total top
  total=$(awk '/total/ {print $4}' "$out")
  top=$(grep -E '^ +[0-9]' "$out" | sort -k4 -n -r | head -3 | awk '{printf "%s %s  ", $NF, $4}')
  printf "%-13s %-6s %6s calls, %s per GET  (%s)\n" "$name" "${*:-plain}" "$total" \
    "$(echo "scale=2; $total / $N" | bc)" "$top"
  rm -f "$out"
}
echo "load: $(uptime)"
rport=$(free_port); cport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no > /dev/null &
real=$!
"$COROLAB" serve redis --backend "$BACKEND" --addr "127.0.0.1:$cport" > /dev/null &
ours=$!
sleep 1
count redis-server "$rport" "$real"
count redis-server "$rport" "$real" -P 16
count "$BACKEND" "$cport" "$ours"
count "$BACKEND" "$cport" "$ours" -P 16
kill "$real"; kill -INT "$ours"; wait 2> /dev/null
