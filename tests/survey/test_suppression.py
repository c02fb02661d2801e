"""Small-cell protection, checked against hand calculations (no database, no app)."""

from fractions import Fraction

from pb.survey.suppression import (
    representation_ratio,
    suppress_counts,
    suppress_question,
    suppress_table,
)


def test_a_lone_small_cell_takes_the_next_smallest_with_it():
    """50, 5, 30, 25 (total 110, public 20): 5 is hidden and so is 25, since 110-50-30-25 = 5."""
    table = suppress_counts({"a": 50, "b": 5, "c": 30, "d": 25}, threshold=20)
    assert [table.cells["all", k] for k in "abcd"] == [50, None, 30, None]
    assert table.total == 110  # 110 - 50 - 30 = 30 = b + d: b cannot be recovered


def test_zero_is_shown_and_large_cells_stay():
    """Nothing from 1 to 19: nothing hidden (zero names nobody)."""
    table = suppress_counts({"a": 0, "b": 40, "c": 45}, threshold=20)
    assert [table.cells["all", k] for k in "abc"] == [0, 40, 45] and table.total == 85


def test_a_small_total_hides_everything():
    """3 + 4 = 7 < 11 at the staff threshold: both cells and the total are hidden."""
    table = suppress_counts({"a": 3, "b": 4}, threshold=11)
    assert table.cells == {("all", "a"): None, ("all", "b"): None} and table.total is None


def test_complementary_suppression_cascades_through_rows_and_columns():
    """r1 = (30, 5, 40), r2 = (50, 60, 12), staff 11: 5 hides 30 (its row), then 60 and 50
    (their columns); r2 then holds two hidden cells, so nothing else is needed."""
    values = {("r1", "x"): 30, ("r1", "y"): 5, ("r1", "z"): 40,
              ("r2", "x"): 50, ("r2", "y"): 60, ("r2", "z"): 12}
    table = suppress_table(values, ["r1", "r2"], ["x", "y", "z"], threshold=11)
    hidden = {key for key, value in table.cells.items() if value is None}
    assert hidden == {("r1", "x"), ("r1", "y"), ("r2", "x"), ("r2", "y")}
    assert table.row_totals == {"r1": 75, "r2": 122} and table.col_totals == {"x": 80, "y": 65, "z": 52}
    # Four unknowns, and the equations r1: x+y=35, r2: x+y=110, x: 80, y: 65 have rank 3.


def test_a_lone_small_row_total_takes_another_row_total():
    """Rows of 8 and 50 with a grand total of 58 (staff 11): the 8 row and the 50 row are
    both hidden, or 58 - 50 would give the 8 back."""
    values = {("r1", "x"): 8, ("r2", "x"): 25, ("r2", "y"): 25}
    table = suppress_table(values, ["r1", "r2"], ["x", "y"], threshold=11)
    assert table.row_totals == {"r1": None, "r2": None} and table.total == 58


def test_shares_do_not_give_back_a_hidden_band():
    """Bands 12, 60, 25 and "prefer not" 3 (public 20): 12 is hidden, so 25 goes too (the
    share 60/97 shows the 97); "prefer not" hides "not answered" (0), since 100 - 97 = 3."""
    counts = {"18_24": 12, "25_34": 60, "35_44": 25, "prefer_not": 3, "not_answered": 0}
    out = suppress_question(counts, ["18_24", "25_34", "35_44"], threshold=20)
    assert (out["18_24"], out["25_34"], out["35_44"]) == (None, 60, None)
    assert (out["prefer_not"], out["not_answered"], out["given"], out["total"]) == (None, None, 97, 100)


def test_representation_ratio_by_hand():
    """9% of voters from a group that is 21% of residents: 9/21 = 3/7 (about 0.43)."""
    assert representation_ratio(9, 100, 210, 1000) == Fraction(3, 7)
    assert representation_ratio(5, 0, 10, 100) is None and representation_ratio(5, 10, 0, 100) is None
