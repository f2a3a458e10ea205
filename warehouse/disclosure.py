"""Statistical disclosure control that differencing cannot undo.

Primary suppression hides a cell whose count is small (1-9 survey respondents). That alone is
not enough: where published cells add up to a published total (the genders to 'All', the
authorities to the county, the wards to their authority), a lone hidden cell is the total minus
the others. Secondary (complementary) suppression hides, in every such group that holds exactly
one hidden cell, one more: the smallest non-zero cell, so that as little as possible is hidden.
Groups share cells, so a lone hidden cell can also be pinned down by combining several groups
(county minus Lancashire-12, each split by gender): after the greedy pass, linear algebra finds
any hidden cell the published ones still determine, and one more cell is hidden beside it, until
none is left.

A group is an array of row positions: its total first, then the parts that add up to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

SMALLEST_PUBLISHED = 10  # counts of 1-9 respondents are suppressed
SMALLEST_CRIME_COUNT = 5  # the ward rule: counts of 1-4 crimes in a ward, or in any smaller or finer cell, are suppressed


def small(counts, smallest: int = SMALLEST_PUBLISHED) -> np.ndarray:
    """True where a count is 1 to smallest - 1 (zero is not disclosive: nobody is identified by it)."""
    values = np.asarray(counts, dtype="float64")
    return (values >= 1) & (values < smallest)


def groups_from_keys(keys: Iterable[tuple[Sequence, Sequence]]) -> list[np.ndarray]:
    """Groups from (key, is_total) column pairs: rows sharing a key form a group whose one total
    row comes first (a key of None puts the row in no group of that column; a group without
    exactly one total is no additive relation and is left out)."""
    groups: list[np.ndarray] = []
    for key, is_total in keys:
        series = pd.Series(list(key), dtype=object)
        present = series[series.notna()]
        total = np.asarray(is_total, dtype=bool)
        # .groups holds the original row labels (.indices would be positions within `present`)
        for members in present.groupby(present, sort=False).groups.values():
            members = np.asarray(members)
            heads = members[total[members]]
            if len(members) > 1 and len(heads) == 1:
                groups.append(np.concatenate([heads, members[~total[members]]]))
    return groups


def _lone_fixed(hidden: np.ndarray, size: np.ndarray, groups: list[np.ndarray]) -> np.ndarray:
    """Hide a complement in every group with exactly one hidden cell, until there is none."""
    changed = True
    while changed:
        changed = False
        for group in groups:
            lone = hidden[group]
            if lone.sum() != 1:
                continue
            _hide_smallest(hidden, size, group[~lone])
            changed = True
    return hidden


def _hide_smallest(hidden: np.ndarray, size: np.ndarray, candidates: np.ndarray) -> None:
    """Hide the smallest non-zero candidate (a zero only if all are zero; the first on a tie)."""
    sizes = size[candidates]
    order = np.lexsort((candidates, sizes, sizes == 0))
    hidden[candidates[order[0]]] = True


def _components(hidden: np.ndarray, groups: list[np.ndarray]) -> list[list[int]]:
    """Indices of the groups, split into sets that share hidden cells (each solved on its own)."""
    parent = list(range(len(groups)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[int, int] = {}
    for g, group in enumerate(groups):
        for cell in group[hidden[group]]:
            if cell in owner:
                parent[find(g)] = find(owner[cell])
            else:
                owner[int(cell)] = g
    sets: dict[int, list[int]] = {}
    for g, group in enumerate(groups):
        if hidden[group].any():
            sets.setdefault(find(g), []).append(g)
    return list(sets.values())


def determined(hidden: np.ndarray, groups: list[np.ndarray]) -> list[int]:
    """Hidden cells whose value the published cells fix through some combination of groups: a
    cell is fixed when its unit vector lies in the row space of the groups' equations."""
    found: list[int] = []
    for component in _components(hidden, groups):
        cells = sorted({int(c) for g in component for c in groups[g][hidden[groups[g]]]})
        column = {c: i for i, c in enumerate(cells)}
        equations = np.zeros((len(component), len(cells)))
        for row, g in enumerate(component):
            for position, cell in enumerate(groups[g]):
                if hidden[cell]:
                    equations[row, column[int(cell)]] += 1.0 if position == 0 else -1.0
        _, singular, vt = np.linalg.svd(equations, full_matrices=False)
        basis = vt[singular > 1e-9 * max(singular.max(initial=0.0), 1.0)]
        reach = (basis**2).sum(axis=0)
        found += [cells[i] for i in np.flatnonzero(reach > 1 - 1e-6)]
    return found


def complementary_with_outside_totals(primary, size, groups: list[np.ndarray], outside: Sequence[bool]) -> np.ndarray:
    """Cells hidden by `complementary` where a group marked outside is only parts, its total being
    published elsewhere (another mart, another table): that total joins the group as a cell that is
    published and is never the one chosen to hide."""
    n = len(primary)
    extra = [g for g, out in enumerate(outside) if out]
    size_all = np.concatenate([np.nan_to_num(np.asarray(size, dtype="float64")), np.full(len(extra), np.inf)])
    primary_all = np.concatenate([np.asarray(primary, dtype=bool), np.zeros(len(extra), dtype=bool)])
    total_at = {g: n + k for k, g in enumerate(extra)}
    joined = [np.concatenate([[total_at[g]], group]) if g in total_at else group for g, group in enumerate(groups)]
    return complementary(primary_all, size_all, joined)[:n]


def complementary(primary, size, groups: list[np.ndarray]) -> np.ndarray:
    """Cells hidden after secondary suppression: no hidden cell can be worked out from the
    published ones through the groups. Complements are the smallest non-zero cells; the result
    is the same for the same inputs in the same row order."""
    hidden = np.asarray(primary, dtype=bool).copy()
    size = np.nan_to_num(np.asarray(size, dtype="float64"), nan=0.0)
    hidden = _lone_fixed(hidden, size, groups)
    while exposed := determined(hidden, groups):
        cell = exposed[0]
        beside = np.unique(np.concatenate([g for g in groups if cell in g]))
        candidates = beside[~hidden[beside]]
        if len(candidates) == 0:
            raise RuntimeError(f"row {cell} is determined by its groups but none of them has a cell left to hide")
        _hide_smallest(hidden, size, candidates)
        hidden = _lone_fixed(hidden, size, groups)
    return hidden
