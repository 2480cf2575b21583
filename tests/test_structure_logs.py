"""Log folding: every distinct masked line survives, counts add up, errors stay verbatim."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_lingua.engine.budget import get_counter
from headroom_lingua.errors import ConfigError
from headroom_lingua.structure import collapse_logs, is_log_like, mask_line

from .structure_samples import service_log, transcript
from .structure_strategies import logs

COUNTED = re.compile(r"^\[x(\d+)\] ")


def _unfold(out: str) -> list[tuple[int, str]]:
    """(count, masked line) per non-blank output line."""
    pairs = []
    for line in out.split("\n"):
        if line.strip():
            m = COUNTED.match(line)
            pairs.append((int(m.group(1)), line[m.end():]) if m else (1, mask_line(line)))
    return pairs


@settings(max_examples=150, deadline=None)
@given(logs, st.integers(2, 4))
def test_every_distinct_masked_line_survives_and_counts_add_up(log, min_repeats):
    out, report = collapse_logs(log, min_repeats=min_repeats)
    pairs = _unfold(out)
    masked_in = [mask_line(line) for line in log.split("\n") if line.strip()]
    assert set(masked_in) == {masked for _, masked in pairs}
    assert sum(count for count, _ in pairs) == len(masked_in)
    assert report.items_dropped == len(log.split("\n")) - len(out.split("\n"))
    assert all(count == 1 or count >= min_repeats for count, _ in pairs)


@settings(max_examples=100, deadline=None)
@given(logs)
def test_errors_warnings_and_tracebacks_stay_verbatim_and_in_order(log):
    out, _ = collapse_logs(log)
    alerts = [line for line in log.split("\n") if re.search(r"ERROR|WARN|Traceback|File \"|ValueError", line)]
    kept = [line for line in out.split("\n") if line in alerts]
    assert kept == alerts


@given(st.text(max_size=200))
def test_masking_is_idempotent(line):
    assert mask_line(mask_line(line)) == mask_line(line)


def test_masks():
    line = ("2026-03-14T10:00:01.123Z 10.0.0.7:8080 GET /a 503 in 12 ms trace=550e8400-e29b-41d4-a716-446655440000"
            " obj=0x7ffe1234 sha=9f8e7d6c5b4a took 200ms size 4096")
    assert mask_line(line) == "<TS> <IP> GET /a 503 in <N> ms trace=<UUID> obj=<HEX> sha=<HEX> took <N>ms size <N>"
    assert mask_line("Mar  5 10:30:01 host sshd[4242]: ok") == "<TS> host sshd[<N>]: ok"
    assert mask_line('127.0.0.1 - - [05/Mar/2026:10:30:01 +0000] "GET / HTTP/1.1" 200 2326') == \
        '<IP> - - [<TS>] "GET / HTTP/<N>" 200 <N>'


def test_a_service_log_folds_fifty_times_and_keeps_its_errors():
    counter = get_counter("cl100k")
    log = service_log(2000)
    out, report = collapse_logs(log)
    assert counter.count(log) >= 20 * counter.count(out)
    for line in log.split("\n"):
        if re.search(r"ERROR|WARN|Traceback|File \"|return repo|KeyError| 503 ", line):
            assert line in out.split("\n")
    assert "[x" in out and "<TS> INFO GET /api/v1/items 200 in <N> ms req_id=<HEX>" in out
    assert report.items_dropped > 1800


def test_folding_restarts_after_each_error():
    log = "\n".join(["10:00:01 GET /a 200 in 3 ms"] * 3 + ["10:00:02 ERROR boom"] + ["10:00:03 GET /a 200 in 4 ms"] * 2)
    assert collapse_logs(log)[0].split("\n") == [
        "[x3] <TS> GET /a 200 in <N> ms", "10:00:02 ERROR boom", "[x2] <TS> GET /a 200 in <N> ms"]


def test_traces_stay_whole_and_plain_output_after_an_error_still_folds():
    go = ("panic: runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:\nmain.main()\n"
          "\t/app/main.go:5 +0x1d\nexit status 2")
    java = ("ERROR request failed\njava.lang.IllegalStateException: closed\n\tat com.acme.Pool.get(Pool.java:42)\n"
            "Caused by: java.io.IOException: reset\n\t... 7 more")
    for trace in (go, java):
        out, _ = collapse_logs(trace + "\n" + "\n".join(f"processing item {n}" for n in range(6)))
        assert out == trace + "\n[x6] processing item <N>"


def test_log_detection():
    assert is_log_like(service_log(50))
    assert is_log_like('\n'.join(f'{{"time": "t{i}", "level": "info", "msg": "x"}}' for i in range(8)))
    assert not is_log_like(transcript())
    assert not is_log_like("2026-03-14 INFO one line only")


def test_bad_arguments_are_named():
    with pytest.raises(ConfigError, match="min_repeats=1"):
        collapse_logs("x", min_repeats=1)
    with pytest.raises(ConfigError, match="share=0"):
        is_log_like("x", share=0)
    with pytest.raises(ConfigError, match="min_lines=0"):
        is_log_like("x", min_lines=0)
    with pytest.raises(TypeError, match="got bytes"):
        collapse_logs(b"x")
