"""The shape of the code: a web-free counting core, one commit point, domains that import
downward only (the layers are listed in docs/ARCHITECTURE.md), every blueprint registered."""

import ast
import subprocess
import sys
from pathlib import Path

PB = Path(__file__).resolve().parents[1] / "pb"

# Lowest first. A module may import from its own package and from packages in lower layers.
# Blueprints (views.py, staff_views.py) form the web layer above every domain: they compose
# pages from any domain's queries and services, and nothing below them imports a blueprint.
LAYERS = [
    {"__init__", "tally"},
    {"clock"},
    {"config", "db", "errors", "enums", "extensions", "forms", "fragments", "urls", "transaction", "migrate"},
    {"security", "mail"},
    {"outbox"},
    {"audit"},
    {"accounts"},
    {"i18n"},
    {"notifications"},
    {"cycles"},
    {"proposals"},
    {"deliberation"},
    {"translations"},
    {"voting"},
    {"kiosk"},
    {"survey"},
    {"results"},
    {"lifecycle"},
    {"residents"},
    {"admin"},
    {"models", "health", "web", "pagecache", "factory", "cli"},
]
WEB_LAYER = ("views", "staff_views")
# Modules that may commit: the one commit point, and the rate limiter, whose counters use
# their own short transaction so that a refused request still counts.
COMMITTERS = {"transaction.py", "security/ratelimit.py"}


def _modules():
    for path in sorted(PB.rglob("*.py")):
        parts = path.relative_to(PB).with_suffix("").parts
        if parts[0] != "migrations":
            yield path, parts


def _pb_imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pb."):
            yield node, node.module.split(".")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pb."):
                    yield node, alias.name.split(".")


def _layer(package: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if package in names)


def test_tally_imports_no_web_or_database_code():
    """pb.tally imports neither Flask nor SQLAlchemy, even indirectly."""
    code = ("import sys, pb.tally, pb.tally.cli; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_the_transaction_module_commits():
    """Services, queries, views and helpers never commit, so a change and its audit event
    commit together; views and the CLI commit through pb.transaction."""
    offenders = []
    for path, _parts in _modules():
        if str(path.relative_to(PB)) in COMMITTERS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "commit":
                offenders.append(f"{path.relative_to(PB)}:{node.lineno}")
    assert offenders == [], "\n".join(offenders)


def test_services_never_roll_back():
    """Only the commit point and the error handlers roll back (services raise instead)."""
    offenders = []
    for path, parts in _modules():
        if parts[-1] in ("transaction", "web") or str(path.relative_to(PB)) in COMMITTERS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "rollback":
                offenders.append(f"{path.relative_to(PB)}:{node.lineno}")
    assert offenders == [], "\n".join(offenders)


def test_every_package_is_in_a_layer():
    """A new package must be placed in the layer list before it can be imported."""
    packages = {parts[0] for _path, parts in _modules()} - {"__init__", "__main__"}
    assert packages - set().union(*LAYERS) == set()


def test_domains_import_downward_only():
    """No module imports from a higher layer; no domain module imports a blueprint."""
    offenders = []
    for path, parts in _modules():
        here = _layer(parts[0])
        web = parts[-1] in WEB_LAYER or len(parts) == 1 and parts[0] in LAYERS[-1]
        for node, target in _pb_imports(ast.parse(path.read_text())):
            if target[1] == parts[0]:
                continue
            upward = not web and _layer(target[1]) > here
            into_blueprint = target[-1] in WEB_LAYER and parts[0] != "factory"
            if upward or into_blueprint:
                offenders.append(f"{path.relative_to(PB)}:{node.lineno} imports {'.'.join(target)}")
    assert offenders == [], "\n".join(offenders)


def test_no_function_local_imports_without_a_reason():
    """Imports sit at the top of the module, where a reader sees a module's dependencies;
    an import inside a function needs a comment on its line saying why."""
    offenders = []
    for path, _parts in _modules():
        source = path.read_text()
        lines, tree = source.splitlines(), ast.parse(source)
        typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                       and getattr(block.test, "id", "") == "TYPE_CHECKING" for n in ast.walk(block)}
        for node, target in _pb_imports(tree):
            if node.col_offset > 0 and id(node) not in typing_only and "#" not in lines[node.lineno - 1]:
                offenders.append(f"{path.relative_to(PB)}:{node.lineno} {'.'.join(target)}")
    assert offenders == [], "\n".join(offenders)


def test_every_blueprint_is_registered(app):
    """Every blueprint a views module defines is part of the app."""
    import importlib

    modules = [".".join(p.relative_to(PB.parent).with_suffix("").parts) for p in PB.rglob("*views.py")]
    blueprints = [getattr(importlib.import_module(m), "bp", None) for m in modules]
    missing = [m for m, bp in zip(modules, blueprints, strict=True) if bp is not None
               and bp not in app.blueprints.values()]
    assert missing == []


def test_only_the_lifecycle_changes_a_cycles_phase():
    """`cycle.phase = ...` appears in pb/lifecycle only."""
    offenders = []
    for path, parts in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Attribute) and leaf.attr == "phase" and parts[0] != "lifecycle":
                        offenders.append(f"{path.relative_to(PB)}:{node.lineno}")
    assert offenders == [], "\n".join(offenders)


def test_one_clock():
    """Only pb/clock.py reads the system clock, so tests can freeze time for everything."""
    calls = ("date.today(", "time.time(", "datetime.now(", "datetime.utcnow(", "time.monotonic(")
    offenders = [f"{path.relative_to(PB)}:{n}" for path, parts in _modules() if parts != ("clock",)
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if any(call in line for call in calls)]
    assert offenders == [], "\n".join(offenders)
