"""Sentences: an optional coarse step before the word step.

At low rates a word-level cut of a short paragraph reads worse to a small target LLM than a
few whole sentences do. The coarse step ranks sentences by the mean score of their units (the
same scorer's scores, so nothing more is run), admits them best first until their estimated
tokens reach ``(1 + slack)`` x the budget, and ranks every unit of an admitted sentence above
every unit of the others. Protection then holds within the admitted sentences only (``force=``
items excepted): a sentence left out goes whole, numbers and names included, which is what
makes room for whole sentences. The word step (``select``) then drops the lowest-scoring words of
the admitted sentences until the text fits: ``slack=0`` keeps nearly whole sentences, a larger
slack leaves more of the cut to the words.

A sentence ends at ``.``, ``!``, ``?`` or ``…`` (closing quotes and brackets included) followed by
whitespace and a character that is not a lowercase letter, and at every line break: a line of a
transcript, a list or a table is a sentence of its own.

Example:
    >>> import numpy as np
    >>> from headroom_lingua.engine.segment import segment
    >>> u = segment("The cat sat. It purred.\\nDogs bark", protected=[])
    >>> sentence_ids(u).tolist()
    [0, 0, 0, 0, 1, 1, 1, 2, 2]
    >>> keys, admitted = coarse(np.array([1., 1, 1, 1, 5, 5, 5, 2, 2]), sentence_ids(u), np.ones(9), 3, 0.0)
    >>> [u.text[s:e] for s, e, a in zip(u.starts, u.ends, admitted) if a]
    ['It', 'purred', '.']
    >>> bool(keys[admitted].min() > keys[~admitted].max())
    True
"""

from __future__ import annotations

import numpy as np
import regex

from .segment import Units

_BREAK = regex.compile(r"[.!?…]+[\"'”’)\]]*[^\S\n]+(?=[^\s\p{Ll}])|[^\S\n]*\n\s*")


def sentence_ids(units: Units) -> np.ndarray:
    """(n_units,) int64: the index of the sentence each unit belongs to, in text order."""
    if not len(units):
        return np.zeros(0, dtype=np.int64)
    ends = np.fromiter((m.end() for m in _BREAK.finditer(units.text)), dtype=np.int64)
    ids = np.searchsorted(ends, units.starts, side="right")  # breaks ending at or before the unit's start
    return np.unique(ids, return_inverse=True)[1].astype(np.int64)  # renumbered 0..k-1 without gaps


def coarse(keys: np.ndarray, ids: np.ndarray, costs: np.ndarray, budget: int,
           slack: float) -> tuple[np.ndarray, np.ndarray]:
    """(keys raised so that every unit of an admitted sentence outranks every other unit, the
    (n_units,) bool mask of those units). Sentences (``ids``, one per unit) are admitted by
    descending mean key (ties: earlier first) until their summed ``costs`` (additive token
    estimates) reach ``(1 + slack) * budget``; the sentence that crosses that line is admitted
    too. Within each of the two tiers the units keep their order."""
    keys = np.asarray(keys, dtype=np.float64)
    if not len(keys):
        return keys, np.zeros(0, dtype=bool)
    finite = np.isfinite(keys)
    low = keys[finite].min() if finite.any() else 0.0
    clean = np.where(finite, keys, low)  # -inf and nan count as the lowest score in the means
    n = int(ids.max()) + 1
    mean = np.bincount(ids, weights=clean, minlength=n) / np.maximum(np.bincount(ids, minlength=n), 1)
    order = np.argsort(-mean, kind="stable")
    filled = np.cumsum(np.bincount(ids, weights=np.asarray(costs, dtype=np.float64), minlength=n)[order])
    admitted = np.zeros(n, dtype=bool)
    admitted[order[:int(np.searchsorted(filled, (1.0 + slack) * budget, side="left")) + 1]] = True
    span = (clean.max() - low + 1.0) if finite.any() else 1.0
    inside = admitted[ids]
    return np.where(inside, clean + span, keys), inside
