"""Answer-quality metrics, computed locally (hub metrics such as ``evaluate.load("squad")`` fetch
their scripts and do not load offline).

- SQuAD exact match and token F1 with the official normalisation (lowercase, drop punctuation and
  the articles a/an/the, collapse whitespace), maximised over the gold answers.
- GSM8K final-number accuracy: "The answer is N" if the answer says so, else its last number.
- ROUGE-L F-measure through the ``rouge-score`` package.

Example:
    >>> squad_f1("the Eiffel tower", ["Eiffel Tower!"])
    1.0
    >>> extract_number("So she has 23 - 15 = 8 dollars. The answer is 8.")
    '8'
"""

from __future__ import annotations

import collections
import math
import re
import string
from typing import Callable, Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation)
_ANSWER_IS = re.compile(r"answer is\s*:?\s*\$?\s*(-?[0-9][0-9,]*(?:\.[0-9]+)?)", re.IGNORECASE)
_NUMBER = re.compile(r"-?[0-9][0-9,]*(?:\.[0-9]+)?")


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lowercase, no punctuation, no articles, single spaces.

    >>> normalize_answer("The  Normans, in France.")
    'normans in france'
    """
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def answer_kept(context: str, answers: Sequence[str]) -> bool:
    """Whether one of ``answers`` survives in ``context`` word for word (after SQuAD normalisation):
    a compression that dropped every form of the answer leaves the target nothing to copy.

    >>> answer_kept("In 1066, the Normans...", ["The Normans"]), answer_kept("In 10660", ["1066"])
    (True, False)
    """
    text = f" {normalize_answer(context)} "
    return any(f" {a} " in text for a in map(normalize_answer, answers) if a)


def _as_list(gold: str | Sequence[str]) -> list[str]:
    golds = [gold] if isinstance(gold, str) else list(gold)
    if not golds:
        raise ValueError("gold answers must not be empty")
    return golds


def squad_exact_match(prediction: str, gold: str | Sequence[str]) -> float:
    """1.0 if the normalised prediction equals any normalised gold answer, else 0.0.

    >>> squad_exact_match("France.", ["france", "Normandy"])
    1.0
    """
    pred = normalize_answer(prediction)
    return float(any(pred == normalize_answer(g) for g in _as_list(gold)))


def _f1(pred_tokens: list[str], gold_tokens: list[str]) -> float:
    if not pred_tokens or not gold_tokens:  # official rule: both empty -> 1, one empty -> 0
        return float(pred_tokens == gold_tokens)
    common = collections.Counter(pred_tokens) & collections.Counter(gold_tokens)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred_tokens), same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def squad_f1(prediction: str, gold: str | Sequence[str]) -> float:
    """Token-overlap F1 after normalisation, the best over the gold answers.

    >>> round(squad_f1("in northern France", ["France"]), 3)
    0.5
    """
    pred = normalize_answer(prediction).split()
    return max(_f1(pred, normalize_answer(g).split()) for g in _as_list(gold))


def _clean_number(text: str) -> str:
    text = text.replace(",", "").replace("$", "").strip().rstrip(".")
    try:
        value = float(text)
    except ValueError:
        return text
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return repr(value)


def extract_number(answer: str) -> str | None:
    """The final number of a chain-of-thought answer, normalised ("1,200.00" -> "1200"), or None.

    The number after the last "The answer is" wins; without that phrase, the last number in the text.

    >>> extract_number("5 * 4 = 20 computers were added. 9 + 20 is 29.")
    '29'
    >>> extract_number("no digits here") is None
    True
    """
    stated = _ANSWER_IS.findall(answer)
    if stated:
        return _clean_number(stated[-1])
    numbers = _NUMBER.findall(answer)
    return _clean_number(numbers[-1]) if numbers else None


def gsm8k_accuracy(answer: str, gold: str | Sequence[str]) -> float:
    """1.0 if the answer's final number equals the gold number (after ``####`` if present).

    >>> gsm8k_accuracy("... The answer is 1,000.", ["So 10 * 100 = 1000.\\n#### 1000"])
    1.0
    """
    golds = [g.split("####")[-1] for g in _as_list(gold)]
    got = extract_number(answer)
    return float(got is not None and any(got == _clean_number(g) for g in golds))


def rouge_l(prediction: str, reference: str | Sequence[str]) -> float:
    """ROUGE-L F-measure (``rouge-score``, Porter stemming), the best over the references.

    >>> round(rouge_l("the cat sat on the mat", "the cat lay on the mat"), 3)  # doctest: +SKIP
    0.833
    """
    try:
        from rouge_score import rouge_scorer
    except ImportError as exc:
        raise ImportError("ROUGE-L needs the rouge-score package: pip install 'headroom-lingua[eval]'") from exc
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    return max(scorer.score(ref, prediction)["rougeL"].fmeasure for ref in _as_list(reference))


# A suite names its metrics; each maps (answer, gold answers) -> score in [0, 1].
METRICS: dict[str, Callable[[str, Sequence[str]], float]] = {
    "f1": squad_f1,
    "em": squad_exact_match,
    "accuracy": gsm8k_accuracy,
    "rouge_l": rouge_l,
}


def score_answer(metrics: Sequence[str], answer: str, gold: Sequence[str]) -> dict[str, float]:
    """Every named metric of one answer.

    >>> score_answer(["em", "f1"], "France", ["France"])
    {'em': 1.0, 'f1': 1.0}
    """
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; known metrics are {sorted(METRICS)}")
    return {m: float(METRICS[m](answer, gold)) for m in metrics}
