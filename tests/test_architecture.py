"""The shape of the code: a web-free counting core, services that never commit, all blueprints."""

import ast
import subprocess
import sys
from pathlib import Path

PB = Path(__file__).resolve().parents[1] / "pb"


def test_tally_imports_no_web_or_database_code():
    """pb.tally imports neither Flask nor SQLAlchemy, even indirectly."""
    code = ("import sys, pb.tally, pb.tally.cli; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_services_never_commit():
    """Services flush; only views and CLI commands commit, so change and audit commit together."""
    offenders = []
    for path in PB.rglob("*services.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("commit", "rollback"):
                offenders.append(f"{path.relative_to(PB)}:{node.lineno}")
    assert offenders == []


def test_every_blueprint_is_registered(app):
    """Every blueprint a views module defines is part of the app."""
    import importlib

    modules = [".".join(p.relative_to(PB.parent).with_suffix("").parts) for p in PB.rglob("*views.py")]
    blueprints = [getattr(importlib.import_module(m), "bp", None) for m in modules]
    missing = [m for m, bp in zip(modules, blueprints, strict=True) if bp is not None
               and bp not in app.blueprints.values()]
    assert missing == []
