"""Translated names for project and progress states, shown on idea and review pages."""

from flask_babel import lazy_gettext as _l

from pb.enums import Channel, ProgressStatus, ProjectStatus

PROJECT_STATUS_NAMES = {
    ProjectStatus.draft: _l("In development"),
    ProjectStatus.ready: _l("Ready for the ballot"),
}

PROGRESS_NAMES = {
    ProgressStatus.planning: _l("Planning"),
    ProgressStatus.in_progress: _l("In progress"),
    ProgressStatus.done: _l("Done"),
    ProgressStatus.stalled: _l("Stalled"),
}

SHARED_VIA = {
    Channel.online: _l("Shared online"),
    Channel.paper: _l("Shared on a paper form, entered by a community liaison"),
    Channel.kiosk: _l("Shared at a kiosk with a community liaison"),
}


def template_names() -> dict:
    return {"PROJECT_STATUS_NAMES": PROJECT_STATUS_NAMES, "PROGRESS_NAMES": PROGRESS_NAMES,
            "SHARED_VIA": SHARED_VIA}
