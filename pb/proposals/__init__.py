"""Proposals: residents' ideas, their public review, and costed ballot projects."""
