"""CPU time per request of each public page and of one online ballot, in-process, as a ratio
to GET /healthz measured in the same run: the cost the app itself adds, independent of how
busy a shared machine is.

    .venv/bin/python bench/cpu_per_request.py [--runs 5] [--requests 200] [--json FILE]

A fresh SQLite database with `flask pb demo` loaded (production settings); the Flask test
client (no network, no gunicorn) requests each path `--requests` times per run, and the
process CPU time (time.process_time, so other processes do not count) is divided by the
number of requests. Pages are measured warm (repeated visits, in English and Spanish) and
cold: the first render after an audited change, which is what invalidates cached pages,
against the base layout alone (a 404 page). One ballot is every request a voter makes from
the voting start page to the confirmation with a fresh access code.

Targets (issue 21): warm pages ≥ 40% of hello-world; cold ≤ 3× the base layout; a ballot in
at most 4 requests and ≤ 8 ms of CPU.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
WARM_TARGET, COLD_TARGET, BALLOT_REQUESTS, BALLOT_MS = 0.40, 3.0, 4, 8.0


def cpu_ms(fn, n: int) -> float:
    fn()  # warm
    start = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - start) / n * 1000


def cold_ms(app, client, path: str, n: int) -> float:
    """CPU of the first render after an audited change (every cached page is then stale)."""
    from pb.audit.services import record
    from pb.db import db

    total = 0.0
    for _ in range(n):
        with app.app_context():
            record("bench.touch", actor=None, obj=None, data={})
            db.session.commit()
        start = time.process_time()
        assert client.get(path).status_code == 200
        total += time.process_time() - start
    return total / n * 1000


def one_ballot(app, slug: str, code: str) -> tuple[int, float]:
    """Every request of one voter from the start page to the confirmation: (requests, CPU ms)."""
    client, requests = app.test_client(), 0
    start = time.process_time()
    response = client.get(f"{slug}/vote")
    requests += 1
    html = response.get_data(as_text=True)
    response = client.post(f"{slug}/vote/code", data={"code": code, "csrf_token": CSRF.search(html).group(1)},
                           follow_redirects=False)
    requests += 1
    while response.status_code == 302:  # whatever redirects the flow still has, they count
        response = client.get(response.location)
        requests += 1
    html = response.get_data(as_text=True)
    ids = re.findall(r'name="rank-(\d+)"', html)[:5]
    form = {f"rank-{p}": str(i) for i, p in enumerate(ids, 1)} | {"csrf_token": CSRF.search(html).group(1)}
    response = client.post(f"{slug}/ballot", data=form | {"step": "review"})
    requests += 1
    html = response.get_data(as_text=True)
    token = CSRF.search(html).group(1) if CSRF.search(html) else form["csrf_token"]
    response = client.post(f"{slug}/ballot", data=form | {"step": "cast", "csrf_token": token})
    requests += 1
    while response.status_code == 302:
        response = client.get(response.location)
        requests += 1
    assert 'id="tracker"' in response.get_data(as_text=True), "no confirmation"
    return requests, (time.process_time() - start) * 1000


def spread(values: list[float]) -> str:
    return f"{min(values):.3g} / {statistics.median(values):.3g} / {max(values):.3g}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with common.temp_dir() as tmp:
        env = common.bench_env(f"sqlite:///{tmp / 'pb.sqlite3'}", secrets.token_urlsafe(32))
        common.load_demo(env)
        ballots = args.runs * 50 + 1  # one for the untimed first pass
        codes = iter(common.issue_codes(env, "eastside-2027", ballots + 10))
        from pages_bench import page_paths

        paths = {"home": "/", **page_paths(env), "audit": "/audit/"}
        app = common.app_for(env)
        english, spanish = app.test_client(), app.test_client()
        spanish.get("/language/es")
        warm: dict[str, list[float]] = {}
        cold: dict[str, list[float]] = {}
        cold_ms_each: dict[str, list[float]] = {}
        base, ballot_ms, ballot_requests, ballot_vs_hello = [], [], set(), []
        # One untimed pass first: compiling templates and loading Babel's locale data happen
        # once per process and are no part of a request's cost.
        cpu_ms(lambda: english.get("/no-such-page"), 20)
        for path in paths.values():
            for client in (english, spanish):
                client.get(path)
            cold_ms(app, english, path, 2)
        one_ballot(app, "/cycles/eastside-2027", next(codes))
        for _ in range(args.runs):
            hello = cpu_ms(lambda: english.get("/healthz"), args.requests)
            layout = cpu_ms(lambda: english.get("/no-such-page"), args.requests)
            base.append(layout)
            for name, path in paths.items():
                for lang, client in (("en", english), ("es", spanish)):
                    ms = cpu_ms(lambda path=path, client=client: client.get(path), args.requests)
                    warm.setdefault(f"{name} [{lang}]", []).append(hello / ms)
                ms = cold_ms(app, english, path, 20)
                cold_ms_each.setdefault(name, []).append(ms)
                cold.setdefault(name, []).append(ms / layout)
            run_ms = []
            for _ in range(50):
                n, ms = one_ballot(app, "/cycles/eastside-2027", next(codes))
                ballot_requests.add(n)
                run_ms.append(ms)
            ballot_ms += run_ms
            ballot_vs_hello.append(statistics.median(run_ms) / hello)  # the reference, same run
        from pb.db import db

        with app.app_context():
            db.engine.dispose()
    out = {"runs": args.runs, "requests_each": args.requests,
           "warm_ratio_to_hello": warm, "cold_ratio_to_base_layout": cold, "cold_ms": cold_ms_each,
           "base_layout_ms": base, "ballot_requests": sorted(ballot_requests), "ballot_cpu_ms": ballot_ms,
           "ballot_to_hello": ballot_vs_hello}
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    print(f"| page (warm, {args.runs} runs) | CPU ratio to hello-world min / median / max | target | met |")
    print("|---|---|---|---|")
    for name, ratios in warm.items():
        met = statistics.median(ratios) >= WARM_TARGET
        print(f"| {name} | {spread(ratios)} | ≥ {WARM_TARGET:.2f} | {'met' if met else '**missed**'} |")
    print(f"\n| page (cold: first render after a change) | CPU ratio to the base layout "
          f"({statistics.median(base):.2f} ms) min / median / max | CPU ms, median | target | met |")
    print("|---|---|---|---|---|")
    for name, ratios in cold.items():
        met = statistics.median(ratios) <= COLD_TARGET
        print(f"| {name} | {spread(ratios)} | {statistics.median(cold_ms_each[name]):.2f} | ≤ {COLD_TARGET:.0f}× | "
              f"{'met' if met else '**missed**'} |")
    requests = max(ballot_requests)
    print("\n| one online ballot | measured | target | met |\n|---|---|---|---|")
    print(f"| requests from the start page to the confirmation | {requests} | ≤ {BALLOT_REQUESTS} | "
          f"{'met' if requests <= BALLOT_REQUESTS else '**missed**'} |")
    print(f"| CPU ms per ballot, min / median / max of {len(ballot_ms)} | {spread(ballot_ms)} | ≤ {BALLOT_MS:.0f} | "
          f"{'met' if statistics.median(ballot_ms) <= BALLOT_MS else '**missed**'} |")
    print(f"| (reference) CPU of one ballot ÷ CPU of one hello-world request in the same run, "
          f"min / median / max of {len(ballot_vs_hello)} runs | {spread(ballot_vs_hello)} | — | — |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
