"""The registry of counting rules: name -> callable(profile or contest, Options) -> Outcome.

Every rule has the same interface, so the web app, the CLI and the tests pick one by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pb.tally.rules.base import Options, Outcome
from pb.tally.rules.ear import run_ear
from pb.tally.rules.equal_shares import run_equal_shares
from pb.tally.rules.greedy import run_greedy
from pb.tally.rules.rcv import run_irv, run_stv

Rule = Callable[[Any, Options], Outcome]

RULES: dict[str, Rule] = {
    "greedy": run_greedy,
    "equal-shares": run_equal_shares,
    "ear": run_ear,
    "irv": run_irv,
    "stv": run_stv,
}

RCV_RULES = frozenset({"irv", "stv"})

__all__ = ["RULES", "RCV_RULES", "Options", "Outcome", "Rule"]
