"""Ballot casting under load: simulated voters with real access codes cast complete ranked
ballots through the real online forms (CSRF, session cookie, review step) against gunicorn.

    .venv/bin/python bench/casting_bench.py [--db sqlite|postgresql] [--voters 300]
        [--concurrency 32] [--servers 1] [--workers 2] [--hello-seconds 8] [--json FILE]

One run: a fresh database (SQLite file in /tmp, or a throwaway PostgreSQL server started
under /tmp and stopped afterwards) with `flask pb demo` loaded; access codes issued with
pb.voting.services.issue_access_codes; gunicorn on 127.0.0.1 (stopped by PID afterwards).
Measured in the same run, in this order:
  1. hello-world: GET /healthz with the same Python client and the same concurrency
     (and with wrk, the C load generator, as a stricter baseline);
  2. full flow: each voter GET /vote → POST /vote/code (answered with the ballot) → POST
     review → POST cast (answered with the confirmation): 4 requests. Every 10th voter also
     replays its cast POST at the same moment with the same session cookie (a double tap):
     one ballot must be stored, and each answer is the same confirmation (same tracker) or
     the "already voted" page (409), never an error or a second ballot;
  3. hello-world again (the baseline is the mean of 1 and 3, which brackets drift);
then verifies the database: ballots stored = confirmations received, one vote mark per
credential, every access code used once, every tracker received is in the ballot box.
Exits non-zero on any error or a failed check.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import sys
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import Jar, Stats, fetch, log  # noqa: E402

SLUG = "eastside-2027"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RANK = re.compile(r'name="rank-(\d+)"')
TRACKER = re.compile(r'id="tracker">([A-Z0-9-]+)<')
STEPS = ("start", "code", "review", "cast")


class Flow:
    def __init__(self) -> None:
        self.steps = {s: Stats() for s in STEPS}
        self.trackers: list[str] = []
        self.replays_rejected = 0   # a double tap stored one ballot (same tracker twice, or a 409)
        self.replays_accepted = 0   # two different trackers: exactly-once broken
        self.errors: list[str] = []


async def _step(flow: Flow, name: str, port: int, method: str, path: str, jar: Jar,
                expect: tuple[int, ...], form: dict | None = None) -> tuple[int, str]:
    t0 = time.perf_counter()
    try:
        status, headers, body = await fetch(port, method, path, form=form, jar=jar)
    except OSError as error:
        flow.steps[name].errors += 1
        flow.errors.append(f"{name}: {error!r}")
        raise
    flow.steps[name].latencies_ms.append((time.perf_counter() - t0) * 1000)
    if status not in expect:
        flow.steps[name].errors += 1
        flow.errors.append(f"{name}: HTTP {status} {body[:200]!r}")
        raise RuntimeError(name)
    return status, body.decode("utf-8", "replace"), jar


async def vote(flow: Flow, port: int, code: str, replay: bool, rng, other_port: int | None = None) -> None:
    jar, base = Jar(), f"/cycles/{SLUG}"
    _, html, _ = await _step(flow, "start", port, "GET", f"{base}/vote", jar, (200,))
    token = CSRF.search(html).group(1)
    _, html, _ = await _step(flow, "code", port, "POST", f"{base}/vote/code", jar, (200,),
                             {"code": code, "csrf_token": token})  # answered with the ballot
    token, ids = CSRF.search(html).group(1), RANK.findall(html)
    chosen = rng.sample(ids, 5)  # a complete ballot: max_ranks = 5 in the demo cycle
    form = {f"rank-{pid}": str(r) for r, pid in enumerate(chosen, start=1)} | {"csrf_token": token}
    _, html, _ = await _step(flow, "review", port, "POST", f"{base}/ballot", jar, (200,),
                          form | {"step": "review"})
    token = CSRF.search(html).group(1)
    cast_form = form | {"csrf_token": token, "step": "cast"}
    if replay:  # the same signed session cookie sent twice at once (double tap, two tabs)
        # with several servers the two copies go to two different servers
        results = await asyncio.gather(
            *(_step(flow, "cast", p, "POST", f"{base}/ballot", Jar(jar), (200, 409), cast_form)
              for p in (port, other_port or port)), return_exceptions=True)
        answered = [r for r in results if not isinstance(r, BaseException) and r[0] == 200]
        trackers = {m.group(1) for r in answered if (m := TRACKER.search(r[1]))}
        if len(trackers) > 1:
            flow.replays_accepted += 1
            flow.errors.append("a double tap stored two ballots")
        elif answered:
            flow.replays_rejected += 1
        if not answered:
            raise RuntimeError("cast")
        html = answered[0][1]
    else:
        _, html, _ = await _step(flow, "cast", port, "POST", f"{base}/ballot", jar, (200,), cast_form)
    match = TRACKER.search(html)
    if match is None:
        flow.errors.append("voted page without tracker")
        raise RuntimeError("voted")
    flow.trackers.append(match.group(1))


async def run_flow(ports: list[int], codes: list[str], concurrency: int) -> tuple[Flow, float]:
    import random

    flow, rng = Flow(), random.Random(2027)
    queue: asyncio.Queue = asyncio.Queue()
    for i, code in enumerate(codes):
        queue.put_nowait((i, code))

    async def worker():
        while True:
            try:
                i, code = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            try:
                await vote(flow, ports[i % len(ports)], code, replay=(i % 10 == 9), rng=rng,
                           other_port=ports[(i + 1) % len(ports)])
            except (RuntimeError, OSError, AttributeError) as error:
                flow.errors.append(f"voter {i}: {error!r}")

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return flow, time.perf_counter() - start


def verify(env: dict[str, str], flow: Flow, codes: list[str], before: int) -> dict:
    from sqlalchemy import func, select

    from pb.cycles.models import Cycle
    from pb.db import db
    from pb.enums import CodeStatus
    from pb.voting.models import AccessCode, Ballot, Tracker, VoteMark

    app = common.app_for(env)
    with app.app_context():
        cycle = db.session.scalars(select(Cycle).filter_by(slug=SLUG)).one()
        ballots = db.session.scalar(select(func.count()).select_from(Ballot).filter_by(cycle_id=cycle.id))
        marks = db.session.scalar(select(func.count()).select_from(VoteMark)
                                  .where(VoteMark.cycle_id == cycle.id, VoteMark.credential.like("code:%")))
        bench_codes = select(AccessCode).where(AccessCode.cycle_id == cycle.id,
                                               AccessCode.batch.like("bench-%"))
        used = db.session.scalar(select(func.count()).select_from(
            bench_codes.where(AccessCode.status == CodeStatus.used).subquery()))
        dup_marks = db.session.execute(
            select(VoteMark.credential).filter_by(cycle_id=cycle.id)
            .group_by(VoteMark.credential).having(func.count() > 1)).all()
        stored = set(db.session.scalars(select(Tracker.code).filter_by(cycle_id=cycle.id)))
        db.engine.dispose()
    received = flow.trackers
    new_ballots = ballots - before["ballots"]
    new_marks = marks - before["code_marks"]
    checks = {
        "ballots stored = confirmations received": new_ballots == len(received),
        "one vote mark per ballot (no voter with two)": new_marks == new_ballots and not dup_marks,
        "each used access code cast exactly one ballot": used == len(received),
        "every tracker received is in the box": set(received) <= stored
                                               and len(set(received)) == len(received),
        "no replayed cast accepted twice": flow.replays_accepted == 0,
    }
    return {"ballots_stored": new_ballots, "confirmations": len(received), "vote_marks": new_marks,
            "codes_used": used, "voters": len(codes), "checks": checks}


def counts_before(env: dict[str, str]) -> dict:
    from sqlalchemy import func, select

    from pb.cycles.models import Cycle
    from pb.db import db
    from pb.voting.models import Ballot, VoteMark

    app = common.app_for(env)
    with app.app_context():
        cycle = db.session.scalars(select(Cycle).filter_by(slug=SLUG)).one()
        out = {"ballots": db.session.scalar(select(func.count()).select_from(Ballot).filter_by(cycle_id=cycle.id)),
               "code_marks": db.session.scalar(select(func.count()).select_from(VoteMark).where(
                   VoteMark.cycle_id == cycle.id, VoteMark.credential.like("code:%")))}
        db.engine.dispose()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--voters", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--servers", type=int, default=1, help="gunicorn instances on one database")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--hello-seconds", type=float, default=8.0)
    parser.add_argument("--pg-sync-commit", default="on", choices=["on", "off"],
                        help="PostgreSQL synchronous_commit (fsync stays on)")
    parser.add_argument("--no-rate-limits", action="store_true",
                        help="run the app with PB_RATE_LIMITS_ENABLED=false (to isolate their cost)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--targets", action="store_true", help="print the targets table, not the JSON")
    args = parser.parse_args()

    result: dict = {"db": args.db, "voters": args.voters, "concurrency": args.concurrency,
                    "servers": args.servers, "workers": args.workers, "worker_class": args.worker_class}
    with ExitStack() as stack:
        tmp = stack.enter_context(common.temp_dir())
        if args.db == "sqlite":
            url = f"sqlite:///{tmp / 'pb.sqlite3'}"
        else:
            server_url = stack.enter_context(common.postgres_server(args.pg_sync_commit))
            url = common.fresh_pg_database(server_url)
            result["pg_synchronous_commit"] = args.pg_sync_commit
        env = common.bench_env(url, secrets.token_urlsafe(32))
        if args.no_rate_limits:
            env["PB_RATE_LIMITS_ENABLED"] = "false"
            result["rate_limits"] = "off"
        log(f"loading the demo into {url}")
        common.load_demo(env)
        codes = common.issue_codes(env, SLUG, args.voters)
        before = counts_before(env)
        servers = []
        try:
            for _ in range(args.servers):
                servers.append(common.start_gunicorn(env, workers=args.workers,
                                                     worker_class=args.worker_class, threads=args.threads))
            ports = [s.port for s in servers]
            log("hello-world (python client)")
            hello1 = asyncio.run(common.hello_python(ports[0], args.concurrency, args.hello_seconds))
            hello_wrk = common.wrk(ports[0], "/healthz", seconds=int(args.hello_seconds),
                                   connections=args.concurrency)
            log(f"casting: {args.voters} voters, {args.concurrency} at a time, {len(ports)} server(s)")
            flow, seconds = asyncio.run(run_flow(ports, codes, args.concurrency))
            log("hello-world again")
            hello2 = asyncio.run(common.hello_python(ports[0], args.concurrency, args.hello_seconds))
            result["worker_peak_rss_mb"] = [round(x, 1) for s in servers for x in s.worker_peak_rss_mb()]
        finally:
            for s in servers:
                common.stop(s)
        hello_rps = (hello1.rate + hello2.rate) / 2
        all_lat = [x for s in flow.steps.values() for x in s.latencies_ms]
        requests = len(all_lat)
        errors = sum(s.errors for s in flow.steps.values())
        req_rps = requests / seconds
        ballots = len(flow.trackers)
        result.update({
            "hello_python": {"before": hello1.summary(), "after": hello2.summary(), "mean_rps": round(hello_rps, 1)},
            "hello_wrk": hello_wrk,
            "flow": {"seconds": round(seconds, 2), "ballots": ballots, "ballots_per_s": round(ballots / seconds, 1),
                     "requests": requests, "requests_per_s": round(req_rps, 1), "errors": errors,
                     "double_taps_one_ballot": flow.replays_rejected,
                     **{f"p{q}_ms": round(common.percentile(all_lat, q), 1) for q in (50, 95, 99)},
                     "ratio_to_hello_same_client": round(req_rps / hello_rps, 3),
                     "ratio_to_hello_wrk": round(req_rps / hello_wrk["rps"], 3),
                     "steps": {name: s.summary() | {"rps": round(s.count / seconds, 1)}
                               for name, s in flow.steps.items()}},
            "first_errors": flow.errors[:10],
        })
        result["verify"] = verify(env, flow, codes, before)
    ok = errors == 0 and not flow.errors and all(result["verify"]["checks"].values())
    result["ok"] = ok
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text)
    if not args.targets:
        print(text)
        return 0 if ok else 1
    flow = result["flow"]
    ratio, p95 = flow["ratio_to_hello_same_client"], flow["p95_ms"]
    print(f"\n| casting, {args.db}, {args.servers} server(s), {args.concurrency} voters at a time | "
          "measured | target | met |\n|---|---|---|---|")
    print(f"| requests/s as a ratio to hello-world (same client) | {ratio:.3f} | ≥ 0.25 | "
          f"{'met' if ratio >= 0.25 else '**missed**'} |")
    print(f"| p95 latency | {p95:.0f} ms | ≤ 100 ms | {'met' if p95 <= 100 else '**missed**'} |")
    print(f"| every check (exactly once, trackers in the box, codes used once) | "
          f"{'all passed' if ok else 'FAILED'} | all pass | {'met' if ok else '**missed**'} |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
