"""The ranker interface: documents and a question in, one relevance score per document out."""

from __future__ import annotations

import abc
from typing import Sequence

import numpy as np


class Ranker(abc.ABC):
    """Base class of every document ranker."""

    name: str = "ranker"

    @abc.abstractmethod
    def rank(self, documents: Sequence[str], question: str) -> np.ndarray:
        """(n_documents,) float64 relevance of each document to ``question``; higher = more relevant."""
