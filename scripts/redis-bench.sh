#!/usr/bin/env bash
# redis-benchmark against `corolab serve redis` on every backend and against
# Debian's redis-server, in the same run and with the same flags, so the
# figures are ratios taken under the same load:
#
#   scripts/redis-bench.sh                 # builds target/release/corolab
#   COROLAB=path/to/corolab scripts/redis-bench.sh
#   BACKENDS="aio" N=100000 scripts/redis-bench.sh
#
# Rounds: `-t set,get -n $N -c 50 -q`, then the same with `-P 16`, then
# `-t set,get,incr,lpush,rpop -n $((N/2)) -q`. Each server gets a free port
# of 127.0.0.1 and is stopped (SIGINT) after its rounds. Prints the load
# (`uptime`) before and after: on a shared machine it moves the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-200000}
BACKENDS=${BACKENDS:-"threads gevent may aio"}
if [[ -z "${COROLAB:-}" ]]; then
  cargo build --release --quiet --bin corolab
  COROLAB=${CARGO_TARGET_DIR:-target}/release/corolab
fi
for tool in redis-server redis-benchmark redis-cli; do
  command -v "$tool" > /dev/null || { echo "$tool not found: apt-get install redis-server redis-tools" >&2; exit 1; }
done

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() { # port
  for _ in $(seq 100); do
    redis-cli -p "$1" ping > /dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "nothing answers PING on port $1" >&2
  return 1
}

rounds() { # name port
  local name=$1 port=$2
  # -q prints "SET: 51234.56 requests per second, p50=0.5 msec" per test.
  redis-benchmark -p "$port" -t set,get -n "$N" -c 50 -q | tr '\r' '\n' | grep -a 'per second' \
    | sed "s/^/$name            /" | awk -v r="plain" '{print r, $0}'
  redis-benchmark -p "$port" -t set,get -n "$N" -c 50 -P 16 -q | tr '\r' '\n' | grep -a 'per second' \
    | sed "s/^/$name            /" | awk -v r="-P16 " '{print r, $0}'
  redis-benchmark -p "$port" -t set,get,incr,lpush,rpop -n $((N / 2)) -q | tr '\r' '\n' \
    | grep -a 'per second' | sed "s/^/$name            /" | awk -v r="mixed" '{print r, $0}'
}

echo "load before: $(uptime)"
echo "redis-benchmark -n $N -c 50 -q (plain), with -P 16, and -t set,get,incr,lpush,rpop -n $((N / 2))"
port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no > /dev/null &
real=$!
wait_for "$port"
rounds redis-server "$port"
kill "$real"; wait "$real" 2> /dev/null || true

for backend in $BACKENDS; do
  port=$(free_port)
  "$COROLAB" serve redis --backend "$backend" --addr "127.0.0.1:$port" > /dev/null &
  pid=$!
  wait_for "$port"
  rounds "$backend" "$port"
  kill -INT "$pid"; wait "$pid" 2> /dev/null || true
done
echo "load after: $(uptime)"
