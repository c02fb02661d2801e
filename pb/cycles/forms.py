"""Staff forms for setting up a cycle; the services (pb.cycles.services) make the final checks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from decimal import Decimal

from babel.numbers import get_currency_precision
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from pb.cycles.services import DATED_PHASES, MAX_AREA, MAX_DESCRIPTION, MAX_TITLE, PB_RULES
from pb.enums import CATEGORIES
from pb.forms import Form
from pb.i18n.catalog import lazy_gettext as _l
from pb.i18n.labels import CATEGORY_NAMES, PHASE_NAMES
from pb.tally.rules.base import COMPLETIONS, POINTS

# i18n: names of the counting rules staff choose from
RULE_NAMES = {"greedy": _l("Most points first, while the money lasts (greedy)"),
              "equal-shares": _l("Method of Equal Shares (proportional)"),
              "ear": _l("Expanding approvals (PB-EAR, proportional)")}
TIE_BREAKS = {"lexicographic": _l("Project number"),
              "max-votes,lexicographic": _l("More voters, then project number"),
              "min-cost,lexicographic": _l("Cheaper first, then project number"),
              "max-votes,seeded-lottery": _l("More voters, then a public lottery"),
              "seeded-lottery": _l("A public lottery")}
# i18n: "Voting closes" is the start of the counting phase
DATE_LABELS = {"voting": _l("Voting opens"), "tallying": _l("Voting closes")}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# Digits with correctly placed thousands commas ("400,000", not "4,00" or "400.000,00").
_BUDGET = re.compile(r"\$?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?", re.ASCII)


def _money(form, field):
    """A budget typed as "400,000" or "400000.00": exact minor units, never floats."""
    text = (field.data or "").strip()
    if text.startswith("-"):
        raise ValidationError(_l("The budget must be more than zero."))
    if _BUDGET.fullmatch(text) is None:
        raise ValidationError(_l("Enter the budget as a number, like 400,000."))
    amount = Decimal(text.lstrip("$ ").replace(",", ""))
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(_l("The budget must be more than zero."))
    if amount > 10**10:
        raise ValidationError(_l("That budget is far too large. Check the amount."))
    digits = get_currency_precision((form.currency.data or "USD").strip().upper()[:3])
    minor = amount * 10**digits
    if minor != minor.to_integral_value():
        raise ValidationError(_l("Too many digits after the decimal point."))
    field.cents = int(minor)


class CycleForm(Form):
    """Every setting of a cycle; the ballot-defining ones are removed once voting opens."""

    slug = StringField(_l("Web address name (small letters, digits, dashes)"),
                       validators=[DataRequired(), Length(max=64)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_TITLE)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=MAX_DESCRIPTION)])
    locale = SelectField(_l("Language these texts are written in"))
    languages = MultiCheckboxField(_l("Languages offered to residents"))
    budget = StringField(_l("Budget"), validators=[DataRequired(), Length(max=30), _money])
    currency = StringField(_l("Currency (3 letters, like USD)"), validators=[DataRequired(), Length(min=3, max=3)])
    areas = TextAreaField(_l("Service areas, one per line"), validators=[Optional(), Length(max=50 * MAX_AREA)])
    min_age = IntegerField(_l("Minimum age to vote"), validators=[InputRequired(), NumberRange(0, 120)])
    max_ranks = IntegerField(_l("How many projects each voter may rank"),
                             validators=[InputRequired(), NumberRange(1, 50)])
    rule = SelectField(_l("Counting rule"), choices=[(r, RULE_NAMES.get(r, r)) for r in PB_RULES])
    points = SelectField(_l("Points for ranks"), choices=[(p, p) for p in POINTS])
    completion = SelectField(_l("Equal Shares completion"), choices=[(c, c) for c in COMPLETIONS])
    tie_break = SelectField(_l("Tie-break"), choices=list(TIE_BREAKS.items()))
    tie_seed = StringField(_l("Lottery seed (a whole number, published before voting)"),
                           validators=[Optional(), Length(max=18)])
    kiosk_idle_seconds = IntegerField(_l("Seconds before an idle kiosk ballot is cleared"),
                                      validators=[InputRequired(), NumberRange(30, 3600)])
    use_kiosks = BooleanField(_l("Liaisons run kiosks or paper ballots at sites"))
    show_support_counts = BooleanField(_l("Show on each idea how many residents support it"))
    allow_anonymous_ideas = BooleanField(_l("Residents may share ideas without an account"))
    categories = MultiCheckboxField(_l("Idea categories"), choices=[(c, CATEGORY_NAMES[c]) for c in CATEGORIES])

    def __init__(self, *args, locales=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(code, name) for code, name in locales]
        self.locale.choices, self.languages.choices = choices, choices
        for phase in DATED_PHASES:
            self[f"date_{phase}"].label.text = str(DATE_LABELS.get(str(phase), PHASE_NAMES[phase]))

    def validate_tie_seed(self, field):
        if field.data and not (field.data.strip().isascii() and field.data.strip().isdigit()):
            raise ValidationError(_l("The lottery seed must be a whole number of up to 18 digits."))

    def schedule(self) -> dict:
        """{phase: start at noon UTC} for each date given."""
        return {phase: datetime.combine(self[f"date_{phase}"].data, time(12), tzinfo=UTC)
                for phase in DATED_PHASES if self[f"date_{phase}"].data}

    def area_names(self) -> list[str]:
        return [line.strip() for line in (self.areas.data or "").splitlines() if line.strip()]


for _phase in DATED_PHASES:
    setattr(CycleForm, f"date_{_phase}", DateField(PHASE_NAMES[_phase], validators=[Optional()]))


class AreaForm(Form):
    name = StringField(_l("Area name"), validators=[DataRequired(), Length(max=MAX_AREA)])


class RetireAreaForm(Form):
    retired = BooleanField()
