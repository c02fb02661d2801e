"""Shared fixtures for the counting-engine tests (no Flask, no app)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from pb.tally.formats.pabulib import PbFile, read_pb


def _conformance_dir() -> Path:
    """The team's shared conformance data: $PB_CONFORMANCE, else ../shared/conformance next to
    the checkout, else the workplace copy at /work/shared/conformance."""
    candidates = [os.environ.get("PB_CONFORMANCE", ""),
                  Path(__file__).resolve().parents[2].parent / "shared" / "conformance",
                  "/work/shared/conformance"]
    return next((Path(c) for c in candidates if c and Path(c).is_dir()), Path(candidates[1]))


CONFORMANCE = _conformance_dir()


def require(path: Path) -> Path:
    """Skip the test when the shared conformance data is not checked out."""
    if not path.exists():
        pytest.skip(f"conformance data missing: {path}")
    return path


@functools.cache
def pb_file(path: str) -> PbFile:
    """Parse a .pb file once per test session."""
    return read_pb(path)
