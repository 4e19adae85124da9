"""Chat LLM client for any OpenAI-compatible endpoint, including the local one (qa.local_llm).

Everything that can go wrong talking to an LLM becomes one `LLMError` with a
one-line reason a user can read; answering code catches it and falls back to an
extractive answer. Two guarantees matter more than features here:

* a call never runs much past ``settings.llm_timeout`` (retries included), even
  if the server goes silent or drips bytes: the HTTP work runs in a worker
  thread and the caller stops waiting at the deadline;
* API keys never appear in messages, logs or reprs, and a configured base URL
  never receives the OpenAI key (the rule simonw/llm follows).
"""
from __future__ import annotations

import email.utils
import hashlib
import ipaddress
import logging
import queue
import re
import secrets
import socket
import threading
import time
from typing import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

from .errors import LLMError, QAError

log = logging.getLogger(__name__)

OPENAI_BASE_URL = "https://api.openai.com/v1"
NO_KEY = "not-needed"  # what a custom endpoint gets when no QA_LLM_API_KEY is set

# Statuses worth another try (what the openai client itself retries).
_RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
_BACKOFF_BASE = 0.5  # seconds; doubles per retry
_BACKOFF_CAP = 8.0
_GRACE = 0.25  # let the worker's own (more precise) error win a race with the deadline
# Anything that looks like a key, even one we were never told about (e.g. a masked key echoed by a server).
_KEYLIKE = re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_\-*]{6,}|\bBearer\s+\S+", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------
def _scrub(text: str, secret_values: tuple[str, ...]) -> str:
    for value in secret_values:
        text = text.replace(value, "***")
    return _KEYLIKE.sub("***", text)


def _one_line(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _split_userinfo(url: str) -> tuple[str, tuple[str, ...]]:
    """The URL without ``user:password@`` (safe to show) and the credentials it carried."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, ()
    userinfo, _, hostport = parts.netloc.rpartition("@")
    creds = tuple(p for p in userinfo.split(":") if len(p) >= 4)
    return urlunsplit(parts._replace(netloc=hostport)), creds


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _retries(n: int) -> str:
    return "1 retry" if n == 1 else f"{n} retries"


def _retry_after(response) -> float | None:
    """Seconds from ``retry-after-ms`` / ``Retry-After`` (seconds or HTTP date), if present."""
    headers = getattr(response, "headers", None) or {}
    try:
        if (ms := headers.get("retry-after-ms")) is not None:
            return max(0.0, float(ms) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def _error_detail(exc) -> str:
    """The human part of an error body ({"error": {"message": ...}}), if any."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if isinstance(message, str):
            return message
    return ""


def _root_causes(exc: BaseException) -> Iterator[BaseException]:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


class _Failure(Exception):
    """One failed attempt, already classified (internal; becomes LLMError for the caller)."""

    def __init__(self, message: str, *, retryable: bool = False, retry_after: float | None = None,
                 status: int | None = None):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status


# ---------------------------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------------------------
class ChatLLM:
    """A chat model behind an OpenAI-compatible ``/v1/chat/completions`` endpoint.

    ``model`` is the name shown to users, ``model_id`` the one sent in requests;
    ``server`` is the LocalLLMServer behind it, if this process started one.
    """

    server = None  # the qa.local_llm.LocalLLMServer behind it, if this process started one
    source_tokens: int | None = None  # a cap on the sources in a prompt (small local models read slowly)

    def __init__(self, *, base_url: str, api_key: str, model_id: str, model: str | None = None,
                 context_tokens: int = 8192, timeout: float = 30.0, max_retries: int = 2):
        import openai  # imported here so `qa` works without the optional LLM dependency

        self.model = model or model_id
        self.model_id = model_id
        self.base_url, url_secrets = _split_userinfo(base_url.rstrip("/"))
        self.context_tokens = int(context_tokens)
        self.timeout = float(timeout)
        self.max_retries = max(0, int(max_retries))
        self._secrets = tuple(s for s in (api_key, *url_secrets) if s and s != NO_KEY)
        # Loopback never goes through a proxy from the environment (and never hands it the key).
        http_client = openai.DefaultHttpxClient(trust_env=not _is_loopback(base_url))
        self._client = openai.OpenAI(
            api_key=api_key or NO_KEY, base_url=base_url, max_retries=0,  # we retry ourselves
            timeout=self.timeout, http_client=http_client,
            # An explicit Authorization wins over one injected via OPENAI_CUSTOM_HEADERS.
            default_headers={"Authorization": f"Bearer {api_key or NO_KEY}"})
        if base_url.rstrip("/") != OPENAI_BASE_URL:
            # OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment are for OpenAI only.
            self._client.organization = None
            self._client.project = None

    def __repr__(self) -> str:
        return f"ChatLLM(model={self.model!r}, base_url={self.base_url!r})"

    def close(self) -> None:
        """Close pooled connections (the cached clients from get_llm live as long as the process)."""
        self._client.close()

    def __del__(self) -> None:  # as the openai client does for its own pool: no unclosed-socket warnings
        try:
            self._client.close()
        except Exception:
            pass

    # -- public API -------------------------------------------------------------------------
    def stream(self, messages: list[dict], *, max_tokens: int = 512,
               temperature: float = 0.0) -> Iterator[str]:
        """Yield text deltas as they arrive; raise LLMError on any failure (possibly after some text)."""
        request = {"messages": messages, "max_tokens": max_tokens, "temperature": temperature}
        return self._run(self._stream_once, request, noun="stream")

    def complete(self, messages: list[dict], *, max_tokens: int = 256, temperature: float = 0.0) -> str:
        """The whole answer at once (one non-streamed request); same error contract as `stream`."""
        request = {"messages": messages, "max_tokens": max_tokens, "temperature": temperature}
        return "".join(self._run(self._complete_once, request, noun="response"))

    # -- machinery --------------------------------------------------------------------------
    def _run(self, attempt: Callable[..., Iterator[str]], request: dict, *, noun: str) -> Iterator[str]:
        """Run attempts in a worker thread and relay its text; stop waiting at the deadline.

        A blocking socket read cannot be interrupted from here, so the worker may
        linger briefly after a timeout (its own HTTP timeout ends it); the caller doesn't wait for it.
        """
        deadline = time.monotonic() + self.timeout
        inbox: queue.SimpleQueue = queue.SimpleQueue()
        cancel = threading.Event()
        worker = threading.Thread(target=self._work, args=(attempt, request, noun, deadline, inbox, cancel),
                                  name="qa-llm-call", daemon=True)
        worker.start()
        try:
            while True:
                wait = max(0.0, deadline - time.monotonic()) + _GRACE
                try:
                    kind, value = inbox.get(timeout=wait)
                except queue.Empty:
                    message = f"LLM timed out after {self.timeout:g} s"
                    log.info("%s", message)
                    raise LLMError(message) from None
                if kind == "text":
                    yield value
                elif kind == "error":
                    raise LLMError(value) from None  # a fresh error: no chained exception holding request data
                else:
                    return
        finally:
            cancel.set()  # the consumer stopped (done, error or abandoned the generator)

    def _work(self, attempt, request, noun, deadline, inbox, cancel) -> None:
        pieces = self._with_retries(attempt, request, noun, deadline, cancel)
        try:
            for piece in pieces:
                if cancel.is_set():
                    return
                inbox.put(("text", piece))
            inbox.put(("done", None))
        except _Failure as failure:
            message = self.scrub(failure.message)
            log.info("%s", message)  # INFO: the caller reports the LLMError (and falls back)
            inbox.put(("error", message))
        except Exception as exc:  # contract: any failure is an LLMError, and never leaks a key
            message = self.scrub(_one_line(f"LLM call failed ({type(exc).__name__}: {exc})"))
            log.warning("%s", message)  # unexpected: worth a warning
            inbox.put(("error", message))
        finally:
            pieces.close()  # closes the HTTP response if the caller gave up mid-stream

    def _with_retries(self, attempt, request, noun, deadline, cancel) -> Iterator[str]:
        retries = 0
        while True:
            yielded = False
            try:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _Failure(f"LLM timed out after {self.timeout:g} s")
                for piece in attempt(request, remaining, noun):
                    yielded = True
                    yield piece
                return
            except _Failure as failure:
                if not failure.retryable or yielded:  # never retry once the caller has text
                    raise
                final = self._final_message(failure, retries)
                if retries >= self.max_retries:
                    raise _Failure(final) from None
                delay = failure.retry_after if failure.status in (429, 503) and failure.retry_after is not None \
                    else min(_BACKOFF_CAP, _BACKOFF_BASE * 2 ** retries)
                if time.monotonic() + delay >= deadline - 0.05:  # waiting would blow the overall timeout
                    raise _Failure(f"{final} (a retry in {delay:.3g} s would pass the {self.timeout:g} s timeout)")
                log.info("%s; retrying in %.1f s (%d of %d)", self.scrub(failure.message), delay,
                         retries + 1, self.max_retries)
                if cancel.wait(delay):
                    return
                retries += 1

    @staticmethod
    def _final_message(failure: _Failure, retries: int) -> str:
        if failure.status == 429 and retries:
            return f"LLM rate-limited (429) after {_retries(retries)}"
        if retries:
            return f"{failure.message} after {_retries(retries)}"
        return failure.message

    def _stream_once(self, request: dict, timeout: float, noun: str) -> Iterator[str]:
        stream = self._call(request, timeout, noun, stream=True)
        finish_reason = None
        text = []
        with stream:
            chunks = iter(stream)
            while True:
                try:
                    chunk = next(chunks)
                except StopIteration:
                    break
                except Exception as exc:
                    raise self._classify(exc, noun, midstream=True) from None
                try:
                    choices = chunk.choices or []
                    choice = next((c for c in choices if (getattr(c, "index", 0) or 0) == 0), None)
                    content = choice.delta.content if choice is not None and choice.delta is not None else None
                    reason = choice.finish_reason if choice is not None else None
                except (AttributeError, TypeError) as exc:
                    raise _Failure("LLM sent a malformed response") from exc
                if content:
                    if not isinstance(content, str):
                        raise _Failure("LLM sent a malformed response")
                    text.append(content)
                    yield content
                if reason:
                    finish_reason = reason
        if finish_reason is None:
            # The body ended (or was cut) before finish_reason / [DONE]: the answer may be incomplete.
            raise _Failure(f"LLM {noun} was cut off", retryable=True)
        self._check_answer("".join(text), finish_reason)

    def _complete_once(self, request: dict, timeout: float, noun: str) -> Iterator[str]:
        response = self._call(request, timeout, noun, stream=False)
        try:
            choice = response.choices[0]
            content, reason = choice.message.content, choice.finish_reason
        except (AttributeError, TypeError, IndexError, KeyError) as exc:
            raise _Failure("LLM sent a malformed response") from exc
        if content is not None and not isinstance(content, str):
            raise _Failure("LLM sent a malformed response")
        self._check_answer(content or "", reason)
        yield content

    @staticmethod
    def _check_answer(text: str, finish_reason: str | None) -> None:
        if finish_reason == "content_filter":
            raise _Failure("LLM stopped its answer (content filter)")
        if not text.strip():
            raise _Failure("LLM returned an empty answer")

    def _call(self, request: dict, timeout: float, noun: str, *, stream: bool):
        try:
            return self._client.chat.completions.create(
                model=self.model_id, stream=stream, timeout=timeout, **request)
        except Exception as exc:
            raise self._classify(exc, noun, midstream=False) from None

    def _classify(self, exc: Exception, noun: str, *, midstream: bool) -> _Failure:
        """Turn whatever the openai/httpx stack raised into one readable, scrubbed line."""
        import openai

        if isinstance(exc, openai.APITimeoutError):
            if any(type(c).__name__ == "ConnectTimeout" for c in _root_causes(exc)):
                return _Failure(f"LLM unreachable at {self.base_url} (no connection within {self.timeout:g} s)")
            return _Failure(f"LLM timed out after {self.timeout:g} s")
        if isinstance(exc, openai.APIConnectionError):
            causes = list(_root_causes(exc))
            names = {type(c).__name__ for c in causes}
            if any(isinstance(c, ConnectionRefusedError) for c in causes):
                return _Failure(f"LLM unreachable at {self.base_url} (connection refused)")
            if any(isinstance(c, socket.gaierror) for c in causes):
                return _Failure(f"LLM unreachable at {self.base_url} (unknown host)")
            if "ConnectError" in names and not midstream:
                detail = _one_line(str(causes[-1]), 80)
                return _Failure(f"LLM unreachable at {self.base_url} ({self.scrub(detail)})", retryable=True)
            if midstream or names & {"RemoteProtocolError", "ReadError"}:
                return _Failure(f"LLM {noun} was cut off", retryable=True)
            return _Failure(f"LLM connection to {self.base_url} failed", retryable=True)
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            detail = _one_line(self.scrub(_error_detail(exc)), 120)
            if status == 429:
                return _Failure("LLM rate-limited (429)", retryable=True, retry_after=_retry_after(exc.response),
                                status=status)
            message = f"LLM returned HTTP {status}" + (f": {detail}" if detail and status < 500 else "")
            return _Failure(message, retryable=status in _RETRY_STATUSES, status=status,
                            retry_after=_retry_after(exc.response))
        if isinstance(exc, (openai.APIResponseValidationError, ValueError)):  # incl. JSONDecodeError
            return _Failure("LLM sent a malformed response")
        if isinstance(exc, openai.APIError):  # e.g. an {"error": ...} event inside the stream
            detail = _one_line(self.scrub(_error_detail(exc) or str(exc)), 120)
            return _Failure(f"LLM reported an error: {detail}")
        return _Failure(_one_line(f"LLM call failed ({type(exc).__name__}: {self.scrub(str(exc))})"))

    def scrub(self, text: str) -> str:
        """Remove this client's secrets (and anything key-like) from text meant for users or logs."""
        return _scrub(text, self._secrets)


# ---------------------------------------------------------------------------------------------
# Choosing the LLM from settings
# ---------------------------------------------------------------------------------------------
_cache: dict[tuple, ChatLLM] = {}
_local_servers: dict = {}  # model path -> LocalLLMServer
_cache_lock = threading.Lock()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16] if secret else ""


def get_llm(settings) -> ChatLLM | None:
    """The configured chat model, or None to answer without one; cached per process and configuration."""
    choice = settings.llm
    base_url = (settings.llm_base_url or "").strip()
    openai_key = settings.openai_api_key or ""
    timeout = getattr(settings, "llm_timeout", None)
    # A local model on a 2-core CPU needs seconds per sentence: more patience than a remote API.
    timeout = float(timeout) if timeout is not None else (120.0 if choice == "local" else 30.0)
    retries = getattr(settings, "llm_max_retries", 2)
    if choice == "none" or (choice == "auto" and not (base_url or openai_key)):
        return None
    if choice == "openai" and not (base_url or openai_key):
        raise QAError("QA_LLM=openai needs OPENAI_API_KEY or QA_LLM_BASE_URL")
    if choice not in ("auto", "openai", "local"):
        raise QAError(f"unknown LLM choice {choice!r}")

    with _cache_lock:  # one local server per process even if several threads ask at once
        if choice == "local":
            return _local_llm(settings, timeout, retries)
        key = (base_url, settings.llm_model, _digest(settings.llm_api_key if base_url else openai_key),
               timeout, retries, settings.llm_context_tokens)
        if key not in _cache:
            _cache[key] = ChatLLM(
                # A custom endpoint gets its own key (or none), never the OpenAI one.
                base_url=base_url or OPENAI_BASE_URL,
                api_key=(settings.llm_api_key or NO_KEY) if base_url else openai_key,
                model_id=settings.llm_model, context_tokens=settings.llm_context_tokens,
                timeout=timeout, max_retries=retries)
        return _cache[key]


def _local_llm(settings, timeout: float, retries: int) -> ChatLLM:
    """The local model behind its own child server; LLMError (with a reason a user can read) if it can't start."""
    from .local_llm import LocalLLMServer, local_model_path

    model_path = local_model_path(settings)
    server_key = str(model_path)
    server = _local_servers.get(server_key)
    if server is None:
        server = _local_servers[server_key] = LocalLLMServer(
            model_path=model_path, api_key=secrets.token_urlsafe(24), cache_dir=settings.cache_dir)
    was_running = server.is_running()
    base_url = server.start()  # no-op when running; restarts one that died
    key = ("local", server_key, timeout, retries)
    if key not in _cache or not was_running:
        llm = ChatLLM(base_url=base_url, api_key=server.api_key, model_id=server.alias,
                      model=f"{server.alias} (local)", context_tokens=server.ctx,
                      timeout=timeout, max_retries=retries)
        llm.server = server
        llm.source_tokens = server.source_tokens
        _cache[key] = llm
    return _cache[key]
