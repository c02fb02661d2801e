"""The emails that close the loop, queued in the outbox with the change that causes them.

Each recipient gets their own mail, rendered from templates/email/<event>.txt and .html in
their own language, with a one-click unsubscribe link (List-Unsubscribe and
List-Unsubscribe-Post headers, and a signed link that works without signing in) and a
settings link. Only active accounts with a verified address and the matching choice on hear
anything: authors about their ideas (`notify_ideas`), followers about what they follow
(`notify_follows`), writers about replies (`notify_replies`), and people who took part in a
cycle about its voting dates (`notify_voting`, off unless they turn it on).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import current_app, render_template
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from pb.accounts.models import User
from pb.config import link_context, public_url
from pb.db import db
from pb.enums import IdeaStatus
from pb.i18n.content import Localized
from pb.i18n.labels import IDEA_STATUS_NAMES, PROGRESS_NAMES
from pb.i18n.locales import direction, enabled_languages
from pb.notifications.services import follower_ids
from pb.outbox.models import OutboxMail
from pb.outbox.services import address_hash, queue_mail

IDEAS, FOLLOWS, REPLIES, VOTING = "notify_ideas", "notify_follows", "notify_replies", "notify_voting"


# ---- unsubscribe links -------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="pb-unsubscribe")


def unsubscribe_token(user: User) -> str:
    """A signed token naming the account and the address the mail went to (no expiry)."""
    return _serializer().dumps({"u": user.id, "a": address_hash(user.email)})


def read_unsubscribe_token(token: str) -> dict | None:
    """The token's account id and address hash, or None if it is not one of ours."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    ok = isinstance(data, dict) and isinstance(data.get("u"), int) and isinstance(data.get("a"), str)
    return data if ok else None


# ---- events ------------------------------------------------------------------------------

def idea_reviewed(idea) -> None:
    """The idea got a new status (answered, merged, not eligible ...): its author and followers."""
    if idea.status == IdeaStatus.submitted:
        return
    merged = idea.merged_into
    _send(_audience([idea.author_id], follower_ids(idea_ids=[idea.id])), "idea_answered",
          subject=lambda c: _("Your idea has an answer: %(title)s", title=c["title"]),
          title=idea.title, status=IDEA_STATUS_NAMES[idea.status], reason=idea.status_reason,
          merged_title=merged.title if merged else None,
          merged_url=_link("proposals.detail", idea_id=merged.id) if merged else None,
          url=_link("proposals.detail", idea_id=idea.id))


def idea_withdrawn(idea) -> None:
    """The author took the idea back: the people who follow it (the author knows already)."""
    followers = follower_ids(idea_ids=[idea.id]) - {idea.author_id}
    _send(dict.fromkeys(followers, FOLLOWS), "idea_withdrawn",
          subject=lambda c: _("An idea you follow was withdrawn: %(title)s", title=c["title"]),
          title=idea.title, reason=idea.status_reason, url=_link("proposals.detail", idea_id=idea.id))


def idea_in_project(idea, project) -> None:
    """The idea was turned into (part of) a ballot project."""
    _send(_audience([idea.author_id], follower_ids(idea_ids=[idea.id])), "idea_project",
          key=f"idea-project:{idea.id}:{project.id}",
          subject=lambda c: _("Your idea became a project: %(title)s", title=c["title"]),
          title=idea.title, project_title=_title(project), url=_link("cycles.project", project_id=project.id))


def project_on_ballot(project) -> None:
    """The project is ready for the ballot (told once, even if it goes back and forth)."""
    _send(_project_audience(project), "project_ballot", key=f"ballot:{project.id}",
          subject=lambda c: _("On the ballot: %(title)s", title=c["project_title"]),
          project_title=_title(project), url=_link("cycles.project", project_id=project.id))


def result_published(*, cycle, projects: Iterable, winners: set[str], result_key: str) -> None:
    """A result was published: for each ballot project, funded or not, with the results link."""
    results = _link("results.public_results", slug=cycle.slug)
    for project in projects:
        funded = str(project.id) in winners
        _send(_project_audience(project), "result", key=f"result:{result_key[:16]}:{project.id}",
              subject=(lambda c: _("Funded: %(title)s", title=c["project_title"])) if funded else
              (lambda c: _("Not funded this time: %(title)s", title=c["project_title"])),
              project_title=_title(project), funded=funded, results_url=results,
              url=_link("cycles.project", project_id=project.id))


def progress_posted(project, update) -> None:
    """A progress report on a project the person's idea fed or that they follow."""
    _send(_project_audience(project), "progress",
          subject=lambda c: _("Progress on %(title)s", title=c["project_title"]),
          project_title=_title(project), status=PROGRESS_NAMES[update.status], percent=update.percent,
          body=update.body, url=_link("cycles.project", project_id=project.id))


def comment_replied(comment, parent, target) -> None:
    """Someone replied to the person's comment (never told of their own replies)."""
    if parent is None or parent.author_id in (None, comment.author_id):
        return
    endpoint, args = (("proposals.detail", {"idea_id": target.id}) if comment.idea_id else
                      ("cycles.project", {"project_id": target.id}))
    _send({parent.author_id: REPLIES}, "reply",
          subject=lambda c: _("A reply to your comment on %(title)s", title=c["title"]),
          title=_title(target), reply=comment.body, url=_link(endpoint, **args))


def voting_opened(cycle, people: Iterable[int], closes) -> None:
    """Voting opened in a cycle where these people took part (only those who opted in)."""
    _send(dict.fromkeys(people, VOTING), "voting_open", key=f"voting-open:{cycle.id}",
          subject=lambda c: _("Voting is open: %(title)s", title=c["cycle_title"]),
          cycle_title=_title(cycle), closes=_date(closes), url=_link("voting.start", slug=cycle.slug))


def voting_closes_soon(cycle, people: Iterable[int], closes) -> None:
    """Voting closes soon in a cycle where these people took part (told once per cycle)."""
    _send(dict.fromkeys(people, VOTING), "voting_closing", key=f"voting-closing:{cycle.id}",
          subject=lambda c: _("Voting closes soon: %(cycle)s", cycle=c["cycle_title"]),
          cycle_title=_title(cycle), closes=_date(closes), url=_link("voting.start", slug=cycle.slug))


# ---- who hears, and how ------------------------------------------------------------------

def _audience(author_ids: Iterable[int | None], followers: set[int]) -> dict[int, str]:
    """Each person once, with the choice that decides for them (authors over followers)."""
    audience = dict.fromkeys(followers, FOLLOWS)
    audience.update(dict.fromkeys((i for i in author_ids if i is not None), IDEAS))
    return audience


def _project_audience(project) -> dict[int, str]:
    idea_ids = [idea.id for idea in project.ideas]
    followers = follower_ids(idea_ids=idea_ids, project_ids=[project.id])
    return _audience([idea.author_id for idea in project.ideas], followers)


def _recipients(audience: dict[int, str]) -> list[User]:
    if not audience:
        return []
    users = db.session.scalars(select(User).where(User.id.in_(list(audience))).order_by(User.id))
    return [u for u in users if u.is_active_account and u.deleted_at is None
            and u.email_verified_at is not None and getattr(u, audience[u.id])]


class _PerReader:
    """A value worked out for each recipient, in their language (a title, a link)."""

    def __init__(self, make: Callable[[str], str]):
        self.make = make


def _link(endpoint: str, **values) -> _PerReader:
    return _PerReader(lambda _locale: public_url(endpoint, **values))


def _title(obj) -> _PerReader:
    """The object's title in the reader's language when a reviewed translation exists."""
    return _PerReader(lambda locale: Localized([obj], locale)(obj, "title").text)


def _date(when) -> _PerReader | None:
    """A date and time in the reader's language and the platform's time zone."""
    return None if when is None else _PerReader(lambda _locale: format_datetime(when, "long"))


def _send(audience: dict[int, str], template: str, *, subject: Callable[[dict], str],
          key: str | None = None, **context) -> None:
    users = _recipients(audience)
    if key is not None and users:  # told already (a worker run repeats): skip before rendering
        told = set(db.session.scalars(select(OutboxMail.dedupe_key).where(
            OutboxMail.dedupe_key.in_([f"{key}:{u.id}" for u in users]))))
        users = [u for u in users if f"{key}:{u.id}" not in told]
    if not users:
        return
    with link_context():
        for user in users:
            _queue_for(user, template, subject=subject, key=f"{key}:{user.id}" if key else None, **context)


def _queue_for(user: User, template: str, *, subject, key, **context) -> None:
    codes = {lang.code for lang in enabled_languages()}
    locale = user.locale if user.locale in codes else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        values = {name: value.make(locale) if isinstance(value, _PerReader) else value
                  for name, value in context.items()}
        token = unsubscribe_token(user)
        one_click = public_url("residents.unsubscribe_one_click", token=token)
        values |= {"unsubscribe_url": public_url("residents.unsubscribe", token=token),
                   "settings_url": public_url("residents.account"), "locale": locale,
                   "text_direction": direction(locale)}
        text = render_template(f"email/{template}.txt", **values)
        html = render_template(f"email/{template}.html", **values)
        title = subject(values)
    queue_mail(to=user.email, subject=title, text=text, html=html, locale=locale, key=key,
               headers={"List-Unsubscribe": f"<{one_click}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
