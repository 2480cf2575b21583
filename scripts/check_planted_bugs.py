"""Plant bugs in the engine and the front ends, one at a time, and check the fast suite fails.

Each bug is a one-line edit applied to a fresh export of HEAD (the working tree is not touched);
the fast suite runs on it with ``-x`` and the script prints whether it caught the bug, and the
first failing test. A bug the suite misses is a missing test.

    python scripts/check_planted_bugs.py            # all bugs
    python scripts/check_planted_bugs.py --only 3   # one of them
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUGS = [
    ("the greedy fill keeps a unit that overshoots the budget by up to 2 tokens",
     "headroom_lingua/engine/select.py", "        if c <= budget:\n", "        if c <= budget + 2:\n"),
    ("plain text within 3 tokens of its budget passes through unchanged",
     "headroom_lingua/frontends/text.py", "    if budget >= len(starts):\n", "    if budget >= len(starts) - 3:\n"),
    ("documents: the budget search counts the prompt without the question",
     "headroom_lingua/frontends/documents/compress.py",
     "            return job.assemble(t for t in (texts[pos[i]] for i in order) if t.strip())\n",
     "            return job.cfg.separator.join(([job.instruction] if job.instruction is not None else [])"
     " + [t for t in (texts[pos[i]] for i in order) if t.strip()])\n"),
    ("messages: a compressed message loses its keys other than role and content",
     "headroom_lingua/frontends/messages/compress.py", "    out = copy.deepcopy(dict(msg))\n",
     "    out = {k: v for k, v in copy.deepcopy(dict(msg)).items() if k in ('role', 'content')}\n"),
    ("render: a dropped run between two words leaves no space, fusing them",
     "headroom_lingua/engine/render.py", "            seps[r] = next((g for g in reversed(gaps[p + 1:a]) if g), \"\")\n",
     "            seps[r] = \"\"\n"),
]


def run_one(n: int, python: str) -> tuple[bool, str]:
    what, path, old, new = BUGS[n]
    with tempfile.TemporaryDirectory(prefix="planted-") as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        source = Path(tmp, path).read_text(encoding="utf-8")
        if source.count(old) != 1:
            raise SystemExit(f"bug {n}: the line to change is not in {path} exactly once; update this script")
        Path(tmp, path).write_text(source.replace(old, new), encoding="utf-8")
        env = dict(os.environ, PYTHONPATH=f"{tmp}{os.pathsep}{tmp}/eval")
        out = subprocess.run([python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"], cwd=tmp, env=env,
                             capture_output=True, text=True)
    failed = [line for line in out.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    return out.returncode != 0, failed[0] if failed else out.stdout.strip().splitlines()[-1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", type=int, help="run only bug N (0-based)")
    a = p.parse_args()
    caught = 0
    for n in [a.only] if a.only is not None else range(len(BUGS)):
        ok, detail = run_one(n, sys.executable)
        caught += ok
        print(f"bug {n}: {BUGS[n][0]}\n  {'CAUGHT' if ok else 'MISSED'}: {detail}", flush=True)
    print(f"{caught} of {len(BUGS) if a.only is None else 1} planted bugs caught")
    sys.exit(0 if caught == (len(BUGS) if a.only is None else 1) else 1)


if __name__ == "__main__":
    main()
