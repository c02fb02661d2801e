"""`python -m pb.tally FILE --rule ...`: the `tally` command without Flask."""

from pb.tally.cli import tally_command

if __name__ == "__main__":
    tally_command(prog_name="python -m pb.tally")
