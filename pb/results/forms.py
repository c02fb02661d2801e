from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from pb.enums import ProgressStatus
from pb.forms import Form
from pb.i18n.catalog import lazy_gettext as _l
from pb.i18n.labels import PROGRESS_NAMES


class RunTallyForm(Form):
    reason = TextAreaField(_l("Public reason (needed only to correct a published result)"),
                           validators=[Optional(), Length(max=1000)])


class PublishForm(Form):
    pass


class ProgressForm(Form):
    status = SelectField(_l("Status"), choices=[(s.value, PROGRESS_NAMES[s]) for s in ProgressStatus])
    percent = IntegerField(_l("Percent done"), validators=[InputRequired(), NumberRange(min=0, max=100)])
    spent = StringField(_l("Amount spent so far (for example 12,500.00)"), validators=[InputRequired(), Length(max=20)])
    body = TextAreaField(_l("What happened (plain text; leave a blank line between paragraphs)"),
                         validators=[Optional(), Length(max=4000)])
    over_budget_reason = TextAreaField(_l("Why more than the funded amount was spent (shown to the public)"),
                                       validators=[Optional(), Length(max=1000)])


class CorrectProgressForm(ProgressForm):
    note = StringField(_l("What did you correct? (shown to the public)"),
                       validators=[InputRequired(), Length(min=3, max=300)])


class GrantTermsForm(Form):
    grantee = StringField(_l("Who carries it out (an organisation or team)"), validators=[Length(max=200)])
    restriction = TextAreaField(_l("What the money may be spent on (the written restriction)"),
                                validators=[InputRequired(), Length(max=4000)])
    persons_served = IntegerField(_l("How many people it should serve (optional)"),
                                  validators=[Optional(), NumberRange(min=0, max=10_000_000)])
    objectives = TextAreaField(_l("Measurable objectives (optional), one per line"), validators=[Length(max=4000)])
