"""Sentences: an optional coarse step before the word step.

At low rates a word-level cut of a short paragraph reads worse to a small target LLM than a
few whole sentences do. The coarse step ranks sentences by the mean score of their units (the
same scorer's scores, so nothing more is run), admits them best first until their estimated
tokens reach ``(1 + slack)`` x the budget, and ranks every unit of an admitted sentence above
every unit of the others. Optionally (``tier``; ``engine.fit`` passes it unless
``sentence_facts="follow"``) a sentence that holds a fact the protectors mark (a number, a name,
an identifier, a who-does-what clause) is ranked before every sentence that holds none, as the
word step keeps those units before any word: a long line with one amount in it has a low mean
score, and ranked by the mean alone it lost to short small-talk lines. What protection does in a
sentence left out is ``engine.fit``'s to say. The word step (``select``) then drops the
lowest-scoring words of the admitted sentences until the text fits: ``slack=0`` keeps nearly
whole sentences, a larger slack leaves more of the cut to the words. That is ``cut="spread"``: the
words the budget has no room for are taken from every admitted sentence. With ``cut="last"`` every
unit of a better-ranked admitted sentence outranks every unit of a worse one, so sentences are
filled best first and only the last one reached loses words (its lowest-scoring ones); the others
stay whole, and the slack only says where protection holds (``engine.fit``). ``engine.fit`` turns
``cut="auto"`` into one of the two by the text's kind (``cut_for``): lines or prose.

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
    >>> words = [u.text[s:e] for s, e in zip(u.starts, u.ends)]
    >>> scores = np.array([1., 1, 1, 1, 5, 2.5, 5, 4, 3])  # the best 4 units fill a budget of 4
    >>> [sorted(words[i] for i in np.argsort(-coarse(scores, sentence_ids(u), np.ones(9), 4, 0.0, cut=c)[0])[:4])
    ...  for c in ("spread", "last")]
    [['.', 'Dogs', 'It', 'bark'], ['.', 'Dogs', 'It', 'purred']]
    >>> keys, admitted = coarse(np.array([1., 1, 1, 1, 5, 5, 5, 2, 2]), sentence_ids(u), np.ones(9), 3, 0.0,
    ...                         tier=np.array([0, 1, 0, 0, 0, 0, 0, 0, 0]))  # "cat" is a fact to keep
    >>> [u.text[s:e] for s, e, a in zip(u.starts, u.ends, admitted) if a]
    ['The', 'cat', 'sat', '.']
"""

from __future__ import annotations

import numpy as np
import regex

from .segment import Units

SENTENCE_FACTS = ("keep", "follow")
"""What the sentence step does with protected facts (``engine.fit``'s ``sentence_facts``)."""
SENTENCE_CUTS = ("spread", "last", "auto")
"""Where the word step cuts after the sentence step (``engine.fit``'s ``sentence_cut``); ``auto``:
``spread`` for line-structured text, ``last`` for prose (``cut_for``)."""

_BREAK = regex.compile(r"[.!?…]+[\"'”’)\]]*[^\S\n]+(?=[^\s\p{Ll}])|[^\S\n]*\n\s*")


def sentence_ids(units: Units) -> np.ndarray:
    """(n_units,) int64: the index of the sentence each unit belongs to, in text order."""
    if not len(units):
        return np.zeros(0, dtype=np.int64)
    ends = np.fromiter((m.end() for m in _BREAK.finditer(units.text)), dtype=np.int64)
    ids = np.searchsorted(ends, units.starts, side="right")  # breaks ending at or before the unit's start
    return np.unique(ids, return_inverse=True)[1].astype(np.int64)  # renumbered 0..k-1 without gaps


def cut_for(texts: list[str]) -> str:
    """``auto``'s choice for these texts: ``spread`` when at least as many sentences end at a line
    break as at punctuation (a transcript, a chat, a list: each line a turn of its own), else
    ``last`` (prose, whose sentences read best whole)."""
    lines = prose = 0
    for text in texts:
        for m in _BREAK.finditer(text):
            if "\n" in m.group():
                lines += 1
            else:
                prose += 1
    return "spread" if lines and lines >= prose else "last"


def coarse(keys: np.ndarray, ids: np.ndarray, costs: np.ndarray, budget: int,
           slack: float, tier: np.ndarray | None = None, cut: str = "spread") -> tuple[np.ndarray, np.ndarray]:
    """(keys raised so that every unit of an admitted sentence outranks every other unit, the
    (n_units,) bool mask of those units). Sentences (``ids``, one per unit) are admitted by
    descending tier (a sentence's is the highest ``tier`` of its units; none given: all 0), then
    descending mean key, then text order, until their summed ``costs`` (additive token
    estimates) reach ``(1 + slack) * budget``; the sentence that crosses that line is admitted
    too. ``cut="spread"``: within each of the two groups (admitted or not) the units keep their
    order. ``cut="last"``: among the admitted sentences the keys follow their admission order
    (every unit of one outranks every unit of those admitted after it), the units' own keys
    within a sentence; the units left out keep their keys, as with ``spread`` (so protected
    units that must give way do so in the same order). ``auto`` is ``engine.fit``'s to resolve."""
    keys = np.asarray(keys, dtype=np.float64)
    if not len(keys):
        return keys, np.zeros(0, dtype=bool)
    finite = np.isfinite(keys)
    low = keys[finite].min() if finite.any() else 0.0
    clean = np.where(finite, keys, low)  # -inf and nan count as the lowest score in the means
    n = int(ids.max()) + 1
    mean = np.bincount(ids, weights=clean, minlength=n) / np.maximum(np.bincount(ids, minlength=n), 1)
    rank = np.zeros(n)
    if tier is not None:
        np.maximum.at(rank, ids, np.asarray(tier, dtype=np.float64))
    order = np.lexsort((np.arange(n), -mean, -rank))
    filled = np.cumsum(np.bincount(ids, weights=np.asarray(costs, dtype=np.float64), minlength=n)[order])
    admitted = np.zeros(n, dtype=bool)
    admitted[order[:int(np.searchsorted(filled, (1.0 + slack) * budget, side="left")) + 1]] = True
    span = (clean.max() - low + 1.0) if finite.any() else 1.0
    inside = admitted[ids]
    if cut not in ("spread", "last"):
        raise ValueError(f"coarse takes cut='spread' or 'last', got {cut!r} (fit resolves 'auto')")
    if cut == "last":  # admitted sentences in their admission order; the others as with "spread"
        place = np.full(n, n, dtype=np.float64)
        place[order] = np.arange(n)
        return np.where(inside, clean + span * (n + 1 - place[ids]), keys), inside
    return np.where(inside, clean + span, keys), inside
