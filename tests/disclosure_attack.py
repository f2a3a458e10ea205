"""An attacker's view of a published mart: every additive relation written as an equation, and
linear algebra to find which hidden cells the published cells pin down.

Independent of `warehouse.disclosure` (which only avoids groups with one hidden cell): here a
hidden cell counts as recovered when any combination of the equations, not just one difference,
determines it.
"""

from __future__ import annotations

import numpy as np


def recovered(values: dict, relations: list[tuple]) -> set:
    """Hidden cells (value None) determined by the relations (total, [parts]): total = sum(parts).

    values: {cell: published value or None}. Returns the set of recovered cells.
    """
    hidden = sorted((c for c, v in values.items() if v is None), key=str)
    index = {c: i for i, c in enumerate(hidden)}
    rows = []
    for total, parts in relations:
        cells = [(total, 1.0)] + [(p, -1.0) for p in parts]
        if not any(c in index for c, _ in cells):
            continue
        row = np.zeros(len(hidden))
        for cell, sign in cells:
            if cell in index:
                row[index[cell]] += sign
        rows.append(row)
    if not rows:
        return set()
    # the equations fall apart into independent blocks (cells no equation links): solve each alone,
    # the same answer as the whole system, far faster
    found = set()
    for block_rows, block_cells in blocks(np.array(rows)):
        # a hidden cell is determined when its unit vector lies in the equations' row space
        _, s, vt = np.linalg.svd(block_rows[:, block_cells], full_matrices=False)
        basis = vt[s > 1e-9 * max(s.max(), 1.0)]
        reach = (basis**2).sum(axis=0)
        found |= {hidden[block_cells[i]] for i in np.flatnonzero(reach > 1 - 1e-6)}
    return found


def blocks(matrix: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The matrix's rows and columns grouped into connected blocks (columns sharing a row); rows
    of zeros (a cell on both sides of its own equation) say nothing and are left out."""
    matrix = matrix[np.abs(matrix).sum(axis=1) > 0]
    parent = list(range(matrix.shape[1]))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for row in matrix:
        cols = np.flatnonzero(row)
        for c in cols[1:]:
            parent[root(c)] = root(cols[0])
    roots = np.array([root(i) for i in range(matrix.shape[1])])
    row_root = np.array([roots[np.flatnonzero(row)[0]] for row in matrix])
    return [(matrix[row_root == r], np.flatnonzero(roots == r)) for r in np.unique(row_root)]


def hierarchy_relations(cells: set, edges: list[tuple], keys: set) -> list[tuple]:
    """For each key (the other dimensions of a cell), each parent = the sum of its children.

    cells: {(area, key)} present in the mart; edges: [(child area, parent area)], one per link of
    each breakdown (an authority links to its county and to its BCU).
    """
    children: dict = {}
    for child, parent in edges:
        children.setdefault((parent, child[0]), []).append(child)
    relations = []
    for key in keys:
        for (parent, _), kids in children.items():
            if (parent, key) in cells:
                relations.append(((parent, key), [(k, key) for k in kids if (k, key) in cells]))
    return relations


YPS_GENDERS = ["Female", "Male", "Other", "Prefer not to say"]


def young_persons_relations(keys: set, lancashire_12: dict) -> list[tuple]:
    """The additive groups of mart_young_persons_indicators (keys: wave, area_level, area_name,
    gender, indicator): 'All' = the genders; the county = its authorities = Lancashire-12 and the
    unitaries; Lancashire-12 = its districts. lancashire_12: {authority name: is a district}."""
    relations = []
    areas = {(k[1], k[2]) for k in keys}
    county = next(name for level, name in areas if level == "county")
    districts = [a for a, inside in lancashire_12.items() if inside and ("authority", a) in areas]
    unitaries = [a for a, inside in lancashire_12.items() if not inside and ("authority", a) in areas]
    for wave, indicator in {(k[0], k[4]) for k in keys}:
        for level, name in areas:
            relations.append(((wave, level, name, "All", indicator),
                              [(wave, level, name, g, indicator) for g in YPS_GENDERS]))
        for gender in ["All"] + YPS_GENDERS:
            def cell(level, name, gender=gender):
                return (wave, level, name, gender, indicator)
            relations += [(cell("county", county), [cell("authority", a) for a in districts + unitaries]),
                          (cell("lancashire_12", "Lancashire-12"), [cell("authority", a) for a in districts]),
                          (cell("county", county), [cell("lancashire_12", "Lancashire-12")]
                           + [cell("authority", a) for a in unitaries])]
    return relations


# asked of drinkers: the denominator is the drinks_alcohol numerator of the same wave, area and gender
OF_DRINKERS = ["drinks_with_parents", "alcohol_from_family", "bought_alcohol_self", "drinks_due_to_peer_pressure",
               "drinks_to_get_drunk"]


def linked_system(cells: dict, relations: list[tuple]) -> tuple[dict, list[tuple]]:
    """Numerators and denominators as one system (cells: {key: (numerator, denominator, ...)}):
    each column's sums, and each drinkers' indicator's denominator = the drinks_alcohol numerator."""
    values = {(k, c): v[c] for k, v in cells.items() for c in (0, 1)}
    linked = [((t, c), [(p, c) for p in parts]) for t, parts in relations for c in (0, 1)]
    for key in cells:
        parent = (*key[:4], "drinks_alcohol")
        if key[4] in OF_DRINKERS and parent in cells:
            linked.append(((key, 1), [(parent, 0)]))
    return values, linked
