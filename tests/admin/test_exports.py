"""Staff exports: CSV for spreadsheets (UTF-8 with a BOM, formulas made inert), read-only for
staff and observers, and participation only after voting has closed."""

import csv
import io

from pb.db import db
from pb.deliberation.models import Comment
from pb.deliberation.services import post_comment
from pb.enums import Phase, Role
from pb.proposals.services import submit_idea
from tests.conftest import csrf_from, login, open_voting
from tests.results.test_progress import funded, report  # noqa: F401  (fixture)

HOSTILE = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def client_as(app, make, role):
    client = app.test_client()
    login(client, make.user(role))
    return client


def read_csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode()), "no byte-order mark"
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(body.decode("utf-8")[1:])))


def test_cells_that_start_like_a_formula_are_made_inert(app, make):
    """An idea, answer or comment starting with = + - @, a tab or a carriage return gets a
    leading apostrophe in the export, so a spreadsheet shows it as text and never runs it."""
    cycle = make.cycle(phase=Phase.ideas)
    for text in HOSTILE[:4]:
        idea = submit_idea(actor=make.user(Role.resident), cycle=cycle, title=text + " bus shelter", body=text + " near the clinic",
                           category="transport", locale="en", area=cycle.areas[0])
    # Services strip leading whitespace; these arrive through any other path (a CLI, an import).
    idea.status_reason = HOSTILE[4]
    post_comment(actor=make.user(Role.resident), target=idea, body="=1+2 is what I think", locale="en")
    db.session.commit()
    db.session.add(Comment(idea_id=idea.id, locale="en", body=HOSTILE[5]))
    db.session.commit()
    staff = client_as(app, make, Role.staff)
    ideas = read_csv(staff.get(f"/admin/cycles/{cycle.slug}/exports/ideas.csv"))
    header, rows = ideas[0], ideas[1:]
    assert sorted(row[header.index("title")] for row in rows) == sorted(
        "'" + text + " bus shelter" for text in HOSTILE[:4])
    assert all(row[header.index("idea")].startswith("'") for row in rows)
    assert "'\t=1" in [row[header.index("public_answer")] for row in rows]
    comments = read_csv(staff.get(f"/admin/cycles/{cycle.slug}/exports/comments.csv"))
    assert [row[comments[0].index("comment")] for row in comments[1:]] == ["'=1+2 is what I think", "'\r=1"]


def test_projects_and_progress_exports_carry_costs_results_and_corrections(app, make, funded):  # noqa: F811
    """Projects list cost and, once published, points and funded; progress lists each report
    with its corrections."""
    cycle, van = funded
    staff = client_as(app, make, Role.staff)
    token = csrf_from(staff.get(f"/projects/{van.id}/progress").get_data(as_text=True))
    staff.post(f"/projects/{van.id}/progress", data={"csrf_token": token, **report()})
    from pb.results.models import ProgressUpdate

    update = db.session.query(ProgressUpdate).one()
    staff.post(f"/progress/{update.id}/correct", data={"csrf_token": token, **report(spent="2,500.00",
                                                                                      note="Typo in amount")})
    observer = client_as(app, make, Role.observer)  # observers read exports too
    projects = read_csv(observer.get(f"/admin/cycles/{cycle.slug}/exports/projects.csv"))
    by_title = {row[projects[0].index("title")]: dict(zip(projects[0], row, strict=True)) for row in projects[1:]}
    assert by_title["Food van"]["cost"] == "30000.00" and by_title["Food van"]["funded"] == "yes"
    assert by_title["Food van"]["points"] != "" and by_title["Food van"]["result_published"] == "yes"
    progress = read_csv(observer.get(f"/admin/cycles/{cycle.slug}/exports/progress.csv"))
    row = dict(zip(progress[0], progress[1], strict=True))
    assert (row["spent"], row["earlier_versions"], row["funded_amount"]) == ("2500.00", "1", "30000.00")
    assert row["corrected"] != "" and row["report"] == "Van leased."


def test_participation_is_refused_while_voting_is_open(app, make):
    """No participation file while voting is open, for staff or observers; after closing it
    is served with groups under 20 merged."""
    cycle = make.cycle(phase=Phase.development)
    make.project(cycle)
    make.project(cycle)
    open_voting(cycle)
    url = f"/admin/cycles/{cycle.slug}/exports/participation.csv"
    for role in (Role.staff, Role.observer):
        response = client_as(app, make, role).get(url)
        assert response.status_code == 302 and response.mimetype != "text/csv"
    staff = client_as(app, make, Role.staff)
    token = csrf_from(staff.get("/admin/").get_data(as_text=True))
    assert staff.post(f"/admin/cycles/{cycle.slug}/advance", data={"csrf_token": token,
                                                                   "current": "voting"}).status_code == 302
    rows = read_csv(staff.get(url))
    assert rows[0] == ["group", "value", "ballots"] and rows[1] == ["all", "all", "0"]


def test_liaisons_and_residents_cannot_download(app, make):
    """Exports are for staff and observers only."""
    cycle = make.cycle(phase=Phase.ideas)
    for role in (Role.liaison, Role.resident):
        response = client_as(app, make, role).get(f"/admin/cycles/{cycle.slug}/exports/ideas.csv")
        assert response.status_code == 403
