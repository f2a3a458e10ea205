"""The intervals and tests the marts publish, each against an independent scipy computation:
exact Poisson limits by root-finding, scipy's Wilson interval, the chi-square test of a 2x2
table, and scipy's exact binomial test for the conditional test of two Poisson counts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import binomtest, chi2_contingency, poisson

from warehouse import statistics as st


def exact_poisson_limits(k: int) -> tuple[float, float]:
    lower = 0.0 if k == 0 else brentq(lambda m: poisson.sf(k - 1, m) - 0.025, 1e-9, 10 * k + 10)
    return lower, brentq(lambda m: poisson.cdf(k, m) - 0.025, 1e-9, 10 * k + 20)


def test_poisson_interval_is_garwoods_exact_interval():
    counts = [0, 1, 3, 37, 1000]
    lower, upper = st.poisson_interval(np.array(counts))
    for k, lo, hi in zip(counts, lower, upper):
        assert (lo, hi) == pytest.approx(exact_poisson_limits(k), rel=1e-6), k
    assert upper[0] == pytest.approx(3.689, abs=1e-3)  # the textbook upper limit for zero events


def test_rate_interval_scales_and_leaves_no_denominator_empty():
    lower, upper = st.rate_interval([3, 3, 5], [2000, 0, np.nan], 1000)
    assert (lower[0], upper[0]) == pytest.approx(tuple(x / 2 for x in exact_poisson_limits(3)))
    assert np.isnan(lower[1:]).all() and np.isnan(upper[1:]).all()


def test_the_weighted_interval_with_unit_weights_is_garwoods_and_scales_with_a_common_weight():
    counts = np.array([0, 1, 3, 37, 1000])
    lower, upper = st.weighted_poisson_interval(counts, counts, np.ones(5))
    for k, lo, hi in zip(counts, lower, upper):
        assert (lo, hi) == pytest.approx(exact_poisson_limits(int(k)), rel=1e-6), k
    lower, upper = st.weighted_poisson_interval(counts * 7.5, counts * 7.5**2, np.full(5, 7.5))
    assert upper[2] == pytest.approx(7.5 * exact_poisson_limits(3)[1], rel=1e-6)
    assert np.isnan(st.weighted_poisson_interval([5], [5], [np.nan])[0]).all()


def test_the_weighted_interval_covers_the_true_harm_at_least_95_percent_of_the_time():
    # harm as it is: many low-weight crimes and a few very heavy ones (weights 1, 5, 300)
    rng = np.random.default_rng(20261201)
    weights, means = np.array([1.0, 5.0, 300.0]), np.array([40.0, 8.0, 0.3])
    counts = rng.poisson(means, size=(4000, 3))
    lower, upper = st.weighted_poisson_interval(counts @ weights, counts @ weights**2, np.full(4000, weights.max()))
    truth = means @ weights
    assert ((lower <= truth) & (truth <= upper)).mean() >= 0.95


@pytest.mark.parametrize("x,n", [(0, 10), (3, 4), (16, 28), (22, 32), (999, 1000), (51, 109)])
def test_wilson_interval_matches_scipy(x, n):
    lower, upper = st.wilson_interval([x], [n])
    expected = binomtest(x, n).proportion_ci(method="wilson")
    assert (lower[0], upper[0]) == (pytest.approx(expected.low), pytest.approx(expected.high))


def test_wilson_interval_is_empty_without_a_denominator():
    lower, upper = st.wilson_interval([0, np.nan], [0, 10])
    assert np.isnan(lower).all() and np.isnan(upper).all()


def test_two_proportion_test_is_the_chi_square_test_of_the_two_by_two_table():
    # Blackburn with Darwen's "asked for ID": 22 of 32, then 16 of 28: an 11.6 point fall, not significant
    p = st.two_proportion_p([22], [32], [16], [28])[0]
    assert p == pytest.approx(chi2_contingency([[22, 10], [16, 12]], correction=False).pvalue)
    assert st.significant([p])[0] is False
    big = st.two_proportion_p([2200], [3200], [1600], [2800])[0]
    assert st.significant([big])[0] is True
    assert st.two_proportion_p([0], [10], [0], [12])[0] == 1.0  # nobody either time: no evidence of change
    assert np.isnan(st.two_proportion_p([1], [0], [1], [5])[0])


@pytest.mark.parametrize("k1,e1,k2,e2", [(100, 1.0, 130, 1.0), (1210 + 8000, 1.0, 8000, 1.0), (5, 1000, 9, 1200), (0, 1, 0, 1),
                                         (40, 143135, 61, 144000)])
def test_poisson_change_test_is_the_exact_conditional_binomial_test(k1, e1, k2, e2):
    got = st.poisson_change_p([k1], [e1], [k2], [e2])[0]
    n, share = k1 + k2, e2 / (e1 + e2)
    if n == 0:
        assert got == 1.0
        return
    tails = [binomtest(k2, n, share, alternative=a).pvalue for a in ("less", "greater")]
    assert got == pytest.approx(min(1.0, 2 * min(tails)))


def test_a_fall_of_eight_percent_in_a_large_count_is_significant_and_a_small_one_is_not():
    assert st.significant(st.poisson_change_p([15000], [1.0], [13800], [1.0]))[0] is True
    assert st.significant(st.poisson_change_p([25], [1.0], [23], [1.0]))[0] is False
    # the same counts in a population that grew by 10%: a rate that fell, by more
    assert st.poisson_change_p([100], [1.0], [100], [1.1])[0] > st.poisson_change_p([100], [1.0], [100], [2.0])[0]
    assert st.significant([np.nan])[0] is None


@pytest.mark.parametrize("k1,e1,k2,e2", [(15708, 294573, 779, 87986), (12, 1000, 3, 2000), (0, 500, 7, 800), (5, 10, 1, 10)])
def test_count_ratio_interval_is_clopper_pearson_mapped_to_the_rate_ratio(k1, e1, k2, e2):
    ci = binomtest(k1, k1 + k2).proportion_ci(method="exact")
    lower, upper = st.count_ratio_interval([k1], [e1], [k2], [e2])
    expected_upper = ci.high / (1 - ci.high) * e2 / e1 if ci.high < 1 else np.inf
    assert (lower[0], upper[0]) == pytest.approx((ci.low / (1 - ci.low) * e2 / e1, expected_upper))
    assert lower[0] <= (k1 / e1) / (k2 / e2) <= upper[0]


def test_count_ratio_interval_needs_a_reference_count():
    lower, upper = st.count_ratio_interval([5, 5], [100, 0], [0, 3], [100, 100])
    assert np.isnan(lower).all() and np.isnan(upper).all()


def test_the_weighted_ratio_and_share_intervals_cover_the_truth_95_percent_of_the_time():
    # two areas' harm from crimes of weights 1, 5 and 300 (as harm is), the first area twice as harmful
    rng = np.random.default_rng(20261206)
    weights = np.array([1.0, 5.0, 300.0])
    means1, means2 = np.array([80.0, 16.0, 0.6]), np.array([40.0, 8.0, 0.3])
    c1, c2 = rng.poisson(means1, size=(4000, 3)), rng.poisson(means2, size=(4000, 3))
    h1, h2, s1, s2 = c1 @ weights, c2 @ weights, c1 @ weights**2, c2 @ weights**2
    heaviest, ones = np.full(4000, 300.0), np.ones(4000)
    lower, upper = st.weighted_ratio_interval(h1, s1, heaviest, ones, h2, s2, heaviest, ones)
    assert ((lower <= 2.0) & (2.0 <= upper)).mean() >= 0.95
    share = (means1 @ weights) / (means1 @ weights + means2 @ weights)
    lower, upper = st.weighted_share_interval(h1, s1, h1 + h2, s1 + s2, heaviest)
    assert ((lower <= share) & (share <= upper)).mean() >= 0.95


@pytest.mark.parametrize("k1,e1,k2,e2", [(15708, 294573, 779, 87986), (12, 1000, 3, 2000), (5, 10, 1, 10)])
def test_the_weighted_ratio_interval_with_unit_weights_is_the_exact_one(k1, e1, k2, e2):
    exact = st.count_ratio_interval([k1], [e1], [k2], [e2])
    weighted = st.weighted_ratio_interval([k1], [k1], [1], [e1], [k2], [k2], [1], [e2])
    assert (weighted[0][0], weighted[1][0]) == pytest.approx((exact[0][0], exact[1][0]))


def test_the_weighted_share_interval_with_unit_weights_is_clopper_pearsons():
    lower, upper = st.weighted_share_interval([30], [30], [120], [120], [1])
    ci = binomtest(30, 120).proportion_ci(method="exact")
    assert (lower[0], upper[0]) == pytest.approx((ci.low, ci.high))
