"""Each event that closes the loop reaches the right people once, in their language, and nobody
else: an idea becomes a project, goes on the ballot, is funded or not; a reply; a withdrawn idea;
voting opens and closes soon (only for people who took part and asked)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from pb import clock
from pb.db import db
from pb.deliberation.services import post_comment
from pb.enums import Channel, IdeaStatus, Phase, Role
from pb.lifecycle.announcements import queue_closing_soon
from pb.lifecycle.services import advance, count_votes, publish_result
from pb.notifications.services import follow
from pb.outbox.models import OutboxMail
from pb.proposals.services import mark_ready, update_project, withdraw_idea
from pb.voting.services import cast_ballot, register_voter
from tests.conftest import csrf_from, default_schedule, login, open_voting
from tests.proposals.conftest import cheap_password_hashes, idea  # noqa: F401  (fixture)

CLOSES = default_schedule()[Phase.tallying]  # when voting closes in the test cycles


def inbox(user) -> list[OutboxMail]:
    """The mails queued for this person, oldest first."""
    return list(db.session.scalars(select(OutboxMail).where(OutboxMail.to_address == user.email)
                                   .order_by(OutboxMail.id)))


def subjects(user) -> list[str]:
    return [m.subject for m in inbox(user)]


@pytest.fixture
def people(make):
    staff = make.user(Role.staff)
    return staff, make.user(Role.resident, locale="es"), make.user(Role.resident)


def test_idea_to_project_to_ballot_to_result(make, people):
    """The author (Spanish) and a follower (English) hear that the idea became a project, that the
    project is on the ballot (once, though it went back to development and was ready again), and
    that it was funded; the follower of another project hears it was not funded."""
    staff, author, follower = people
    cycle = make.cycle(phase=Phase.ideas, languages=["es"], actor=staff)
    shared = idea(cycle, author, status=IdeaStatus.advanced, reviewer=staff)
    follow(user=follower, idea=shared)
    advance(actor=staff, cycle=cycle, current=Phase.ideas)
    db.session.commit()
    before = len(inbox(author))

    van = make.project(cycle, ready=False, ideas=[shared], title="Evening van", actor=staff)
    assert len(inbox(author)) == before + 1 and len(inbox(follower)) == 1
    told = inbox(author)[-1]
    assert told.locale == "es" and 'lang="es"' in told.html and "/projects/" in told.text
    assert "Evening van" in inbox(follower)[-1].text

    make.translate_and_review(van)
    mark_ready(actor=staff, project=van)
    update_project(actor=staff, project=van, title="Evening van rides", summary=van.summary,
                   cost_cents=van.cost_cents, category=van.category)  # back to development
    make.translate_and_review(van)
    mark_ready(actor=staff, project=van)
    clinic = make.project(cycle, cost_cents=95_000_00, title="Clinic garden", actor=staff)
    other_follower = make.user(Role.resident)
    follow(user=other_follower, project=clinic)
    db.session.commit()
    assert len(inbox(follower)) == 2 and "Evening van" in inbox(follower)[-1].subject
    assert len(inbox(author)) == before + 2

    open_voting(cycle, actor=staff)
    for ranking in ([van.id], [van.id], [van.id], [clinic.id], [clinic.id]):
        cast_ballot(cycle=cycle, credential=f"roll:{make.voter(cycle).id}", ranking=ranking,
                    channel=Channel.online, locale="en")
    advance(actor=staff, cycle=cycle, current=Phase.voting)
    snapshot = count_votes(actor=staff, cycle=cycle)
    publish_result(actor=make.user(Role.staff), snapshot=snapshot)
    db.session.commit()
    assert str(van.id) in snapshot.result["winners"] and str(clinic.id) not in snapshot.result["winners"]
    assert inbox(follower)[-1].subject.startswith("Funded:")
    assert f"/cycles/{cycle.slug}/results" in inbox(follower)[-1].text
    assert inbox(other_follower)[-1].subject.startswith("Not funded this time:")
    assert len(inbox(author)) == before + 3 and inbox(author)[-1].locale == "es"
    assert not inbox(staff)


def test_reply_tells_the_first_writer_only(make, people):
    """A reply tells the person replied to; replying to yourself, or a writer who turned replies
    off, queues nothing."""
    staff, first, second = people
    cycle = make.cycle(phase=Phase.ideas, actor=staff)
    shared = idea(cycle, make.user(Role.resident))
    comment = post_comment(actor=first, target=shared, body="Buena idea.", locale="es")
    post_comment(actor=first, target=shared, body="Y otra cosa.", locale="es", parent=comment)
    db.session.commit()
    assert inbox(first) == []
    post_comment(actor=second, target=shared, body="I agree.", locale="en", parent=comment)
    db.session.commit()
    [mail] = inbox(first)
    assert mail.locale == "es" and "I agree." in mail.text and f"/ideas/{shared.id}" in mail.text
    first.notify_replies = False
    post_comment(actor=second, target=shared, body="Another thought.", locale="en", parent=comment)
    db.session.commit()
    assert len(inbox(first)) == 1


def test_withdrawn_idea_tells_its_followers(make, people):
    """Withdrawing tells the people who follow the idea, with the public reason; not the author."""
    _staff, author, follower = people
    cycle = make.cycle(phase=Phase.ideas)
    shared = idea(cycle, author)
    follow(user=follower, idea=shared)
    withdraw_idea(actor=author, idea=shared, reason="Another group is doing it.")
    db.session.commit()
    [mail] = inbox(follower)
    assert "withdrawn" in mail.subject and "Another group is doing it." in mail.text
    assert inbox(author) == []


def test_voting_opens_and_closes_soon_only_for_people_who_took_part_and_asked(make, people):
    """'Voting is open' and, within the reminder lead, one 'closes soon' reach people who took
    part in the cycle and turned the choice on; not the ones who did not ask, not strangers, and
    the closing note skips whoever voted from their own account."""
    staff, did_not_ask, asked = people  # asked reads English; the Spanish reader did not ask
    stranger, voter = make.user(Role.resident), make.user(Role.resident)
    for person in (asked, stranger, voter):
        person.notify_voting = True
    cycle = make.cycle(phase=Phase.development, actor=staff)
    project, _second = make.project(cycle, actor=staff), make.project(cycle, actor=staff)
    follow(user=asked, project=project)
    post_comment(actor=did_not_ask, target=project, body="Yes please.", locale="en")
    entry = register_voter(cycle=cycle, name="Rosa Diaz", birth_date=datetime(1970, 2, 3).date(),
                           area=cycle.areas[0], channel=Channel.online, today=datetime(2027, 1, 1).date(), user=voter)
    db.session.commit()

    open_voting(cycle, actor=staff)
    [opened] = inbox(asked)
    assert opened.subject == f"Voting is open: {cycle.title}" and f"/cycles/{cycle.slug}/vote" in opened.text
    assert "2027" in opened.text  # the closing date
    assert len(inbox(voter)) == 1 and inbox(did_not_ask) == [] and inbox(stranger) == []

    cast_ballot(cycle=cycle, credential=f"roll:{entry.id}", ranking=[project.id], channel=Channel.online, locale="en")
    db.session.commit()
    assert queue_closing_soon(CLOSES - timedelta(days=5)) == 0  # too early
    assert queue_closing_soon(CLOSES - timedelta(hours=20)) == 1
    assert queue_closing_soon(CLOSES - timedelta(hours=2)) == 1  # a second run adds nothing
    assert [m.subject for m in inbox(asked)] == [f"Voting is open: {cycle.title}", f"Voting closes soon: {cycle.title}"]
    assert len(inbox(voter)) == 1 and inbox(did_not_ask) == [] and inbox(stranger) == []
    assert queue_closing_soon(CLOSES + timedelta(hours=1)) == 0  # past the close


def test_voting_emails_are_a_choice_on_the_account_page(app, make):
    """New accounts do not get voting emails; the account page turns them on, and the data
    download shows the choice and the ideas the person supports."""
    user = make.user(Role.resident)
    assert user.notify_voting is False
    client = app.test_client()
    login(client, user)
    page = client.get("/account").get_data(as_text=True)
    assert 'name="notify_voting"' in page
    response = client.post("/account", data={"locale": "en", "notify_ideas": "y", "notify_voting": "y",
                                             "csrf_token": csrf_from(page)})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.notify_voting, user.notify_follows) == (True, False)
    data = client.get("/account/data.json").get_json(force=True)
    assert data["account"]["email_choices"]["voting"] is True and data["supports"] == []


@pytest.fixture
def voting_with_a_follower(make, people):
    """A cycle in voting, and an English reader who follows one of its projects and asked for
    voting emails."""
    staff, _, asked = people
    asked.notify_voting = True
    cycle = make.cycle(phase=Phase.development, actor=staff)
    follow(user=asked, project=make.project(cycle, actor=staff))
    make.project(cycle, actor=staff)
    open_voting(cycle, actor=staff)
    return cycle, asked


def test_the_reminder_lead_is_a_setting(app, voting_with_a_follower):
    """With VOTING_REMINDER_HOURS at 72, three days before the close is already due."""
    cycle, asked = voting_with_a_follower
    app.config["VOTING_REMINDER_HOURS"] = 72
    assert queue_closing_soon(CLOSES - timedelta(hours=71)) == 1
    assert subjects(asked)[-1] == f"Voting closes soon: {cycle.title}"


def test_the_mail_worker_queues_the_closing_note(voting_with_a_follower, runner):
    """`flask pb mail send` from cron queues the closing note when it is due, and only once."""
    cycle, asked = voting_with_a_follower
    for _run in range(2):
        with clock.frozen(CLOSES - timedelta(hours=30)):
            assert runner.invoke(args=["pb", "mail", "send"]).exit_code == 0
    assert subjects(asked) == [f"Voting is open: {cycle.title}", f"Voting closes soon: {cycle.title}"]
