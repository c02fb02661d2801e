"""Shared fixtures for the counting-engine tests (no Flask, no app).

Conformance data: by default the small subset vendored in tests/data/conformance-subset.tar.xz
(a few Kraków and pabulib-ordinal files, equalshares.net and pabutools cases, six RCTab cases,
with their expected results), unpacked once into the temporary directory, so a fresh clone
always runs the conformance tests. The full set is opt-in: PB_CONFORMANCE=<dir> (e.g.
../shared/conformance); tests over it are marked `slow`. Missing data fails a test, never
skips it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tarfile
import tempfile
from pathlib import Path

import pytest

from pb.tally.formats.pabulib import PbFile, read_pb

DATA = Path(__file__).resolve().parents[1] / "data"
SUBSET = DATA / "conformance-subset.tar.xz"
FULL = bool(os.environ.get("PB_CONFORMANCE"))


def _unpack_subset() -> Path:
    """The vendored subset, unpacked once per archive version (content-addressed)."""
    digest = hashlib.sha256(SUBSET.read_bytes()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"pb-conformance-subset-{digest}"
    if not (target / ".complete").exists():
        staging = Path(tempfile.mkdtemp(prefix="pb-conformance-"))
        with tarfile.open(SUBSET) as tar:
            tar.extractall(staging, filter="data")
        (staging / ".complete").write_text(digest)
        try:
            staging.rename(target)
        except OSError:  # another process unpacked it first
            pass
    return target


def _conformance_dir() -> Path:
    """$PB_CONFORMANCE (the full set) when set, else the vendored subset."""
    if FULL:
        return Path(os.environ["PB_CONFORMANCE"])
    return _unpack_subset()


CONFORMANCE = _conformance_dir()

def require(path: Path) -> Path:
    """Fail (never skip) when conformance data a test needs is missing."""
    if not path.exists():
        pytest.fail(f"conformance data missing: {path} (PB_CONFORMANCE="
                    f"{os.environ.get('PB_CONFORMANCE', '<unset: vendored subset>')})")
    return path


def nonempty(items: list[str], what: str) -> list[str]:
    """Parametrize values that must exist: an empty list becomes one case whose data is
    missing, so `require` fails it (pytest would skip an empty parameter set)."""
    return items if items else [f"MISSING-{what}"]


@functools.cache
def pb_file(path: str) -> PbFile:
    """Parse a .pb file once per test session."""
    return read_pb(path)
