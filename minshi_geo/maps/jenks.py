"""Fisher–Jenks natural breaks in numpy, giving exactly mapclassify's ``FisherJenks`` result.

mapclassify (pysal) computes the breaks with ``_fisher_jenks_means``: a dynamic programme over
the *sorted* values (all of them, ties kept, not the unique ones) whose sums, costs and table
are ``float32``, run as a Python double loop when numba is absent — ~40 s for 2,875 counties.
Importing mapclassify also costs ~3 s and ~110 MiB (scipy, scikit-learn). This module does the
same arithmetic vectorised:

- the within-class cost ``v`` of the values ``i3..l`` is accumulated in float32 from ``l``
  downwards, one value at a time, as the loop does (``np.cumsum`` is sequential), so every
  cost is the same float32 number;
- the loop keeps, per row and class count, the *last* candidate (smallest ``i3``) whose cost is
  ``<=`` the running minimum, i.e. the last index of the minimum — taken here explicitly;
- the class ids are mapclassify's ``bin1d``: value in ``(bins[j-1], bins[j]]`` → ``j``.

``tests/test_map_jenks.py`` compares both on many random inputs and on the Jilin data.
"""

from __future__ import annotations

import numpy as np

#: Rows of the cost matrix computed at once (bounds the memory to ~BLOCK × n float32 values).
_BLOCK_CELLS = 1 << 21


def _costs(x32: np.ndarray) -> list[tuple[int, int, np.ndarray]]:
    """Per block of rows ``l`` (1-based, ``lo..hi-1``, width ``W = hi-1``): ``c[r, u]`` =
    float32 cost of the values ``i3..l`` (1-based) with ``i3 = l - (W-1-u)``, accumulated
    from ``l`` downwards like the reference loop. Columns run from the longest candidate
    class to the shortest, so ``argmin`` (first minimum) picks the reference's last one."""
    n = len(x32)
    rows = max(1, _BLOCK_CELLS // max(n, 1))
    rev = np.concatenate([x32[::-1], np.zeros(n, dtype=np.float32)])
    windows = np.lib.stride_tricks.sliding_window_view(rev, n)
    blocks = []
    for lo in range(2, n + 1, rows):
        hi = min(n + 1, lo + rows)
        width = hi - 1
        # Row l: x[l-1], x[l-2], … (then zeros): the reversed values from position n - l.
        vals = windows[n - hi + 1:n - lo + 1, :width][::-1]
        s1 = np.cumsum(vals, axis=1, dtype=np.float32)
        s2 = np.cumsum(vals * vals, axis=1, dtype=np.float32)
        s1 *= s1
        s1 /= np.arange(1, width + 1, dtype=np.float32)
        s2 -= s1
        blocks.append((lo, hi, np.ascontiguousarray(s2[:, ::-1])))
    return blocks


def _reference_tables(x: np.ndarray, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """The reference loop, verbatim (used only when a cost is not finite: float32 overflow)."""
    n = len(x)
    mat1 = np.zeros((n + 1, classes + 1), dtype=np.int32)
    mat2 = np.zeros((n + 1, classes + 1), dtype=np.float32)
    mat1[1, 1:] = 1
    mat2[2:, 1:] = np.inf
    v = np.float32(0)
    for l_ in range(2, n + 1):
        s1 = s2 = w = np.float32(0)
        for m in range(1, l_ + 1):
            i3 = l_ - m + 1
            val = np.float32(x[i3 - 1])
            s2 += val * val
            s1 += val
            w += np.float32(1)
            v = s2 - (s1 * s1) / w
            i4 = i3 - 1
            if i4 != 0:
                for j in range(2, classes + 1):
                    if mat2[l_, j] >= (v + mat2[i4, j - 1]):
                        mat1[l_, j] = i3
                        mat2[l_, j] = v + mat2[i4, j - 1]
        mat1[l_, 1] = 1
        mat2[l_, 1] = v
    return mat1, mat2


def _tables(x: np.ndarray, classes: int) -> np.ndarray:
    """mapclassify's ``mat1`` (class starts); the last class count only for the last row,
    the one the breaks are read from."""
    n = len(x)
    blocks = _costs(x.astype(np.float32))
    if not all(np.isfinite(c).all() for _, _, c in blocks):
        return _reference_tables(x, classes)[0]
    mat1 = np.zeros((n + 1, classes + 1), dtype=np.int32)
    mat2 = np.zeros((n + 1, classes + 1), dtype=np.float32)
    mat1[1, 1:] = 1
    mat2[2:, 1:] = np.inf
    for lo, hi, c in blocks:
        mat1[lo:hi, 1] = 1
        mat2[lo:hi, 1] = c[np.arange(hi - lo), hi - 1 - np.arange(lo, hi)]
    for j in range(2, classes + 1):
        # Candidate u of row l ends the previous classes at i4 = l - W + u (needs i4 >= 1).
        ext = np.concatenate([np.full(n + 2, np.inf, dtype=np.float32), mat2[1:, j - 1]])
        for lo, hi, c in blocks:
            if j == classes and hi <= n:
                continue
            width = hi - 1
            start = n + 1 - width  # ext index of i4 = l - W for l = 0
            prev = np.lib.stride_tricks.sliding_window_view(ext, width)[start + lo:start + hi]
            cand = c + prev
            u = np.argmin(cand, axis=1)
            rows = np.arange(hi - lo)
            mat1[lo:hi, j] = np.arange(lo, hi) - (width - 1 - u)
            mat2[lo:hi, j] = cand[rows, u]
    return mat1


def fisher_jenks_bins(values, k: int = 5) -> np.ndarray:
    """Upper bounds of the ``k`` classes, as ``mapclassify.FisherJenks(values, k).bins``."""
    x = np.sort(np.asarray(values).flatten()).astype("f8")
    mat1 = _tables(x, k)
    n = len(x)
    kclass = np.zeros(k + 1, dtype=x.dtype)
    kclass[k] = x[n - 1]
    kclass[0] = x[0]
    row = n
    for count in range(k, 1, -1):
        pivot = mat1[row, count]
        kclass[count - 1] = x[int(pivot - 2)]
        row = int(pivot - 1)
    return np.delete(kclass, 0)


def bin_ids(values, bins) -> np.ndarray:
    """Class id per value, as mapclassify's ``bin1d``: ``(bins[j-1], bins[j]]`` → ``j``."""
    x = np.asarray(values).flatten()
    left = [-float("inf"), *list(bins[:-1])]
    ids = np.zeros(x.shape, dtype="int")
    for j in range(len(bins) - 1, -1, -1):
        ids += (x > left[j]) * (x <= bins[j]) * j
    return ids


def fisher_jenks(values, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """``(bins, yb)`` of ``mapclassify.FisherJenks(values, k)`` (needs ≥ k distinct values)."""
    distinct = len(np.unique(values))
    if distinct < k:
        raise ValueError(f"Fewer unique values ({distinct}) than specified classes ({k}).")
    bins = fisher_jenks_bins(values, k)
    return bins, bin_ids(values, bins)
