"""Plain-language names of audit actions, for the public audit page (the log keeps the codes)."""

from flask_babel import lazy_gettext as _l

# i18n: each is a short description of something that happened, shown in the audit log.
ACTION_LABELS = {
    "ballot.freeze": _l("Ballot recorded as voting opened"),
    "box.seal": _l("Ballot box sealed"),
    "codes.issue": _l("Access codes printed"),
    "codes.void": _l("Access codes cancelled"),
    "comment.dismiss_reports": _l("Reports about a comment dismissed"),
    "comment.hide": _l("Comment hidden"),
    "comment.post": _l("Comment posted"),
    "comment.report": _l("Comment reported"),
    "comment.translate": _l("Comment translated"),
    "comment.unhide": _l("Comment shown again"),
    "cycle.advance": _l("Cycle moved to its next step"),
    "cycle.create": _l("Cycle created"),
    "cycle.credentials": _l("Ways to vote changed"),
    "cycle.paper_double_entry": _l("Rule for entering paper ballots twice changed"),
    "idea.project": _l("Idea joined a project"),
    "idea.review": _l("Idea reviewed"),
    "idea.submit": _l("Idea sent in"),
    "kiosk.abandon": _l("Unfinished ballot at a voting station thrown away"),
    "kiosk.close": _l("Voting station closed"),
    "kiosk.open": _l("Voting station opened"),
    "paper.close": _l("Paper ballots entered"),
    "paper.confirm": _l("Paper ballots checked by a second person"),
    "paper.open": _l("Paper ballot batch started"),
    "roll.decide": _l("Possible repeat voter checked"),
    "progress.post": _l("Progress report posted"),
    "progress.correct": _l("Progress report corrected"),
    "project.create": _l("Project created"),
    "project.draft": _l("Project taken off the ballot"),
    "project.ready": _l("Project put on the ballot"),
    "project.translate": _l("Project translated"),
    "project.update": _l("Project changed"),
    "settings.staff_totp": _l("Two-step sign-in rule for staff changed"),
    "site.add": _l("Voting site added"),
    "tally.publish": _l("Result published"),
    "tally.run": _l("Votes counted"),
    "translation.review": _l("Translation checked"),
    "translation.save": _l("Translation saved"),
    "user.create": _l("Account created"),
    "user.deactivate": _l("Account deactivated"),
    "user.invite": _l("Person invited"),
    "user.invite_resend": _l("Invitation sent again"),
    "user.password_set": _l("Password chosen from an emailed link"),
    "user.reactivate": _l("Account reactivated"),
    "user.role": _l("Role changed"),
    "user.sessions_end": _l("Account signed out everywhere"),
    "user.locked": _l("Account locked after failed sign-ins"),
    "user.totp_off": _l("Sign-in code turned off"),
    "user.totp_on": _l("Sign-in code turned on"),
    "user.totp_reset": _l("Sign-in code reset"),
}


def action_label(action: str) -> str:
    """The plain name of an action, or its code when it has none yet."""
    return str(ACTION_LABELS.get(action, action))


# i18n: the kind of thing an audit event is about.
OBJECT_LABELS = {
    "Comment": _l("Comment"),
    "Cycle": _l("Cycle"),
    "Idea": _l("Idea"),
    "KioskSession": _l("Voting station"),
    "PaperBatch": _l("Paper ballot batch"),
    "Project": _l("Project"),
    "Site": _l("Voting site"),
    "User": _l("Account"),
}

# i18n: who did something, in the audit log.
ROLE_LABELS = {
    "liaison": _l("Community liaison"),
    "observer": _l("Observer"),
    "resident": _l("Resident"),
    "staff": _l("Staff"),
    "system": _l("System"),
}
