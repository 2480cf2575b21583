"""Structure-aware steps: pure functions on text (or parsed JSON), no model needed.

Each returns its output and a ``StepReport`` (characters before and after, items dropped,
seconds), and never changes the kind of its input (JSON stays valid JSON, fenced code stays
byte-identical, logs keep every distinct line shape). Front ends run them before scoring:

- ``dedup_texts`` / ``dedup_text``: repeated texts and paragraphs become back-references;
- ``strip_noise``: blank-line runs, decorative rules, trailing spaces, repeated headers/footers;
- ``shrink_json`` / ``shrink_json_text`` / ``fit_json``: long arrays keep representative items;
- ``collapse_logs`` / ``is_log_like``: repeated log lines fold into counted lines;
- ``find_code_blocks``: fenced, indented and unfenced code, to keep or drop whole.

Example:
    >>> from headroom_lingua.structure import strip_noise
    >>> strip_noise("a   \\n\\n\\n\\nb")[0]
    'a\\n\\n\\nb'
"""

from .code import CodeBlock, fenced_spans, find_code_blocks
from .dedup import dedup_text, dedup_texts
from .json_select import key_paths
from .json_shrink import JsonFit, find_json_values, fit_json, shrink_json, shrink_json_text
from .logs import collapse_logs, is_log_like, mask_line
from .noise import strip_noise
from .report import StepReport

__all__ = [
    "CodeBlock", "JsonFit", "StepReport", "collapse_logs", "dedup_text", "dedup_texts", "fenced_spans",
    "find_code_blocks", "find_json_values", "fit_json", "is_log_like", "key_paths", "mask_line",
    "shrink_json", "shrink_json_text", "strip_noise",
]
