"""Crash safety of voting: simulated voters while app-server workers are SIGKILLed.

    .venv/bin/python bench/crash_safety.py --db sqlite                 # one server, SQLite file
    .ci/with-postgres .venv/bin/python bench/crash_safety.py --db postgresql   # two servers

Sets up a cycle in voting with one access code per voter, starts gunicorn app servers on
127.0.0.1 (two sharing one PostgreSQL, or one on the SQLite default), and runs the voters
(GET the start page, enter the code, open the ballot, cast, read the tracker) spread
round-robin over the servers, as a load balancer would. Meanwhile it SIGKILLs random
workers; gunicorn's master starts new ones. A voter retries after a dropped connection,
like a person pressing the button again. Afterwards it checks, in the database:

  * every acknowledged ballot (the cast answered with the redirect to its tracker) is stored;
  * stored ballots = vote marks = used access codes (no voter with two ballots, no ballot
    without a voted mark, no mark without a ballot);
  * every stored ballot is accounted for: acknowledged, or its voter was told "already voted"
    on a retry because the first answer was lost with the killed worker;
  * the audit chain verifies.

Prints a markdown report; exits 1 if any check fails. Servers are stopped by PID; the whole
run is bounded by --timeout.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "crash-bench-secret-" + "x" * 32
TRACKER = re.compile(r'id="tracker">([A-Z0-9-]+)<')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RANK = re.compile(r'name="rank-(\d+)"')


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- set-up and checks run in this process, against the same database ------------------

def app_for(url: str):
    from pb.factory import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "VOTER_KEY_SECRET": SECRET})


def set_up(url: str, voters: int) -> tuple[str, list[str]]:
    from sqlalchemy import text

    from pb.accounts.services import create_user
    from pb.cycles.services import create_cycle
    from pb.db import db
    from pb.enums import Phase, Role
    from pb.lifecycle.services import advance
    from pb.migrate import upgrade
    from pb.proposals.services import create_project, mark_ready
    from pb.voting.services import issue_access_codes

    app = app_for(url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        staff = create_user(actor=None, email="staff@example.org", name="Staff", password="crash-bench-pw",
                            role=Role.staff)
        cycle = create_cycle(actor=staff, slug="crash", title="Crash test", locale="en",
                             budget_cents=400_000_00, areas=[("north", "North"), ("south", "South")])
        while cycle.phase != Phase.development:
            advance(actor=staff, cycle=cycle, current=cycle.phase)
        for i in range(5):
            project = create_project(actor=staff, cycle=cycle, title=f"Project {i}", summary="A useful project for the crash test.",
                                     locale="en", cost_cents=(i + 1) * 50_000_00, category="food")
            mark_ready(actor=staff, project=project)
        advance(actor=staff, cycle=cycle, current=Phase.development)
        codes = issue_access_codes(actor=staff, cycle=cycle, count=voters, batch="crash")
        db.session.commit()
        db.engine.dispose()
    return "crash", codes


def check(url: str, acknowledged: set[str], already: int) -> dict:
    from sqlalchemy import func, select

    from pb.audit.services import verify_database
    from pb.db import db
    from pb.enums import CodeStatus
    from pb.voting.models import AccessCode, Ballot, VoteMark

    app = app_for(url)
    with app.app_context():
        trackers = set(db.session.scalars(select(Ballot.tracker)))
        stored = db.session.scalar(select(func.count()).select_from(Ballot))
        marks = db.session.scalar(select(func.count()).select_from(VoteMark))
        used = db.session.scalar(select(func.count()).where(AccessCode.status == CodeStatus.used))
        per_credential = db.session.scalar(select(func.max(select(func.count()).select_from(VoteMark)
                                                            .group_by(VoteMark.credential).subquery().c[0])))
        events, broken = verify_database()
        db.engine.dispose()
    return {"stored": stored, "marks": marks, "used_codes": used, "acknowledged": len(acknowledged),
            "told_already_voted": already, "lost": len(acknowledged - trackers),
            "duplicated": stored - marks, "marks_without_ballot": marks - stored,
            "max_marks_per_credential": per_credential or 0, "audit_events": events,
            "audit_broken_at": broken}


# ---- servers ---------------------------------------------------------------------------

class Server:
    def __init__(self, url: str, port: int, workers: int, log, tmp: str):
        env = dict(os.environ, PB_DATABASE_URL=url, PB_SECRET_KEY=SECRET, PB_VOTER_KEY_SECRET=SECRET)
        self.port = port
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--timeout", "30", "--graceful-timeout", "2",
             "--control-socket", f"{tmp}/gunicorn-{port}.ctl", "app:app"],
            cwd=ROOT, env=env, stdout=log, stderr=log)

    def workers(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def wait_ready(self, deadline: float) -> None:
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/login")
                if conn.getresponse().status == 200 and len(self.workers()) > 0:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server on port {self.port} did not start")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ---- a voter ---------------------------------------------------------------------------

class Dropped(Exception):
    """The connection broke (a killed worker) or the server answered 5xx."""


class Browser:
    """Just enough of a browser: one session cookie, requests spread over the servers."""

    def __init__(self, ports: list[int], rng: random.Random):
        self.ports, self.rng, self.cookie = ports, rng, ""

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        port = self.rng.choice(self.ports)
        headers = {"Cookie": f"session={self.cookie}"} if self.cookie else {}
        body = None
        if form is not None:
            from urllib.parse import urlencode

            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
        except (OSError, http.client.HTTPException) as error:
            raise Dropped(str(error)) from None
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("session="):
                self.cookie = header.split(";", 1)[0].removeprefix("session=")
        if response.status >= 500:
            raise Dropped(f"HTTP {response.status}")
        return response.status, response.headers.get("Location", ""), text


DROPPED = {"requests": 0, "casts": 0}
_DROP_LOCK = threading.Lock()


def retrying(step, attempts: int = 30, kind: str = "requests"):
    for i in range(attempts):
        try:
            return step()
        except Dropped:
            with _DROP_LOCK:
                DROPPED[kind] += 1
            time.sleep(0.05 * (i + 1))
    raise Dropped("gave up")


def vote(slug: str, code: str, ports: list[int], seed: int) -> tuple[str, str | None]:
    """One voter; returns (outcome, tracker). Outcomes: acked, already (told on a retry), failed."""
    rng = random.Random(seed)
    b = Browser(ports, rng)
    try:
        def enter():
            page = b.request("GET", f"/cycles/{slug}/vote")[2]
            status, location, _ = b.request("POST", f"/cycles/{slug}/vote/code",
                                            {"code": code, "csrf_token": CSRF.search(page).group(1)})
            if status != 302:
                raise Dropped(f"code refused: {status}")
        retrying(enter)
        page = retrying(lambda: b.request("GET", f"/cycles/{slug}/ballot")[2])
        ids = RANK.findall(page)
        rng.shuffle(ids)
        form = {"csrf_token": CSRF.search(page).group(1), "step": "cast"}
        form |= {f"rank-{pid}": str(r) for r, pid in enumerate(ids[:rng.randint(1, 3)], start=1)}

        def cast():
            status, location, _ = b.request("POST", f"/cycles/{slug}/ballot", form)
            return status, location
        status, location = retrying(cast, kind="casts")
        if status == 409:
            return "already", None
        if status != 302 or "/voted" not in location:
            return "failed", None
        page = retrying(lambda: b.request("GET", f"/cycles/{slug}/voted")[2])
        match = TRACKER.search(page)
        return "acked", match.group(1) if match else "(tracker page lost)"
    except Dropped:
        return "failed", None


def killer(servers: list[Server], stop: threading.Event, kills: list, rng: random.Random, target: int):
    """`target` SIGKILLs of random workers at random moments while the voters are busy."""
    while not stop.is_set() and len(kills) < target:
        time.sleep(rng.uniform(0.3, 1.5))
        server = rng.choice(servers)
        pids = server.workers()
        if pids and not stop.is_set():
            pid = rng.choice(pids)
            try:
                os.kill(pid, signal.SIGKILL)
                kills.append((server.port, pid, round(time.time(), 2)))
            except ProcessLookupError:
                pass


def run(db: str, voters: int, min_kills: int, seed: int, timeout: float, workers: int) -> dict:
    tmp = tempfile.mkdtemp(prefix="pb-crash-")
    if db == "postgresql":
        url = os.environ.get("PB_TEST_DATABASE_URL")
        if not url:
            sys.exit("--db postgresql needs PB_TEST_DATABASE_URL: run under .ci/with-postgres")
        n_servers = 2
    else:
        url, n_servers = f"sqlite:///{tmp}/pb.sqlite3", 1
    slug, codes = set_up(url, voters)
    log = open(Path(tmp) / "servers.log", "w")  # noqa: SIM115 - closed below
    servers = [Server(url, free_port(), workers, log, tmp) for _ in range(n_servers)]
    rng = random.Random(seed)
    stop, kills = threading.Event(), []
    started = time.time()
    try:
        for server in servers:
            server.wait_ready(time.time() + 30)
        ports = [s.port for s in servers]
        thread = threading.Thread(target=killer, args=(servers, stop, kills, rng, min_kills), daemon=True)
        thread.start()
        with ThreadPoolExecutor(max_workers=24) as pool:
            futures = [pool.submit(vote, slug, code, ports, seed * 1000 + i) for i, code in enumerate(codes)]
            outcomes = [f.result(timeout=max(1, timeout - (time.time() - started))) for f in futures]
        stop.set()
        thread.join(5)
    finally:
        stop.set()
        for server in servers:
            server.stop()
        log.close()
    elapsed = time.time() - started
    acked = {t for o, t in outcomes if o == "acked" and t}
    report = check(url, acked, sum(1 for o, _ in outcomes if o == "already"))
    report |= {"db": db, "servers": n_servers, "workers_per_server": workers, "voters": voters,
               "kills": len(kills), "failed_voters": sum(1 for o, _ in outcomes if o == "failed"),
               "dropped_requests": DROPPED["requests"], "dropped_casts": DROPPED["casts"],
               "seconds": round(elapsed, 1)}
    report["ok"] = (report["lost"] == 0 and report["duplicated"] == 0 and report["marks_without_ballot"] == 0
                    and report["stored"] == report["used_codes"]
                    and report["stored"] == report["acknowledged"] + report["told_already_voted"]
                    and report["max_marks_per_credential"] <= 1 and report["audit_broken_at"] is None
                    and report["kills"] >= min_kills)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--voters", type=int, default=200)
    parser.add_argument("--kills", type=int, default=6, help="at least this many SIGKILLs")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers per server")
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    report = run(args.db, args.voters, args.kills, args.seed, args.timeout, args.workers)
    print("| " + " | ".join(report) + " |")
    print("|" + "---|" * len(report))
    print("| " + " | ".join(str(v) for v in report.values()) + " |")
    print(json.dumps(report), file=sys.stderr)
    sys.exit(0 if report["ok"] else 1)


if __name__ == "__main__":
    main()
