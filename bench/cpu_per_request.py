"""CPU time per request of each public page and of the voting steps, in-process, as a ratio
to GET /healthz: the cost the app itself adds, independent of how busy a shared machine is.

    .venv/bin/python bench/cpu_per_request.py [--requests 200]

A fresh SQLite database with `flask pb demo` loaded; the Flask test client (no network, no
gunicorn) requests each path `--requests` times and the process CPU time (time.process_time,
so other processes on the machine do not count) is divided by the number of requests.
The throughput ceiling of one worker is 1000 / (ms per request).
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def cpu_ms(fn, n: int) -> float:
    fn()  # warm
    start = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - start) / n * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with common.temp_dir() as tmp:
        env = common.bench_env(f"sqlite:///{tmp / 'pb.sqlite3'}", secrets.token_urlsafe(32))
        common.load_demo(env)
        codes = common.issue_codes(env, "eastside-2027", 3 * args.requests + 10)
        from pages_bench import page_paths

        paths = {"hello-world /healthz": "/healthz", **page_paths(env)}
        app = common.app_for(env)
        out: dict = {"requests_each": args.requests, "pages": {}, "voting": {}}
        client = app.test_client()
        for name, path in paths.items():
            def get(path=path):
                assert client.get(path).status_code == 200
            out["pages"][name] = round(cpu_ms(get, args.requests), 2)
        base = out["pages"]["hello-world /healthz"]
        out["page_ratio_to_hello"] = {k: round(base / v, 3) for k, v in out["pages"].items()}

        # The voting steps: each voter is a fresh client with its own code.
        it = iter(codes)
        slug = "/cycles/eastside-2027"
        timings = {s: 0.0 for s in ("start", "code", "ballot", "review", "cast", "voted")}
        n = args.requests
        for _ in range(n + 1):
            c, times = app.test_client(), {}

            def timed(step, fn, times=times):
                t = time.process_time()
                r = fn()
                times[step] = time.process_time() - t
                return r

            html = timed("start", lambda c=c: c.get(f"{slug}/vote")).get_data(as_text=True)
            code = next(it)
            r = timed("code", lambda c=c, html=html, code=code: c.post(
                f"{slug}/vote/code", data={"code": code, "csrf_token": CSRF.search(html).group(1)}))
            assert r.status_code == 302, r.status_code
            html = timed("ballot", lambda c=c: c.get(f"{slug}/ballot")).get_data(as_text=True)
            ids = re.findall(r'name="rank-(\d+)"', html)[:5]
            form = {f"rank-{p}": str(i) for i, p in enumerate(ids, 1)} | {"csrf_token": CSRF.search(html).group(1)}
            timed("review", lambda c=c, form=form: c.post(f"{slug}/ballot", data=form | {"step": "review"}))
            r = timed("cast", lambda c=c, form=form: c.post(f"{slug}/ballot", data=form | {"step": "cast"}))
            assert r.status_code == 302, r.status_code
            timed("voted", lambda c=c: c.get(f"{slug}/voted"))
            if _ == 0:
                continue  # warm-up voter
            for k, v in times.items():
                timings[k] += v
        out["voting"] = {k: round(v / n * 1000, 2) for k, v in timings.items()}
        per_ballot = sum(out["voting"].values())
        out["voting_ms_per_ballot"] = round(per_ballot, 1)
        out["voting_mean_ms_per_request"] = round(per_ballot / 6, 2)
        out["voting_ratio_to_hello"] = round(base / (per_ballot / 6), 3)
        out["one_worker_ballots_per_s_ceiling"] = round(1000 / per_ballot, 1)
        from pb.db import db

        with app.app_context():
            db.engine.dispose()
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
