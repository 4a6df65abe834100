"""How much a score would move with other test digits: the bootstrap over the digits scored.

Retraining a model with three seeds shows how much its scores depend on training; where retraining is too
costly for a notebook, resampling the digits it was scored on shows how much they depend on which digits
those were (Efron's bootstrap). Moves of one source digit are resampled together, as they share its hand.
A difference between two rows smaller than about twice their spreads is not one to read.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def bootstrap_spread(
    groups: np.ndarray, statistic: Callable[[np.ndarray], float], draws: int = 50, seed: int = 0
) -> float:
    """Standard deviation of ``statistic(indices)`` over ``draws`` resamples: each draws as many groups as there
    are, with replacement, and passes the indices of all their members. ``groups[i]`` names item i's group
    (each item its own group for a plain bootstrap)."""
    groups = np.asarray(groups)
    if draws < 2:
        raise ValueError(f"a spread needs at least 2 draws, got {draws}")
    if len(groups) == 0:
        raise ValueError("nothing to resample: no items")
    order = np.argsort(groups, kind="stable")
    names, starts = np.unique(groups[order], return_index=True)
    members = np.split(order, starts[1:])
    generator = np.random.default_rng(seed)
    values = []
    for _ in range(draws):
        chosen = generator.integers(len(names), size=len(names))
        values.append(statistic(np.concatenate([members[g] for g in chosen])))
    return float(np.std(values, ddof=1))


def differences(rows: list[dict], column: str, times: float = 2.0) -> list[dict[str, object]]:
    """Every pair of ``rows`` that has ``column`` and its spread (``column + " ±"``): the difference of their
    values, the combined spread sqrt(s_a^2 + s_b^2), and whether the difference is larger than ``times`` that,
    i.e. one to read. Rows are named by their "model" (and "alpha", when they have one)."""
    spread = f"{column} ±"
    scored = [row for row in rows if row.get(column) is not None and row.get(spread) is not None]
    name = {
        id(row): row["model"] + (f" (alpha {row['alpha']:g})" if row.get("alpha") is not None else "") for row in scored
    }
    found = []
    for i, a in enumerate(scored):
        for b in scored[i + 1 :]:
            difference, combined = float(a[column] - b[column]), float(np.hypot(a[spread], b[spread]))
            found.append(
                {
                    "first": name[id(a)],
                    "second": name[id(b)],
                    "difference": difference,
                    "spread": combined,
                    "larger than the spread": bool(abs(difference) > times * combined),
                }
            )
    return found
