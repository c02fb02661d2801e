"""The registry of counting rules: name -> callable(profile or contest, Options) -> Outcome.

Every rule has the same interface, so the web app, the CLI and the tests pick one by name.
A rule's module is imported when the rule first runs, so a count loads only its own rule
(the stand-alone counter starts faster).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from pb.tally.rules.base import Options, Outcome

Rule = Callable[[Any, Options], Outcome]


def _rule(module: str, function: str) -> Rule:
    """`pb.tally.rules.<module>.<function>`, imported on its first call."""

    def run(election: Any, options: Options) -> Outcome:
        rule: Rule = getattr(import_module(f"pb.tally.rules.{module}"), function)
        return rule(election, options)

    run.__name__ = run.__qualname__ = function
    return run


RULES: dict[str, Rule] = {
    "greedy": _rule("greedy", "run_greedy"),
    "equal-shares": _rule("equal_shares", "run_equal_shares"),
    "ear": _rule("ear", "run_ear"),
    "irv": _rule("rcv", "run_irv"),
    "stv": _rule("rcv", "run_stv"),
}

RCV_RULES = frozenset({"irv", "stv"})

__all__ = ["RULES", "RCV_RULES", "Options", "Outcome", "Rule"]
