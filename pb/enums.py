"""Enumerations shared by models, forms and templates."""

from enum import StrEnum


class Role(StrEnum):
    resident = "resident"
    liaison = "liaison"
    staff = "staff"
    observer = "observer"


class Phase(StrEnum):
    """A cycle's phases, in the order a cycle moves through them."""

    draft = "draft"
    ideas = "ideas"
    development = "development"
    voting = "voting"
    tallying = "tallying"
    results = "results"
    implementation = "implementation"

    @property
    def next(self) -> "Phase | None":
        order = list(Phase)
        i = order.index(self)
        return order[i + 1] if i + 1 < len(order) else None


class Channel(StrEnum):
    online = "online"
    kiosk = "kiosk"
    paper = "paper"


class IdeaStatus(StrEnum):
    submitted = "submitted"
    under_review = "under_review"
    advanced = "advanced"
    merged = "merged"
    not_eligible = "not_eligible"
    not_feasible = "not_feasible"
    withdrawn = "withdrawn"  # by its author, during idea collection


class ProjectStatus(StrEnum):
    draft = "draft"
    ready = "ready"


class TranslationStatus(StrEnum):
    original = "original"
    human = "human"
    reviewed = "reviewed"


class CodeStatus(StrEnum):
    unused = "unused"
    used = "used"
    voided = "voided"


class TallyStatus(StrEnum):
    provisional = "provisional"
    published = "published"
    superseded = "superseded"


class ProgressStatus(StrEnum):
    planning = "planning"
    in_progress = "in_progress"
    done = "done"
    stalled = "stalled"


CATEGORIES = ("housing", "food", "transport", "mental_health", "safety", "health_access", "other")
