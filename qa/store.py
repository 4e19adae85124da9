"""The Chroma store: versioned collections behind one pointer, so a reader never sees half an ingest.

Layout, for a collection prefix P (setting `collection`, default "papers"):
- `P-meta`: one record, id "active", whose metadata names the live version and
  carries the embedding model's identity, counts and the profile facts;
- `P-chunks-<version>`: one record per chunk (vector, passage, paper fields);
- `P-papers-<version>`: one record per paper (title vector, the full record as JSON).
An ingest writes a new version beside the live one and then moves the pointer;
collections of versions that lost (or never won) the pointer are deleted later.
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from urllib.parse import urlparse

import numpy as np

from .errors import StoreError
from .papers import Paper, Profile

log = logging.getLogger(__name__)
ACTIVE_ID = "active"


@dataclass(frozen=True)
class Manifest:
    version: str
    embedding_model: str
    dim: int
    papers: int
    chunks: int
    ingested_at: float
    profile: Profile

    @property
    def chunks_name(self) -> str:
        return f"chunks-{self.version}"

    @property
    def papers_name(self) -> str:
        return f"papers-{self.version}"


def make_client(settings):
    """Embedded PersistentClient, or HttpClient when QA_CHROMA_URL is set; telemetry off."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            return chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                       ssl=url.scheme == "https", settings=chroma_settings)
        path = settings.data_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(f"cannot open the store ({settings.store_description}): {_short(exc)}") from None


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


class PaperStore:
    """Reads and writes one collection family; safe to share between threads."""

    def __init__(self, settings, client=None):
        self.settings = settings
        self.prefix = settings.collection
        self.client = client or make_client(settings)

    # names -----------------------------------------------------------------
    def _name(self, suffix: str) -> str:
        return f"{self.prefix}-{suffix}"

    def _collection(self, suffix: str, create: bool = False):
        try:
            if create:
                return self.client.create_collection(self._name(suffix), metadata={"hnsw:space": "cosine"},
                                                     embedding_function=None)
            return self.client.get_collection(self._name(suffix), embedding_function=None)
        except Exception as exc:
            raise StoreError(f"store collection {self._name(suffix)} unavailable: {_short(exc)}") from None

    # reading ---------------------------------------------------------------
    def manifest(self) -> Manifest | None:
        """The live version, or None when nothing was ingested yet."""
        try:
            meta = self.client.get_or_create_collection(self._name("meta"), embedding_function=None)
            got = meta.get(ids=[ACTIVE_ID], include=["metadatas"])
        except Exception as exc:
            raise StoreError(f"cannot reach the store ({self.settings.store_description}): {_short(exc)}") from None
        if not got["ids"]:
            return None
        m = got["metadatas"][0]
        return Manifest(version=m["version"], embedding_model=m["embedding_model"], dim=int(m["dim"]),
                        papers=int(m["papers"]), chunks=int(m["chunks"]), ingested_at=float(m["ingested_at"]),
                        profile=Profile.from_dict(json.loads(m.get("profile") or "{}")))

    def require_manifest(self) -> Manifest:
        manifest = self.manifest()
        if manifest is None:
            raise StoreError(f"no index yet in {self.settings.store_description}: run `qa ingest` first")
        return manifest

    def load_papers(self, manifest: Manifest) -> list[Paper]:
        got = self._collection(manifest.papers_name).get(include=["documents"])
        papers = [Paper.from_dict(json.loads(doc)) for doc in got["documents"]]
        return sorted(papers, key=lambda p: (p.date, p.paper_id), reverse=True)

    def load_chunks(self, manifest: Manifest, with_embeddings: bool = False) -> dict:
        include = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
        collection = self._collection(manifest.chunks_name)
        out = {"ids": [], "documents": [], "metadatas": [], "embeddings": []}
        page = 5000
        for offset in range(0, max(manifest.chunks, 1), page):  # paged: a 1M-chunk get would not fit one call
            got = collection.get(include=include, limit=page, offset=offset)
            out["ids"] += got["ids"]
            out["documents"] += got["documents"]
            out["metadatas"] += got["metadatas"]
            if with_embeddings:
                out["embeddings"] += list(got["embeddings"])
        return out

    def load_title_vectors(self, manifest: Manifest) -> tuple[list[str], np.ndarray]:
        got = self._collection(manifest.papers_name).get(include=["embeddings"])
        return got["ids"], np.asarray(got["embeddings"], dtype=np.float32).reshape(len(got["ids"]), -1)

    def dense_query(self, manifest: Manifest, vector: np.ndarray, n: int, where: dict | None = None
                    ) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) of the n nearest chunks."""
        collection = self._collection(manifest.chunks_name)
        n = max(1, min(n, manifest.chunks))
        try:
            got = collection.query(query_embeddings=[vector.tolist()], n_results=n, where=where or None,
                                   include=["distances"])
        except Exception as exc:
            raise StoreError(f"store query failed ({self.settings.store_description}): {_short(exc)}") from None
        return [(cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], got["distances"][0])]

    # writing ---------------------------------------------------------------
    def write_version(self, papers: list[Paper], title_vectors: np.ndarray, chunk_ids: list[str],
                      chunk_docs: list[str], chunk_metas: list[dict], chunk_vectors: np.ndarray,
                      profile: Profile, embedding_model: str, progress=None) -> Manifest:
        """Write a complete new version, then switch the pointer to it (the only visible step)."""
        version = f"v{time.time_ns()}"
        manifest = Manifest(version=version, embedding_model=embedding_model,
                            dim=int(chunk_vectors.shape[1]) if len(chunk_vectors) else 0,
                            papers=len(papers), chunks=len(chunk_ids), ingested_at=time.time(), profile=profile)
        try:
            batch = max(1, min(1000, self.client.get_max_batch_size()))
            papers_col = self._collection(manifest.papers_name, create=True)
            for start in range(0, len(papers), batch):
                part = papers[start:start + batch]
                papers_col.add(ids=[p.paper_id for p in part],
                               embeddings=title_vectors[start:start + batch].tolist(),
                               documents=[json.dumps(p.to_dict(), ensure_ascii=False) for p in part],
                               metadatas=[{"year": p.year} for p in part])
            chunks_col = self._collection(manifest.chunks_name, create=True)
            for start in range(0, len(chunk_ids), batch):
                chunks_col.add(ids=chunk_ids[start:start + batch],
                               embeddings=chunk_vectors[start:start + batch].tolist(),
                               documents=chunk_docs[start:start + batch],
                               metadatas=chunk_metas[start:start + batch])
                if progress:
                    progress(min(start + batch, len(chunk_ids)), len(chunk_ids))
            meta = self.client.get_or_create_collection(self._name("meta"), embedding_function=None)
            meta.upsert(ids=[ACTIVE_ID], embeddings=[[1.0]], documents=[version],
                        metadatas=[{"version": version, "embedding_model": embedding_model, "dim": manifest.dim,
                                    "papers": manifest.papers, "chunks": manifest.chunks,
                                    "ingested_at": manifest.ingested_at,
                                    "profile": json.dumps(profile.to_dict(), ensure_ascii=False)}])
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"writing the index failed ({self.settings.store_description}): {_short(exc)}; "
                             "the previous index is unchanged") from None
        self.drop_stale_versions(keep=version)
        return manifest

    def drop_stale_versions(self, keep: str) -> None:
        """Delete collections of versions other than `keep` (old ones, or ones a killed ingest left)."""
        try:
            names = [c if isinstance(c, str) else c.name for c in self.client.list_collections()]
        except Exception:
            return
        for name in names:
            if name.startswith((f"{self.prefix}-chunks-", f"{self.prefix}-papers-")) and not name.endswith(keep):
                try:
                    self.client.delete_collection(name)
                except Exception as exc:  # a reader may still hold it; next ingest retries
                    log.debug("could not delete %s: %s", name, exc)
