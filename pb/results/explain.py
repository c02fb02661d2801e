"""Plain-language, translated sentences for the counting engine's round events."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from pb.i18n.filters import money

FUNDED = "funded"
SKIPPED = "skipped_too_expensive"
TIE = "tie_unresolved"

# i18n: the counting rules by the names residents read on the results page (no code names)
RULE_NAMES = {"greedy": _l("Most points first, while the money lasts"),
              "equal-shares": _l("Method of Equal Shares"),
              "ear": _l("Expanding approvals"),
              "irv": _l("Instant runoff"),
              "stv": _l("Single transferable vote")}
RULE_HOW = {
    "greedy": _l("Each ballot gives points to the projects it ranks: a first choice gets the most. "
                 "Projects are funded from the most points down, as long as the money left covers the cost."),
    "equal-shares": _l("The budget is split into equal shares, one for each voter. A project is funded when "
                       "the voters who ranked it can pay for it together from their shares. Each time, the "
                       "project that costs its voters the least for each point they gave it goes first. So a "
                       "group that is a fifth of the voters decides about a fifth of the money."),
    "ear": _l("Each voter holds an equal share of the budget. The count looks first at voters' top choices, "
              "then goes down their rankings, and funds a project as soon as the voters who ranked it high "
              "enough hold enough money together to pay for it. So a group that is a fifth of the voters "
              "decides about a fifth of the money."),
    "irv": _l("The choice with the fewest first choices is taken out, and those ballots move to their next "
              "choice. This repeats until one choice has more than half of the ballots."),
    "stv": _l("A choice that reaches the needed number of votes is elected. Votes it did not need, and votes "
              "for the choice taken out with the fewest, move to each voter's next choice."),
}


def explain(event: dict, *, names: dict[str, str], to_cents, currency: str) -> str:
    """One sentence for one event; `to_cents` converts the result's money scale to cents."""
    key, params = event["key"], event.get("params", {})
    name = names.get(str(params.get("project", params.get("candidate", ""))), params.get("project", ""))

    def cash(field: str) -> str:
        return money(to_cents(int(params.get(field, 0))), currency)

    if key == "tally.mes.add1":
        return _("Everyone's share was raised so that more money could be spent.")
    if key.endswith("." + FUNDED) or key == "tally.mes.funded_free":
        if "points" in params:
            return _("%(project)s was funded with %(points)s points; %(left)s was left.",
                     project=name, points=params["points"], left=cash("left"))
        return _("%(project)s was funded; %(left)s was left.", project=name, left=cash("left"))
    if key.endswith("." + SKIPPED):
        return _("%(project)s (%(cost)s) did not fit in the %(left)s that was left.",
                 project=name, cost=cash("cost"), left=cash("left"))
    if key.endswith("." + TIE):
        return _("The count stopped at a tie that the published tie-break could not settle.")
    if key == "tally.rcv.elected":
        return _("%(project)s was elected.", project=name)
    if key == "tally.rcv.eliminated":
        return _("%(project)s had the fewest votes and was eliminated.", project=name)
    if key == "tally.rcv.transfer":
        return _("Votes for %(project)s moved to the voters' next choices.", project=name)
    return _("Step of the count: %(key)s", key=key)  # visible, never silently dropped


def rule_name(rule: str) -> str:
    """The rule as residents read it; an unknown code is shown as it is rather than hidden."""
    return str(RULE_NAMES.get(rule, rule))


def points_text(variant: str, max_ranks: int) -> tuple[str, list[tuple[int, int]]]:
    """How ranks become points, in words, with an example: (sentence, [(rank, points), ...])."""
    if variant == "fixed":
        sentence = ngettext(
            "Each ballot ranks up to %(num)d project. A project ranked r gets %(num)d − r + 1 points.",
            "Each ballot ranks up to %(num)d projects. A project ranked r gets %(num)d − r + 1 points: "
            "the first choice gets %(num)d points, the last possible choice gets 1.", max_ranks)
        return sentence, [(r, max_ranks - r + 1) for r in range(1, max_ranks + 1)]
    if variant == "length":
        return (_("A ballot that ranks L projects gives L − r + 1 points to the project it ranks r. "
                  "For example, a ballot with 3 projects gives 3, 2 and 1 points."), [(1, 3), (2, 2), (3, 1)])
    if variant == "borda":
        return (_("A ballot that ranks L projects gives L − r points to the project it ranks r. "
                  "For example, a ballot with 3 projects gives 2, 1 and 0 points."), [(1, 2), (2, 1), (3, 0)])
    # i18n: a fallback that should never show (the variant is checked when the cycle is saved);
    # %(variant)s is a code such as "fixed".
    return _("Points: %(variant)s", variant=variant), []
