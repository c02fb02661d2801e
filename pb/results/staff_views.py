"""Staff write down the terms of a funded project's restricted grant, for the community-benefit
record (routes on the results blueprint)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.accounts.access import roles
from pb.db import db
from pb.enums import Role
from pb.errors import DomainError
from pb.proposals.models import Project
from pb.results import services
from pb.results.forms import GrantTermsForm
from pb.results.views import bp
from pb.transaction import transaction


@bp.route("/admin/projects/<id:project_id>/grant", methods=["GET", "POST"])
@roles(Role.staff)
def grant_terms(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    terms = services.grant_terms([project]).get(project.id)
    form = GrantTermsForm(obj=terms)
    if form.validate_on_submit():
        try:
            with transaction():
                services.set_grant_terms(actor=current_user, project=project, grantee=form.grantee.data or "",
                                         restriction=form.restriction.data or "", objectives=form.objectives.data or "",
                                         persons_served=form.persons_served.data)
            flash(_("The grant terms are saved."), "success")
            return redirect(url_for("survey.record", slug=project.cycle.slug, _anchor=f"grant-{project.id}"))
        except DomainError as error:
            form.form_errors.append(str(error))
    return render_template("results/grant.html", project=project, form=form), 400 if form.errors else 200
