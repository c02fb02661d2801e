"""Ballot casting under load: simulated voters with real access codes cast complete ranked
ballots through the real online forms (CSRF, session cookie, review step) against gunicorn.

    .venv/bin/python bench/casting_bench.py [--db sqlite|postgresql] [--voters 300]
        [--concurrency 32] [--servers 1] [--workers 2] [--hello-seconds 8]
        [--absorb-voters 200] [--absorb-fraction 0.5 | --absorb-rate R] [--absorb-cap 64]
        [--json FILE] [--targets]

One run: a fresh database (SQLite file in /tmp, or a throwaway PostgreSQL server started
under /tmp and stopped afterwards) with `flask pb demo` loaded; access codes for both phases
issued with pb.voting.services.issue_access_codes (each voter of each phase has its own code);
gunicorn on 127.0.0.1 (stopped by PID afterwards). A voter is: GET /vote → POST /vote/code
(answered with the ballot) → POST review → POST cast (answered with the confirmation): 4
requests. Every 10th voter also replays its cast POST at the same moment with the same session
cookie (a double tap; with several servers the two copies go to two servers): one ballot must
be stored, and each answer is the same confirmation (same tracker) or the "already voted" page
(409), never an error or a second ballot. Measured in the same run, in this order:
  1. hello-world: GET /healthz with the same Python client and the same concurrency
     (and with wrk, the C load generator, as a stricter baseline);
  2. saturated (closed loop): --voters voters, --concurrency of them always in flight (a voter
     who finishes is replaced at once). This measures the most the server can do, so the
     throughput ratio to hello-world comes from here; its latency is mostly queueing (in flight
     ÷ throughput) and is printed as information only;
  3. hello-world again (the baseline is the mean of 1 and 3, which brackets drift);
  4. absorbable load (open loop): --absorb-voters new voters ARRIVE at a fixed rate, by
     default --absorb-fraction (0.5) of the ballots/s phase 2 just measured. Arrivals are a
     Poisson process (exponential gaps, fixed seed): voters come independently of each other,
     so bursts happen as they do with real voters, which evenly spaced arrivals would hide.
     A voter starts at its arrival time whatever the server is doing (arrivals are not held
     back by slow answers: that is what makes it open loop); only a safety cap (--absorb-cap,
     64) on voters in flight keeps the client bounded, and every arrival held back by it is
     reported (a load the server cannot absorb). The p95 target is read here.
Then verifies the database over both phases: ballots stored = confirmations received, one
vote mark per credential, every access code used once, every tracker received is in the
ballot box, no double tap stored two ballots. Exits non-zero on any error or a failed check.
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
    """Closed loop: `concurrency` voters always in flight until every code is used."""
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


async def run_open_loop(ports: list[int], codes: list[str], rate: float, cap: int,
                        seed: int = 2028) -> tuple[Flow, dict]:
    """Open loop: voter i arrives at a Poisson arrival time (mean `rate` a second) and starts
    then, however many voters are still in flight, unless `cap` are (then it waits for one to
    finish, and that wait is counted). Returns the flow and the arrival figures."""
    import random

    flow, rng, arrivals_rng = Flow(), random.Random(seed), random.Random(seed + 1)
    schedule, t = [], 0.0
    for _ in codes:
        schedule.append(t)
        t += arrivals_rng.expovariate(rate)
    slots = asyncio.Semaphore(cap)
    in_flight = peak = cap_waits = 0
    late_ms: list[float] = []       # start time minus arrival time (cap waits, client lag)
    ballot_ms: list[float] = []     # arrival to confirmation, per voter who got one

    async def voter(i: int, code: str, arrived: float) -> None:
        nonlocal in_flight
        try:
            await vote(flow, ports[i % len(ports)], code, replay=(i % 10 == 9), rng=rng,
                       other_port=ports[(i + 1) % len(ports)])  # returns only once confirmed
            ballot_ms.append((time.perf_counter() - arrived) * 1000)
        except (RuntimeError, OSError, AttributeError) as error:
            flow.errors.append(f"voter {i}: {error!r}")
        finally:
            in_flight -= 1
            slots.release()

    tasks = []
    start = time.perf_counter()
    for i, (code, at) in enumerate(zip(codes, schedule, strict=True)):
        delay = start + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if slots.locked():
            cap_waits += 1
        await slots.acquire()
        now = time.perf_counter()
        late_ms.append((now - (start + at)) * 1000)
        in_flight += 1
        peak = max(peak, in_flight)
        tasks.append(asyncio.create_task(voter(i, code, start + at)))
    await asyncio.gather(*tasks)
    end = time.perf_counter()
    span = schedule[-1] if len(schedule) > 1 else 0.0
    info = {
        "arrivals": "poisson",
        "offered_ballots_per_s": round(rate, 1),
        # the rate the drawn arrival times actually came at (a Poisson draw of 200 varies)
        "arrived_ballots_per_s": round((len(schedule) - 1) / span, 1) if span else None,
        # confirmations over first arrival → last confirmation (includes the last voter's own time)
        "achieved_ballots_per_s": round(len(flow.trackers) / (end - start), 1),
        "seconds": round(end - start, 2),
        "in_flight_cap": cap,
        "in_flight_peak": peak,
        "arrivals_held_by_cap": cap_waits,
        "start_late_ms": {f"p{q}": round(common.percentile(late_ms, q), 1) for q in (50, 95, 99)}
                         | {"max": round(max(late_ms, default=0.0), 1)},
        "ballot_ms": {f"p{q}": round(common.percentile(ballot_ms, q), 1) for q in (50, 95, 99)},
    }
    return flow, info


def verify(env: dict[str, str], flows: list[Flow], codes: list[str], before: dict) -> dict:
    """Database checks over every phase's voters (`codes`: all codes issued to them)."""
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
    received = [t for flow in flows for t in flow.trackers]
    replays_accepted = sum(flow.replays_accepted for flow in flows)
    new_ballots = ballots - before["ballots"]
    new_marks = marks - before["code_marks"]
    checks = {
        "ballots stored = confirmations received": new_ballots == len(received),
        "one vote mark per ballot (no voter with two)": new_marks == new_ballots and not dup_marks,
        "each used access code cast exactly one ballot": used == len(received),
        "every tracker received is in the box": set(received) <= stored
                                               and len(set(received)) == len(received),
        "no replayed cast accepted twice": replays_accepted == 0,
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


def phase_summary(flow: Flow, seconds: float) -> dict:
    """Requests, rates and latency percentiles of one phase, overall and per cast step."""
    all_lat = [x for s in flow.steps.values() for x in s.latencies_ms]
    return {"seconds": round(seconds, 2), "ballots": len(flow.trackers),
            "ballots_per_s": round(len(flow.trackers) / seconds, 1),
            "requests": len(all_lat), "requests_per_s": round(len(all_lat) / seconds, 1),
            "errors": sum(s.errors for s in flow.steps.values()),
            "double_taps_one_ballot": flow.replays_rejected,
            **{f"p{q}_ms": round(common.percentile(all_lat, q), 1) for q in (50, 95, 99)},
            "steps": {name: {k: v for k, v in s.summary().items() if k != "seconds"}
                      | {"rps": round(s.count / seconds, 1)} for name, s in flow.steps.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--voters", type=int, default=300, help="voters of the saturated phase")
    parser.add_argument("--concurrency", type=int, default=32, help="voters in flight, saturated phase")
    parser.add_argument("--servers", type=int, default=1, help="gunicorn instances on one database")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--hello-seconds", type=float, default=8.0)
    parser.add_argument("--absorb-voters", type=int, default=200,
                        help="voters of the open-loop phase (0: skip it)")
    parser.add_argument("--absorb-fraction", type=float, default=0.5,
                        help="open-loop arrival rate as a fraction of the saturated ballots/s")
    parser.add_argument("--absorb-rate", type=float,
                        help="open-loop arrival rate in ballots/s (overrides --absorb-fraction)")
    parser.add_argument("--absorb-cap", type=int, default=64,
                        help="most voters in flight in the open-loop phase (arrivals past it wait)")
    parser.add_argument("--pg-sync-commit", default="on", choices=["on", "off"],
                        help="PostgreSQL synchronous_commit (fsync stays on)")
    parser.add_argument("--no-rate-limits", action="store_true",
                        help="run the app with PB_RATE_LIMITS_ENABLED=false (to isolate their cost)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--targets", action="store_true", help="print the targets table, not the JSON")
    args = parser.parse_args()

    result: dict = {"db": args.db, "voters": args.voters, "concurrency": args.concurrency,
                    "absorb_voters": args.absorb_voters,
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
        codes = common.issue_codes(env, SLUG, args.voters + args.absorb_voters)
        saturated_codes, absorb_codes = codes[:args.voters], codes[args.voters:]
        before = counts_before(env)
        servers = []
        absorb = None
        try:
            for _ in range(args.servers):
                servers.append(common.start_gunicorn(env, workers=args.workers,
                                                     worker_class=args.worker_class, threads=args.threads))
            ports = [s.port for s in servers]
            log("hello-world (python client)")
            hello1 = asyncio.run(common.hello_python(ports[0], args.concurrency, args.hello_seconds))
            hello_wrk = common.wrk(ports[0], "/healthz", seconds=int(args.hello_seconds),
                                   connections=args.concurrency)
            log(f"saturated: {args.voters} voters, {args.concurrency} at a time, {len(ports)} server(s)")
            flow, seconds = asyncio.run(run_flow(ports, saturated_codes, args.concurrency))
            log("hello-world again")
            hello2 = asyncio.run(common.hello_python(ports[0], args.concurrency, args.hello_seconds))
            if absorb_codes:
                rate = args.absorb_rate or args.absorb_fraction * len(flow.trackers) / seconds
                log(f"absorbable load: {len(absorb_codes)} voters arriving at {rate:.1f}/s (Poisson), "
                    f"at most {args.absorb_cap} in flight")
                absorb = asyncio.run(run_open_loop(ports, absorb_codes, rate, args.absorb_cap))
            result["worker_peak_rss_mb"] = [round(x, 1) for s in servers for x in s.worker_peak_rss_mb()]
        finally:
            for s in servers:
                common.stop(s)
        hello_rps = (hello1.rate + hello2.rate) / 2
        saturated = phase_summary(flow, seconds)
        req_rps = saturated["requests"] / seconds
        saturated |= {"ratio_to_hello_same_client": round(req_rps / hello_rps, 3),
                      "ratio_to_hello_wrk": round(req_rps / hello_wrk["rps"], 3)}
        flows = [flow]
        result.update({
            "hello_python": {"before": hello1.summary(), "after": hello2.summary(), "mean_rps": round(hello_rps, 1)},
            "hello_wrk": hello_wrk,
            "flow": saturated,  # the saturated phase (key kept from before the open-loop phase)
        })
        errors = saturated["errors"] + len(flow.errors)
        first_errors = flow.errors[:10]
        if absorb is not None:
            absorb_flow, info = absorb
            flows.append(absorb_flow)
            info["fraction_of_saturated"] = round(info["offered_ballots_per_s"] / saturated["ballots_per_s"], 2)
            # absorbed: no arrival waited for the cap and confirmations kept up with arrivals
            # (within 10%: the achieved rate also counts the last voter's own time)
            info["absorbed"] = (info["arrivals_held_by_cap"] == 0 and info["arrived_ballots_per_s"] is not None
                                and info["achieved_ballots_per_s"] >= 0.9 * info["arrived_ballots_per_s"])
            result["absorbable"] = info | phase_summary(absorb_flow, info["seconds"])
            errors += result["absorbable"]["errors"] + len(absorb_flow.errors)
            first_errors += absorb_flow.errors[:10]
        result["first_errors"] = first_errors
        result["verify"] = verify(env, flows, saturated_codes + absorb_codes, before)
    ok = errors == 0 and all(result["verify"]["checks"].values())
    result["ok"] = ok
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text)
    if not args.targets:
        print(text)
        return 0 if ok else 1
    sat, ab = result["flow"], result.get("absorbable")
    ratio = sat["ratio_to_hello_same_client"]
    print(f"\n| casting, {args.db}, {args.servers} server(s) × {args.workers} workers | "
          "measured | target | met |\n|---|---|---|---|")
    print(f"| requests/s as a ratio to hello-world (same client), saturated: {args.concurrency} voters "
          f"always in flight | {ratio:.3f} ({sat['requests_per_s']:.0f} vs "
          f"{result['hello_python']['mean_rps']:.0f} req/s; {sat['ballots_per_s']:.1f} ballots/s) | ≥ 0.25 | "
          f"{'met' if ratio >= 0.25 else '**missed**'} |")
    if ab is None:
        print("| p95 latency at a load the server can absorb | not measured (--absorb-voters 0) | "
              "≤ 100 ms | **not measured** |")
    else:
        p95 = ab["p95_ms"]
        load = (f"{args.absorb_voters} voters arriving "
                f"at {ab['offered_ballots_per_s']:.1f}/s (Poisson; {ab['fraction_of_saturated']:.2f} of "
                f"saturated), {ab['achieved_ballots_per_s']:.1f} ballots/s achieved, peak "
                f"{ab['in_flight_peak']} in flight")
        if ab["absorbed"]:
            verdict = "met" if p95 <= 100 else "**missed**"
        else:
            load += f"; NOT absorbed ({ab['arrivals_held_by_cap']} arrivals held by the cap)"
            verdict = "**not measured** (load not absorbed)"
        print(f"| p95 latency per request at a load the server can absorb (open loop: {load}) | "
              f"{p95:.0f} ms (p50 {ab['p50_ms']:.0f}, p99 {ab['p99_ms']:.0f}; cast step p95 "
              f"{ab['steps']['cast']['p95_ms']:.0f}) | ≤ 100 ms | {verdict} |")
    print(f"| (information) p95 latency per request, saturated: {args.concurrency} in flight, mostly "
          f"queueing | {sat['p95_ms']:.0f} ms (p50 {sat['p50_ms']:.0f}, p99 {sat['p99_ms']:.0f}) | — | — |")
    v = result["verify"]
    print(f"| every check over both phases (exactly once, trackers in the box, codes used once, "
          f"double taps one ballot), {v['confirmations']} ballots | "
          f"{'all passed' if ok else 'FAILED'} | all pass | {'met' if ok else '**missed**'} |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
