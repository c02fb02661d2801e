"""Errors raised by the counting engine."""


class TallyError(ValueError):
    """Bad input for a count: unknown project, duplicate rank, malformed file, bad option."""


class UnresolvedTie(TallyError):  # noqa: N818 - reads better at call sites than ...Error
    """Raised internally when a tie decides the outcome and no policy may break it."""

    def __init__(self, tied: tuple[str, ...], context: str) -> None:
        super().__init__(f"unresolved tie between {', '.join(tied)} ({context})")
        self.tied = tied
        self.context = context
