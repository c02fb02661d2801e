"""Deliberation: comments on ideas and projects, in the writer's language."""
