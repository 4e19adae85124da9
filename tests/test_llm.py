"""qa.llm against real servers: a fake OpenAI server for faults, and qa.llm_server (llama.cpp) + SmolLM2.

The real-model tests carry the ``llm_server`` marker (deselect with ``-m "not llm_server"``).
"""
from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import traceback
import urllib.request
from pathlib import Path

import pytest

import qa.llm as qa_llm
from qa.errors import LLMError, QAError
from qa.llm import OPENAI_BASE_URL, ChatLLM, get_llm
from qa.local_llm import LocalLLMServer, small_model
from qa.settings import Settings

try:  # works whether or not tests/ is a package
    from tests.fake_openai_server import FakeOpenAIServer
except ImportError:
    from fake_openai_server import FakeOpenAIServer


def _register_marker() -> None:
    # pytest only calls pytest_configure in conftest.py/plugins, not in test modules, so register
    # the marker before first use (until a `markers` line lands in conftest.py / pyproject.toml).
    config = getattr(pytest.mark, "_config", None)
    if config is not None and not any(m.startswith("llm_server") for m in config.getini("markers")):
        config.addinivalue_line("markers", "llm_server: starts the real local LLM server with SmolLM2")


_register_marker()

PR_SET_CHILD_SUBREAPER = 36
SECRET = "sk-test-SECRET123"
MESSAGES = [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "What is 6 x 7?"}]
needs_local = [pytest.mark.llm_server]


@pytest.fixture(autouse=True)
def _clean_openai_env(monkeypatch):
    # Tests must not depend on (or leak) a developer's real OpenAI settings.
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID",
                 "OPENAI_CUSTOM_HEADERS", "OPENAI_ADMIN_KEY"):
        monkeypatch.delenv(name, raising=False)


def make_llm(url: str, *, key: str = SECRET, timeout: float = 3.0, retries: int = 2) -> ChatLLM:
    return ChatLLM(base_url=url, api_key=key, model_id="fake-model", timeout=timeout, max_retries=retries)


def run(llm: ChatLLM, mode: str, **kw) -> tuple[list[str], LLMError | None, float]:
    """Call stream() or complete(); return (text pieces, error, elapsed seconds)."""
    pieces: list[str] = []
    start = time.monotonic()
    try:
        if mode == "stream":
            for piece in llm.stream(MESSAGES, **kw):
                pieces.append(piece)
        else:
            pieces.append(llm.complete(MESSAGES, **kw))
        error = None
    except LLMError as exc:
        error = exc
    return pieces, error, time.monotonic() - start


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# Fake OpenAI server: protocol and faults
# ---------------------------------------------------------------------------------------------
def test_stream_yields_deltas_and_sends_the_request():
    with FakeOpenAIServer("ok", text="Six times seven is 42 [1].") as srv:
        pieces, error, _ = run(make_llm(srv.base_url), "stream", max_tokens=64, temperature=0.2)
    assert error is None
    assert pieces == ["Six", " times", " seven", " is", " 42", " [1]."]
    (request,) = srv.chat_requests
    body = request["json"]
    assert body["model"] == "fake-model" and body["stream"] is True
    assert body["messages"] == MESSAGES and body["max_tokens"] == 64 and body["temperature"] == 0.2
    assert request["headers"]["authorization"] == f"Bearer {SECRET}"


def test_complete_returns_the_whole_answer():
    with FakeOpenAIServer("ok", text="Forty-two [2].") as srv:
        pieces, error, _ = run(make_llm(srv.base_url), "complete")
    assert error is None and pieces == ["Forty-two [2]."]
    assert srv.chat_requests[0]["json"].get("stream") in (None, False)


FAULTS = [
    # behaviour, mode, expected message fragment, requests the client should make
    ("error500", "stream", "LLM returned HTTP 500 after 2 retries", 3),
    ("error500", "complete", "LLM returned HTTP 500 after 2 retries", 3),
    ("unauthorized", "stream", "LLM returned HTTP 401", 1),  # 4xx: no retry
    ("truncate", "stream", "LLM stream was cut off", 1),  # text was yielded: no retry
    ("no_done", "stream", "LLM stream was cut off", 1),
    ("truncate", "complete", "LLM response was cut off", 3),  # nothing shown yet: retried
    ("silence", "stream", "LLM timed out after 1.5 s", 1),
    ("silence", "complete", "LLM timed out after 1.5 s", 1),
    ("malformed", "stream", "LLM sent a malformed response", 1),
    ("malformed", "complete", "LLM sent a malformed response", 1),
    ("empty", "stream", "LLM returned an empty answer", 1),
    ("empty", "complete", "LLM returned an empty answer", 1),
    ("error_event", "stream", "LLM reported an error: model crashed", 1),
]


@pytest.mark.parametrize("behaviour,mode,expected,requests", FAULTS,
                         ids=[f"{b}-{m}" for b, m, *_ in FAULTS])
def test_each_fault_is_one_clear_llmerror_within_the_timeout(behaviour, mode, expected, requests):
    with FakeOpenAIServer(behaviour) as srv:
        llm = make_llm(srv.base_url, timeout=1.5 if behaviour == "silence" else 3.0)
        _, error, elapsed = run(llm, mode)
        assert error is not None, f"{behaviour} should fail"
        assert expected in str(error)
        assert "\n" not in str(error)
        assert elapsed < llm.timeout + 10  # bounded; a "silence" server without the deadline never answers
        assert len(srv.chat_requests) == requests
    if behaviour == "silence":
        assert elapsed >= llm.timeout - 0.1


def test_text_may_arrive_before_the_error():
    # The caller may have shown part of an answer when the stream breaks: it must still get LLMError.
    with FakeOpenAIServer("truncate") as srv:
        pieces, error, _ = run(make_llm(srv.base_url), "stream")
    assert pieces == ["The", " answer"] and isinstance(error, LLMError)


def test_rate_limited_then_success_waits_for_retry_after():
    with FakeOpenAIServer("rate_limit", "ok", retry_after=1) as srv:
        pieces, error, elapsed = run(make_llm(srv.base_url, timeout=5), "stream")
    assert error is None and "".join(pieces) == "The answer is 42 [1]."
    assert len(srv.chat_requests) == 2
    assert elapsed >= 1.0


def test_rate_limit_that_persists_reports_the_retries():
    with FakeOpenAIServer("rate_limit", retry_after=0.2) as srv:
        _, error, elapsed = run(make_llm(srv.base_url, timeout=5), "complete")
    assert str(error) == "LLM rate-limited (429) after 2 retries"
    assert len(srv.chat_requests) == 3 and elapsed >= 0.4


def test_retry_after_beyond_the_timeout_gives_up_at_once():
    with FakeOpenAIServer("rate_limit", retry_after=60) as srv:
        _, error, elapsed = run(make_llm(srv.base_url, timeout=30), "stream")
    assert "LLM rate-limited (429)" in str(error) and "timeout" in str(error)
    assert elapsed < 15 and len(srv.chat_requests) == 1  # not the 60 s asked, nor the 30 s timeout


def test_whole_call_is_bounded_even_while_text_trickles_in():
    # Each delta comes well inside any per-read timeout, yet the call as a whole must stop at the deadline.
    words = " ".join(f"word{i}" for i in range(20))
    with FakeOpenAIServer("slow", delay=0.5, text=words) as srv:
        pieces, error, elapsed = run(make_llm(srv.base_url, timeout=2), "stream")
    assert str(error) == "LLM timed out after 2 s"
    assert len(pieces) < 20  # the deadline cut the answer short
    assert elapsed < 8  # without the deadline the twenty pieces take 10 s


def test_abandoning_a_stream_early_is_fine():
    with FakeOpenAIServer("slow", delay=0.05) as srv:
        stream = make_llm(srv.base_url).stream(MESSAGES)
        assert next(stream) == "The"
        stream.close()  # the caller stops reading (e.g. the user left)


def test_refused_connection_fails_fast_with_the_url():
    url = f"http://127.0.0.1:{closed_port()}/v1"
    for mode in ("stream", "complete"):
        _, error, elapsed = run(make_llm(url, timeout=60), mode)
        assert str(error) == f"LLM unreachable at {url} (connection refused)"
        assert elapsed < 20  # no waiting for the 60 s timeout


def test_credentials_in_the_base_url_are_not_shown():
    url = f"http://alice:hunter2-password@127.0.0.1:{closed_port()}/v1"
    llm = make_llm(url)
    _, error, _ = run(llm, "stream")
    assert "hunter2" not in str(error) + repr(llm) and "alice" not in str(error)


# ---------------------------------------------------------------------------------------------
# Keys: never shown, never sent to the wrong place
# ---------------------------------------------------------------------------------------------
def test_api_key_never_appears_in_errors_reprs_or_logs(caplog, capsys):
    caplog.set_level(logging.DEBUG)  # everything: qa, openai, httpx, httpcore
    seen: list[str] = []
    for behaviour, mode, timeout in [("unauthorized", "stream", 3), ("unauthorized", "complete", 3),
                                     ("error500", "stream", 3), ("malformed", "complete", 3),
                                     ("truncate", "stream", 3), ("silence", "stream", 0.5)]:
        with FakeOpenAIServer(behaviour) as srv:
            llm = make_llm(srv.base_url, timeout=timeout, retries=1)
            _, error, _ = run(llm, mode)
            assert error is not None
            assert srv.chat_requests[0]["headers"]["authorization"] == f"Bearer {SECRET}"  # it was sent...
            seen += [str(error), repr(error), "".join(traceback.format_exception(error)), repr(llm)]
            assert error.__cause__ is None and error.__suppress_context__  # no chained openai/httpx objects
    refused = make_llm(f"http://127.0.0.1:{closed_port()}/v1", timeout=1)
    _, error, _ = run(refused, "stream")
    seen += [str(error), repr(error), repr(refused)]
    out, err = capsys.readouterr()
    seen += [out, err, caplog.text] + [r.getMessage() for r in caplog.records]
    assert any("Incorrect API key provided: ***" in s for s in seen)  # the echoed key was scrubbed
    for text in seen:  # ...but is shown nowhere
        assert "SECRET123" not in text


def test_scrub_catches_masked_and_bearer_forms():
    llm = make_llm("http://127.0.0.1:9/v1")
    assert llm.scrub(f"key {SECRET} here") == "key *** here"
    assert "T123" not in llm.scrub("Incorrect API key provided: sk-test-*******T123")
    assert "abc" not in llm.scrub("Authorization: Bearer abc.def")


def test_custom_base_url_never_receives_the_openai_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-SECRET999")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-from-env")
    monkeypatch.setenv("OPENAI_CUSTOM_HEADERS", "Authorization: Bearer sk-env-SECRET999")
    with FakeOpenAIServer("ok") as srv:
        for llm_key, sent in [("", "Bearer not-needed"), ("endpoint-key", "Bearer endpoint-key")]:
            for choice in ("auto", "openai"):
                settings = Settings(llm=choice, llm_base_url=srv.base_url, llm_api_key=llm_key,
                                    openai_api_key=SECRET, llm_timeout=3)
                llm = get_llm(settings)
                assert llm.base_url == srv.base_url
                assert "".join(llm.stream(MESSAGES))
                headers = srv.chat_requests[-1]["headers"]
                assert headers["authorization"] == sent
                assert "openai-organization" not in headers
    everything = repr(srv.requests)
    assert "SECRET123" not in everything and "SECRET999" not in everything


# ---------------------------------------------------------------------------------------------
# get_llm
# ---------------------------------------------------------------------------------------------
def test_get_llm_choices():
    assert get_llm(Settings(llm="none", openai_api_key=SECRET, llm_base_url="http://127.0.0.1:9/v1")) is None
    assert get_llm(Settings(llm="auto")) is None
    with pytest.raises(QAError, match="QA_LLM=openai needs OPENAI_API_KEY or QA_LLM_BASE_URL"):
        get_llm(Settings(llm="openai"))

    openai_llm = get_llm(Settings(llm="auto", openai_api_key=SECRET, llm_context_tokens=16000))
    assert openai_llm.base_url == OPENAI_BASE_URL  # not OPENAI_BASE_URL from the environment, either
    assert openai_llm.model == openai_llm.model_id == "gpt-4o-mini"
    assert openai_llm.context_tokens == 16000
    assert SECRET not in repr(openai_llm)

    custom = get_llm(Settings(llm="auto", llm_base_url="http://127.0.0.1:9/v1", llm_model="my-model"))
    assert custom.base_url == "http://127.0.0.1:9/v1" and custom.model == "my-model"


def test_get_llm_is_cached_per_configuration():
    settings = Settings(llm="openai", openai_api_key=SECRET)
    assert get_llm(settings) is get_llm(Settings(llm="openai", openai_api_key=SECRET))
    assert get_llm(settings) is not get_llm(settings.replace(llm_model="gpt-4o"))
    assert get_llm(settings) is not get_llm(settings.replace(openai_api_key="sk-test-OTHER456"))
    assert get_llm(settings) is not get_llm(settings.replace(llm_timeout=5.0))


# ---------------------------------------------------------------------------------------------
# The real thing: qa.llm_server (llama.cpp's CPU library) + SmolLM2
# ---------------------------------------------------------------------------------------------
def local_settings(**changes) -> Settings:
    # SmolLM2 even where `qa model fetch` has put the 1.5B model in the cache: fast, and the same everywhere
    return Settings(llm="local", llm_timeout=30, llm_model_path=str(small_model())).replace(**changes)


@pytest.fixture(scope="module")
def local_llm():
    started = time.monotonic()
    llm = get_llm(local_settings())
    print(f"\nlocal LLM server ready in {time.monotonic() - started:.2f} s at {llm.base_url}")
    yield llm
    llm.server.stop()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class TestLocalServer:
    pytestmark = needs_local

    def test_get_llm_local_reuses_one_server(self, local_llm):
        assert local_llm.model == "SmolLM2-135M-Instruct (local)"
        assert local_llm.context_tokens == 4096
        assert local_llm.base_url.startswith("http://127.0.0.1:")
        assert get_llm(local_settings()) is local_llm
        assert local_llm.server.pid is not None and _alive(local_llm.server.pid)

    def test_stream_gives_several_deltas(self, local_llm):
        started = time.monotonic()
        pieces = list(local_llm.stream(MESSAGES, max_tokens=24))
        print(f"\n{len(pieces)} deltas in {time.monotonic() - started:.2f} s: {''.join(pieces)!r}")
        assert len(pieces) >= 3 and "".join(pieces).strip()

    def test_complete(self, local_llm):
        text = local_llm.complete(MESSAGES, max_tokens=24)
        assert isinstance(text, str) and text.strip()

    def test_a_repeated_prompt_prefix_is_not_computed_again(self, local_llm):
        # The answer prompt's fixed system part is reused from the model's cache: only the new tail runs.
        def usage(question: str) -> dict:
            body = json.dumps({"model": local_llm.model_id, "max_tokens": 4, "messages": [
                {"role": "system", "content": "Answer from the sources. " * 20},
                {"role": "user", "content": question}]}).encode()
            request = urllib.request.Request(local_llm.base_url + "/chat/completions", data=body, headers={
                "Authorization": f"Bearer {local_llm.server.api_key}", "Content-Type": "application/json"})
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            with opener.open(request, timeout=60) as response:
                return json.loads(response.read())["usage"]

        first, second = usage("What is 6 x 7?"), usage("Who wrote Hamlet?")
        assert second["prompt_tokens_details"]["cached_tokens"] >= 100
        assert first["prompt_tokens"] > second["prompt_tokens"] - first["prompt_tokens"] + 100

    def test_server_requires_its_own_key(self, local_llm):
        # The local server gets a random key: other local users / browser pages can't use it.
        intruder = ChatLLM(base_url=local_llm.base_url, api_key="guess", model_id="x", timeout=5)
        _, error, _ = run(intruder, "complete")
        assert "HTTP 401" in str(error)

    def test_stop_kills_the_pid_and_closes_the_port(self):
        with LocalLLMServer() as server:
            pid, port = server.pid, int(server.base_url.rsplit(":", 1)[1].split("/")[0])
            assert _alive(pid) and _port_open(port)
        assert server.pid is None and not _alive(pid) and not _port_open(port)
        server.stop()  # idempotent
        started = time.monotonic()
        _, error, _ = run(ChatLLM(base_url=server.base_url, api_key=server.api_key, model_id="x"), "stream")
        assert "connection refused" in str(error) and time.monotonic() - started < 20

    def test_stopping_the_server_mid_stream_raises_llmerror(self):
        with LocalLLMServer() as server:
            llm = ChatLLM(base_url=server.base_url, api_key=server.api_key, model_id=server.alias, timeout=20)
            pieces: list[str] = []
            stopped_at = 0.0
            with pytest.raises(LLMError, match="cut off"):
                # "Count to 300" runs to max_tokens (~10 s), so the server is still generating when stopped.
                for piece in llm.stream([{"role": "user", "content": "Count from 1 to 300, separated by commas."}],
                                        max_tokens=600):
                    pieces.append(piece)
                    if len(pieces) == 3:
                        stopped_at = time.monotonic()
                        threading.Thread(target=server.stop, daemon=True).start()
            assert len(pieces) >= 3 and time.monotonic() - stopped_at < 6

    def test_start_failure_reports_the_server_log(self, tmp_path):
        with pytest.raises(LLMError, match="cannot read the local LLM model .*missing.gguf"):
            LocalLLMServer(model_path=tmp_path / "missing.gguf").start()
        (tmp_path / "notes.gguf").write_text("not a model")
        with pytest.raises(LLMError, match="is not a GGUF file"):
            LocalLLMServer(model_path=tmp_path / "notes.gguf").start()
        bogus = tmp_path / "broken.gguf"
        bogus.write_bytes(b"GGUF" + b"\0" * 64)  # passes our check; the server itself must reject it
        with pytest.raises(LLMError, match=r"the local model could not start \(exited with code 1\): "
                                           r"could not load the model: llama.cpp could not load broken.gguf"):
            LocalLLMServer(model_path=bogus).start(timeout=20)

    @pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
    def test_server_dies_with_a_sigkilled_parent(self):
        # PR_SET_PDEATHSIG: a parent killed by SIGKILL runs no atexit handler, yet the server must go.
        script = textwrap.dedent("""
            import sys, time
            from qa.local_llm import LocalLLMServer
            server = LocalLLMServer()
            server.start()
            print(server.pid, flush=True)
            time.sleep(60)
        """)
        # Become the orphaned server's new parent (subreaper) so we can reap it instead of leaving a zombie.
        prctl = ctypes.CDLL(None, use_errno=True).prctl
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                                  cwd=Path(qa_llm.__file__).parent.parent)
        pid = 0
        try:
            pid = int(parent.stdout.readline())
            assert _alive(pid)
            parent.send_signal(signal.SIGKILL)
            parent.wait(5)
            deadline = time.monotonic() + 5
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not _alive(pid)
        finally:
            if parent.poll() is None:
                parent.kill()
                parent.wait()
            parent.stdout.close()
            if pid and _alive(pid):  # don't leave our grandchild behind if the assertion failed
                os.kill(pid, signal.SIGKILL)
            prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
            if pid:
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:
                    pass
