"""Plain-language names of audit actions, for the public audit page (the log keeps the codes)."""

from flask_babel import lazy_gettext as _l

# i18n: each is a short description of something that happened, shown in the audit log.
ACTION_LABELS = {
    "area.add": _l("Area added"),
    "area.rename": _l("Area renamed"),
    "area.retire": _l("Area retired"),
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
    "cycle.live_turnout": _l("Live turnout for staff turned on or off"),
    "cycle.paper_double_entry": _l("Rule for entering paper ballots twice changed"),
    "cycle.update": _l("Cycle settings changed"),
    "grant.terms": _l("Grant terms written down"),
    "idea.edit": _l("Idea changed by its author"),
    "idea.project": _l("Idea joined a project"),
    "idea.review": _l("Idea reviewed"),
    "idea.submit": _l("Idea sent in"),
    "idea.support": _l("Idea supported"),
    "idea.unsupport": _l("Support for an idea taken back"),
    "idea.withdraw": _l("Idea withdrawn by its author"),
    "kiosk.abandon": _l("Unfinished ballot at a voting station thrown away"),
    "kiosk.close": _l("Voting station closed"),
    "kiosk.open": _l("Voting station opened"),
    "paper.close": _l("Paper ballots entered"),
    "paper.confirm": _l("Paper ballots checked by a second person"),
    "paper.open": _l("Paper ballot batch started"),
    "population.import": _l("Population figures loaded from a file"),
    "population.set": _l("Population figures changed"),
    "progress.correct": _l("Progress report corrected"),
    "progress.post": _l("Progress report posted"),
    "project.create": _l("Project created"),
    "project.draft": _l("Project taken off the ballot"),
    "project.ready": _l("Project put on the ballot"),
    "project.translate": _l("Project translated"),
    "project.update": _l("Project changed"),
    "roll.decide": _l("Possible repeat voter checked"),
    "settings.staff_totp": _l("Two-step sign-in rule for staff changed"),
    "site.add": _l("Voting site added"),
    "survey.batch_close": _l("Paper surveys entered"),
    "survey.batch_open": _l("Paper survey batch started"),
    "survey.question_add": _l("Survey question added"),
    "survey.question_edit": _l("Survey question changed"),
    "survey.question_remove": _l("Survey question removed"),
    "survey.seal": _l("Survey answers sealed"),
    "tally.publish": _l("Result published"),
    "tally.run": _l("Votes counted"),
    "translation.review": _l("Translation checked"),
    "translation.save": _l("Translation saved"),
    "user.create": _l("Account created"),
    "user.deactivate": _l("Account deactivated"),
    "user.delete": _l("Account deleted"),
    "user.email_change": _l("Email address changed"),
    "user.invite": _l("Person invited"),
    "user.invite_resend": _l("Invitation sent again"),
    "user.locked": _l("Account locked after failed sign-ins"),
    "user.password_set": _l("Password chosen from an emailed link"),
    "user.reactivate": _l("Account reactivated"),
    "user.role": _l("Role changed"),
    "user.sessions_end": _l("Account signed out everywhere"),
    "user.signup": _l("Resident signed up"),
    "user.totp_off": _l("Sign-in code turned off"),
    "user.totp_on": _l("Sign-in code turned on"),
    "user.totp_reset": _l("Sign-in code reset"),
    "user.verify": _l("Email address confirmed"),
}


def action_label(action: str) -> str:
    """The plain name of an action, or its code when it has none yet."""
    return str(ACTION_LABELS.get(action, action))


# i18n: the kind of thing an audit event is about.
OBJECT_LABELS = {
    "Area": _l("Area"),
    "Comment": _l("Comment"),
    "Cycle": _l("Cycle"),
    "Idea": _l("Idea"),
    "KioskSession": _l("Voting station"),
    "PaperBatch": _l("Paper ballot batch"),
    "ProgressUpdate": _l("Progress report"),
    "Project": _l("Project"),
    "Site": _l("Voting site"),
    "SurveyBatch": _l("Paper survey batch"),
    "SurveyQuestion": _l("Survey question"),
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
