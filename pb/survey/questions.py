"""The standard survey questions and their answer bands (keys are stable; labels translate).

Every question has "prefer not to say"; a question left blank is "not answered", counted
apart. There is no immigration-status question. The "area" question's bands are the cycle's
area slugs.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

PREFER_NOT = "prefer_not"
NOT_ANSWERED = "not_answered"


@dataclass(frozen=True)
class Question:
    key: str
    label: object
    topic: object  # a short name for tables and summaries
    bands: tuple[tuple[str, object], ...]
    multiple: bool = False
    locale: str = ""  # a cycle's own question: the language its words are shown in


QUESTIONS: tuple[Question, ...] = (
    Question("age", _l("How old are you?"), _l("Age"), (
        ("under_18", _l("Under 18")), ("18_24", _l("18 to 24")), ("25_34", _l("25 to 34")),
        ("35_44", _l("35 to 44")), ("45_54", _l("45 to 54")), ("55_64", _l("55 to 64")),
        ("65_plus", _l("65 or older")))),
    Question("race", _l("What is your race or ethnicity? Choose all that apply."), _l("Race or ethnicity"), (
        ("american_indian", _l("American Indian or Alaska Native")), ("asian", _l("Asian")),
        ("black", _l("Black or African American")), ("hispanic", _l("Hispanic or Latino")),
        ("middle_eastern", _l("Middle Eastern or North African")),
        ("pacific_islander", _l("Native Hawaiian or Pacific Islander")), ("white", _l("White")),
        ("other", _l("Another race or ethnicity"))), multiple=True),
    Question("gender", _l("What is your gender?"), _l("Gender"), (
        ("woman", _l("Woman")), ("man", _l("Man")), ("nonbinary", _l("Non-binary")),
        ("other", _l("Another gender")))),
    Question("income", _l("What is your household's income in a year, before taxes?"), _l("Household income"), (
        ("under_25k", _l("Under $25,000")), ("25k_50k", _l("$25,000 to $49,999")),
        ("50k_75k", _l("$50,000 to $74,999")), ("75k_100k", _l("$75,000 to $99,999")),
        ("100k_150k", _l("$100,000 to $149,999")), ("150k_plus", _l("$150,000 or more")))),
    Question("education", _l("What is the highest level of school you finished?"), _l("Education"), (
        ("less_than_high_school", _l("Less than high school")), ("high_school", _l("High school or GED")),
        ("some_college", _l("Some college or a 2-year degree")), ("bachelors", _l("4-year college degree")),
        ("graduate", _l("Graduate degree")))),
    Question("home_language", _l("What language do you speak most at home?"), _l("Language spoken at home"), (
        ("english", _l("English")), ("spanish", _l("Spanish")), ("chinese", _l("Chinese")),
        ("vietnamese", _l("Vietnamese")), ("korean", _l("Korean")), ("tagalog", _l("Tagalog or Filipino")),
        ("somali", _l("Somali")), ("arabic", _l("Arabic")), ("other", _l("Another language")))),
    Question("first_time", _l("Is this your first time taking part in participatory budgeting?"), _l("First time in participatory budgeting"), (
        ("yes", _l("Yes")), ("no", _l("No")))),
    Question("voted_local", _l("Did you vote in the last local election?"), _l("Voted in the last local election"), (
        ("yes", _l("Yes")), ("no", _l("No")), ("not_eligible", _l("I could not vote in it")))),
    Question("area", _l("Which area do you live in?"), _l("Area"), ()),
)
BY_KEY = {q.key: q for q in QUESTIONS}


def bands(question: Question, area_slugs: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The band keys a question accepts (the area question takes the cycle's areas)."""
    return list(area_slugs) if question.key == "area" else [key for key, _label in question.bands]


def band_label(question: Question, band: str, area_names: dict[str, str] | None = None) -> str:
    """The translated label of a band, "prefer not to say" or "not answered"."""
    if band == PREFER_NOT:
        return str(_l("Prefer not to say"))
    if band == NOT_ANSWERED:
        return str(_l("Not answered"))
    if question.key == "area":
        return (area_names or {}).get(band, band)
    return str(dict(question.bands).get(band, band))
