"""Printed material in each of a cycle's languages: the paper ballot and access-code cards.

Each page is rendered in the language asked for (not the reader's interface language), so a
liaison can print a Spanish ballot from an English screen and no card text stays in English.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import force_locale
from sqlalchemy import select

from pb.accounts.access import roles
from pb.admin.codes import qr_data_uri
from pb.admin.views import bp
from pb.config import public_url
from pb.cycles.queries import get_cycle_or_404
from pb.db import db
from pb.enums import Phase, Role
from pb.i18n.content import Localized
from pb.i18n.locales import direction
from pb.kiosk.models import Site
from pb.proposals.queries import ballot_projects

PAPER_SIZES = ("letter", "a4")


def _language(cycle, asked: str | None) -> str:
    """One of the cycle's languages: the one asked for, or the cycle's own."""
    return asked if asked in cycle.locales else cycle.locale


def _paper(asked: str | None) -> str:
    return asked if asked in PAPER_SIZES else PAPER_SIZES[0]


def render_printed(template: str, cycle, lang: str, **context) -> str:
    """Render a print page wholly in `lang`: interface words, dates, money and content."""
    with force_locale(lang):
        return render_template(template, cycle=cycle, lang=lang, dir=direction(lang),
                               paper=_paper(request.args.get("paper")), **context)


@bp.get("/cycles/<slug>/paper-ballot")
@roles(Role.staff, Role.liaison)
def paper_ballot(slug: str):
    """A printable ranked paper ballot, numbered in the order typists see at paper entry."""
    cycle = get_cycle_or_404(slug, include_draft=True)
    lang = _language(cycle, request.args.get("lang"))
    projects = ballot_projects(cycle)
    sites = db.session.scalars(select(Site).filter_by(cycle_id=cycle.id).order_by(Site.name)).all()
    return render_printed("admin/paper_ballot.html", cycle, lang, projects=projects, sites=sites,
                          tr=Localized([cycle, *projects], lang), closes=cycle.starts_at(Phase.tallying),
                          total=sum(p.cost_cents for p in projects),
                          address=public_url("voting.start", slug=cycle.slug))


def code_sheet(cycle, codes: list[str], lang: str) -> str:
    """Cards for newly issued access codes, each with a QR code and a translated instruction."""
    sheet = [(code, qr_data_uri(cycle.slug, code)) for code in codes]
    return render_printed("admin/code_sheet.html", cycle, _language(cycle, lang), sheet=sheet,
                          tr=Localized([cycle], _language(cycle, lang)),
                          address=public_url("voting.start", slug=cycle.slug))
