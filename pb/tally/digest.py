"""Canonical JSON and SHA-256 digests of inputs and results.

Canonical JSON: keys sorted, no insignificant whitespace, UTF-8. The input digest covers
the compressed profile (projects sorted by id, distinct ballots sorted, with counts), so it
does not depend on the order of ballots or projects in a file.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(data: Any) -> bytes:
    """Serialise `data` canonically (sorted keys, compact separators, UTF-8)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_of(data: Any) -> str:
    """Hex SHA-256 of the canonical JSON of `data`."""
    return hashlib.sha256(canonical_json(data)).hexdigest()
