"""Intervals and tests for published rates, proportions and changes, vectorised over a mart's rows.

- Rates: exact Poisson 95% interval (Garwood 1936, from chi-square quantiles).
- Weighted rates (harm, a sum of Crime Severity Score weights): the gamma interval of a weighted
  sum of Poisson counts (Fay and Feuer 1997), which is Garwood's when every weight is 1.
- Proportions: Wilson score 95% interval.
- Means: Student's t 95% interval from the sample standard deviation.
- Change in a proportion: two-sided two-proportion z-test (pooled).
- Change in a mean: two-sided Welch's t-test (unequal variances, Welch-Satterthwaite df).
- Change in a count: the conditional test of two Poisson counts (given their sum, the later count
  is binomial with p = its exposure's share), two-sided by doubling the smaller tail.
- Ratio of two rates: counts, the exact conditional interval (Clopper-Pearson on the first count's
  share of both, mapped back to the ratio); weighted sums (harm), Tiwari, Clegg and Zou's F
  interval, which is the exact one when every weight is 1.
- Share of a weighted total held by a part (harm in the top LSOAs): that ratio interval of the part
  to the rest, mapped to a share.

Every function takes numpy arrays (NaN for missing) and returns arrays of the same length, NaN
where the input cannot support an answer (no denominator, no exposure).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
ALPHA = 1 - CONFIDENCE
Z = float(stats.norm.ppf(1 - ALPHA / 2))


def _floats(*arrays) -> list[np.ndarray]:
    return [np.asarray(a, dtype="float64") for a in arrays]


def poisson_interval(count) -> tuple[np.ndarray, np.ndarray]:
    """Garwood's exact 95% interval for a Poisson count: (lower, upper), lower 0 for a count of 0."""
    (k,) = _floats(count)
    with np.errstate(invalid="ignore"):
        lower = np.where(k > 0, stats.chi2.ppf(ALPHA / 2, 2 * k) / 2, 0.0)
        upper = stats.chi2.ppf(1 - ALPHA / 2, 2 * k + 2) / 2
    missing = np.isnan(k)
    return np.where(missing, np.nan, lower), np.where(missing, np.nan, upper)


def rate_interval(count, denominator, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The Poisson interval of count / denominator x scale (e.g. scale 1000 for a rate per 1,000)."""
    (den,) = _floats(denominator)
    lower, upper = poisson_interval(count)
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = den > 0
        return np.where(ok, lower / den * scale, np.nan), np.where(ok, upper / den * scale, np.nan)


def weighted_poisson_interval(total, squares, max_weight) -> tuple[np.ndarray, np.ndarray]:
    """Fay and Feuer's 95% interval for a weighted sum of Poisson counts: total = sum of weights,
    squares = sum of squared weights, max_weight = the largest weight (bounds the next event)."""
    y, v, w = _floats(total, squares, max_weight)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(y > 0, stats.gamma.ppf(ALPHA / 2, y**2 / v, scale=v / y), 0.0)
        upper = stats.gamma.ppf(1 - ALPHA / 2, (y + w) ** 2 / (v + w**2), scale=(v + w**2) / (y + w))
    missing = np.isnan(y) | np.isnan(v) | np.isnan(w) | (w <= 0)
    return np.where(missing, np.nan, lower), np.where(missing, np.nan, upper)


def wilson_interval(numerator, denominator) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's 95% score interval for numerator / denominator: (lower, upper)."""
    x, n = _floats(numerator, denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
        half = Z * np.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
        ok = n > 0
        return np.where(ok, np.clip(centre - half, 0, 1), np.nan), np.where(ok, np.clip(centre + half, 0, 1), np.nan)


def mean_interval(mean, sd, n) -> tuple[np.ndarray, np.ndarray]:
    """Student's t 95% interval for a mean of n answers with sample standard deviation sd."""
    m, s, n = _floats(mean, sd, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = stats.t.ppf(1 - ALPHA / 2, n - 1) * s / np.sqrt(n)
        ok = (n > 1) & ~np.isnan(m) & ~np.isnan(s)
        return np.where(ok, m - half, np.nan), np.where(ok, m + half, np.nan)


def welch_p(mean1, sd1, n1, mean2, sd2, n2) -> np.ndarray:
    """Two-sided p-value that two means differ (Welch's t-test); NaN without two answers in each."""
    m1, s1, n1, m2, s2, n2 = _floats(mean1, sd1, n1, mean2, sd2, n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        v1, v2 = s1**2 / n1, s2**2 / n2
        se = np.sqrt(v1 + v2)
        df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
        p = 2 * stats.t.sf(np.abs(m2 - m1) / se, df)
        # no variation in either wave: equal means are no evidence of change, unequal ones are
        p = np.where(se == 0, np.where(m1 == m2, 1.0, 0.0), p)
        ok = (n1 > 1) & (n2 > 1) & ~np.isnan(m1 + m2 + s1 + s2)
        return np.where(ok, p, np.nan)


def two_proportion_p(x1, n1, x2, n2) -> np.ndarray:
    """Two-sided p-value that x1/n1 and x2/n2 differ (pooled z-test); NaN without both denominators."""
    x1, n1, x2, n2 = _floats(x1, n1, x2, n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (x2 / n2 - x1 / n1) / se
        p = 2 * stats.norm.sf(np.abs(z))
        # no variation at all (both 0% or both 100%): no evidence of change
        p = np.where(se == 0, 1.0, p)
        return np.where((n1 > 0) & (n2 > 0), p, np.nan)


def poisson_change_p(k1, exposure1, k2, exposure2) -> np.ndarray:
    """Two-sided p-value that the rate k2/exposure2 differs from k1/exposure1, conditional on k1 + k2."""
    k1, e1, k2, e2 = _floats(k1, exposure1, k2, exposure2)
    with np.errstate(divide="ignore", invalid="ignore"):
        n = k1 + k2
        share = e2 / (e1 + e2)
        lower = stats.binom.cdf(k2, n, share)
        upper = stats.binom.sf(k2 - 1, n, share)
        p = np.minimum(1.0, 2 * np.minimum(lower, upper))
        p = np.where(n == 0, 1.0, p)
        ok = ~np.isnan(n) & (e1 > 0) & (e2 > 0)
        return np.where(ok, p, np.nan)


def count_ratio_interval(k1, exposure1, k2, exposure2) -> tuple[np.ndarray, np.ndarray]:
    """The exact 95% interval of the rate ratio (k1/exposure1) / (k2/exposure2): given k1 + k2, k1 is
    binomial with p = ratio x e1 / (ratio x e1 + e2), so Clopper-Pearson limits on p map to the ratio."""
    k1, e1, k2, e2 = _floats(k1, exposure1, k2, exposure2)
    n = k1 + k2
    with np.errstate(divide="ignore", invalid="ignore"):
        p_lower = np.where(k1 > 0, stats.beta.ppf(ALPHA / 2, k1, k2 + 1), 0.0)
        p_upper = np.where(k2 > 0, stats.beta.ppf(1 - ALPHA / 2, k1 + 1, k2), 1.0)
        lower = p_lower * e2 / ((1 - p_lower) * e1)
        upper = np.where(p_upper < 1, p_upper * e2 / ((1 - p_upper) * e1), np.inf)
        ok = (n > 0) & (e1 > 0) & (e2 > 0) & (k2 > 0)
        return np.where(ok, lower, np.nan), np.where(ok, upper, np.nan)


def weighted_ratio_interval(total1, squares1, max1, exposure1, total2, squares2, max2,
                            exposure2) -> tuple[np.ndarray, np.ndarray]:
    """The 95% interval of the ratio of two weighted Poisson rates (total / exposure), each total a
    sum of weights: Tiwari, Clegg and Zou's (2006) F interval, the two-rate form of Fay and Feuer's
    gamma interval (each limit takes the other total plus its largest weight, so a sparse, heavy
    sum is not overconfident). With every weight 1 it is the exact conditional interval."""
    y1, v1, w1, e1, y2, v2, w2, e2 = _floats(total1, squares1, max1, exposure1, total2, squares2, max2, exposure2)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(y1 > 0, (y1 / e1) / ((y2 + w2) / e2)
                         * stats.f.ppf(ALPHA / 2, 2 * y1**2 / v1, 2 * (y2 + w2) ** 2 / (v2 + w2**2)), 0.0)
        upper = ((y1 + w1) / e1) / (y2 / e2) * stats.f.ppf(1 - ALPHA / 2, 2 * (y1 + w1) ** 2 / (v1 + w1**2),
                                                           2 * y2**2 / v2)
        ok = (y2 > 0) & (e1 > 0) & (e2 > 0) & (w1 > 0) & (w2 > 0)
        return np.where(ok, lower, np.nan), np.where(ok, upper, np.nan)


def weighted_share_interval(part, part_squares, total, total_squares, max_weight) -> tuple[np.ndarray, np.ndarray]:
    """The 95% interval of part / total where both are sums of Poisson-weighted events and the part
    is inside the total: the ratio interval of the part to the rest, r, mapped to r / (1 + r)."""
    a, va, t, vt, w = _floats(part, part_squares, total, total_squares, max_weight)
    ones = np.ones_like(a)
    lower, upper = weighted_ratio_interval(a, va, w, ones, t - a, vt - va, w, ones)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower, upper = lower / (1 + lower), np.where(np.isinf(upper), 1.0, upper / (1 + upper))
    everything = (t > 0) & (t - a <= 0)  # the part is the whole: the share is 1 whatever the counts
    return np.where(everything, 1.0, lower), np.where(everything, 1.0, upper)


def significant(p) -> np.ndarray:
    """True where p < 0.05, False where not, None (object) where p is missing."""
    (p,) = _floats(p)
    out = np.where(np.isnan(p), None, p < ALPHA)
    return out.astype(object)
