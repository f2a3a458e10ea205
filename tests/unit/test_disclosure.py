"""Secondary suppression on small tables an adversary would try: a ward of 3 in an authority of
40, a gender of 2 pupils, and a two-way table where single differences recover nothing but a
combination of sums does."""

from __future__ import annotations

import numpy as np

from warehouse import disclosure


def test_small_means_one_to_nine():
    assert disclosure.small([0, 1, 9, 10, np.nan]).tolist() == [False, True, True, False, False]


def test_a_ward_of_three_in_an_authority_of_forty_takes_its_sister_ward_with_it():
    # rows: authority 40, ward A 37, ward B 3
    groups = disclosure.groups_from_keys([(["E07", "E07", "E07"], [True, False, False])])
    hidden = disclosure.complementary(disclosure.small([40, 37, 3]), [40, 37, 3], groups)
    assert hidden.tolist() == [False, True, True]


def test_the_complement_is_the_smallest_non_zero_cell():
    # All 49 = Female 25 + Male 22 + Other 2 + Prefer not to say 0
    sizes = [49, 25, 22, 2, 0]
    groups = disclosure.groups_from_keys([(["g"] * 5, [True, False, False, False, False])])
    hidden = disclosure.complementary(disclosure.small(sizes), sizes, groups)
    assert hidden.tolist() == [False, False, True, True, False]


def test_groups_need_exactly_one_total():
    groups = disclosure.groups_from_keys([(["a", "a", "b", "b", None], [True, False, False, False, True])])
    assert [g.tolist() for g in groups] == [[0, 1]]  # 'b' has no total row: no relation to exploit


def test_combinations_of_sums_are_closed_as_well_as_single_differences():
    # cells (area, gender) with area in county C = L + U (L = Lancashire-12, U = one unitary) and
    # gender All = F + O; the Other cells of C, L and U are 2, 2, 0: C-O and L-O are small.
    names = ["C-All", "C-F", "C-O", "L-All", "L-F", "L-O", "U-All", "U-F", "U-O"]
    sizes = np.array([70, 68, 2, 50, 48, 2, 20, 20, 0], dtype=float)
    at = {n: i for i, n in enumerate(names)}
    gender = [n[0] for n in names]
    area = [n.split("-")[1] for n in names]
    groups = disclosure.groups_from_keys([
        (gender, [a == "All" for a in area]),       # All = F + O in each area
        (area, [g == "C" for g in gender]),        # C = L + U for each gender
    ])
    primary = disclosure.small(sizes)
    assert {names[i] for i in np.flatnonzero(primary)} == {"C-O", "L-O"}
    hidden = disclosure.complementary(primary, sizes, groups)
    assert disclosure.determined(hidden, groups) == []
    assert hidden[at["C-O"]] and hidden[at["L-O"]]
    # every group holds none or at least two hidden cells
    assert all(hidden[g].sum() != 1 for g in groups)


def test_linear_algebra_finds_what_single_differences_miss():
    # rows 0, 3, 6 are published totals: x + y = 10, x + z = 7, y + z = 5; every group has two
    # unknowns, yet the three together give x = 6, y = 4, z = 1 (rows 4, 7, 8 are unused padding)
    groups = [np.array([0, 1, 2]), np.array([3, 1, 5]), np.array([6, 2, 5])]
    hidden = np.zeros(9, dtype=bool)
    hidden[[1, 2, 5]] = True
    assert all(hidden[g].sum() == 2 for g in groups)
    assert sorted(disclosure.determined(hidden, groups)) == [1, 2, 5]
    fixed = disclosure.complementary(hidden, np.array([10, 6, 4, 7, 0, 1, 5, 0, 1.0]), groups)
    assert disclosure.determined(fixed, groups) == []


def test_the_ward_rule_hides_one_to_four_crimes():
    assert disclosure.small([0, 1, 4, 5, 9], disclosure.SMALLEST_CRIME_COUNT).tolist() == [False, True, True, False, False]


def test_a_total_published_elsewhere_is_never_hidden_and_still_forces_a_complement():
    # an authority's deciles 3 + 30 + 12, its total 45 published in another mart: hiding the 3 alone
    # would leave 45 - 30 - 12 = 3, so the 12 goes with it; the outside total is not a candidate
    sizes = np.array([3.0, 30.0, 12.0])
    groups = [np.array([0, 1, 2])]
    hidden = disclosure.complementary_with_outside_totals(disclosure.small(sizes, 5), sizes, groups, [True])
    assert hidden.tolist() == [True, False, True]
    # with no outside total the three parts relate to nothing, and only the small cell is hidden
    alone = disclosure.complementary_with_outside_totals(disclosure.small(sizes, 5), sizes, [], [])
    assert alone.tolist() == [True, False, False]
