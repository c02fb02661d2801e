"""Fixtures for ideas and projects: a cycle collecting ideas, valid form data, quick ideas."""

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from pb.db import db
from pb.enums import Channel, IdeaStatus, Phase, Role
from pb.proposals.services import review_idea, submit_idea


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    """Test accounts get a one-round hash: scrypt's 0.2 s per account and login is most of the
    run time of these tests, and no test here is about passwords."""
    monkeypatch.setattr("pb.accounts.services.generate_password_hash",
                        lambda password, **_options: generate_password_hash(password, method="pbkdf2:sha256:1"))


@pytest.fixture
def cycle(make):
    """A cycle collecting ideas, offered in English and Spanish."""
    return make.cycle(phase=Phase.ideas, languages=["es"])


@pytest.fixture
def staff(make):
    return make.user(Role.staff)


def form(**overrides) -> dict:
    """Valid idea form data; override any field."""
    return {"title": "Evening rides to dialysis", "category": "transport", "area": "north",
            "body": "A van that takes people to the dialysis clinic after work hours.",
            "location_text": "Riverside clinic", "locale": "en", "contact": ""} | overrides


def idea(cycle, author, status: IdeaStatus | None = None, reviewer=None, **overrides):
    """An idea submitted through the service (and optionally reviewed), committed."""
    data = form(**overrides)
    slug = data.pop("area")
    area = next((a for a in cycle.areas if a.slug == slug), None)
    created = submit_idea(actor=author, author=author, cycle=cycle, channel=Channel.online, area=area, **data)
    if status is not None:
        review_idea(actor=reviewer, idea=created, status=status,
                    reason="" if status in (IdeaStatus.advanced, IdeaStatus.under_review) else "A reason.")
    db.session.commit()
    return created


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))
