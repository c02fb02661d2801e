"""Build tests/data/conformance-subset.tar.xz: the part of the shared conformance data that
every clone carries, so the conformance tests never pass by finding nothing.

    .venv/bin/python tests/data/make_conformance_subset.py /work/shared/conformance

Same layout as the shared folder (README.md there describes the sources and licences; the
RCTab cases stay under MPL-2.0, LICENSE.html included). Reference JSON files are cut down
to the entries of the files kept; RCTab's index.json to the cases kept.
"""

from __future__ import annotations

import io
import json
import sys
import tarfile
from pathlib import Path

PB = [
    "pabulib-ordinal/Poland_Krakow_2019_Debniki.pb",
    "pabulib-ordinal/Poland_Krakow_2022_Czyzyny.pb",
    "pabulib-ordinal/Poland_Krakow_2024_Krowodrza.pb",
    "pabulib-ordinal/US_Stanford_Dataset_PB_Chicago_47th_Ward_2021_vote_rankings.pb",
    "pabulib-ordinal/Switzerland_Zurich_S5R.pb",
    "pabulib-ordinal/Worldwide_Mechanical_Turk_Ranking_value_3.pb",
    "equalshares/poland_wieliczka_2023_green-budget.pb",
    "equalshares/pb/hungary_budapest_2024.pb",
    "equalshares/pb_ordinal/synthetic_ordinal.pb",
    "equalshares/pb_ordinal/synthetic_ordinal_2.pb",
]
RCTAB = ["minneapolis_multi_seat_threshold", "excluded_test", "duplicate_test",
         "continue_until_two_with_batch_elimination_test", "tiebreak_seed_test",
         "test_set_multi_winner_fractional_threshold"]
KEPT_NAMES = {Path(p).name for p in PB}


def _keep(key: str) -> bool:
    """A reference entry about a kept file (keys name the file, or are Wieliczka's)."""
    name = key.split("::")[0].rsplit("/", 1)[-1]
    return name in KEPT_NAMES or "::" not in key and "/" not in key


def main() -> int:
    """Write the archive next to this script."""
    root = Path(sys.argv[1])
    out = Path(__file__).resolve().parent / "conformance-subset.tar.xz"
    with tarfile.open(out, "w:xz", preset=9) as tar:
        def add_bytes(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))

        add_bytes("README.md", (root / "README.md").read_bytes())
        for rel in PB:
            add_bytes(rel, (root / rel).read_bytes())
        for ref in sorted((root / "equalshares").glob("*.json")):
            data = {k: v for k, v in json.loads(ref.read_text()).items() if _keep(k)}
            add_bytes(f"equalshares/{ref.name}", json.dumps(data, indent=1).encode())
        for extra in ("LICENSE.html", "README.md"):
            add_bytes(f"rctab/{extra}", (root / "rctab" / extra).read_bytes())
        index = json.loads((root / "rctab" / "index.json").read_text())
        index["cases"] = [c for c in index["cases"] if c["case"] in RCTAB]
        add_bytes("rctab/index.json", json.dumps(index, indent=1).encode())
        for case in RCTAB:
            for f in sorted((root / "rctab" / case).iterdir()):
                add_bytes(f"rctab/{case}/{f.name}", f.read_bytes())
    print(f"{out}: {out.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
