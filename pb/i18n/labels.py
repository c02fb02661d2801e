"""The one registry of translated names for phases, statuses, channels and categories.

Every page, form, email and export takes its labels from here (templates see them as globals).
"""

from pb.enums import Channel, IdeaStatus, Phase, ProgressStatus, ProjectStatus
from pb.i18n.catalog import lazy_gettext as _l

PHASE_NAMES = {
    Phase.draft: _l("Draft"),
    Phase.ideas: _l("Idea collection"),
    Phase.development: _l("Proposal development"),
    Phase.voting: _l("Voting"),
    Phase.tallying: _l("Counting"),
    Phase.results: _l("Results published"),
    Phase.implementation: _l("Implementation"),
}

PHASE_NOW = {
    Phase.draft: _l("This cycle is being prepared."),
    Phase.ideas: _l("Share your ideas for how this money should be spent."),
    Phase.development: _l("Staff and volunteers are turning ideas into costed projects."),
    Phase.voting: _l("Rank the projects you want funded."),
    Phase.tallying: _l("Voting has closed. The votes are being counted."),
    Phase.results: _l("The results are published. See what was funded."),
    Phase.implementation: _l("Funded projects are being built. Follow their progress."),
}

IDEA_STATUS_NAMES = {
    IdeaStatus.submitted: _l("Submitted"),
    IdeaStatus.under_review: _l("Under review"),
    IdeaStatus.advanced: _l("Advanced to project development"),
    IdeaStatus.merged: _l("Merged with another idea"),
    IdeaStatus.not_eligible: _l("Not eligible"),
    IdeaStatus.not_feasible: _l("Not feasible"),
    # i18n: the author took the idea back
    IdeaStatus.withdrawn: _l("Withdrawn by its author"),
}

CATEGORY_NAMES = {
    "housing": _l("Housing"),
    "food": _l("Food"),
    "transport": _l("Transport"),
    "mental_health": _l("Mental health"),
    "safety": _l("Safety"),
    "health_access": _l("Access to care"),
    "other": _l("Other"),
}


PROGRESS_NAMES = {
    ProgressStatus.planning: _l("Planning"),
    ProgressStatus.in_progress: _l("In progress"),
    ProgressStatus.done: _l("Done"),
    ProgressStatus.stalled: _l("Delayed"),
}

PROJECT_STATUS_NAMES = {
    ProjectStatus.draft: _l("In development"),
    ProjectStatus.ready: _l("Ready for the ballot"),
}

CHANNEL_LABELS = {
    Channel.online: _l("Online"),
    Channel.kiosk: _l("Kiosk"),
    Channel.paper: _l("Paper"),
}

# "Someone with these details already voted ..." (completes a sentence).
VOTED_VIA = {
    Channel.online: _l("online"),
    Channel.kiosk: _l("at a kiosk"),
    Channel.paper: _l("on paper"),
}

SHARED_VIA = {
    Channel.online: _l("Shared online"),
    Channel.paper: _l("Shared on a paper form, entered by a community liaison"),
    Channel.kiosk: _l("Shared at a kiosk with a community liaison"),
}


def phase_name(phase: Phase) -> str:
    return str(PHASE_NAMES[phase])
