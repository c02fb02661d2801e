"""Domain errors: services raise them, views show their (translated) message."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the action; nothing was changed.

    `message` is a lazy gettext string, translated when the view displays it.
    """

    def __init__(self, message, **params):
        super().__init__(str(message))
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


class NotAllowed(DomainError):
    """The actor may not do this."""


class WrongPhase(DomainError):
    """The cycle's current phase does not allow this."""
