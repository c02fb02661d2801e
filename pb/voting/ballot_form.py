"""Read a ranked ballot from form fields `rank-<project id>` = "" or "1".."K".

This is the no-JavaScript ballot: one rank choice per project. The script only reorders the
same fields, so every submission, with or without JavaScript, is checked here the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from pb.errors import DomainError
from pb.security.text import whole_number

PREFIX = "rank-"


class BallotError(DomainError):
    """The submitted ranking cannot be read as a valid ballot; nothing was stored.

    `projects` names the projects whose rank field is wrong, so the ballot can point at them.
    """

    def __init__(self, message, *, projects: tuple[int, ...] = (), **params):
        super().__init__(message, **params)
        self.projects = projects


def submitted_ranks(form: Mapping[str, str], project_ids: set[int]) -> dict[int, str]:
    """What the voter chose for each project on this ballot, as typed, to show again after an error."""
    chosen = {}
    for name, value in form.items():
        project = whole_number(name.removeprefix(PREFIX))
        if name.startswith(PREFIX) and project in project_ids and value.strip():
            chosen[project] = value.strip()[:4]
    return chosen


def read_ranking(form: Mapping[str, str], project_ids: set[int], max_ranks: int) -> list[int]:
    """Project ids ordered by the ranks the voter chose, best first."""
    by_rank: dict[int, int] = {}
    for name, value in form.items():
        if not name.startswith(PREFIX) or not value.strip():
            continue
        project = whole_number(name.removeprefix(PREFIX))
        if project not in project_ids:
            raise BallotError(_l("Your ballot names a project that is not on this ballot."))
        rank = whole_number(value)
        if rank is None or not 1 <= rank <= max_ranks:
            raise BallotError(_l("Ranks go from 1 to %(k)d."), k=max_ranks, projects=(project,))
        if rank in by_rank:
            raise BallotError(_l("You gave rank %(rank)d to more than one project. Give each rank to one project only."),
                              rank=rank, projects=(by_rank[rank], project))
        by_rank[rank] = project
    if not by_rank:
        raise BallotError(_l("Rank at least one project."))
    for expected in range(1, len(by_rank) + 1):
        if expected not in by_rank:
            after = tuple(by_rank[r] for r in sorted(by_rank) if r > expected)
            raise BallotError(_l("Your ranks skip number %(rank)d. Use 1, 2, 3… without gaps."),
                              rank=expected, projects=after)
    return [by_rank[r] for r in sorted(by_rank)]
