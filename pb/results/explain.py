"""Plain-language, translated sentences for the counting engine's round events."""

from __future__ import annotations

from flask_babel import gettext as _

from pb.i18n.filters import money

FUNDED = "funded"
SKIPPED = "skipped_too_expensive"
TIE = "tie_unresolved"


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
