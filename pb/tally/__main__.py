"""`python -m pb.tally FILE --rule ...`: the `tally` command without Flask."""

from pb.tally.cli import main

if __name__ == "__main__":
    main()
