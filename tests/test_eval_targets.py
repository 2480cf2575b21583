"""Targets: the OpenAI-compatible HTTP target against a local loopback server, and the stub."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from headroom_lingua.errors import ConfigError
from headroom_lingua_eval.config import EvalConfig
from headroom_lingua_eval.targets import StubFirstSentenceTarget, WordCounter, cut_at_stop, make_target

MAX_REQUESTS = 50  # the server stops answering after this many: the test can never loop unbounded


class FakeChatServer(ThreadingHTTPServer):
    """A loopback stand-in for an OpenAI-compatible endpoint: answers 'echo: <last user message>'."""

    def __init__(self):
        self.requests: list[dict] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass

    def do_POST(self):
        server: FakeChatServer = self.server  # type: ignore[assignment]
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        if len(server.requests) > MAX_REQUESTS or self.path != "/v1/chat/completions":
            self.send_response(404)
            self.end_headers()
            return
        content = "echo: " + body["messages"][-1]["content"] + "\nQ: should be cut"
        reply = {"id": "cmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
                 "choices": [{"index": 0, "finish_reason": "stop",
                              "message": {"role": "assistant", "content": content}}],
                 "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server():
    srv = FakeChatServer()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)


def test_http_target_sends_a_greedy_request_with_the_env_key(server, monkeypatch, tmp_path):
    pytest.importorskip("openai")
    monkeypatch.setenv("MY_TEST_KEY", "sk-test-123")
    cfg = EvalConfig(out=str(tmp_path), target_url=server.url, target_model="tiny-chat", api_key_env="MY_TEST_KEY")
    target = make_target(cfg)
    assert target.name == f"{server.url}#tiny-chat"
    answer = target.generate([{"role": "user", "content": "hello there"}], max_new_tokens=7, stop=["\nQ:"])
    assert answer == "echo: hello there"  # cut at the stop string even if the server ignores it
    assert len(server.requests) == 1
    req = server.requests[0]
    assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer sk-test-123"
    assert req["body"]["model"] == "tiny-chat" and req["body"]["temperature"] == 0
    assert req["body"]["max_tokens"] == 7 and req["body"]["stop"] == ["\nQ:"]
    assert target.counter.count("Hello world") == 2  # budgets in cl100k by default


def test_http_target_runs_an_eval(server, monkeypatch, tmp_path):
    pytest.importorskip("openai")
    from headroom_lingua_eval.runner import load_records, run_eval

    data = tmp_path / "d.jsonl"
    data.write_text("\n".join(json.dumps({"id": str(i), "context": f"Fact number {i} is true.",
                                          "question": f"Which fact {i}?", "answers": [f"{i}"]})
                              for i in range(3)) + "\n")
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    cfg = EvalConfig(out=str(tmp_path / "out"), suites=("jsonl",), jsonl_path=str(data), methods=("none", "truncate"),
                     rates=(0.5,), target_url=server.url, target_model="m", bootstrap=100)
    out = run_eval(cfg, cache_dir=tmp_path / "cache", progress=False)
    records = load_records(out)
    assert len(records) == 6 and len(server.requests) == 6
    assert all(r["answer"].startswith("echo: Answer the question") for r in records.values())


def test_http_target_without_key_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    cfg = EvalConfig(out=str(tmp_path), target_url="http://127.0.0.1:9/v1", target_model="m",
                     api_key_env="NO_SUCH_KEY_VAR")
    with pytest.raises(ConfigError, match=r"\$NO_SUCH_KEY_VAR"):
        make_target(cfg)


def test_stub_answers_from_the_context():
    stub = StubFirstSentenceTarget()
    prompt = ("Context:\nThe sky is blue. Paris is the capital of France. Rome is old.\n\n"
              "Question: What is the capital of France?\nAnswer:")
    assert stub.generate([{"role": "user", "content": prompt}], 32) == "Paris is the capital of France."
    assert stub.generate([{"role": "user", "content": prompt}], 2) == "Paris is"
    assert stub.generate([{"role": "user", "content": "Just text. More text."}], 8) == "Just text."


def test_word_counter_and_cut_at_stop():
    counter = WordCounter()
    assert counter.count(" a  bb\nccc ") == 3
    assert counter.token_starts(" a  bb\nccc ").tolist() == [1, 4, 7]
    assert cut_at_stop("x\nQ: y\n\nQ: z", ["\n\nQ:", "\nQ:"]) == "x"
    assert cut_at_stop(" plain ", []) == "plain"
