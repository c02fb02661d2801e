"""Hearing back: what a resident follows, and the emails that tell them what became of their
ideas, the projects they follow and their comments (queued in pb.outbox, in their language)."""
