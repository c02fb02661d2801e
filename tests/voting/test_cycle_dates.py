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
