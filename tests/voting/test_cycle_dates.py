"""The cycle page shows every phase with its dates and time zone, and when voting closes."""

from datetime import UTC, datetime

from pb import clock
from tests.voting.conftest import voting_cycle  # noqa: F401  (fixture)


def test_cycle_page_lists_every_phase_with_dates_and_zone(client, voting_cycle):  # noqa: F811
    """Each phase reads 'January 1, 2027 to February 1, 2027'; the time zone is named once."""
    cycle, _ = voting_cycle
    page = client.get(f"/cycles/{cycle.slug}").get_data(as_text=True)
    assert "January 1, 2027 to February 1, 2027" in page and "March 1, 2027 to April 1, 2027" in page
    assert "from June 1, 2027" in page
    assert "Dates and times are in the Coordinated Universal Time time zone." in page


def test_voting_close_date_and_days_left(client, voting_cycle):  # noqa: F811
    """During voting: 'voting closes on April 1, 2027 at 12:00 AM (…), in 3 days' (and 1 day, singular)."""
    cycle, _ = voting_cycle
    with clock.frozen(datetime(2027, 3, 29, 6, 0, tzinfo=UTC)):
        page = client.get(f"/cycles/{cycle.slug}").get_data(as_text=True)
    assert "Voting closes" in page and "on April 1, 2027 at" in page and "in 3 days" in page
    with clock.frozen(datetime(2027, 3, 31, 6, 0, tzinfo=UTC)):
        assert "in 1 day<" in client.get(f"/cycles/{cycle.slug}").get_data(as_text=True).replace("\n", "")


def test_days_left_count_calendar_days_and_stay_right_from_the_cache(client, voting_cycle):  # noqa: F811
    """Voting closes April 1 at 17:00: all day on March 30 the page says 'in 2 days' (also
    when served from the page cache late that day), and on April 1 it says 'today'."""
    from pb.db import db
    from pb.enums import Phase

    cycle, _ = voting_cycle
    [closing] = [d for d in cycle.schedule if d.phase == Phase.tallying]
    closing.starts_at = datetime(2027, 4, 1, 17, 0, tzinfo=UTC)
    db.session.commit()
    for moment in (datetime(2027, 3, 30, 0, 1, tzinfo=UTC), datetime(2027, 3, 30, 23, 58, tzinfo=UTC)):
        with clock.frozen(moment):
            assert "in 2 days<" in client.get(f"/cycles/{cycle.slug}").get_data(as_text=True).replace("\n", "")
    with clock.frozen(datetime(2027, 4, 1, 9, 0, tzinfo=UTC)):
        page = client.get(f"/cycles/{cycle.slug}").get_data(as_text=True).replace("\n", "")
    assert "today<" in page and "in 1 day" not in page
