"""Write the questions of the ``transcript-qa`` suite: a target LLM reads whole chitchat transcripts
and writes questions about facts stated in them.

The suite then answers each question from compressed transcripts and scores the answers against
the same target's answer from the whole transcript (``reference_from_none``), so no human gold
answer is needed and "does compression keep what a reader asks about" has a number.

Transcripts: chitchat-dataset conversations of 300 to ``--max-words`` words (the shipped
classifier trained on 150-299-word ones only), drawn with ``--seed``. The file is appended to
and a conversation already in it is skipped, so an interrupted run resumes.

    python scripts/make_transcript_qa.py --target qwen2.5-coder-1.5b-instruct --conversations 40
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))

PROMPT = ("Read the conversation below. Write {n} different questions about specific facts that the speakers "
          "state in it: a name, a place, a number, a time, a plan, a reason or an opinion. The speakers are "
          "labelled A and B: name them that way (for example \"What does B study?\"). Each question must be "
          "answerable with a few words taken from the conversation alone. Write one question per line, with no "
          "numbering and no answers.\n\nConversation:\n{transcript}\n\nQuestions:")
_NUMBERING = re.compile(r"^\s*(?:[-*•]|\(?\d+[.)]|Q\d*[:.])\s*")


def parse_questions(reply: str, n: int) -> list[str]:
    """Up to ``n`` distinct questions from a reply: one per line, numbering stripped, ending in '?'.

    >>> parse_questions("1. Where does A live?\\n2) What is B's dog called?\\nAnswer: Ohio\\n- Where does A live?", 3)
    ['Where does A live?', "What is B's dog called?"]
    """
    out: list[str] = []
    for line in reply.splitlines():
        q = _NUMBERING.sub("", line).strip()
        if q.endswith("?") and 3 <= len(q.split()) <= 30 and q.lower() not in {o.lower() for o in out}:
            out.append(q)
    return out[:n]


def main(argv: list[str] | None = None) -> None:
    from headroom_lingua_eval.suite_base import sample_indices
    from headroom_lingua_eval.suites import TRANSCRIPT_QA_FILE, chitchat_transcripts
    from headroom_lingua_eval.targets import HFTarget

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--target", default="qwen2.5-coder-1.5b-instruct", help="registered target or local folder")
    p.add_argument("--out", type=Path, default=TRANSCRIPT_QA_FILE)
    p.add_argument("--conversations", type=int, default=40, help="transcripts to draw (in all, with the file's)")
    p.add_argument("--per", type=int, default=3, help="questions per transcript")
    p.add_argument("--max-words", type=int, default=1000, help="longest transcript drawn, in words")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto")
    args = p.parse_args(argv)

    convs = chitchat_transcripts(300, args.max_words)
    drawn = [convs[i] for i in sample_indices(len(convs), args.conversations, args.seed)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    done = set()
    if args.out.is_file():
        done = {json.loads(line)["conversation"] for line in args.out.read_text("utf-8").splitlines() if line.strip()}
    todo = [(k, t) for k, t in drawn if k not in done]
    print(f"{len(convs)} transcripts of 300-{args.max_words} words; {len(drawn)} drawn, {len(todo)} to do",
          flush=True)
    if not todo:
        return
    target = HFTarget.from_pretrained(args.target, device=args.device)
    with args.out.open("a", encoding="utf-8") as f:
        for n, (key, text) in enumerate(todo, start=1):
            start = time.perf_counter()
            reply = target.generate([{"role": "user", "content": PROMPT.format(n=args.per, transcript=text)}],
                                    max_new_tokens=40 * args.per)
            questions = parse_questions(reply, args.per)
            for j, q in enumerate(questions):
                f.write(json.dumps({"id": f"{key}-q{j}", "conversation": key, "question": q,
                                    "generator": args.target}) + "\n")
            f.flush()
            print(f"{n}/{len(todo)} {key}: {len(questions)} questions, {len(text.split())} words, "
                  f"{time.perf_counter() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main()
