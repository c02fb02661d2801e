"""Voting: the voter roll, credentials, exactly-once casting and secret ballots."""
