"""The one commit point of a web request.

Services check, change, flush and write their audit event; they never commit. A view wraps
the state change it asks for in `with transaction():` (or hands it to `run_action`), so the
change and its audit record commit together or not at all, and work that must only follow a
real commit (maintenance such as VACUUM, mail that cannot be taken back) runs after it.
The CLI commits through the same context manager.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import flash, g, redirect
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from pb.db import db
from pb.errors import DomainError


class Conflict(DomainError):
    """Two people (or two clicks) made the same change at the same moment; one of them lost."""


CONFLICT = _l("Someone else made the same change at the same moment, so nothing was changed. "
              "Please reload the page and check.")


def after_commit(job: Callable[[], Any]) -> None:
    """Run `job` once the current transaction has committed (never if it rolls back)."""
    g.setdefault("after_commit", []).append(job)


@contextmanager
def transaction() -> Iterator[None]:
    """Commit what the block changed, or roll all of it back.

    A unique-key race lost to a parallel request (the database's last line of defence) ends
    as a `Conflict` with a clear message on every database, never as an error page.
    """
    try:
        yield
        db.session.commit()
    except IntegrityError:
        _rollback()
        raise Conflict(CONFLICT) from None
    except BaseException:
        _rollback()
        raise
    for job in g.pop("after_commit", []):
        job()


def _rollback() -> None:
    db.session.rollback()
    g.pop("after_commit", None)


def run_action(change: Callable[[], Any], *, then: str,
               success: str | Callable[[Any], str] | None = None,
               refused: Callable[[DomainError], Any] | None = None):
    """Run one state change as the request's transaction, flash the outcome, redirect to `then`.

    On a `DomainError` nothing is changed and its translated message is flashed instead; or,
    given `refused`, `refused(error)` answers (say, the form's page again with the error on it).
    """
    try:
        with transaction():
            result = change()
    except DomainError as error:
        if refused is not None:
            return refused(error)
        flash(str(error), "error")
    else:
        message = success(result) if callable(success) else success
        if message:
            flash(message, "success")
    return redirect(then)
