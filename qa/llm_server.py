"""A local OpenAI-compatible chat server over llama.cpp's C library (the llama-cpp-py-sync wheel).

`qa.llm.LocalLLMServer` runs it as its own child process (``python -m qa.llm_server``) so
that a crash inside native code (an unsupported instruction, a bad model file) kills
only this process, and the question is still answered extractively.

Why not the wheel's high-level `Llama` class: it forces ``embeddings=True`` (every
prompt token then computes logits: slower and 300 MB more memory) and tokenises chat
prompts without parsing special tokens, so chat templates reach the model as plain text.

Why the library copy: the wheel is built against glibc 2.38 for four C23 functions
(`__isoc23_strtol` and friends) that older glibc (Debian 12 has 2.36) lacks under that
name. On such systems a copy of the libraries, with those imports renamed to their
classic glibc equivalents (identical for the decimal input llama.cpp parses), is kept in
the cache directory. The wheel's own files are never changed.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

LIBRARY_PACKAGE = "llama_cpp_py_sync"
API_KEY_ENV = "QA_LOCAL_LLM_KEY"  # the key comes through the environment: argv is world-readable
_GGML_LOG_ERROR = 4


def log(level: str, message: str) -> None:
    """One line per event, `I`/`E` first: the parent shows the last `E` lines when start-up fails."""
    print(f"{level} {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Loading the C library on older glibc
# ---------------------------------------------------------------------------------------------
def _glibc_version() -> tuple[int, int]:
    try:
        name, version = os.confstr("CS_GNU_LIBC_VERSION").split()
        major, minor = version.split(".")[:2]
        return int(major), int(minor)
    except (ValueError, OSError, AttributeError):
        return (0, 0)  # not glibc, or unknown: try the libraries as shipped


def _elf_hash(name: bytes) -> int:
    h = 0
    for c in name:
        h = ((h << 4) + c) & 0xFFFFFFFF
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
        h &= ~g & 0xFFFFFFFF
    return h


def relax_glibc_238(path: Path) -> int:
    """Rewrite one ELF64 library so it loads on glibc < 2.38; returns how many entries changed.

    The only GLIBC_2.38 imports are C23 variants (`__isoc23_strtol`, `_strtoul`, `_strtoull`,
    `_sscanf`): each is renamed in place to the classic function, and the GLIBC_2.38 version
    requirement is pointed at GLIBC_2.2.5, where those functions live on x86-64.
    """
    data = bytearray(path.read_bytes())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError(f"{path.name} is not a little-endian ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    # (name, type, flags, addr, offset, size, link, info, align, entsize)
    dynsym = next(s for s in sections if s[1] == 11)            # SHT_DYNSYM
    verneed = next((s for s in sections if s[1] == 0x6FFFFFFE), None)  # SHT_GNU_verneed
    strtab_offset, strtab_size = sections[dynsym[6]][4], sections[dynsym[6]][5]

    def string(offset: int) -> bytes:
        start = strtab_offset + offset
        return bytes(data[start:data.index(0, start)])

    changed = 0
    if verneed is not None:
        classic = bytes(data[strtab_offset:strtab_offset + strtab_size]).find(b"\0GLIBC_2.2.5\0") + 1
        entry = verneed[4]
        for _ in range(verneed[7]):                              # sh_info = number of entries
            _version, count, _file, aux, following = struct.unpack_from("<HHIII", data, entry)
            aux_at = entry + aux
            for _ in range(count):
                _hash, flags, other, name, next_aux = struct.unpack_from("<IHHII", data, aux_at)
                if string(name) == b"GLIBC_2.38":
                    if classic <= 0:
                        raise ValueError(f"{path.name} names no GLIBC_2.2.5 version to use instead")
                    struct.pack_into("<IHHII", data, aux_at, _elf_hash(b"GLIBC_2.2.5"), flags, other,
                                     classic, next_aux)
                    changed += 1
                aux_at += next_aux
            entry += following
    for i in range(dynsym[5] // 24):
        name_offset, = struct.unpack_from("<I", data, dynsym[4] + i * 24)
        name = string(name_offset)
        if name.startswith(b"__isoc23_"):
            # Writing the shorter name at the start keeps any suffix another symbol shares intact.
            classic_name = name[len(b"__isoc23_"):] + b"\0"
            start = strtab_offset + name_offset
            data[start:start + len(classic_name)] = classic_name
            changed += 1
    path.write_bytes(bytes(data))
    return changed


def _compatible_library_dir(package_dir: Path, cache_dir: Path) -> Path:
    """A patched copy of the wheel's libraries for this glibc, made once per wheel version."""
    from importlib.metadata import version

    target = cache_dir / "llama-libs" / f"{version('llama-cpp-py-sync')}-glibc-pre-2.38"
    if (target / "libllama.so").is_file():
        return target
    staging = target.with_name(target.name + f".tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for library in package_dir.iterdir():
        if ".so" in library.name and library.is_file():
            shutil.copy2(library, staging / library.name)
            relax_glibc_238(staging / library.name)
    try:
        staging.rename(target)  # atomic: another process may have won the race, which is fine
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def load_library(cache_dir: Path):
    """(ffi, lib) of llama.cpp, from the wheel or, on glibc < 2.38, from the patched copy."""
    from llama_cpp_py_sync import _cffi_bindings as bindings

    if _glibc_version() < (2, 38) and sys.platform.startswith("linux"):
        package_dir = Path(bindings.__file__).parent
        library = _compatible_library_dir(package_dir, cache_dir) / "libllama.so"
        bindings._find_library = lambda: str(library)  # the wheel's finder prefers its own copy
    return bindings.get_ffi(), bindings.get_lib()


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------
class LocalChatModel:
    """One GGUF model and one context; requests are served one at a time (a lock)."""

    def __init__(self, model_path: Path, *, context_tokens: int, threads: int, cache_dir: Path):
        self.ffi, self.lib = load_library(cache_dir)
        self.lock = threading.Lock()
        self._quiet_logs()
        self.lib.llama_backend_init()
        params = self.lib.llama_model_default_params()
        params.n_gpu_layers = 0
        self.model = self.lib.llama_model_load_from_file(str(model_path).encode(), params)
        if self.model == self.ffi.NULL:
            raise RuntimeError(f"llama.cpp could not load {model_path.name}")
        self.vocab = self.lib.llama_model_get_vocab(self.model)
        ctx_params = self.lib.llama_context_default_params()
        ctx_params.n_ctx = context_tokens
        ctx_params.n_batch = 512
        ctx_params.n_ubatch = 512
        ctx_params.n_threads = threads
        ctx_params.n_threads_batch = threads
        ctx_params.embeddings = False  # logits for the last token only
        self.ctx = self.lib.llama_init_from_model(self.model, ctx_params)
        if self.ctx == self.ffi.NULL:
            raise RuntimeError("llama.cpp could not create a context (out of memory?)")
        self.context_tokens = context_tokens
        template = self.lib.llama_model_chat_template(self.model, self.ffi.NULL)
        self.template = None if template == self.ffi.NULL else self.ffi.string(template)
        self._cached: list[int] = []  # tokens whose KV entries are in the context (the prompt cache)

    def _quiet_logs(self) -> None:
        def forward(level, text, _user_data):
            if level == _GGML_LOG_ERROR and text != self.ffi.NULL:
                message = self.ffi.string(text).decode("utf-8", "replace").strip()
                if message:
                    log("E", message)

        self._log_callback = self.ffi.callback("ggml_log_callback", forward)  # kept alive on self
        self.lib.llama_log_set(self._log_callback, self.ffi.NULL)

    # -- prompt ----------------------------------------------------------------------------
    def format_chat(self, messages: list[dict]) -> str:
        if self.template is None:
            return "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant:"
        keep = []
        array = self.ffi.new("struct llama_chat_message[]", len(messages))
        for i, message in enumerate(messages):
            role = self.ffi.new("char[]", message["role"].encode())
            content = self.ffi.new("char[]", message["content"].encode())
            keep += [role, content]
            array[i].role, array[i].content = role, content
        size = sum(len(m["content"].encode()) for m in messages) * 2 + 512
        for _ in range(2):
            out = self.ffi.new(f"char[{size}]")
            n = self.lib.llama_chat_apply_template(self.template, array, len(messages), True, out, size)
            if n < 0:
                raise ValueError("the model's chat template could not be applied")
            if n <= size:
                return self.ffi.buffer(out, n)[:].decode("utf-8", "replace")
            size = n + 1
        raise ValueError("the chat template output did not fit")

    def tokenize(self, text: str) -> list[int]:
        raw = text.encode()
        size = len(raw) + 16
        tokens = self.ffi.new(f"llama_token[{size}]")
        n = self.lib.llama_tokenize(self.vocab, raw, len(raw), tokens, size, True, True)  # parse specials
        if n < 0:
            size = -n
            tokens = self.ffi.new(f"llama_token[{size}]")
            n = self.lib.llama_tokenize(self.vocab, raw, len(raw), tokens, size, True, True)
        return [tokens[i] for i in range(n)]

    def _piece(self, token: int) -> bytes:
        buf = self.ffi.new("char[256]")
        n = self.lib.llama_token_to_piece(self.vocab, token, buf, 256, 0, False)
        return self.ffi.buffer(buf, n)[:] if n > 0 else b""

    # -- decoding --------------------------------------------------------------------------
    def _decode(self, tokens: list[int], start: int) -> None:
        for offset in range(0, len(tokens), 512):
            chunk = tokens[offset:offset + 512]
            batch = self.lib.llama_batch_init(len(chunk), 0, 1)
            try:
                batch.n_tokens = len(chunk)
                for i, token in enumerate(chunk):
                    batch.token[i] = token
                    batch.pos[i] = start + offset + i
                    batch.n_seq_id[i] = 1
                    batch.seq_id[i][0] = 0
                    batch.logits[i] = 1 if offset + i == len(tokens) - 1 else 0
                if self.lib.llama_decode(self.ctx, batch) != 0:
                    raise RuntimeError("llama_decode failed")
            finally:
                self.lib.llama_batch_free(batch)

    def _reuse_prefix(self, tokens: list[int]) -> int:
        """How many leading tokens are already in the context (at least one is always re-run)."""
        common = 0
        for cached, new in zip(self._cached, tokens[:-1]):
            if cached != new:
                break
            common += 1
        memory = self.lib.llama_get_memory(self.ctx)
        if common and self.lib.llama_memory_seq_rm(memory, 0, common, -1):
            self._cached = self._cached[:common]
            return common
        self.lib.llama_memory_clear(memory, True)
        self._cached = []
        return 0

    def _sampler(self, temperature: float, seed: int):
        chain = self.lib.llama_sampler_chain_init(self.lib.llama_sampler_chain_default_params())
        if temperature <= 0:
            self.lib.llama_sampler_chain_add(chain, self.lib.llama_sampler_init_greedy())
        else:
            self.lib.llama_sampler_chain_add(chain, self.lib.llama_sampler_init_top_k(40))
            self.lib.llama_sampler_chain_add(chain, self.lib.llama_sampler_init_top_p(0.95, 1))
            self.lib.llama_sampler_chain_add(chain, self.lib.llama_sampler_init_temp(temperature))
            self.lib.llama_sampler_chain_add(chain, self.lib.llama_sampler_init_dist(seed & 0xFFFFFFFF))
        return chain

    def generate(self, messages: list[dict], *, max_tokens: int, temperature: float,
                 stop: list[str], cancelled: threading.Event, stats: dict) -> Iterator[str]:
        """Text pieces of the reply; the caller holds `self.lock`."""
        tokens = self.tokenize(self.format_chat(messages))
        if len(tokens) + max_tokens > self.context_tokens:
            raise ValueError(f"the prompt ({len(tokens)} tokens) and answer ({max_tokens}) exceed the "
                             f"{self.context_tokens}-token context")
        reused = self._reuse_prefix(tokens)
        stats.update(prompt_tokens=len(tokens), cached_tokens=reused)
        started = time.perf_counter()
        self._cached = []  # unknown until the decode succeeds
        self._decode(tokens[reused:], reused)
        self._cached = list(tokens)
        stats["prompt_seconds"] = time.perf_counter() - started
        sampler = self._sampler(temperature, secrets.randbits(32))
        pending, held, produced = b"", "", 0
        try:
            for _ in range(max_tokens):
                if cancelled.is_set():
                    stats["finish_reason"] = "cancelled"
                    return
                token = self.lib.llama_sampler_sample(sampler, self.ctx, -1)
                if self.lib.llama_vocab_is_eog(self.vocab, token):
                    stats["finish_reason"] = "stop"
                    break
                self._decode([token], len(self._cached))
                self._cached.append(token)
                produced += 1
                pending += self._piece(token)
                try:
                    text = pending.decode("utf-8")
                except UnicodeDecodeError:
                    continue  # a multi-byte character split across tokens
                pending = b""
                held += text
                hit = min((held.find(s) for s in stop if s in held), default=-1)
                if hit >= 0:
                    if held[:hit]:
                        yield held[:hit]
                    stats["finish_reason"] = "stop"
                    return
                keep = max((len(s) - 1 for s in stop if s), default=0)  # could be a stop word starting
                if len(held) > keep:
                    yield held[:len(held) - keep]
                    held = held[len(held) - keep:]
            else:
                stats["finish_reason"] = "length"
            if held:
                yield held
        finally:
            stats["completion_tokens"] = produced
            self.lib.llama_sampler_free(sampler)


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    server_version = "qa-local-llm"
    protocol_version = "HTTP/1.1"
    model: LocalChatModel
    alias: str
    api_key: str

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass  # requests are not logged: they carry users' questions

    def _json(self, status: int, body: dict) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _error(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        self._json(status, {"error": {"message": message, "type": kind}})

    def _authorised(self) -> bool:
        if not self.api_key:
            return True
        given = self.headers.get("Authorization", "")
        if secrets.compare_digest(given.encode(), f"Bearer {self.api_key}".encode()):
            return True
        self._error(401, "invalid API key", "authentication_error")
        return False

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/health":
            self._json(200, {"status": "ok"})
        elif self.path.rstrip("/") == "/v1/models":
            if self._authorised():
                self._json(200, {"object": "list", "data": [{"id": self.alias, "object": "model",
                                                              "owned_by": "local"}]})
        else:
            self._error(404, "not found")

    def do_POST(self) -> None:  # noqa: N802
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._error(404, "not found")
            return
        if not self._authorised():
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            messages = [{"role": str(m["role"]), "content": _text(m.get("content"))}
                        for m in request["messages"]]
            if not messages:
                raise ValueError("messages is empty")
            max_tokens = int(request.get("max_tokens") or request.get("max_completion_tokens") or 512)
            temperature = float(request.get("temperature") or 0.0)
            stop = request.get("stop") or []
            stop = [stop] if isinstance(stop, str) else [str(s) for s in stop]
        except (ValueError, KeyError, TypeError) as exc:
            self._error(400, f"bad request: {exc}")
            return
        cancelled = threading.Event()
        stats: dict = {}
        with self.model.lock:
            pieces = self.model.generate(messages, max_tokens=max_tokens, temperature=temperature,
                                         stop=stop, cancelled=cancelled, stats=stats)
            try:
                if request.get("stream"):
                    self._stream(pieces, cancelled, stats)
                else:
                    text = "".join(pieces)
                    self._json(200, _completion(self.alias, text, stats))
            except ValueError as exc:  # the prompt does not fit
                self._error(400, str(exc))
            except (BrokenPipeError, ConnectionResetError):
                cancelled.set()  # the client went away: stop generating for nobody
            except RuntimeError as exc:
                log("E", f"generation failed: {exc}")
                self._error(500, f"generation failed: {exc}", "server_error")

    def _stream(self, pieces: Iterator[str], cancelled: threading.Event, stats: dict) -> None:
        first = next(pieces, None)  # errors before any text still get a plain HTTP status
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        ident = f"chatcmpl-{secrets.token_hex(8)}"
        created = int(time.time())

        def event(delta: dict, finish: str | None) -> None:
            chunk = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": self.alias,
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()

        event({"role": "assistant", "content": ""}, None)
        try:
            if first is not None:
                event({"content": first}, None)
            for piece in pieces:
                event({"content": piece}, None)
        except (ValueError, RuntimeError) as exc:
            self.wfile.write(f"data: {json.dumps({'error': {'message': str(exc)}})}\n\n".encode())
            return
        event({}, stats.get("finish_reason", "stop"))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts: only text is supported here
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def _completion(alias: str, text: str, stats: dict) -> dict:
    return {"id": f"chatcmpl-{secrets.token_hex(8)}", "object": "chat.completion", "created": int(time.time()),
            "model": alias,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": stats.get("finish_reason", "stop")}],
            "usage": {"prompt_tokens": stats.get("prompt_tokens", 0),
                      "prompt_tokens_details": {"cached_tokens": stats.get("cached_tokens", 0)},
                      "completion_tokens": stats.get("completion_tokens", 0),
                      "total_tokens": stats.get("prompt_tokens", 0) + stats.get("completion_tokens", 0)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa.llm_server",
                                     description="Serve a local GGUF model on 127.0.0.1 (OpenAI chat API).")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--alias", default="")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ctx", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=max(1, os.cpu_count() or 1))
    parser.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache" / "qa")
    args = parser.parse_args(argv)
    began = time.monotonic()
    try:
        model = LocalChatModel(args.model, context_tokens=args.ctx, threads=args.threads, cache_dir=args.cache_dir)
    except (RuntimeError, OSError, ValueError, ImportError) as exc:
        log("E", f"could not load the model: {exc}")
        return 1
    handler = type("Handler", (_Handler,), {"model": model, "alias": args.alias or args.model.stem,
                                            "api_key": os.environ.pop(API_KEY_ENV, "")})
    try:
        httpd = ThreadingHTTPServer(("127.0.0.1", args.port), handler)  # loopback only
    except OSError as exc:
        log("E", f"couldn't bind to 127.0.0.1:{args.port}: {exc.strerror or exc}")
        return 1
    httpd.daemon_threads = True
    log("I", f"serving {args.model.name} on 127.0.0.1:{args.port} (loaded in {time.monotonic() - began:.1f} s)")
    try:
        httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    import signal

    # Stop at once, mid-answer included: nothing is kept on disk, and a client cut off mid-stream is
    # told so by the closed connection (a graceful exit would first finish the answer).
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    sys.exit(main())
