"""Evaluation harness: downstream answer quality against compression ratio, with peers side by side.

Installed as ``headroom_lingua_eval`` (from the repository's ``eval/`` folder); run it as
``headroom-lingua eval`` or ``python -m headroom_lingua_eval``. The pipeline, one module each:

    suites (examples) -> methods (compress to a budget in target tokens) -> targets (answer,
    through the on-disk cache) -> metrics (EM/F1, accuracy, ROUGE-L) -> stats (bootstrap) -> report

Example:
    >>> from headroom_lingua_eval.config import EvalConfig
    >>> from headroom_lingua_eval.runner import run_eval
    >>> run_eval(EvalConfig(out="runs/smoke", target="stub", limit=5,
    ...                     methods=("none", "truncate", "random")))  # doctest: +SKIP
"""
