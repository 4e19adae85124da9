"""Sources → papers → chunks → vectors → a new store version, atomically.

Unchanged chunks keep their vectors from the live version (nothing is embedded
twice); the write goes to a new version and the pointer moves only at the end,
so a crash or SIGKILL midway leaves the previous index answering.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .chunks import chunk_papers
from .embeddings import get_embedder
from .errors import QAError, StoreError
from .sources import load_sources
from .store import PaperStore

LOCK_WAIT_SECONDS = 30.0  # default; env QA_INGEST_LOCK_WAIT overrides it (0: refuse at once)


def lock_wait_seconds() -> float:
    value = os.environ.get("QA_INGEST_LOCK_WAIT")
    if value in (None, ""):
        return LOCK_WAIT_SECONDS
    try:
        return max(0.0, float(value))
    except ValueError:
        raise QAError(f"QA_INGEST_LOCK_WAIT must be a number of seconds, not {value!r}") from None


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    papers: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.papers} papers ({self.added} added, {self.updated} updated, {self.removed} removed, "
                f"{self.unchanged} unchanged), {self.chunks} chunks ({self.embedded} embedded, "
                f"{self.reused} reused) in {self.seconds:.1f} s"
                + (f"; skipped {len(self.skipped)} invalid entries" if self.skipped else ""))


@contextmanager
def ingest_lock(settings, wait: float | None = None):
    """One ingest at a time per data dir: a second one waits (QA_INGEST_LOCK_WAIT s), then refuses clearly.

    flock is released by the kernel when its holder dies, even by SIGKILL: no stale lock to clean up.
    """
    wait = lock_wait_seconds() if wait is None else wait
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "ingest.lock"
    with open(path, "a+") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    waited = f" (waited {wait:g} s)" if wait else ""
                    raise QAError(f"another ingest is running ({holder}){waited}; the index is unchanged: "
                                  "try again when it finishes") from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _text_hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def ingest(settings, sources: list[Path] | None = None, fmt: str | None = None, rebuild: bool = False,
           skip_invalid: bool = False, progress=None, store: PaperStore | None = None) -> IngestReport:
    started = time.perf_counter()
    loaded = load_sources(list(sources or settings.sources), fmt=fmt, listing_year=settings.listing_year,
                          skip_invalid=skip_invalid)
    if not loaded.papers:
        raise QAError("the sources hold no valid papers; nothing was changed")
    embedder = get_embedder(settings)
    report = IngestReport(skipped=list(loaded.skipped))
    with ingest_lock(settings):
        # opened under the lock: in embedded mode a client opened before another process's ingest
        # finished could start from a stale view of the store
        store = store or PaperStore(settings)
        old = store.manifest()
        if old and old.embedding_model != embedder.model_id and not rebuild:
            raise StoreError(f"the index was built with {old.embedding_model}, the configured model is "
                             f"{embedder.model_id}: run `qa ingest --rebuild`")
        old_papers, old_vectors, old_titles = {}, {}, {}
        if old and not rebuild:
            old_papers = {p.paper_id: p for p in store.load_papers(old)}
            chunks = store.load_chunks(old, with_embeddings=True)
            old_vectors = {m["indexed_hash"]: v for m, v in zip(chunks["metadatas"], chunks["embeddings"])}
            ids, vectors = store.load_title_vectors(old)
            old_titles = {old_papers[i].title: v for i, v in zip(ids, vectors) if i in old_papers}

        new_ids = {p.paper_id for p in loaded.papers}
        for paper in loaded.papers:
            before = old_papers.get(paper.paper_id)
            if before is None:
                report.added += 1
            elif before.content_hash() != paper.content_hash():
                report.updated += 1
            else:
                report.unchanged += 1
        report.removed = len(set(old_papers) - new_ids)

        chunks = chunk_papers(loaded.papers, settings.chunk_tokens, settings.chunk_overlap_tokens)
        hashes = [_text_hash(c.indexed_text) for c in chunks]
        todo = [i for i, h in enumerate(hashes) if h not in old_vectors]
        if (old and not rebuild and not todo and report.unchanged == len(loaded.papers) and not report.removed
                and old.chunks == len(chunks) and old.profile == loaded.profile):
            # nothing changed: keep the live version (no rewrite, same ids)
            report.papers, report.chunks, report.reused = len(loaded.papers), len(chunks), len(chunks)
            store.drop_stale_versions(keep=old.version)  # e.g. what a killed ingest left behind
            report.seconds = time.perf_counter() - started
            return report
        titles_todo = [p.title for p in loaded.papers if p.title not in old_titles]
        t0 = time.perf_counter()
        fresh = embedder.embed([chunks[i].indexed_text for i in todo])
        fresh_titles = embedder.embed(titles_todo)
        report.embed_seconds = time.perf_counter() - t0
        vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
        for row, i in enumerate(todo):
            vectors[i] = fresh[row]
        for i, h in enumerate(hashes):
            if h in old_vectors:
                vectors[i] = old_vectors[h]
        title_lookup = dict(old_titles) | dict(zip(titles_todo, fresh_titles))
        title_vectors = np.array([title_lookup[p.title] for p in loaded.papers], dtype=np.float32)
        by_id = {p.paper_id: p for p in loaded.papers}
        metas = [{"paper_id": c.paper_id, "chunk_index": c.index, "title": by_id[c.paper_id].title,
                  "year": by_id[c.paper_id].year, "category": by_id[c.paper_id].category,
                  "has_code": by_id[c.paper_id].has_code, "header": c.header, "indexed_hash": h}
                 for c, h in zip(chunks, hashes)]
        store.write_version(loaded.papers, title_vectors, [c.chunk_id for c in chunks], [c.text for c in chunks],
                            metas, vectors, loaded.profile, embedder.model_id, progress=progress,
                            expected=old.version if old else None)
    report.papers, report.chunks = len(loaded.papers), len(chunks)
    report.embedded, report.reused = len(todo), len(chunks) - len(todo)
    report.seconds = time.perf_counter() - started
    return report
