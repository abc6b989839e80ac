"""Fitting the refuse rule: the thresholds of :class:`~qabot.refusal.NoAnswerRule` that best
separate answerable from unanswerable questions on their evidence.

:func:`fit` searches a grid exhaustively, vectorised with numpy: every (coverage, dense,
support) cell of every choice of the switches and floors in one pass. It maximises
:func:`objective` (refused unanswerable + ``ANSWER_WEIGHT`` × answered answerable, each a
rate); ``qabot eval --folds K`` fits on K−1 folds and reports the held-out fold, so the
README's figures are not measured on the questions the thresholds were chosen on.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from qabot.refusal import FALLBACK_RULE, NoAnswerRule
from qabot.types import Confidence

COVERAGE_GRID = np.round(np.arange(0.0, 1.01, 0.05), 2)
DENSE_GRID = np.round(np.arange(0.86, 0.951, 0.005), 3)
SUPPORT_GRID = np.round(np.arange(0.0, 1.01, 0.1), 1)
# dense similarities below which nothing is answered, whatever the words (0: no floor)
FLOOR_GRID = np.array([0.0, 0.82, 0.825, 0.83, 0.835, 0.84, 0.845, 0.85])
ANSWER_WEIGHT = 2.0  # a wrong refusal costs twice a wrong answer (targets ≤ 5 % and ≥ 85 %)


def _objective(refused: np.ndarray, answerable: np.ndarray) -> np.ndarray:
    """Refused unanswerable + ``ANSWER_WEIGHT`` × answered answerable, each a rate, over the
    last axis (the samples) of the ``refused`` decisions."""
    n_ans, n_un = max(answerable.sum(), 1), max((~answerable).sum(), 1)
    refused_rate = (refused & ~answerable).sum(-1) / n_un
    rates: np.ndarray = refused_rate + ANSWER_WEIGHT * (~refused & answerable).sum(-1) / n_ans
    return rates


def objective(rule: NoAnswerRule, samples: Sequence[tuple[Confidence, bool]]) -> float:
    """What :func:`fit` maximises, for one rule on ``(confidence, answerable)`` samples."""
    refused = np.array([rule.refuses(c) for c, _ in samples], dtype=bool)
    return float(_objective(refused, np.array([a for _, a in samples], dtype=bool)))


def _grid_counts(
    cov: np.ndarray, dense: np.ndarray, support: np.ndarray
) -> Callable[[np.ndarray], np.ndarray]:
    """A function of per-sample 0/1 weights, one row per choice, giving for every choice and
    every (coverage, dense, support) cell of the grid the weight the cell's thresholds refuse
    (support below, or coverage and dense both below): each sample falls in one bin of how
    many grid values it reaches, and the refused weight of a cell is a sum over a corner of
    the binned histogram. All choices are counted in one pass (one histogram per row)."""
    bins = (
        np.searchsorted(COVERAGE_GRID, cov, "right"),  # low for cells i >= bin
        np.searchsorted(DENSE_GRID, dense, "right"),  # far for cells j >= bin
        np.searchsorted(SUPPORT_GRID, support, "right"),  # weak for cells s >= bin
    )
    shape = (len(COVERAGE_GRID) + 1, len(DENSE_GRID) + 1, len(SUPPORT_GRID) + 1)
    flat = np.ravel_multi_index(bins, shape)
    order = np.argsort(flat, kind="stable")
    filled, starts = np.unique(flat[order], return_index=True)  # the bins samples fall in

    def counts(weights: np.ndarray) -> np.ndarray:
        binned = np.zeros((len(weights), int(np.prod(shape))), dtype=np.int32)
        binned[:, filled] = np.add.reduceat(weights[:, order].astype(np.int32), starts, axis=1)
        h = binned.reshape(len(weights), *shape)
        weak = np.cumsum(h.sum((1, 2), dtype=np.int32), 1, dtype=np.int32)[:, :-1]  # support <= s
        low_far = np.cumsum(np.cumsum(h, 1, dtype=np.int32), 2, dtype=np.int32)[:, :-1, :-1]
        up_to = np.cumsum(low_far, 3, dtype=np.int32)  # coverage <= i, dense <= j, support <= s
        strong = (up_to[..., -1:] - up_to)[..., :-1]  # support bin > s
        return weak[:, None, None, :] + strong

    return counts


def _choices(
    samples: Sequence[tuple[Confidence, bool]], dense: np.ndarray, attributed: np.ndarray
) -> tuple[list[NoAnswerRule], np.ndarray]:
    """Every choice of the switches and floors (as a rule with zero thresholds) and, one row
    per choice, the samples it refuses whatever the thresholds (the hard rules, the floor,
    the type and name checks); attributed samples are never left to the thresholds."""
    hard = np.array(
        [not (c.covered and c.year_ok and c.part_ok and c.places_ok) for c, _ in samples]
    )
    untyped = np.array([not c.type_ok for c, _ in samples])
    by_meaning = np.array([c.type_by_meaning for c, _ in samples])
    unnamed = np.array([not c.names_ok for c, _ in samples])
    off_topic = np.array([c.off_topic for c, _ in samples])
    rules, fixed = [], []
    meaning_grid = np.append(DENSE_GRID, np.inf)
    kinds = ((False, False), (True, False), (False, True), (True, True))
    for sunk_at, (use_type, use_names) in itertools.product(FLOOR_GRID, kinds):
        base = off_topic | (dense < sunk_at) | (unnamed if use_names else False)
        for floor in meaning_grid if use_type else meaning_grid[-1:]:
            typed = untyped & (~by_meaning | (dense < floor)) if use_type else False
            fixed.append(hard | ~attributed & (base | typed))
            rules.append(
                NoAnswerRule(0.0, 0.0, 0.0, use_type, use_names, float(floor), float(sunk_at))
            )
    return rules, np.array(fixed)


def fit(samples: Sequence[tuple[Confidence, bool]]) -> NoAnswerRule:
    """The rule of the grid with the best :func:`objective` on ``(confidence, answerable)``
    samples; ties go to the first choice and the lowest thresholds (refuse least).

    A sample is refused by a per-sample verdict (one row per choice of the switches and
    floors, :func:`_choices`) or by the threshold grid; the grid's refusals of the samples
    the verdict leaves free are counted for all choices and cells at once."""
    if not samples:
        return FALLBACK_RULE
    answerable = np.array([a for _, a in samples])
    dense = np.array([c.dense for c, _ in samples])
    attributed = np.array([c.attributed for c, _ in samples])
    n_ans, n_un = max(answerable.sum(), 1), max((~answerable).sum(), 1)
    counts = _grid_counts(
        np.array([c.coverage for c, _ in samples]), dense, np.array([c.support for c, _ in samples])
    )
    rules, fixed = _choices(samples, dense, attributed)
    # many choices refuse the same samples: each distinct set is counted once
    _, first, choice = np.unique(
        np.packbits(fixed, 1), axis=0, return_index=True, return_inverse=True
    )
    choice = choice.ravel()
    fixed = fixed[first]
    free = ~fixed & ~attributed
    refused_un = (fixed & ~answerable).sum(1)[:, None, None, None] + counts(free & ~answerable)
    answered = n_ans - (fixed & answerable).sum(1)[:, None, None, None] - counts(free & answerable)
    score = (refused_un / n_un + ANSWER_WEIGHT * answered / n_ans).reshape(len(fixed), -1)
    top = np.argmax(score, 1)  # the first best cell of each row: the lowest thresholds
    cells = top[choice]
    best = score[np.arange(len(fixed)), top][choice]
    k = 0
    for row, value in enumerate(best):  # a later choice wins only by more than rounding
        if value > best[k] + 1e-9:
            k = row
    i, j, s = np.unravel_index(cells[k], (len(COVERAGE_GRID), len(DENSE_GRID), len(SUPPORT_GRID)))
    return replace(
        rules[k],
        min_coverage=float(COVERAGE_GRID[i]),
        min_dense=float(DENSE_GRID[j]),
        min_support=float(SUPPORT_GRID[s]),
    )
