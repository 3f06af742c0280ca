#!/usr/bin/env bash
# wrk's view of every HTTP server, and of tokio + hyper, in one run.
#
#   benches/wrk.sh [seconds] [backends...]
#   benches/wrk.sh 10 threads gevent may aio
#
# Each server runs alone (one at a time) and gets `wrk -t2 -c100 -d<s>s` on
# GET /hello/world over keep-alive connections. wrk shares the machine's
# cores with the server, as it does for the aiohttp reference figures.
# Needs: wrk (apt-get install wrk); aiohttp is measured too when installed.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
shift || true
backends=${*:-threads gevent may aio}
cargo build --release --quiet --bin corolab
cargo build --release --quiet -p corolab-benches --example hyper_hello
port=18600

run_wrk() { # name url
  local out rps
  out=$(wrk -t2 -c100 -d"${secs}s" "$2")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  errors=$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ' || true)
  printf '%-12s %12s req/s  %s\n' "$1" "$rps" "$errors"
}

wait_port() {
  for _ in $(seq 100); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  return 1
}

echo "wrk -t2 -c100 -d${secs}s http://127.0.0.1:PORT/hello/world"
for backend in $backends; do
  port=$((port + 1))
  ./target/release/corolab serve http --backend "$backend" --addr "127.0.0.1:$port" >/dev/null 2>&1 &
  pid=$!
  if wait_port "$port"; then
    run_wrk "$backend" "http://127.0.0.1:$port/hello/world"
  else
    printf '%-12s (no server: not wired on this build)\n' "$backend"
  fi
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
if python3 -c 'import aiohttp' 2>/dev/null; then
  port=$((port + 1))
  python3 lessons/12-web-server-and-crawler/original.py --aiohttp --serve --port "$port" >/dev/null 2>&1 &
  pid=$!
  wait_port "$port" && run_wrk "aiohttp" "http://127.0.0.1:$port/hello/world"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
else
  echo "aiohttp      (not installed: pip install aiohttp)"
fi
for threads in 1 2; do
  port=$((port + 1))
  ./target/release/examples/hyper_hello "127.0.0.1:$port" "$threads" >/dev/null &
  pid=$!
  wait_port "$port"
  run_wrk "hyper-${threads}t" "http://127.0.0.1:$port/hello/world"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
done
