"""Results: tally snapshots, publication and implementation progress."""
