"""What the process-level tests share: `qa` in a subprocess, the Gradio app through gradio_client, copies of an
index, and a stand-in OpenAI-compatible *embedding* endpoint (stdlib, on 127.0.0.1).

The endpoint is used where an ingest must be big yet quick: the local MiniLM embeds ~20 chunks/s on this 2-core
machine, so 1,500 papers would take minutes; through the `openai:` embedding path (qa/embeddings.py) they take a
second, and the part under test (ingest, store, pointer switch) is exactly the same.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

from conftest import LISTING, free_port
from qa.settings import Settings
from qa.sources import load_sources
from qa.store import PaperStore

ROOT = Path(__file__).resolve().parents[1]
PROMPTS = ROOT / "prompts"
CLI_TIMEOUT = 90  # seconds; a hang fails the test instead of the suite


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float


def cli_env(**extra) -> dict:
    """The test process's environment (conftest removed any QA_* and OPENAI_API_KEY) plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_") and k != "OPENAI_API_KEY"}
    env.update({"ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_qa(args, env: dict, timeout: float = CLI_TIMEOUT) -> Run:
    """`python -m qa ARGS` in its own process; args may hold bytes (undecodable argv)."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, timeout=timeout, env=env,
                          cwd=ROOT)
    return Run(done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"),
               time.monotonic() - started)


def assert_clear_error(run: Run, *needles: str) -> None:
    """Exit status 2, exactly one line on stderr starting `qa: error:`, no traceback."""
    lines = run.stderr.strip().splitlines()
    assert run.code == 2, (run.code, run.stderr[-2000:])
    assert len(lines) == 1 and lines[0].startswith("qa: error: "), run.stderr[-2000:]
    assert "Traceback" not in run.stderr + run.stdout
    for needle in needles:
        assert needle.lower() in lines[0].lower(), (needle, lines[0])


def assert_ok(run: Run) -> None:
    assert run.code == 0, (run.code, run.stderr[-2000:])
    assert "Traceback" not in run.stderr + run.stdout and "internal error" not in run.stderr


def listing_papers():
    loaded = load_sources([LISTING])
    return loaded.papers, loaded.profile


def copy_index(source: Settings, target: Settings):
    """Write the live version of `source` into `target` (vectors included): an index without re-embedding."""
    src, dst = PaperStore(source), PaperStore(target)
    manifest = src.require_manifest()
    papers = src.load_papers(manifest)
    ids, vectors = src.load_title_vectors(manifest)
    by_id = dict(zip(ids, vectors))
    chunks = src.load_chunks(manifest, with_embeddings=True)
    return dst.write_version(papers, np.array([by_id[p.paper_id] for p in papers], dtype=np.float32),
                             chunks["ids"], chunks["documents"], chunks["metadatas"],
                             np.array(chunks["embeddings"], dtype=np.float32), manifest.profile,
                             manifest.embedding_model)


def start_app(assistant, settings):
    from ui.app import start

    return start(assistant, settings, "127.0.0.1", free_port())


def stop_app(demo):
    from ui.app import stop

    stop(demo)


def ask_api(client, question, history="[]", year_from=None, year_to=None, category="", author="", k=5,
         timeout: float = 60):
    """One `/ask` call through gradio_client, bounded in time."""
    job = client.submit(question, history, year_from, year_to, category, author, k, api_name="/ask")
    return job.result(timeout=timeout)


class FakeEmbeddingServer:
    """An OpenAI-compatible POST /v1/embeddings on 127.0.0.1: a deterministic unit vector per text."""

    def __init__(self, dim: int = 384):
        self.dim = dim
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                outer.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()},
                                       "inputs": len(body.get("input") or [])})
                texts = body.get("input") or []
                texts = [texts] if isinstance(texts, str) else texts
                data = []
                for i, text in enumerate(texts):
                    seed = int.from_bytes(hashlib.sha1(str(text).encode("utf-8", "replace")).digest()[:8], "little")
                    vector = np.random.default_rng(seed).standard_normal(outer.dim).astype(np.float32)
                    vector /= np.linalg.norm(vector)
                    value = (base64.b64encode(vector.tobytes()).decode() if body.get("encoding_format") == "base64"
                             else vector.tolist())
                    data.append({"object": "embedding", "index": i, "embedding": value})
                raw = json.dumps({"object": "list", "data": data, "model": body.get("model", "fake"),
                                  "usage": {"prompt_tokens": 0, "total_tokens": 0}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self):
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()


def fast_env(embeddings: FakeEmbeddingServer, data_dir: Path, **extra) -> dict:
    return cli_env(QA_DATA_DIR=data_dir, QA_EMBEDDING_MODEL="openai:fake-embedding",
                QA_EMBEDDING_BASE_URL=embeddings.base_url, **extra)


def store_versions(env: dict) -> dict[str, list[str]]:
    """The store's versioned collections, read by a fresh process (as any reader would see them)."""
    code = ("import json; from qa.settings import Settings; from qa.store import PaperStore; "
            "s = PaperStore(Settings.from_env()); m = s.manifest(); "
            "print(json.dumps({'live': m.version if m else None, 'versions': s.version_names()}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=CLI_TIMEOUT,
                          env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def dir_size(path: Path) -> int:
    total = 0
    for item in path.rglob("*"):
        try:
            total += item.stat().st_size if item.is_file() else 0
        except FileNotFoundError:  # a file the writer just replaced
            pass
    return total


def listing_copies(n: int, path: Path) -> Path:
    """The listing's 50 papers replicated into `n` JSONL papers with unique titles."""
    papers, profile = listing_papers()
    copies = [replace(papers[i % 50], title=f"{papers[i % 50].title} (copy {i})", paper_id="") for i in range(n)]
    lines = [json.dumps({"profile": profile.to_dict()})]
    for paper in copies:
        record = paper.to_dict()
        record.pop("paper_id", None)
        lines.append(json.dumps(record, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


ANSWER = "FRePo distils a dataset with neural feature regression [1]."


def llm_settings(built_settings, base_url: str, **kw) -> Settings:
    """The session's index, answered by the LLM at `base_url`, routed by the intent model (QA_ROUTER=model)."""
    return Settings.from_env(data_dir=built_settings.data_dir, llm_base_url=base_url, llm_model="fake-model",
                             router="model", **kw)
