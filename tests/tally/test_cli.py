"""The `tally` command (click), without Flask or a database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pb.tally.cli import tally_command

from .conftest import CONFORMANCE, require

KRAKOW = CONFORMANCE / "pabulib-ordinal" / "Poland_Krakow_2022_Czyzyny.pb"


def test_prints_winners_and_digests_and_writes_json(tmp_path: Path) -> None:
    """The command prints the winners and both digests; --json has the documented keys."""
    out = tmp_path / "r.json"
    result = CliRunner().invoke(tally_command, [
        str(require(KRAKOW)), "--rule", "greedy", "--points", "length",
        "--tie-break", "max-higher-ranks", "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    for key in ("rule", "winners", "spent", "budget", "rounds", "input_sha256", "result_sha256"):
        assert key in data
    assert all(isinstance(w, str) for w in data["winners"])
    assert f"input sha256: {data['input_sha256']}" in result.output
    assert f"result sha256: {data['result_sha256']}" in result.output
    assert "26" in data["winners"]


def test_unresolved_tie_exits_non_zero() -> None:
    """Without a tie-break a decisive tie is printed and the exit code is 3."""
    result = CliRunner().invoke(tally_command, [str(require(KRAKOW)), "--rule", "greedy",
                                                "--points", "length"])
    assert result.exit_code == 3
    assert "UNRESOLVED TIE between 24, 26" in result.output


def test_rctab_case_and_malformed_file(tmp_path: Path) -> None:
    """An RCTab case directory counts with its rules; a malformed file is a clean error."""
    case = require(CONFORMANCE / "rctab" / "minneapolis_multi_seat_threshold")
    ok = CliRunner().invoke(tally_command, [str(case), "--rule", "stv"])
    assert ok.exit_code == 0 and "rctab:useCandidateOrder" in ok.output
    bad = tmp_path / "bad.pb"
    bad.write_text("META\nkey;value\nbudget;x\n")
    err = CliRunner().invoke(tally_command, [str(bad), "--rule", "greedy"])
    assert err.exit_code == 1 and "missing section" in err.output


def test_python_dash_m_works() -> None:
    """`python -m pb.tally` runs the same command."""
    run = subprocess.run([sys.executable, "-m", "pb.tally", str(require(KRAKOW)), "--rule",
                          "equal-shares", "--tie-break", "lexicographic"],
                         capture_output=True, text=True, check=False, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "result sha256:" in run.stdout


def test_python_dash_m_keeps_exit_codes_and_output(tmp_path: Path) -> None:
    """`python -m pb.tally` (which ends without the interpreter's teardown) still prints
    everything and exits 3 on an unresolved tie, 1 on bad input, 2 on a bad option."""
    bad = tmp_path / "bad.pb"
    bad.write_text("META\nkey;value\nbudget;x\n")
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    runs = {argv[0]: subprocess.run([sys.executable, "-m", "pb.tally", *argv[1:]], env=buffered,
                                    capture_output=True, text=True, check=False, timeout=60)
            for argv in (["tie", str(require(KRAKOW)), "--rule", "greedy", "--points", "length"],
                         ["bad", str(bad), "--rule", "greedy"],
                         ["usage", str(bad), "--rule", "nonsense"])}
    assert runs["tie"].returncode == 3 and "UNRESOLVED TIE between 24, 26" in runs["tie"].stdout
    assert runs["tie"].stdout.endswith("\n") and "result sha256:" in runs["tie"].stdout
    assert runs["bad"].returncode == 1 and "missing section" in runs["bad"].stderr
    assert runs["usage"].returncode == 2 and "nonsense" in runs["usage"].stderr


def test_engine_imports_no_web_framework() -> None:
    """Importing pb.tally and its CLI loads neither Flask nor SQLAlchemy."""
    code = ("import sys, pb.tally, pb.tally.cli; "
            "assert not {'flask', 'sqlalchemy'} & set(sys.modules), 'web import'")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False, timeout=60)
    assert run.returncode == 0, run.stderr


def test_compat_option_reaches_the_ear_rule(tmp_path: Path) -> None:
    """--compat pabutools counts pabutools' variant and records it in the JSON options."""
    from pb.tally import Election, Project
    from pb.tally.formats.pabulib import write_pb

    path = tmp_path / "ear.pb"
    write_pb(Election((Project("a", 7), Project("b", 2), Project("c", 3), Project("d", 2)), 9,
                      (("d", "c", "a"), ("a",))), path)
    out = tmp_path / "r.json"
    exact = CliRunner().invoke(tally_command, [str(path), "--rule", "ear"])
    compat = CliRunner().invoke(tally_command, [str(path), "--rule", "ear", "--compat",
                                                "pabutools", "--json", str(out)])
    assert "1. d\n  2. a\n" in exact.output
    assert "1. d\n  2. c\n" in compat.output
    assert json.loads(out.read_text())["options"] == {"compat": "pabutools"}


def test_option_choices_match_the_engine() -> None:
    """The literal choices of the command (kept literal for a fast start) are the engine's."""
    from pb.tally.cli import COMPAT_NAMES, COMPLETION_NAMES, POINT_NAMES, RULE_NAMES
    from pb.tally.rules import RULES
    from pb.tally.rules.base import COMPATS, COMPLETIONS, POINTS

    assert (RULE_NAMES, POINT_NAMES, COMPLETION_NAMES, COMPAT_NAMES) == (
        tuple(RULES), POINTS, COMPLETIONS, COMPATS)


def test_main_runs_without_flask_and_shows_no_progress_bar_off_a_terminal() -> None:
    """`main(argv)` counts in a process that never imports Flask; stderr (a pipe) stays empty."""
    code = ("import sys; from pb.tally.cli import main\n"
            "try:\n    main(sys.argv[1:], prog_name='flask pb tally')\n"
            "finally:\n    assert 'flask' not in sys.modules and 'sqlalchemy' not in sys.modules")
    run = subprocess.run([sys.executable, "-c", code, str(require(KRAKOW)), "--rule", "greedy",
                          "--points", "length", "--tie-break", "max-higher-ranks"],
                         capture_output=True, text=True, check=False, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "result sha256:" in run.stdout and run.stderr == ""
