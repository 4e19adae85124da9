"""Faults: an ingest killed or run twice at once, an LLM that rate-limits, hangs or goes away, a Chroma server that
goes away or stops answering. Each ends in a clear error or a fallback, and the previous index keeps answering."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import LISTING, ChromaServer, free_port
from fake_openai_server import FakeOpenAIServer
from qa.assistant import Assistant
from qa.errors import StoreError
from qa.llm import ChatLLM
from qa.local_llm import LocalLLMServer
from qa.retrieval import MULTILINGUAL_MAX_PAPERS
from qa.settings import Settings
from qa.sources import dump_jsonl
from qa.store import PaperStore

from support import (ANSWER, ROOT, ask_api, assert_clear_error, assert_ok, cli_env, copy_index, dir_size, fast_env,
                     listing_copies, listing_papers, llm_settings, run_qa, start_app, stop_app, store_versions)


@pytest.fixture(scope="module")
def big_source(tmp_path_factory) -> Path:
    """1,500 papers: an ingest whose writes last long enough (~9 s) to be killed in the middle of them."""
    return listing_copies(1500, tmp_path_factory.mktemp("big") / "big.jsonl")


# ================================================================ faults: ingest

@pytest.mark.slow
def test_sigkilled_ingest_leaves_the_previous_index_answering(tmp_path, fake_embeddings, big_source):
    env = fast_env(fake_embeddings, tmp_path / "data")
    assert_ok(run_qa(["ingest", "--source", str(LISTING)], env))
    before = json.loads(run_qa(["info", "--json"], env).stdout)
    assert before["papers"] == 50

    chroma = tmp_path / "data" / "chroma"
    baseline = dir_size(chroma)
    with open(tmp_path / "killed.log", "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "qa", "ingest", "--source", str(big_source)], env=env,
                                   cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            # the new version is being written once the store grows (sources, embeddings and the old
            # version's vectors are all read before): kill it a moment later, in the middle of its writes
            while process.poll() is None and dir_size(chroma) < baseline + 1_000_000:
                assert time.monotonic() < deadline, "the ingest never started writing"
                time.sleep(0.05)
            time.sleep(0.6)
            assert process.poll() is None, "the ingest finished before it could be killed: use a bigger source"
            os.kill(process.pid, signal.SIGKILL)
            assert process.wait(30) == -signal.SIGKILL
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    state = store_versions(env)
    assert state["live"] == before["store"]["version"]
    assert set(state["versions"]) - {state["live"]}, "no half-written version: the kill came too late"
    after = json.loads(run_qa(["info", "--json"], env).stdout)
    assert after["store"]["version"] == before["store"]["version"] and after["papers"] == 50
    run = run_qa(["search", "--json", "--k", "100", "learning"], env)
    assert_ok(run)
    titles = [hit["title"] for hit in json.loads(run.stdout)]
    assert len(titles) == 50 and not any("(copy" in t for t in titles)

    # the next ingest (here: nothing changed) succeeds and removes what the killed one left
    run = run_qa(["ingest", "--source", str(LISTING)], env)
    assert_ok(run)
    assert "50 unchanged" in run.stdout
    state = store_versions(env)
    assert state["live"] == before["store"]["version"] and list(state["versions"]) == [state["live"]]


@pytest.mark.slow
def test_two_ingests_at_once_wait_or_refuse_and_never_mix(tmp_path, fake_embeddings):
    data = tmp_path / "data"
    env = fast_env(fake_embeddings, data)
    assert_ok(run_qa(["ingest", "--source", str(LISTING)], env))
    first = json.loads(run_qa(["info", "--json"], env).stdout)["store"]["version"]
    papers, profile = listing_papers()
    # past the size at which `qa ingest` computes multilingual vectors (~0.3 s a paper, not what this is about)
    n = MULTILINGUAL_MAX_PAPERS + 1
    bigger = listing_copies(n, tmp_path / "bigger.jsonl")
    smaller = tmp_path / "smaller.jsonl"
    smaller.write_text(dump_jsonl(papers[1:], profile))  # 49 papers: which ingest won is visible

    with open(tmp_path / "a.log", "wb") as log_a, open(tmp_path / "c.log", "wb") as log_c:
        big = subprocess.Popen([sys.executable, "-m", "qa", "ingest", "--source", str(bigger)], env=env,
                               cwd=ROOT, stdout=log_a, stderr=subprocess.STDOUT)
        waiter, stopped = None, False
        try:
            lock = data / "ingest.lock"
            deadline = time.monotonic() + 60
            while not (lock.exists() and lock.read_text().strip() == f"pid {big.pid}"):
                assert big.poll() is None and time.monotonic() < deadline, "the first ingest never took the lock"
                time.sleep(0.02)
            # held still while it holds the lock: however fast the machine, the others meet a running ingest
            os.kill(big.pid, signal.SIGSTOP)
            stopped = True
            # a second ingest that may not wait refuses at once, clearly, and changes nothing
            refused = run_qa(["ingest", "--source", str(LISTING)], {**env, "QA_INGEST_LOCK_WAIT": "0"})
            assert_clear_error(refused, "another ingest is running", f"pid {big.pid}", "unchanged")
            # a reader meanwhile sees the previous complete version
            info = json.loads(run_qa(["info", "--json"], env).stdout)
            assert info["store"]["version"] == first and info["papers"] == 50
            # a third one that may wait starts after the first one ends
            waiter = subprocess.Popen([sys.executable, "-m", "qa", "ingest", "--source", str(smaller)],
                                      env={**env, "QA_INGEST_LOCK_WAIT": "120"}, cwd=ROOT, stdout=log_c,
                                      stderr=subprocess.STDOUT)
            time.sleep(3)  # the waiter is up and waiting (its order after the first is checked below either way)
            assert waiter.poll() is None, (tmp_path / "c.log").read_text()[-2000:]
            os.kill(big.pid, signal.SIGCONT)
            stopped = False
            assert big.wait(120) == 0, (tmp_path / "a.log").read_text()[-2000:]
            assert waiter.wait(120) == 0, (tmp_path / "c.log").read_text()[-2000:]
        finally:
            if stopped:
                os.kill(big.pid, signal.SIGCONT)
            for process in (big, waiter):
                if process is not None and process.poll() is None:
                    process.kill()
                    process.wait()
    assert f"{n} papers ({n} added" in (tmp_path / "a.log").read_text()
    assert f"49 papers (49 added, 0 updated, {n} removed" in (tmp_path / "c.log").read_text()
    state = store_versions(env)
    assert list(state["versions"]) == [state["live"]]
    run = run_qa(["search", "--json", "--k", "100", "learning"], env)
    assert_ok(run)
    titles = {hit["title"] for hit in json.loads(run.stdout)}
    assert titles == {p.title for p in papers[1:]}  # all of the last ingest, nothing of the others


def test_corrupt_sources_are_reported_with_lines_and_leave_the_index(built_settings, tmp_path):
    papers, profile = listing_papers()
    data = tmp_path / "data"
    copy_index(built_settings, Settings.from_env(data_dir=data))
    env = cli_env(QA_DATA_DIR=data)
    before = json.loads(run_qa(["info", "--json"], env).stdout)

    namesake = replace(papers[0], year=2017, date="2017-03-01", authors=["Someone Else"], paper_id="",
                       abstract="A different paper that happens to share its title. It studies bees.")
    lines = dump_jsonl(papers, profile).splitlines()  # line 1 is the profile, papers on lines 2-51
    lines += [
        json.dumps({k: v for k, v in namesake.to_dict().items() if k != "paper_id"}),  # 52: same title, other paper
        lines[2],  # 53: the same paper twice is one paper
        '{"title": "A truncated entry", "abstract": "We cut the li',  # 54
        json.dumps({"title": "No abstract here", "year": 2020, "authors": ["Ann Lee"]}),  # 55
        json.dumps({"title": "Empty abstract", "abstract": "  ", "year": 2021}),  # 56
    ]
    source = tmp_path / "corrupt.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    run = run_qa(["ingest", "--source", str(source)], env)
    assert_clear_error(run, "3 invalid entries", "corrupt.jsonl:54", "--skip-invalid")
    after = json.loads(run_qa(["info", "--json"], env).stdout)
    assert after["store"]["version"] == before["store"]["version"] and after["papers"] == 50

    run = run_qa(["ingest", "--source", str(source), "--skip-invalid"], env)
    assert_ok(run)
    skipped = [line for line in run.stderr.splitlines() if line.startswith("skipped: ")]
    assert [re.search(r"corrupt\.jsonl:(\d+):", line).group(1) for line in skipped] == ["54", "55", "56"]
    assert "invalid JSON" in skipped[0] and "abstract" in skipped[1] and "abstract" in skipped[2]
    assert "51 papers (1 added, 0 updated, 0 removed, 50 unchanged)" in run.stdout
    hits = json.loads(run_qa(["search", "--json", "--k", "100", papers[0].title], env).stdout)
    assert sorted(h["year"] for h in hits if h["title"] == papers[0].title) == sorted([papers[0].year, 2017])


# ================================================================ faults: the LLM

def test_llm_rate_limit_honours_retry_after_then_answers(built_settings):
    with FakeOpenAIServer("rate_limit", "ok", text=ANSWER, retry_after=1) as server:
        assistant = Assistant(llm_settings(built_settings, server.base_url, llm_timeout=15, llm_max_retries=2))
        started = time.monotonic()
        answer = assistant.ask("What is FRePo?")
        elapsed = time.monotonic() - started
        assert len(server.chat_requests) == 2
    assert answer.mode == "llm" and answer.citations[0].title.startswith("Dataset Distillation")
    assert elapsed >= 1.0, elapsed  # Retry-After was honoured


def test_llm_rate_limit_that_persists_falls_back_with_a_warning(built_settings):
    with FakeOpenAIServer("rate_limit", retry_after=0.5) as server:
        assistant = Assistant(llm_settings(built_settings, server.base_url, llm_timeout=15, llm_max_retries=1))
        started = time.monotonic()
        answer = assistant.ask("How many tokens does OpenWebMath contain?")
        elapsed = time.monotonic() - started
    assert answer.mode == "extractive" and "14.7B" in answer.answer
    assert any("rate-limited (429) after 1 retry" in w for w in answer.warnings), answer.warnings
    assert elapsed >= 0.5, elapsed


def test_llm_silence_gives_the_extractive_answer_within_the_timeout(built_settings, monkeypatch):
    with FakeOpenAIServer("silence") as server:
        monkeypatch.setenv("QA_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("QA_LLM_TIMEOUT", "2")
        settings = Settings.from_env(data_dir=built_settings.data_dir)
        assert settings.llm_timeout == 2
        assistant = Assistant(settings)
        started = time.monotonic()
        answer = assistant.ask("What is FRePo?")
        elapsed = time.monotonic() - started
        assert answer.mode == "extractive" and answer.citations
        assert any("timed out after 2 s" in w for w in answer.warnings), answer.warnings
        assert elapsed < 2 + 20, elapsed  # bounded: a "silence" server without the deadline never answers

        # the same through the CLI, in its own process
        env = cli_env(QA_DATA_DIR=built_settings.data_dir, QA_LLM_BASE_URL=server.base_url, QA_LLM_TIMEOUT=2)
        run = run_qa(["ask", "--json", "What is FRePo?"], env, timeout=60)
    assert_ok(run)
    data = json.loads(run.stdout)
    assert data["mode"] == "extractive" and any("timed out" in w for w in data["warnings"])
    assert data["timings_ms"]["total"] < (2 + 20) * 1000


def test_llm_silence_bounds_the_whole_answer_when_the_llm_also_routes(built_settings):
    with FakeOpenAIServer("silence") as server:
        settings = Settings.from_env(data_dir=built_settings.data_dir, llm_base_url=server.base_url,
                                     llm_timeout=3)
        assistant = Assistant(settings)
        assert assistant._llm_routes()
        answer = assistant.ask("What did they find about exploration?")
        asked = len(server.chat_requests)
    assert answer.mode == "extractive"
    assert asked == 1, asked  # the router's call timed out; the answer step did not wait for the LLM again
    # the LLM router fell back: the trained model routed, not the rules, and the answer step knew not to wait again
    assert answer.route_reason.startswith("model: ") and "LLM router failed" in answer.route_reason, \
        answer.route_reason


@pytest.mark.llm_server
@pytest.mark.slow
class _LongAnswers(ChatLLM):
    """The real client, asking for a long answer: the server is surely still generating when it is stopped."""

    def stream(self, messages, *, max_tokens=512, temperature=0.0):
        longer = messages[:-1] + [{"role": "user", "content": messages[-1]["content"] +
                                   "\nAfter your answer, count from 1 to 300, separated by commas."}]
        return super().stream(longer, max_tokens=800, temperature=temperature)


def test_local_llm_server_stopped_mid_answer_falls_back(built_settings):
    with LocalLLMServer() as server:
        llm = _LongAnswers(base_url=server.base_url, api_key=server.api_key, model_id="SmolLM2-135M-Instruct",
                           context_tokens=4096, timeout=60, max_retries=0)
        assistant = Assistant(built_settings, llm=llm)
        kinds, answer, stopped_at = [], None, None
        for event in assistant.ask_stream("What has been done on model-based reinforcement learning and world "
                                          "models? Explain each paper in detail."):
            kinds.append(event.kind)
            if event.kind == "delta" and stopped_at is None:
                server.stop()  # the model is mid-answer: its first words have arrived
                stopped_at = time.monotonic()
            elif event.kind == "done":
                answer = event.answer
        assert not server.is_running()
    assert stopped_at is not None and time.monotonic() - stopped_at < 30
    assert "reset" in kinds  # the streamed text was withdrawn
    assert answer.mode == "extractive" and answer.citations and all(c.supported for c in answer.citations)
    assert any("cut off" in w or "unreachable" in w for w in answer.warnings), answer.warnings


# ================================================================ faults: the Chroma server goes away

@pytest.mark.chroma_server
@pytest.mark.slow
def test_chroma_server_going_away_and_coming_back(built_settings, tmp_path):
    from gradio_client import Client

    server = ChromaServer(tmp_path / "chroma-db").start()
    demo = None
    try:
        settings = Settings.from_env(data_dir=tmp_path / "qa-data", chroma_url=server.url, sources=(LISTING,),
                                     collection="goaway")
        copy_index(built_settings, settings)
        assistant = Assistant(settings, use_llm=False)
        retriever = assistant.retriever
        assert assistant.ask("What is FRePo?").route == "paper"
        demo, url = start_app(assistant, settings)
        client = Client(url, verbose=False)
        assert ask_api(client, "What is FRePo?")["route"] == "paper"
        env = cli_env(QA_DATA_DIR=tmp_path / "qa-data", QA_CHROMA_URL=server.url, QA_COLLECTION="goaway")

        server.stop()
        started = time.monotonic()
        with pytest.raises(StoreError) as caught:
            assistant.ask("What is FRePo?")
        message = str(caught.value)
        assert "\n" not in message and "store" in message and server.url in message, message
        with pytest.raises(StoreError):
            retriever.search("world models")
        assert time.monotonic() - started < 60
        with pytest.raises(Exception) as caught:
            ask_api(client, "What is FRePo?")
        shown = str(caught.value)
        assert "store" in shown and server.url in shown and "Traceback" not in shown, shown
        for args in (["search", "world models"], ["ask", "--llm", "none", "What is FRePo?"], ["info"]):
            assert_clear_error(run_qa(args, env, timeout=60), "store", server.url)

        server.start()  # same port, same path: the same objects recover without a restart
        answer = assistant.ask("What is FRePo?")
        assert answer.route == "paper" and answer.citations[0].title.startswith("Dataset Distillation")
        assert retriever.search("lookahead optimizer", k=1)[0].paper.title.startswith("Lookahead")
        assert ask_api(client, "What is FRePo?")["citations"][0]["title"].startswith("Dataset Distillation")
        assert_ok(run_qa(["search", "world models"], env))
    finally:
        if demo is not None:
            stop_app(demo)
        server.stop()


@pytest.mark.chroma_server
def test_chroma_server_down_at_start_then_up(tmp_path, built_settings):
    """An app may start before its Chroma server: the first calls fail clearly, later ones work."""
    port = free_port()
    settings = Settings.from_env(data_dir=tmp_path / "qa-data", chroma_url=f"http://127.0.0.1:{port}",
                                 collection="late")
    store = PaperStore(settings)  # no server yet: no exception here
    with pytest.raises(StoreError, match="cannot reach the store"):
        store.manifest()
    server = ChromaServer(tmp_path / "chroma-db", port=port).start()
    try:
        assert store.manifest() is None
        copy_index(built_settings, settings)
        assert store.manifest().papers == 50
    finally:
        server.stop()


@pytest.mark.chroma_server
def test_hung_chroma_server_times_out(tmp_path, built_settings, monkeypatch):
    """A server that stops answering (SIGSTOP) gives a StoreError after QA_CHROMA_TIMEOUT, not a hang."""
    monkeypatch.setenv("QA_CHROMA_TIMEOUT", "2")
    server = ChromaServer(tmp_path / "chroma-db").start()
    try:
        settings = Settings.from_env(data_dir=tmp_path / "qa-data", chroma_url=server.url, collection="hung")
        copy_index(built_settings, settings)
        store = PaperStore(settings)
        assert store.manifest().papers == 50
        os.kill(server.process.pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            with pytest.raises(StoreError, match="cannot reach the store"):
                store.manifest()
            assert time.monotonic() - started < 30  # bounded: without QA_CHROMA_TIMEOUT it would wait for ever
        finally:
            os.kill(server.process.pid, signal.SIGCONT)
        assert store.manifest().papers == 50
    finally:
        server.stop()
