"""Shared fixtures for the counting-engine tests (no Flask, no app)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from pb.tally.formats.pabulib import PbFile, read_pb

CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"


def require(path: Path) -> Path:
    """Skip the test when the shared conformance data is not checked out."""
    if not path.exists():
        pytest.skip(f"conformance data missing: {path}")
    return path


@functools.cache
def pb_file(path: str) -> PbFile:
    """Parse a .pb file once per test session."""
    return read_pb(path)
