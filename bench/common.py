"""Shared pieces of the HTTP benchmarks: a fresh database, gunicorn started and stopped by PID,
a small standard-library asyncio HTTP client, wrk, and percentile/RSS helpers.

Nothing here binds anything but 127.0.0.1, and every process started is stopped by its own PID.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
HOST = "127.0.0.1"
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---- databases ----------------------------------------------------------------------------

@contextlib.contextmanager
def temp_dir(prefix: str = "pbbench-") -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def postgres_server(sync_commit: str = "on") -> Iterator[str]:
    """A throwaway PostgreSQL on 127.0.0.1 (like .ci/with-postgres, but durable by default:
    fsync on; `sync_commit` is PostgreSQL's synchronous_commit). Yields a server URL without a
    database name; stopped by pg_ctl and deleted afterwards."""
    initdb = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))[-1]
    bindir = initdb.parent
    data = Path(tempfile.mkdtemp(prefix="pbbench-pg-", dir="/tmp"))
    port = free_port()
    as_pg: list[str] = []
    if os.getuid() == 0:  # PostgreSQL refuses to run as root
        if subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
        shutil.chown(data, "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    opts = (f"-h {HOST} -p {port} -k {data} -c synchronous_commit={sync_commit} "
            "-c max_connections=200 -c shared_buffers=128MB")
    try:
        subprocess.run([*as_pg, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                        "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"],
                       check=True, capture_output=True)
        subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"),
                        "-w", "-o", opts, "start"], check=True, capture_output=True)
        log(f"PostgreSQL on {HOST}:{port} (fsync on, synchronous_commit={sync_commit})")
        yield f"postgresql+psycopg://postgres@{HOST}:{port}"
    finally:
        subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def fresh_pg_database(server_url: str) -> str:
    """A new empty database on the server; returns its URL."""
    from sqlalchemy import create_engine, text

    name = "pbbench_" + secrets.token_hex(4)
    engine = create_engine(server_url + "/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{server_url}/{name}"


def bench_env(database_url: str, secret: str) -> dict[str, str]:
    """Production settings (secrets ≥ 32 chars): what a real deployment runs."""
    env = dict(os.environ)
    env.update(PB_ENV="production", PB_SECRET_KEY=secret, PB_VOTER_KEY_SECRET=secret[::-1],
               PB_DATABASE_URL=database_url, PB_PUBLIC_BASE_URL="https://vote.example.org")
    return env


def load_demo(env: dict[str, str]) -> None:
    """`flask --app app pb demo`: schema plus the two demo cycles."""
    # `pb demo` refuses production (its accounts share a public password); the throwaway
    # benchmark database is loaded in development mode and then served in production mode.
    out = subprocess.run([str(VENV_BIN / "flask"), "--app", "app", "pb", "demo"], cwd=ROOT,
                         env=env | {"PB_ENV": "development"}, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"demo load failed:\n{out.stdout}\n{out.stderr}")


def app_for(env: dict[str, str]):
    from pb.factory import create_app

    return create_app({"DATABASE_URL": env["PB_DATABASE_URL"], "SECRET_KEY": env["PB_SECRET_KEY"],
                       "VOTER_KEY_SECRET": env["PB_VOTER_KEY_SECRET"]})


def issue_codes(env: dict[str, str], slug: str, count: int) -> list[str]:
    """Single-use access codes for `count` simulated voters (pb.voting.services)."""
    from sqlalchemy import select

    from pb.cycles.models import Cycle
    from pb.db import db
    from pb.voting.services import issue_access_codes

    app = app_for(env)
    codes: list[str] = []
    with app.app_context():
        cycle = db.session.scalars(select(Cycle).filter_by(slug=slug)).one()
        while len(codes) < count:
            n = min(10_000, count - len(codes))
            codes += issue_access_codes(actor=None, cycle=cycle, count=n, batch=f"bench-{len(codes)}")
            db.session.commit()
        db.engine.dispose()
    return codes


# ---- gunicorn -----------------------------------------------------------------------------

@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    workers: int
    worker_class: str

    @property
    def pid(self) -> int:
        return self.proc.pid

    def worker_pids(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def worker_peak_rss_mb(self) -> list[float]:
        """VmHWM (peak resident set) of each worker, in MiB."""
        peaks = []
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                status = Path(f"/proc/{pid}/status").read_text()
                kb = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))
                peaks.append(kb / 1024)
        return peaks


def start_gunicorn(env: dict[str, str], *, workers: int = 2, worker_class: str = "sync",
                   threads: int = 1, port: int | None = None) -> Server:
    port = port or free_port()
    cmd = [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--worker-class", worker_class,
           "--bind", f"{HOST}:{port}", "--backlog", "2048", "--timeout", "60",
           "--log-level", "warning"]
    if worker_class == "gthread":
        cmd += ["--threads", str(threads)]
    proc = subprocess.Popen([*cmd, "app:app"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
    server = Server(proc, port, workers, worker_class)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        with contextlib.suppress(OSError):
            status, _, _ = asyncio.run(fetch(port, "GET", "/healthz"))
            if status == 200 and len(server.worker_pids()) >= workers:
                log(f"gunicorn pid {proc.pid} on {HOST}:{port}, {workers} {worker_class} workers")
                return server
        time.sleep(0.2)
    stop(server)
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def stop(server: Server) -> None:
    """Stop the gunicorn master we started, by its PID (it stops its own workers)."""
    if server.proc.poll() is None:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.proc.wait()
    log(f"gunicorn pid {server.pid} stopped")


# ---- a minimal HTTP/1.1 client (one connection per request, like wrk against sync workers) ---

class Jar(dict):
    """Cookies of one simulated browser."""

    def header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.items())

    def take(self, set_cookies: list[str]) -> None:
        for line in set_cookies:
            pair = line.split(";", 1)[0]
            name, _, value = pair.partition("=")
            expired = "max-age=0" in line.lower() or "expires=thu, 01 jan 1970" in line.lower()
            if expired or not value:
                self.pop(name.strip(), None)
            else:
                self[name.strip()] = value.strip()


async def fetch(port: int, method: str, path: str, *, form: dict | None = None,
                jar: Jar | None = None) -> tuple[int, dict[str, list[str]], bytes]:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        body = b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close",
                 "Accept-Language: en", "User-Agent: pb-bench"]
        if jar:
            lines.append(f"Cookie: {jar.header()}")
        if form is not None:
            from urllib.parse import urlencode

            body = urlencode(form).encode()
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    head, _, payload = raw.partition(b"\r\n\r\n")
    head_lines = head.decode("latin-1").split("\r\n")
    status = int(head_lines[0].split()[1])
    headers: dict[str, list[str]] = {}
    for line in head_lines[1:]:
        k, _, v = line.partition(":")
        headers.setdefault(k.strip().lower(), []).append(v.strip())
    if jar is not None:
        jar.take(headers.get("set-cookie", []))
    return status, headers, payload


# ---- statistics ---------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`, or NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, int(-(-q * len(ordered) // 100)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Stats:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def summary(self) -> dict:
        return {"requests": self.count, "errors": self.errors, "seconds": round(self.seconds, 2),
                "rps": round(self.rate, 1),
                **{f"p{q}_ms": round(percentile(self.latencies_ms, q), 1) for q in (50, 95, 99)}}


async def hello_python(port: int, concurrency: int, seconds: float) -> Stats:
    """GET /healthz for `seconds` with `concurrency` connections, from this same client."""
    stats = Stats()
    deadline = time.perf_counter() + seconds

    async def worker():
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                status, _, _ = await fetch(port, "GET", "/healthz")
                ok = status == 200
            except OSError:
                ok = False
            if ok:
                stats.latencies_ms.append((time.perf_counter() - t0) * 1000)
            else:
                stats.errors += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    stats.seconds = time.perf_counter() - start
    return stats


# ---- wrk ----------------------------------------------------------------------------------

WRK_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %d, "seconds": %f, "non2xx": %d, "connect": %d, '
    .. '"read": %d, "write": %d, "timeout": %d, "p50": %f, "p95": %f, "p99": %f}\\n',
    summary.requests, summary.duration / 1e6, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def wrk(port: int, path: str, *, seconds: int = 8, connections: int = 32, threads: int = 2) -> dict:
    """Run wrk against one path; requests/s, p50/p95/p99 (ms) and error counts."""
    exe = shutil.which("wrk")
    if exe is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_LUA)
        script = f.name
    try:
        out = subprocess.run([exe, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
                              "-s", script, "-H", "Accept-Language: en", f"http://{HOST}:{port}{path}"],
                             capture_output=True, text=True, timeout=seconds + 30)
    finally:
        os.unlink(script)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON "))
    data = json.loads(line[len("WRKJSON "):])
    # Errors: non-2xx/3xx answers and failed reads/writes/timeouts. Connect errors at the end of a
    # run against a sync server closing connections are counted too (none were seen).
    errors = data["non2xx"] + data["connect"] + data["read"] + data["write"] + data["timeout"]
    return {"requests": data["requests"], "seconds": round(data["seconds"], 2),
            "rps": round(data["requests"] / data["seconds"], 1), "errors": errors,
            "p50_ms": round(data["p50"], 1), "p95_ms": round(data["p95"], 1), "p99_ms": round(data["p99"], 1)}


def self_peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
