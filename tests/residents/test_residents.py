"""Residents' own accounts, "my activity", follows and the emails that close the loop, through
the web pages and a real local SMTP server."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from pb.accounts.models import User
from pb.audit.models import AuditEvent
from pb.db import db
from pb.deliberation.models import Comment, CommentReport
from pb.enums import IdeaStatus, Phase, Role
from pb.notifications.notify import progress_posted
from pb.outbox.models import OutboxMail
from pb.outbox.services import deliver_due
from pb.proposals.models import Idea
from pb.proposals.services import review_idea
from pb.transaction import transaction
from tests.conftest import csrf_from, login
from tests.voting.test_registration import smtp  # noqa: F401  (fixture)


def part(mail, subtype: str) -> str:
    """The text of the mail's text/<subtype> part."""
    found = next(p for p in mail.walk() if p.get_content_type() == f"text/{subtype}")
    return found.get_payload(decode=True).decode()


def link_in(mail) -> str:
    return re.search(r"http://localhost(/\S+)", part(mail, "plain")).group(1)


def sign_up(client, email="ana@example.org", method="password", password="una clave larga", lang=None):
    if lang:
        client.get(f"/language/{lang}")
    token = csrf_from(client.get("/signup").get_data(as_text=True))
    return client.post("/signup", data={"email": email, "method": method, "password": password,
                                        "csrf_token": token})


def use_link(client, path):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def users(email) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == email))


def test_sign_up_in_spanish_verify_and_land_on_my_activity(app, client, smtp):  # noqa: F811
    """Sign-up sends a verification link in the chosen language; pressing its button verifies
    the address and signs the resident in; the account keeps the language."""
    response = sign_up(client, lang="es")
    assert response.status_code == 200
    [mail] = smtp.messages
    assert mail["To"] == "ana@example.org" and 'lang="es"' in part(mail, "html")
    user = db.session.scalars(select(User).where(User.email == "ana@example.org")).one()
    assert user.email_verified_at is None and user.locale == "es" and user.role == Role.resident
    done = use_link(client, link_in(mail))
    assert done.status_code == 302 and done.location.endswith("/me")
    db.session.refresh(user)
    assert user.email_verified_at is not None
    assert client.get("/me").status_code == 200


def test_link_scanners_cannot_use_up_a_link(app, client, smtp):  # noqa: F811
    """Opening an emailed link only shows a button; the link is used by pressing it, once."""
    sign_up(client)
    link = link_in(smtp.messages[0])
    for _ in range(3):
        assert app.test_client().get(link).status_code == 200
    assert use_link(client, link).status_code == 302
    assert client.get(link).status_code == 404  # used


def test_sign_up_answers_the_same_for_a_known_address(app, client, smtp):  # noqa: F811
    """Signing up with an address that has an account shows the same page; only the owner's
    mailbox learns it (an email with a sign-in link), and no second account appears."""
    first = sign_up(client).get_data(as_text=True)
    use_link(client, link_in(smtp.messages[0]))
    again = sign_up(app.test_client(), password="another long password").get_data(as_text=True)
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731 - csrf tokens differ
    assert strip(first) == strip(again)
    assert users("ana@example.org") == 1 and len(smtp.messages) == 2
    assert "/login/link/" in link_in(smtp.messages[1])


def test_sign_up_is_rate_limited_per_email_and_per_device(app, smtp):  # noqa: F811
    """A mailbox gets at most 3 sign-up emails an hour, a browser tries at most 10 addresses."""
    for n in range(3):
        assert sign_up(app.test_client()).status_code == 200, n
    assert sign_up(app.test_client()).status_code == 429
    device = app.test_client()
    statuses = [sign_up(device, email=f"p{n}@example.org").status_code for n in range(11)]
    assert statuses == [200] * 10 + [429]


def test_one_time_sign_in_link_without_a_password(app, client, smtp):  # noqa: F811
    """A resident without a password signs in with an emailed link; unknown addresses get the
    same answer and no mail."""
    sign_up(client, method="link", password="")
    use_link(client, link_in(smtp.messages[0]))
    other = app.test_client()
    token = csrf_from(other.get("/login/link").get_data(as_text=True))
    known = other.post("/login/link", data={"email": "ana@example.org", "csrf_token": token})
    unknown = other.post("/login/link", data={"email": "nobody@example.org", "csrf_token": token})
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert len(smtp.messages) == 2
    assert use_link(other, link_in(smtp.messages[1])).status_code == 302
    assert other.get("/me").status_code == 200


def test_email_change_is_verified_at_the_new_address(app, client, make, smtp):  # noqa: F811
    """The new address takes effect only through its own link; the old address is told."""
    user = make.user(Role.resident, email="old@example.org")
    login(client, user)
    token = csrf_from(client.get("/account").get_data(as_text=True))
    client.post("/account/email", data={"new_email": "new@example.org", "csrf_token": token})
    assert users("old@example.org") == 1
    [confirm] = smtp.messages
    assert confirm["To"] == "new@example.org"
    use_link(client, link_in(confirm))
    assert users("new@example.org") == 1 and users("old@example.org") == 0
    assert smtp.messages[1]["To"] == "old@example.org"


def test_language_is_kept_on_the_account_and_after_signing_out(app, client, make):
    """The language chosen on the account page comes back at the next sign-in, anywhere, and
    stays after signing out."""
    user = make.user(Role.resident)
    login(client, user)
    token = csrf_from(client.get("/account").get_data(as_text=True))
    client.post("/account", data={"locale": "es", "notify_ideas": "y", "csrf_token": token})
    client.post("/logout", data={"csrf_token": token})
    assert 'lang="es"' in client.get("/").get_data(as_text=True)
    elsewhere = app.test_client()
    login(elsewhere, user)
    assert 'lang="es"' in elsewhere.get("/").get_data(as_text=True)


def _idea(client, make):
    cycle = make.cycle(phase=Phase.ideas)
    token = csrf_from(client.get(f"/cycles/{cycle.slug}/ideas/new").get_data(as_text=True))
    response = client.post(f"/cycles/{cycle.slug}/ideas/new", data={
        "title": "Un banco en la parada", "body": "Hace falta un banco en la parada del autobús.",
        "category": "transport", "area": cycle.areas[0].slug, "locale": "es", "contact": "555-1234",
        "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return db.session.scalars(select(Idea)).one()


def test_answer_email_in_my_language_with_one_click_unsubscribe(app, client, make, smtp):  # noqa: F811
    """Staff answering my idea emails me in my language with List-Unsubscribe headers; the
    one-click POST (no session, no form token) stops further notifications; my activity page
    shows the idea's status and public answer."""
    user = make.user(Role.resident, locale="es")
    login(client, user)
    idea = _idea(client, make)
    staff = make.user(Role.staff)
    with app.test_request_context():
        with transaction():
            review_idea(actor=staff, idea=idea, status=IdeaStatus.not_feasible, reason="No hay espacio en la acera.")
    [mail] = smtp.messages
    assert mail["To"] == user.email and mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert 'lang="es"' in part(mail, "html")
    activity = client.get("/me").get_data(as_text=True)
    assert "Un banco en la parada" in activity and "No hay espacio en la acera." in activity
    one_click = re.search(r"<http://localhost(/\S+)>", re.sub(r"\s+", "", mail["List-Unsubscribe"])).group(1)
    stranger = app.test_client()
    assert stranger.post(one_click, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with app.test_request_context():
        with transaction():
            review_idea(actor=staff, idea=db.session.get(Idea, idea.id), status=IdeaStatus.under_review)
    assert len(smtp.messages) == 1


def test_a_forged_unsubscribe_token_changes_nothing(app, client):
    """Without a token we signed, the one-click address is a 404 and nothing is stored."""
    before = db.session.scalar(select(func.count()).select_from(OutboxMail))
    assert client.post("/unsubscribe/eyJ1IjoxfQ.forged/one-click",
                       data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == before


def test_follow_a_project_and_hear_of_its_progress(app, client, make, smtp):  # noqa: F811
    """Following a project (a button on its page) brings its progress reports by email, and the
    follow is listed on my activity page."""
    user = make.user(Role.resident)
    login(client, user)
    cycle = make.cycle(phase=Phase.development)
    project = make.project(cycle)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f"/projects/{project.id}/follow" in page
    client.post(f"/projects/{project.id}/follow", data={"action": "follow", "csrf_token": csrf_from(page)})
    assert "Stop following" in client.get("/me").get_data(as_text=True)
    with app.test_request_context():
        progress_posted(project, type("Update", (), {"status": "in_progress", "percent": 40, "body": "Obras."})())
        db.session.commit()
    deliver_due()
    [mail] = smtp.messages
    # The percent itself, not a "40" that a link's random token or a date may hold.
    assert mail["To"] == user.email and re.search(r"(?<!\d)40\s?%", part(mail, "plain"))


def test_download_my_data_and_delete_my_account(app, client, make, smtp):  # noqa: F811
    """The download holds my ideas but no secret; deleting keeps my idea (without its contact
    note), erases my identity, ends my session and is audited without personal data."""
    user = make.user(Role.resident, email="gone@example.org", name="Zelda Quinteros")
    login(client, user)
    idea = _idea(client, make)
    comment = Comment(idea_id=idea.id, author_id=make.user(Role.resident).id, locale="en", body="Not nice.")
    db.session.add(comment)
    db.session.flush()
    db.session.add(CommentReport(comment_id=comment.id, reporter_id=user.id, reason="Rude"))
    db.session.commit()
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    assert data["account"]["email"] == "gone@example.org" and data["ideas"][0]["title"] == idea.title
    assert data["account"]["name"] == "Zelda Quinteros"  # all we hold: the name staff typed too
    assert [(r["comment"], r["reason"]) for r in data["reports"]] == [(comment.id, "Rude")]
    assert "password" not in json.dumps(data).replace('"password": ', "")  # no hash
    token = csrf_from(client.get("/account").get_data(as_text=True))
    assert client.post("/account/delete", data={"csrf_token": token}).status_code == 302  # not ticked
    assert users("gone@example.org") == 1
    client.post("/account/delete", data={"confirm": "y", "csrf_token": token})
    assert users("gone@example.org") == 0
    db.session.refresh(idea)
    assert idea.title == "Un banco en la parada" and idea.contact == ""
    assert client.get("/me").status_code == 302  # signed out
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.delete")).one()
    assert event.data == {} and event.actor_id is None and "gone" not in json.dumps(event.data)
    fresh = app.test_client()
    page = fresh.get("/login").get_data(as_text=True)
    refused = fresh.post("/login", data={"email": "gone@example.org", "password": "correct horse battery",
                                         "csrf_token": csrf_from(page)})
    assert refused.status_code == 200  # the sign-in page again, with its error


def test_no_emailed_link_signs_in_staff_liaisons_or_observers(app, make, smtp):  # noqa: F811
    """Staff (here with a second step set up), liaisons and observers get no sign-in link, and
    a link issued for one anyway signs nobody in: they sign in with password and second step.
    Signing up with their address sends them to the sign-in page, not a link."""
    from pb.accounts.signup import issue_token

    staff = make.user(Role.staff, email="boss@example.org")
    staff.totp_secret = "JBSWY3DPEHPK3PXP"
    liaison, observer = make.user(Role.liaison, email="li@example.org"), make.user(Role.observer, email="ob@example.org")
    db.session.commit()
    for person in (staff, liaison, observer):
        client = app.test_client()
        token = csrf_from(client.get("/login/link").get_data(as_text=True))
        client.post("/login/link", data={"email": person.email, "csrf_token": token})
        with transaction():
            link = issue_token(user=person, purpose="signin")
        use_link(client, f"/login/link/{link}")
        assert client.get("/admin/").status_code in (302, 401, 403), person.role
    assert smtp.messages == []
    sign_up(app.test_client(), email="boss@example.org")
    [mail] = smtp.messages
    assert "/login/link/" not in part(mail, "plain") and "/login" in part(mail, "plain")


def test_a_password_reset_ends_a_pending_email_change(app, client, make, smtp):  # noqa: F811
    """Someone in the account asks to move it to their own address; the owner resets the
    password: the email-change link no longer works, and the address stays the owner's."""
    from pb.accounts.people import set_password_from_link
    from pb.accounts.tokens import issue_token

    user = make.user(Role.resident, email="owner@example.org")
    login(client, user)
    token = csrf_from(client.get("/account").get_data(as_text=True))
    client.post("/account/email", data={"new_email": "taker@example.org", "csrf_token": token})
    [change] = smtp.messages
    with transaction():
        reset = issue_token(user=user, purpose="reset")
    with transaction():
        set_password_from_link(token=reset, purpose="reset", password="a brand new password",
                               confirm="a brand new password")
    taker = app.test_client()
    assert taker.get(link_in(change)).status_code == 404
    db.session.refresh(user)
    assert user.email == "owner@example.org" and user.pending_email is None


def test_links_sent_to_the_old_address_die_with_it(app, client, make, smtp):  # noqa: F811
    """A sign-in link sent before an email change stops working once the new address is confirmed."""
    from pb.accounts.tokens import issue_token

    user = make.user(Role.resident, email="old@example.org")
    with transaction():
        old_link = issue_token(user=user, purpose="signin")
    login(client, user)
    token = csrf_from(client.get("/account").get_data(as_text=True))
    client.post("/account/email", data={"new_email": "new@example.org", "csrf_token": token})
    use_link(client, link_in(smtp.messages[0]))
    assert app.test_client().get(f"/login/link/{old_link}").status_code == 404


def test_account_mail_is_in_the_accounts_language(app, make, smtp):  # noqa: F811
    """A Spanish-speaking resident asks for a sign-in link from an English browser: the mail is in Spanish."""
    make.user(Role.resident, email="sofia@example.org", locale="es")
    client = app.test_client()
    token = csrf_from(client.get("/login/link").get_data(as_text=True))
    client.post("/login/link", data={"email": "sofia@example.org", "csrf_token": token})
    [mail] = smtp.messages
    assert 'lang="es"' in part(mail, "html") and "Your sign-in link" not in str(mail["Subject"])


def test_a_look_alike_address_is_not_a_second_account(app, make, smtp):  # noqa: F811
    """With kate@example.org signed up, the same address in fullwidth letters reaches her
    account, and one with an invisible character or a dot at the end is refused."""
    make.user(Role.resident, email="kate@example.org")
    sign_up(app.test_client(), email="ｋate@example.org")
    assert users("kate@example.org") == 1 and "/login/link/" in link_in(smtp.messages[0])
    for odd in ("kate@example.org\u200b", "kate@example.org."):
        response = sign_up(app.test_client(), email=odd)
        assert response.status_code == 400 and "valid email" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
