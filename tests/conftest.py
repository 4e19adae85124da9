"""Shared fixtures: an isolated data dir per test, a no-internet guard, a built index, a chroma server."""
from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LISTING = ROOT / "data" / "jimmy-ba-profile.txt"
DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
TEST_DATA = ROOT / "tests" / "data"
ARTIFACTS = ROOT / "test-artifacts"

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
for _name in [n for n in os.environ if n.startswith("QA_")] + ["OPENAI_API_KEY"]:
    os.environ.pop(_name, None)  # a developer's own configuration must not leak into tests

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address) -> bool:
    if not isinstance(address, tuple):
        return True  # unix sockets
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NetworkBlocked(AssertionError):
    pass


def _guarded_connect(self, address):
    if not _is_local(address):
        raise NetworkBlocked(f"test tried to reach a non-loopback address: {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if not _is_local(address):
        raise NetworkBlocked(f"test tried to reach a non-loopback address: {address!r}")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """Every test fails if anything in this process connects beyond 127.0.0.0/8."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    yield


@pytest.fixture
def settings(tmp_path):
    from qa.settings import Settings

    return Settings.from_env(data_dir=tmp_path / "qa-data", sources=(LISTING,))


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory):
    """An embedded index of the bundled listing, built once per test session."""
    from qa.ingest import ingest
    from qa.settings import Settings

    settings = Settings.from_env(data_dir=tmp_path_factory.mktemp("built") / "qa-data", sources=(LISTING,))
    ingest(settings)
    return settings


@pytest.fixture(scope="session")
def retriever(built_settings):
    from qa.retrieval import Retriever

    return Retriever(built_settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    """`chroma run` on 127.0.0.1 with its own data dir; stopped by its own PID."""

    def __init__(self, path: Path, port: int | None = None):
        self.path, self.port = path, port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60, attempts: int = 3) -> "ChromaServer":
        """Ready when this process says it listens and the port answers: a free port can be taken by another
        worker's server before this one binds it, and then the heartbeat alone would answer for the wrong server
        (this one exits, and is started again on another port)."""
        chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
        log_path = self.path.parent / f"chroma-{self.port}.log"
        self.log = open(log_path, "ab")
        written = log_path.stat().st_size  # a server started again in the same place appends to its log
        self.process = subprocess.Popen([chroma, "run", "--path", str(self.path), "--host", "127.0.0.1",
                                         "--port", str(self.port)], stdout=self.log, stderr=subprocess.STDOUT,
                                        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
        deadline = time.monotonic() + timeout
        import urllib.request

        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if attempts > 1:
                    self.port = free_port()
                    return self.start(timeout, attempts - 1)
                raise RuntimeError(f"chroma server exited with {self.process.returncode}")
            if b"listening on address" in log_path.read_bytes()[written:]:
                try:
                    with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1):
                        return self
                except OSError:
                    pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("chroma server did not become ready")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "db").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def fake_embeddings():
    """An OpenAI-compatible embedding endpoint on 127.0.0.1 (tests/support.py)."""
    from support import FakeEmbeddingServer

    with FakeEmbeddingServer() as server:
        yield server


@pytest.fixture(scope="module")
def offline(built_settings):
    """The assistant without an LLM, over the session's index."""
    from qa.assistant import Assistant

    return Assistant(built_settings, use_llm=False)


@pytest.fixture(scope="module")
def built_env(built_settings):
    """The environment of a `qa` subprocess that reads the session's index."""
    from support import cli_env

    return cli_env(QA_DATA_DIR=built_settings.data_dir)


# The longest files first (whole-suite times, docs/BENCH.md): with `--dist loadfile` a file is one worker's unit of
# work, and a long file started last would keep one worker busy while the other has nothing left to do.
LONGEST_FILES = ("test_faults.py", "test_ui.py", "test_answer.py", "test_reliability.py", "test_router.py",
                 "test_index.py", "test_bad_input.py", "test_bench.py")


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: a file's own order is kept
