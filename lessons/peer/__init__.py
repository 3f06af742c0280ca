"""corolab bench's peer protocol, shared by every lesson's original.py.

`corolab bench` runs the lessons' Python originals as peers: a row of their
own in a scenario's table, beside corolab's backends and tokio. It asks each
`lessons/NN-slug/original.py` two things (lessons/README.md has the whole
protocol):

    python3 original.py --peers
        one JSON line per (scenario, variant) the lesson offers, at once;
    python3 original.py --json --scenario S --variant V [--n N] [--delay-ms D] [--clients C]
        runs that one and prints one JSON line shaped like `corolab run --json`.

A lesson takes part with two lines at the top of its original.py, before
anything the lesson itself does (imports of optional packages, servers,
monkey patching):

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import peer; peer.offer("pingpong/generators", "producer-consumer/generators")

`offer` returns at once when neither flag is given, so the lesson runs as
it always did; with one of them it answers and exits. The work each row
does lives here, one file per scenario as in src/scenarios/ (pingpong.py,
producer_consumer.py, sleepers.py, echo.py, blocking.py, crawl.py), each variant
written the way that Python model would write it.
"""

import argparse
import importlib
import json
import sys
import time

# scenario name -> module in this package
SCENARIOS = {
    "pingpong": "pingpong",
    "producer-consumer": "producer_consumer",
    "sleepers": "sleepers",
    "echo": "echo",
    "blocking": "blocking",
    "crawl": "crawl",
}

# variant -> modules outside the standard library it needs
NEEDS = {"greenlet": ["greenlet"], "gevent": ["gevent"], "uvloop": ["uvloop"]}


def offer(*rows, argv=None):
    """Answers the bench and exits, if the bench is asking; else returns.

    Each row is "scenario/variant". With no rows the lesson is a demo only:
    `--peers` prints nothing and exits 0.
    """
    argv = sys.argv[1:] if argv is None else argv
    if "--peers" in argv:
        for row in rows:
            scenario, variant = row.split("/")
            print(json.dumps({"scenario": scenario, "variant": variant, "needs": NEEDS.get(variant, [])}))
        sys.exit(0)
    if "--json" in argv:
        sys.exit(run(argv, rows))


def run(argv, rows):
    """Runs one row, timed, checked, printed as one JSON line; the exit status."""
    p = argparse.ArgumentParser()
    p.add_argument("--json", action="store_true")
    p.add_argument("--scenario")
    p.add_argument("--variant")
    p.add_argument("--n", type=int)
    p.add_argument("--delay-ms", type=int)
    p.add_argument("--clients", type=int)
    p.add_argument("--workers", type=int)
    a, _ = p.parse_known_args(argv)
    backend = f"python-{a.variant}"
    if f"{a.scenario}/{a.variant}" not in rows:
        return report(a.scenario, backend, 0, 0.0, 0, "", f"this script runs only: {', '.join(rows) or 'nothing'}")
    scenario = importlib.import_module(f"{__name__}.{SCENARIOS[a.scenario]}")
    for module in NEEDS.get(a.variant, []):
        try:
            importlib.import_module(module)  # before the clock starts
        except ImportError:
            return report(a.scenario, backend, 0, 0.0, 0, "", f"{module} not importable: pip install {module}")
    n = scenario.DEFAULT_N if a.n is None else a.n
    knobs = {
        "delay": (scenario.DEFAULT_DELAY_MS if a.delay_ms is None else a.delay_ms) / 1000,
        "clients": getattr(scenario, "DEFAULT_CLIENTS", 10) if a.clients is None else a.clients,
        "workers": a.workers,
    }
    work = scenario.VARIANTS[a.variant]
    start = time.perf_counter()
    items = work(n, **knobs)
    wall_ms = (time.perf_counter() - start) * 1000
    want = scenario.want(n, **knobs)
    error = "" if items == want else f"{items} of {want} {scenario.UNIT} checked"
    return report(a.scenario, backend, n, wall_ms, items, scenario.UNIT, error)


def report(scenario, backend, n, wall_ms, items, unit, error):
    line = {"scenario": scenario, "backend": backend, "n": n, "wall_ms": wall_ms,
            "ok": not error, "items": items, "unit": unit}
    if error:
        line["error"] = error
    print(json.dumps(line))
    return 1 if error else 0
