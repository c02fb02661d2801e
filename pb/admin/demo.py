"""A realistic demo cycle, built through the same services staff and voters use."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from pb.accounts.services import create_user
from pb.admin.demo_translations import EASTSIDE, NORTHGATE
from pb.cycles.models import Cycle
from pb.cycles.services import create_cycle
from pb.db import db
from pb.deliberation.services import post_comment
from pb.enums import Channel, IdeaStatus, Phase, Role, TranslationStatus
from pb.i18n.content import set_translation
from pb.kiosk.paper_services import (
    add_check_in,
    close_batch,
    confirm_received,
    enter_sheet,
    open_batch,
)
from pb.kiosk.services import add_site, cast_at_kiosk, check_in, close_session, open_session
from pb.lifecycle.services import advance, count_votes, publish_result
from pb.proposals.services import create_project, mark_ready, review_idea, submit_idea
from pb.results.services import post_progress, set_grant_terms
from pb.translations.services import review_translation, translate_field
from pb.voting.services import cast_ballot, check_access_code, issue_access_codes, register_voter

SLUG = "eastside-2027"
DEMO_USERS = [
    ("staff@example.org", "Dana Reyes", Role.staff),
    ("staff2@example.org", "Sam Okafor", Role.staff),
    ("liaison@example.org", "Hoa Nguyen", Role.liaison),
    ("observer@example.org", "Community Observer", Role.observer),
    ("resident@example.org", "Maria Lopez", Role.resident),
]
AREAS = [("riverside", "Riverside"), ("hillcrest", "Hillcrest"), ("old-mill", "Old Mill")]

# (locale, category, area, title, body); the first 12 become ballot projects.
IDEAS = [
    ("en", "transport", "riverside", "Free rides to dialysis and chemo",
     "A volunteer-driver van for residents who miss treatment because they cannot get there."),
    ("es", "food", "hillcrest", "Mercado de frutas y verduras en la clínica",
     "Un mercado semanal con productos frescos a precio reducido en la clínica de Hillcrest."),
    ("en", "mental_health", "old-mill", "Walk-in counselling evenings",
     "Two evenings a week with a counsellor at the library, no appointment or insurance needed."),
    ("ar", "health_access", "riverside", "مترجمون طبيون في العيادة",
     "مترجمون مدربون يرافقون المرضى في المواعيد الطبية بلغتهم."),
    ("en", "housing", "hillcrest", "Emergency home repairs for seniors",
     "Small grants to fix heating, ramps and leaks so older residents can stay in their homes safely."),
    ("es", "safety", "old-mill", "Iluminación en el camino al parque",
     "Luces solares en el sendero entre el parque y la parada de autobús."),
    ("en", "food", "riverside", "Community kitchen cooking classes",
     "Low-cost classes on cooking healthy meals for diabetes, in several languages."),
    ("en", "mental_health", "hillcrest", "Youth peer support program",
     "Train high-school students as peer supporters, with a paid coordinator."),
    ("es", "health_access", "old-mill", "Promotoras de salud en el barrio",
     "Promotoras que visitan a familias para ayudar con citas, seguros y medicamentos."),
    ("en", "transport", "old-mill", "Bus shelter benches near the clinic",
     "Shaded benches at the two bus stops closest to the Old Mill clinic."),
    ("ar", "food", "hillcrest", "ثلاجة مجتمعية",
     "ثلاجة عامة يمكن للجيران أن يتركوا فيها الطعام ويأخذوا منه بحرية."),
    ("en", "housing", "riverside", "Air filters for asthma households",
     "HEPA air purifiers for families with a child who has asthma."),
    ("en", "safety", "riverside", "Crosswalk at Fifth and Main",
     "A marked crosswalk with a flashing light where children cross to school."),
    ("es", "mental_health", "riverside", "Grupo de apoyo para cuidadores",
     "Un grupo semanal para personas que cuidan a un familiar enfermo."),
    ("en", "other", "hillcrest", "Free Wi-Fi at the senior centre",
     "So seniors can join telehealth visits from the centre."),
    ("en", "transport", "hillcrest", "Bike repair pop-ups",
     "Monthly free bike repair events at the clinic parking lot."),
    ("ar", "mental_health", "old-mill", "دعم نفسي للاجئين الجدد",
     "جلسات دعم نفسي باللغة العربية للعائلات التي وصلت حديثاً."),
    ("en", "food", "old-mill", "Food pharmacy prescriptions",
     "Doctors prescribe weekly produce boxes to patients with high blood pressure."),
    ("es", "housing", "old-mill", "Asesoría para inquilinos",
     "Ayuda legal gratuita para inquilinos que enfrentan desalojo."),
    ("en", "safety", "hillcrest", "Fix the broken playground fence",
     "The fence by the creek is broken and small children can get through."),
    ("en", "other", "riverside", "Stadium for the city",
     "Build a new sports stadium for the whole city."),
    ("en", "transport", "riverside", "Rides to dialysis for Riverside",
     "Riverside residents need transport to dialysis three times a week."),
    ("es", "food", "riverside", "Huertos comunitarios",
     "Huertos en terrenos vacíos con clases para familias."),
    ("en", "health_access", "hillcrest", "Mobile dental van visits",
     "A dental van at the school twice a month for children without a dentist."),
    ("ar", "health_access", "riverside", "ساعات مسائية للعيادة",
     "فتح العيادة مساءً مرتين في الأسبوع للعمال."),
]
# Idea index → (cost in dollars, English title if the idea was not in English).
# $720,000 of projects for a $400,000 budget: the vote decides which are funded.
PROJECT_COSTS = [95_000, 60_000, 80_000, 55_000, 120_000, 35_000, 30_000, 70_000, 85_000, 25_000,
                 15_000, 50_000]
TRANSLATIONS = {  # (idea index, locale) → title
    (0, "es"): "Transporte gratuito a diálisis y quimioterapia",
    (0, "ar"): "نقل مجاني إلى غسيل الكلى والعلاج الكيميائي",
    (1, "en"): "Fruit and vegetable market at the clinic",
    (2, "es"): "Consejería sin cita por las tardes",
    (3, "en"): "Medical interpreters at the clinic",
    (3, "es"): "Intérpretes médicos en la clínica",
    (4, "es"): "Reparaciones urgentes del hogar para personas mayores",
    (5, "en"): "Lighting on the path to the park",
    (8, "en"): "Neighbourhood health promoters",
    (10, "en"): "Community fridge",
    (11, "es"): "Purificadores de aire para hogares con asma",
}
COMMENTS = [
    (0, "en", "My mother missed two dialysis sessions last winter. This would help so much."),
    (0, "es", "Mi vecino necesita esto tres veces por semana."),
    (1, "es", "¡Sí! Las verduras en la tienda de la esquina son muy caras."),
    (2, "en", "Evenings matter: most of us work during the day."),
    (3, "ar", "والدي لا يتكلم الإنجليزية، وهذا سيساعده كثيراً."),
    (4, "en", "Could this include smoke alarms too?"),
    (6, "en", "I would teach a class on low-salt cooking."),
    (8, "es", "Las promotoras conocen a la comunidad y hablan nuestro idioma."),
    (10, "ar", "فكرة رائعة لتقليل هدر الطعام."),
    (11, "en", "Our son's asthma is worse in summer; a filter would help."),
    (12, "en", "Cars go too fast there."),
    (14, "en", "The centre already has computers; it just needs a connection."),
]
BALLOTS = 300
SITES = {"riverside": "Riverside Community Clinic", "hillcrest": "Hillcrest Public Library",
         "old-mill": "Old Mill Community Centre"}


def load_demo() -> bool:
    """Load the demo once; return False (and change nothing) if it is already there."""
    if db.session.scalar(select(Cycle.id).filter_by(slug=SLUG)):
        return False
    password = current_app.config["DEMO_PASSWORD"]
    users = {email: create_user(actor=None, email=email, name=name, password=password, role=role)
             for email, name, role in DEMO_USERS}
    users |= {role: users[email] for email, _, role in reversed(DEMO_USERS)}  # first of each role
    staff, liaison = users[Role.staff], users[Role.liaison]
    cycle = _create_demo_cycle(staff)
    advance(actor=staff, cycle=cycle, current=Phase.draft)
    ideas = _submit_ideas(cycle, staff, liaison, users[Role.resident])
    advance(actor=staff, cycle=cycle, current=Phase.ideas)
    projects = _develop_projects(cycle, staff, users[Role.liaison], ideas)
    # Sites and access codes exist before voting opens, as the readiness checklist requires.
    sites = [add_site(actor=staff, cycle=cycle, name=SITES[area.slug], area=area) for area in cycle.areas]
    codes = issue_access_codes(actor=staff, cycle=cycle, count=60, batch="demo-library")
    advance(actor=staff, cycle=cycle, current=Phase.development)
    _cast_demo_ballots(cycle, users[Role.liaison], staff, [p.id for p in projects], sites, codes)
    _completed_cycle(staff, users["staff2@example.org"], users[Role.liaison])
    return True


def _create_demo_cycle(staff) -> Cycle:
    start = datetime(2027, 1, 11, 14, tzinfo=UTC)
    schedule = {phase: start + timedelta(weeks=6 * i) for i, phase in enumerate(list(Phase)[1:])}
    cycle = create_cycle(
        actor=staff, slug=SLUG, locale="en", budget_cents=400_000_00, currency="USD",
        title="Eastside Community Health Fund 2027",
        description=("Mercy Eastside Health sets aside $400,000 of its community benefit funds "
                     "for projects chosen by residents of Riverside, Hillcrest and Old Mill."),
        languages=["en", "es", "ar"], areas=AREAS, schedule=schedule,
        rule="greedy", tie_break="lexicographic", max_ranks=5, min_age=14, use_kiosks=True,
    )
    # Demo content arrives already checked: only reviewed translations are shown.
    set_translation(obj=cycle, field="title", locale="es", text="Fondo Comunitario de Salud de Eastside 2027",
                    translator=staff, status=TranslationStatus.reviewed)
    set_translation(obj=cycle, field="title", locale="ar", text="صندوق الصحة المجتمعية في إيستسايد 2027",
                    translator=staff, status=TranslationStatus.reviewed)
    set_translation(obj=cycle, field="description", locale="es", translator=staff, status=TranslationStatus.reviewed,
                    text=("Mercy Eastside Health reserva 400.000 dólares de sus fondos de beneficio "
                          "comunitario para proyectos elegidos por los residentes de Riverside, Hillcrest y Old Mill."))
    return cycle


def _submit_ideas(cycle, staff, liaison, resident) -> list:
    areas = {a.slug: a for a in cycle.areas}
    ideas = []
    for i, (locale, category, area, title, body) in enumerate(IDEAS):
        by_liaison = i % 4 == 3  # some ideas came in on paper through a liaison
        ideas.append(submit_idea(
            actor=liaison if by_liaison else resident, author=None if by_liaison else resident,
            cycle=cycle, title=title, body=body, category=category, locale=locale,
            area=areas[area], channel=Channel.paper if by_liaison else Channel.online))
    for n, (index, locale, body) in enumerate(COMMENTS):
        post_comment(actor=resident if n % 2 else liaison, target=ideas[index], body=body, locale=locale)
    return ideas


def _translate_and_review(project, texts: dict, *, translator, reviewer) -> None:
    """A liaison translates title and summary; a staff member reviews (as the ballot requires)."""
    for locale, (title, summary) in texts.items():
        if locale == project.locale:
            continue
        for field, text in (("title", title), ("summary", summary)):
            translate_field(actor=translator, obj=project, field=field, locale=locale, text=text)
            review_translation(actor=reviewer, obj=project, field=field, locale=locale)


def _develop_projects(cycle, staff, liaison, ideas) -> list:
    review_idea(actor=staff, idea=ideas[20], status=IdeaStatus.not_eligible,
                reason="The fund pays for health-related projects in the three neighbourhoods, not city-wide buildings.")
    review_idea(actor=staff, idea=ideas[21], status=IdeaStatus.merged, merged_into=ideas[0],
                reason="Same need as the dialysis rides idea; merged so both groups are heard together.")
    review_idea(actor=staff, idea=ideas[19], status=IdeaStatus.not_feasible,
                reason="The city's parks department is replacing this fence in March at no cost to the fund.")
    for idea in ideas[12:19] + ideas[22:]:
        review_idea(actor=staff, idea=idea, status=IdeaStatus.under_review)
    projects = []
    for i, dollars in enumerate(PROJECT_COSTS):
        idea = review_idea(actor=staff, idea=ideas[i], status=IdeaStatus.advanced)
        project = create_project(
            actor=staff, cycle=cycle, ideas=[idea], title=idea.title, summary=idea.body,
            locale=idea.locale, cost_cents=dollars * 100, category=idea.category, area=idea.area,
            cost_breakdown=[{"item": "Staff and delivery", "cents": dollars * 70},
                            {"item": "Equipment and supplies", "cents": dollars * 30}])
        for (index, locale), text in TRANSLATIONS.items():
            if index == i:
                set_translation(obj=idea, field="title", locale=locale, text=text, translator=liaison,
                                status=TranslationStatus.reviewed)
        _translate_and_review(project, EASTSIDE[i], translator=liaison, reviewer=staff)
        projects.append(mark_ready(actor=staff, project=project))
    return projects


def _cast_demo_ballots(cycle, liaison, staff, project_ids: list[int], sites, codes) -> None:
    """Synthetic voters with skewed preferences, through the real roll, kiosk, paper and casting
    services: access codes online, registered voters online, kiosk sessions and a paper batch."""
    rng = random.Random(2027)  # fixed seed: the demo is the same on every machine
    weights = [1.0 / (1 + 0.35 * i) for i in range(len(project_ids))]

    def ranking() -> list[int]:
        length, picked = rng.choice([1, 2, 3, 3, 4, 5, 5, 5]), []
        while len(picked) < length:
            pick = rng.choices(project_ids, weights)[0]
            if pick not in picked:
                picked.append(pick)
        return picked

    kiosks = [open_session(actor=liaison, cycle=cycle, site=site, device_token=f"demo-{site.id}", pin="4816")
              for site in sites]
    locales, today = cycle.locales, date(2027, 4, 1)
    for n in range(BALLOTS):
        area = cycle.areas[n % len(cycle.areas)]
        locale = locales[n % len(locales)]
        birth_date = date(1950 + n % 50, 1 + n % 12, 1 + n % 28)
        if n < 40:
            cast_ballot(cycle=cycle, credential=check_access_code(cycle, codes[n]), ranking=ranking(),
                        channel=Channel.online, locale=locale)
        elif n % 3 == 0:
            kiosk = kiosks[n % len(kiosks)]
            credential = check_in(actor=liaison, kiosk=kiosk, name=f"Demo Voter {n}", birth_date=birth_date,
                                  area=area, today=today)
            cast_at_kiosk(kiosk=kiosk, credential=credential, ranking=ranking(), locale=locale)
        else:
            voter = register_voter(cycle=cycle, name=f"Demo Voter {n}", area=area,
                                   channel=Channel.online, birth_date=birth_date, today=today)
            cast_ballot(cycle=cycle, credential=f"roll:{voter.id}", ranking=ranking(),
                        channel=Channel.online, locale=locale)
    for kiosk in kiosks:
        close_session(actor=liaison, kiosk=kiosk)
    # A paper event under the two-person rule: the liaison opens the batch and lists who came,
    # a staff member counts the sheets again, each sheet is typed by both, staff closes it.
    batch = open_batch(actor=liaison, cycle=cycle, site=sites[0], received_on=today, received_count=25)
    confirm_received(actor=staff, batch=batch, received_count=25)
    for p in range(25):
        add_check_in(actor=liaison, batch=batch, name=f"Paper Participant {p}", area=cycle.areas[p % 3],
                     birth_date=date(1940 + p, 1 + p % 12, 20), today=today)
    for sheet in range(1, 26):
        reason, marks = ("Two projects marked 1", []) if sheet == 7 else ("", ranking())
        for typist in (liaison, staff):
            enter_sheet(actor=typist, batch=batch, sheet_no=sheet, ranking=marks, invalid_reason=reason)
    close_batch(actor=staff, batch=batch)


NORTHGATE_PROJECTS = [  # (title, dollars, progress: (status, percent, spent dollars, note) or None)
    ("Mobile health van stops at the food bank", 85_000, ("in_progress", 60, 48_000, "The van visits twice a week; a nurse and a driver are hired.")),
    ("Safe walking routes to Northgate clinic", 40_000, ("done", 100, 38_500, "Crosswalks painted and 14 solar lights installed.")),
    ("Diabetes cooking classes in Spanish and Somali", 30_000, ("in_progress", 35, 9_000, "First two class series are full.")),
    ("Free bus passes for hospital appointments", 60_000, ("planning", 10, 2_000, "Agreement with the transit agency is being signed.")),
    ("Teen mental health drop-in", 70_000, None),
    ("Community garden at the senior housing", 25_000, None),
    ("Air conditioners for heat-sensitive patients", 45_000, None),
    ("Laundry vouchers for families in shelters", 20_000, None),
]


NORTHGATE_GRANTS = {  # title: (grantee, written restriction, people it should serve, objectives)
    "Mobile health van stops at the food bank": (
        "Northgate Food Bank with Mercy Northgate nursing",
        "Only for the van's lease, fuel, a driver and a nurse for the weekly food bank stops, May 2026 to April 2027.",
        900, "900 residents get a blood pressure and sugar check.\n150 residents are linked to a regular doctor."),
    "Safe walking routes to Northgate clinic": (
        "City of Northgate, streets department",
        "Only for crosswalk paint and solar street lights on the three routes residents named to the clinic.",
        4000, "3 crosswalks painted and 14 lights working by October 2026."),
}


def _completed_cycle(staff, second_staff, liaison) -> None:
    """A finished cycle, so the demo also shows a published, checkable result and progress."""
    start = datetime(2026, 1, 12, 14, tzinfo=UTC)
    cycle = create_cycle(
        actor=staff, slug="northgate-2026", locale="en", budget_cents=250_000_00, currency="USD",
        title="Northgate Community Health Fund 2026",
        description="Residents of Northgate decided how to spend $250,000 of Mercy Northgate's community benefit funds.",
        languages=["en", "es"], areas=[("north", "North Side"), ("south", "South Side")],
        schedule={phase: start + timedelta(weeks=5 * i) for i, phase in enumerate(list(Phase)[1:])},
        rule="greedy", tie_break="lexicographic", max_ranks=3, min_age=14,
        allow_access_codes=False)  # registered voters only
    advance(actor=staff, cycle=cycle, current=Phase.draft)
    advance(actor=staff, cycle=cycle, current=Phase.ideas)
    projects = []
    for title, dollars, _progress in NORTHGATE_PROJECTS:
        project = create_project(actor=staff, cycle=cycle, title=title, summary=title + ".", locale="en",
                                 cost_cents=dollars * 100, category="health_access", area=cycle.areas[0])
        _translate_and_review(project, NORTHGATE[title], translator=liaison, reviewer=staff)
        projects.append(mark_ready(actor=staff, project=project))
    advance(actor=staff, cycle=cycle, current=Phase.development)
    rng = random.Random(2026)
    weights = [1.0 / (1 + 0.3 * i) for i in range(len(projects))]
    for n in range(240):
        voter = register_voter(cycle=cycle, name=f"Northgate Voter {n}", area=cycle.areas[n % 2],
                               channel=Channel.online, birth_date=date(1960 + n % 40, 1 + n % 12, 1 + n % 28),
                               today=date(2026, 5, 1))
        ranking = []
        while len(ranking) < rng.choice([1, 2, 3, 3]):
            pick = rng.choices(projects, weights)[0].id
            if pick not in ranking:
                ranking.append(pick)
        cast_ballot(cycle=cycle, credential=f"roll:{voter.id}", ranking=ranking,
                    channel=Channel.online, locale=cycle.locales[n % len(cycle.locales)])
    advance(actor=staff, cycle=cycle, current=Phase.voting)  # seals the box
    snapshot = publish_result(actor=second_staff, snapshot=count_votes(actor=staff, cycle=cycle))
    advance(actor=staff, cycle=cycle, current=Phase.results)
    for project, (_, _, progress) in zip(projects, NORTHGATE_PROJECTS, strict=True):
        if progress and str(project.id) in snapshot.result["winners"]:
            status, percent, spent, note = progress
            post_progress(actor=staff, project=project, status=status, percent=percent,
                          spent_cents=spent * 100, body=note, locale="en")
        if project.title in NORTHGATE_GRANTS and str(project.id) in snapshot.result["winners"]:
            grantee, restriction, served, objectives = NORTHGATE_GRANTS[project.title]
            set_grant_terms(actor=staff, project=project, grantee=grantee, restriction=restriction,
                            persons_served=served, objectives=objectives)
