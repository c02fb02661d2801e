"""GET /healthz: a tiny public liveness check (plain text, no database, no template).

Load balancers probe it, and the benchmarks in bench/ use it as the app's own hello-world
baseline, so page and casting throughput are stated as a ratio to it.
"""

from __future__ import annotations

from flask import Blueprint, Response

from pb.accounts.access import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz() -> Response:
    return Response("ok", mimetype="text/plain")
