"""Public pages under concurrency, as a ratio to the same app's hello-world (GET /healthz).

    .venv/bin/python bench/pages_bench.py [--db sqlite|postgresql] [--seconds 5]
        [--connections 32] [--rounds 1] [--json FILE]

One run: a fresh database with `flask pb demo` loaded (Eastside 2027 in voting with 12 ballot
projects, 25 ideas and 300 ballots; Northgate 2026 published), gunicorn with 2 sync workers on
127.0.0.1 (stopped by PID afterwards), and wrk (-t2 -cN) on each page in turn for `--seconds`,
with /healthz measured before the first page and after every page. Each page's requests/s is
divided by the mean of the two hello-world runs on either side of it (same background load). Exits non-zero if any request failed.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import log  # noqa: E402


def page_paths(env: dict[str, str]) -> dict[str, str]:
    from sqlalchemy import select

    from pb.db import db
    from pb.enums import ProjectStatus
    from pb.proposals.models import Idea, Project

    app = common.app_for(env)
    with app.app_context():
        from pb.cycles.models import Cycle

        cycle = db.session.scalars(select(Cycle).filter_by(slug="eastside-2027")).one()
        project = db.session.scalars(select(Project).filter_by(cycle_id=cycle.id, status=ProjectStatus.ready)
                                     .order_by(Project.id)).first()
        idea = db.session.scalars(select(Idea).filter_by(cycle_id=cycle.id).where(Idea.project_id.isnot(None))
                                  .order_by(Idea.id)).first()
        db.engine.dispose()
    return {"home": "/",
            "cycle + project list": "/cycles/eastside-2027",
            "idea list": "/cycles/eastside-2027/ideas",
            "project detail": f"/projects/{project.id}",
            "idea detail": f"/ideas/{idea.id}",
            "results": "/cycles/northgate-2026/results"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1, help="repeat the whole set (noisy machines)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result: dict = {"db": args.db, "connections": args.connections, "workers": args.workers,
                    "seconds": args.seconds, "rounds": []}
    with ExitStack() as stack:
        tmp = stack.enter_context(common.temp_dir())
        if args.db == "sqlite":
            url = f"sqlite:///{tmp / 'pb.sqlite3'}"
        else:
            url = common.fresh_pg_database(stack.enter_context(common.postgres_server()))
        env = common.bench_env(url, secrets.token_urlsafe(32))
        log(f"loading the demo into {url}")
        common.load_demo(env)
        paths = page_paths(env)
        server = common.start_gunicorn(env, workers=args.workers)
        try:
            for path in paths.values():  # warm up: templates compiled, connections pooled
                common.wrk(server.port, path, seconds=1, connections=4)
            for r in range(args.rounds):
                # hello-world is measured right before and after every page, so each ratio
                # compares two measurements under the same background load
                log(f"round {r + 1}: {len(paths)} pages, each between two hello-world runs")
                hellos = [common.wrk(server.port, "/healthz", seconds=args.seconds, connections=args.connections)]
                pages = {}
                for name, path in paths.items():
                    pages[name] = common.wrk(server.port, path, seconds=args.seconds, connections=args.connections)
                    hellos.append(common.wrk(server.port, "/healthz", seconds=args.seconds,
                                             connections=args.connections))
                    hello = (hellos[-2]["rps"] + hellos[-1]["rps"]) / 2
                    pages[name]["hello_rps"] = round(hello, 1)
                    pages[name]["ratio_to_hello"] = round(pages[name]["rps"] / hello, 3)
                result["rounds"].append({"hello": hellos, "pages": pages})
            result["worker_peak_rss_mb"] = [round(x, 1) for x in server.worker_peak_rss_mb()]
        finally:
            common.stop(server)
    result["paths"] = paths
    errors = sum(p["errors"] for rnd in result["rounds"] for p in [*rnd["pages"].values(), *rnd["hello"]])
    result["ok"] = errors == 0
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
