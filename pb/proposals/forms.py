"""Forms for ideas, their review and ballot projects. Text is checked by the same rules the
services apply (pb.proposals.rules), so a form and a service never disagree."""

from __future__ import annotations

from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

from pb.enums import IdeaStatus
from pb.errors import DomainError
from pb.forms import Form
from pb.i18n.catalog import lazy_gettext as _l
from pb.i18n.labels import CATEGORY_NAMES, CHANNEL_LABELS, IDEA_STATUS_NAMES
from pb.i18n.locales import SHIPPED, enabled_languages
from pb.proposals import rules
from pb.proposals.money import parse_breakdown, parse_money

REVIEW_STATUSES = [s for s in IdeaStatus if s not in (IdeaStatus.submitted, IdeaStatus.withdrawn)]  # withdrawn: author only


class Clean:
    """Runs pb.proposals.rules.clean_text on a field and shows its message."""

    def __init__(self, label, limits, one_line: bool = False):
        self.label, self.limits, self.one_line = label, limits, one_line

    def __call__(self, form, field):
        try:
            rules.clean_text(field.data, field=self.label, limits=self.limits, one_line=self.one_line)
        except DomainError as error:
            raise ValidationError(str(error)) from None


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value=str(value), label=label) for value, label in pairs]


def values_of(field) -> set[str]:
    return {choice.value for choice in field.choices}


def _one_of(pairs, message):
    """A validator: the value must be one of `pairs()` (read at validation time)."""
    def check(form, field):
        if field.data not in {str(value) for value, _label in pairs()}:
            raise ValidationError(str(message))
    return check


def category_choices(codes=None):
    """The categories a cycle offers (all of them if it names none), in its order."""
    return [(code, CATEGORY_NAMES[code]) for code in (codes or CATEGORY_NAMES) if code in CATEGORY_NAMES]


def _in_choices(field) -> None:
    if not field.data or field.data not in values_of(field):
        raise ValidationError(str(_l("Choose a category from the list.")))


def language_choices():
    return [(lang.code, lang.name) for lang in enabled_languages()]


class IdeaForm(Form):
    title = StringField(_l("Title"), validators=[Clean(_l("Title"), rules.TITLE, one_line=True)])
    body = TextAreaField(_l("Describe your idea"), validators=[Clean(_l("Description"), rules.BODY)])
    category = SelectField(_l("Category"), validate_choice=False)
    area = SelectField(_l("Neighbourhood"), validate_choice=False)
    location_text = StringField(_l("Place (optional)"),
                                validators=[Clean(_l("Location"), rules.LOCATION_MAX, one_line=True)])
    locale = SelectField(_l("Language you are writing in"), validate_choice=False,
                         validators=[_one_of(language_choices, _l("Choose a language from the list."))])
    contact = StringField(_l("Email or phone number, if you would like an answer (optional)"),
                          validators=[Clean(_l("Contact"), rules.CONTACT_MAX, one_line=True)])

    def __init__(self, *args, areas=(), categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = options([("", "—"), *category_choices(categories)])
        self.area.choices = options([("", _l("The whole cycle, or not sure")), *areas])
        self.locale.choices = options(language_choices())

    def validate_category(self, field):
        _in_choices(field)

    def validate_area(self, field):
        if field.data and field.data not in values_of(field):
            raise ValidationError(str(_l("Choose an area from the list.")))


class OnBehalfForm(IdeaForm):
    """A liaison types in a paper form or a kiosk conversation."""

    channel = RadioField(_l("How did the resident share this idea?"),
                         choices=options([("paper", CHANNEL_LABELS["paper"]), ("kiosk", CHANNEL_LABELS["kiosk"])]),
                         default="paper")


class IdeaFilterForm(Form):
    class Meta:
        csrf = False  # a GET search that changes nothing

    q = StringField(_l("Search"), validators=[Clean(_l("Search"), rules.SEARCH_MAX, one_line=True)])
    category = SelectField(_l("Category"), validate_choice=False)
    area = SelectField(_l("Neighbourhood"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)
    language = SelectField(_l("Language"), validate_choice=False)

    def __init__(self, *args, areas=(), categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _l("All"))]
        self.category.choices = options(everything + category_choices(categories))
        self.area.choices = options(everything + list(areas))
        self.status.choices = options(everything + [(s.value, IDEA_STATUS_NAMES[s]) for s in IdeaStatus])
        self.language.choices = options(everything + [(code, lang.name) for code, lang in SHIPPED.items()])

    def chosen(self, name: str) -> str:
        """The field's value if it is one of its choices, else "" (an old or forged link)."""
        field = self[name]
        return field.data if field.data in values_of(field) else ""


class EditIdeaForm(Form):
    """The author's own idea, changed while ideas are collected (its earlier text is kept)."""

    title = StringField(_l("Title"), validators=[Clean(_l("Title"), rules.TITLE, one_line=True)])
    body = TextAreaField(_l("Describe your idea"), validators=[Clean(_l("Description"), rules.BODY)])
    location_text = StringField(_l("Place (optional)"),
                                validators=[Clean(_l("Location"), rules.LOCATION_MAX, one_line=True)])


class WithdrawIdeaForm(Form):
    reason = TextAreaField(_l("Why are you taking it back? (optional, shown to everyone)"),
                           validators=[Clean(_l("Reason"), rules.REASON_MAX)])


class SupportForm(Form):
    action = HiddenField(validators=[DataRequired(), AnyOf(["support", "unsupport"])])


class ReviewForm(Form):
    status = RadioField(_l("New status"), choices=options((s.value, IDEA_STATUS_NAMES[s]) for s in REVIEW_STATUSES),
                        validators=[_one_of(lambda: [(s.value, "") for s in REVIEW_STATUSES],
                                            _l("Choose the idea's new status."))])
    reason = TextAreaField(_l("Public reason"), validators=[Clean(_l("Reason"), rules.REASON_MAX)])
    merged_into = SelectField(_l("Merge into"), validate_choice=False)

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.merged_into.choices = options([("", "—"), *targets])


class ProjectForm(Form):
    ideas = SelectMultipleField(_l("Ideas behind this project"), validate_choice=False,
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    title = StringField(_l("Title"), validators=[Clean(_l("Title"), rules.TITLE, one_line=True)])
    summary = TextAreaField(_l("Summary"), validators=[Clean(_l("Summary"), rules.SUMMARY)])
    locale = SelectField(_l("Language of the title and summary"), validate_choice=False,
                         validators=[_one_of(language_choices, _l("Choose a language from the list."))])
    cost = StringField()  # labelled in __init__, with the cycle's currency
    breakdown = TextAreaField(_l("Cost breakdown (optional)"))
    category = SelectField(_l("Category"), validate_choice=False)
    area = SelectField(_l("Neighbourhood"), validate_choice=False)
    feasibility_notes = TextAreaField(_l("Feasibility notes"),
                                      validators=[Clean(_l("Feasibility notes"), rules.NOTES_MAX)])

    def __init__(self, *args, cycle, areas=(), ideas=None, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.budget_cents = cycle.budget_cents
        self.cost.label.text = _l("Cost estimate (%(currency)s)", currency=cycle.currency)
        self.cost_cents, self.breakdown_items = 0, []
        self.category.choices = options(category_choices(categories))
        self.area.choices = options([("", _l("The whole cycle")), *areas])
        self.locale.choices = options(language_choices())
        if ideas is None:
            del self.ideas  # editing: the ideas and the original language stay as created
            del self.locale
        else:
            self.ideas.choices = options(ideas)

    def validate_category(self, field):
        _in_choices(field)

    def validate_ideas(self, field):
        if not field.data:
            raise ValidationError(str(_l("Choose at least one advanced idea.")))
        if not set(field.data) <= values_of(field):
            raise ValidationError(str(_l("Only advanced ideas that are not yet in a project can be chosen.")))

    def validate_area(self, field):
        if field.data and field.data not in values_of(field):
            raise ValidationError(str(_l("Choose an area from the list.")))

    def validate_cost(self, field):
        try:
            self.cost_cents = parse_money(field.data, max_cents=self.budget_cents)
        except DomainError as error:
            raise ValidationError(str(error)) from None

    def validate_breakdown(self, field):
        try:
            self.breakdown_items = parse_breakdown(field.data, max_cents=self.budget_cents)
        except DomainError as error:
            raise ValidationError(str(error)) from None


class TranslationForm(Form):
    locale = SelectField(_l("Language of this translation"), validate_choice=False)
    title = StringField(_l("Title"), validators=[Clean(_l("Title"), rules.TITLE, one_line=True)])
    summary = TextAreaField(_l("Summary"), validators=[Clean(_l("Summary"), rules.SUMMARY)])

    def __init__(self, *args, locales=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = options([(code, SHIPPED[code].name if code in SHIPPED else code) for code in locales])

    def validate_locale(self, field):
        if field.data not in values_of(field):
            raise ValidationError(str(_l("Choose one of the cycle's other languages.")))


class ReadyForm(Form):
    ready = HiddenField(default="1")
