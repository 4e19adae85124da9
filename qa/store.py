"""The Chroma store: versioned collections behind one pointer, so a reader never sees half an ingest.

Layout, for a collection prefix P (setting `collection`, default "papers"):
- `P-meta`: one record, id "active", whose metadata names the live version and
  carries the embedding model's identity, counts and the profile facts;
- `P-chunks-<version>`: one record per chunk (vector, passage, paper fields);
- `P-papers-<version>`: one record per paper (title vector, the full record as JSON).
An ingest writes a new version beside the live one and then moves the pointer;
collections of versions that lost (or never won) the pointer are deleted later.

With a Chroma server (`QA_CHROMA_URL`) the store survives the server going
away: every call that fails to reach it raises one `StoreError` naming the
store, the client is dropped, and the next call connects again; so a running
app recovers by itself once the server is back. Calls are bounded by a timeout
(`QA_CHROMA_TIMEOUT`, default 60 s) instead of waiting forever on a hung server.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlparse

import numpy as np

from .errors import StoreError
from .papers import Paper, Profile

log = logging.getLogger(__name__)
ACTIVE_ID = "active"
CONNECT_TIMEOUT = 5.0


def request_timeout() -> float:
    """Seconds one call to a Chroma server may take (env QA_CHROMA_TIMEOUT, default 60)."""
    try:
        return max(0.5, float(os.environ.get("QA_CHROMA_TIMEOUT") or 60))
    except ValueError:
        raise StoreError(f"QA_CHROMA_TIMEOUT must be a number of seconds, "
                         f"not {os.environ.get('QA_CHROMA_TIMEOUT')!r}") from None


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


_OVERRIDES_LOCK = threading.Lock()


@contextlib.contextmanager
def _without_override_checks():
    """chromadb marks its methods with the `overrides` package's decorator, which checks each method's signature
    against its base class (by disassembling the caller) as the class is defined: a check for chromadb's own
    developers that costs ~0.3 s of every cold start (measured). Meanwhile the decorator only marks the method."""
    import overrides

    def mark(method=None, **_options):
        def marked(function):
            function.__override__ = True  # what EnforceOverrides looks for
            return function
        return marked if method is None else marked(method)

    with _OVERRIDES_LOCK:  # two threads opening clients at once must not save each other's stand-in
        saved = overrides.override, overrides.overrides
        overrides.override = overrides.overrides = mark
        try:
            yield
        finally:
            overrides.override, overrides.overrides = saved


def make_client(settings):
    """Embedded PersistentClient, or HttpClient when QA_CHROMA_URL is set; telemetry off."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    with _without_override_checks():
        return _make_client(settings)


def _make_client(settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            timeout = request_timeout()
            _heartbeat(settings.chroma_url, min(timeout, CONNECT_TIMEOUT))  # chromadb's own calls never time out
            client = chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                         ssl=url.scheme == "https", settings=chroma_settings)
            _bound_http_calls(client, timeout)
            return client
        path = settings.data_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(f"cannot open the store ({settings.store_description}): {_short(exc)}") from None


def _heartbeat(base_url: str, timeout: float) -> None:
    """Fail fast (and with a timeout) when the server is down, before chromadb's untimed handshake."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    try:
        with opener.open(base_url.rstrip("/") + "/api/v2/heartbeat", timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise StoreError(f"the chroma server at {base_url} answered HTTP {exc.code} to a heartbeat") from None
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot reach the store (chroma server {base_url}): "
                         f"{_connection_reason(exc, timeout)}") from None


def _bound_http_calls(client, timeout: float) -> None:
    """chromadb's HTTP session waits forever by default; give every call a deadline."""
    try:
        import httpx

        client._server._session.timeout = httpx.Timeout(timeout, connect=CONNECT_TIMEOUT)
    except Exception as exc:  # private attributes of chromadb: if they move, keep working unbounded
        log.debug("could not set the chroma client timeout: %s", exc)


def _short(exc) -> str:
    text = str(exc).strip()
    text = text.splitlines()[0] if text else type(exc).__name__
    return text[:200]


def _connection_reason(exc: BaseException, seconds: float | None = None) -> str:
    """A short, human reason for a failed connection."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ConnectionRefusedError) or "refused" in str(exc).lower():
            return "connection refused (is the server running?)"
        if isinstance(exc, TimeoutError) or "timed out" in str(exc).lower() or "Timeout" in type(exc).__name__:
            return f"no answer within {seconds or request_timeout():g} s"
        reason = getattr(exc, "reason", None)  # urllib's URLError wraps the socket error
        exc = exc.__cause__ or exc.__context__ or (reason if isinstance(reason, BaseException) else None)
    return "the connection failed"


def _is_connection_error(exc: BaseException) -> bool:
    """Whether the server could not be reached (or stopped answering), as opposed to refusing a request."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return True
        module = type(exc).__module__ or ""
        if module.startswith(("httpx", "httpcore")) and type(exc).__name__ in (
                "ConnectError", "ConnectTimeout", "ReadTimeout", "WriteTimeout", "PoolTimeout", "ReadError",
                "WriteError", "RemoteProtocolError", "NetworkError", "TimeoutException", "CloseError"):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class PaperStore:
    """Reads and writes one collection family; safe to share between threads.

    The Chroma client is created on first use and again after a call could not
    reach the server, so one PaperStore outlives a server restart.
    """

    def __init__(self, settings, client=None):
        self.settings = settings
        self.prefix = settings.collection
        self._client = client
        self._client_lock = threading.Lock()
        if client is None and not settings.chroma_url:
            self._client = make_client(settings)  # embedded: a problem here is permanent, report it now
        elif client is None:
            try:
                self._client = make_client(settings)
            except StoreError as exc:  # the server may come up later: connect on first use
                log.info("%s; will retry on first use", exc)

    @property
    def client(self):
        with self._client_lock:
            if self._client is None:
                self._client = make_client(self.settings)
            return self._client

    def _lost_connection(self) -> None:
        """Forget the client so the next call connects afresh (a restarted server, a new address)."""
        if self.settings.chroma_url:
            with self._client_lock:
                self._client = None

    def _fail(self, exc: Exception, doing: str) -> StoreError:
        """One readable StoreError naming the store; drops the client when the server was unreachable."""
        if isinstance(exc, StoreError):
            return exc
        if _is_connection_error(exc):
            self._lost_connection()
            return StoreError(f"cannot reach the store ({self.settings.store_description}) while {doing}: "
                              f"{_connection_reason(exc)}")
        return StoreError(f"store error ({self.settings.store_description}) while {doing}: {_short(exc)}")

    # names -----------------------------------------------------------------
    def _name(self, suffix: str) -> str:
        return f"{self.prefix}-{suffix}"

    def _collection(self, suffix: str, create: bool = False):
        try:
            if create:
                return self.client.create_collection(self._name(suffix), metadata={"hnsw:space": "cosine"},
                                                     embedding_function=None)
            return self.client.get_collection(self._name(suffix), embedding_function=None)
        except StoreError:
            raise
        except Exception as exc:
            if _is_connection_error(exc):
                raise self._fail(exc, f"opening collection {self._name(suffix)}") from None
            raise StoreError(f"store collection {self._name(suffix)} unavailable: {_short(exc)}") from None

    # reading ---------------------------------------------------------------
    def manifest(self) -> Manifest | None:
        """The live version, or None when nothing was ingested yet."""
        try:
            meta = self.client.get_or_create_collection(self._name("meta"), embedding_function=None)
            got = meta.get(ids=[ACTIVE_ID], include=["metadatas"])
        except Exception as exc:
            raise self._fail(exc, "reading the index pointer") from None
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
        collection = self._collection(manifest.papers_name)
        try:
            got = collection.get(include=["documents"])
        except Exception as exc:
            raise self._fail(exc, f"reading {collection.name}") from None
        papers = [Paper.from_dict(json.loads(doc)) for doc in got["documents"]]
        if len(papers) != manifest.papers:  # a version being deleted (or damaged) under us: never half of one
            raise StoreError(f"store version {manifest.version} is incomplete ({len(papers)} of "
                             f"{manifest.papers} papers); run `qa ingest` again if this persists")
        return sorted(papers, key=lambda p: (p.date, p.paper_id), reverse=True)

    def load_chunks(self, manifest: Manifest, with_embeddings: bool = False) -> dict:
        include = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
        collection = self._collection(manifest.chunks_name)
        out = {"ids": [], "documents": [], "metadatas": [], "embeddings": []}
        page = 5000
        try:
            for offset in range(0, max(manifest.chunks, 1), page):  # paged: a 1M-chunk get would not fit one call
                got = collection.get(include=include, limit=page, offset=offset)
                out["ids"] += got["ids"]
                out["documents"] += got["documents"]
                out["metadatas"] += got["metadatas"]
                if with_embeddings:
                    out["embeddings"] += list(got["embeddings"])
        except Exception as exc:
            raise self._fail(exc, f"reading {collection.name}") from None
        if len(out["ids"]) != manifest.chunks:
            raise StoreError(f"store version {manifest.version} is incomplete ({len(out['ids'])} of "
                             f"{manifest.chunks} chunks); run `qa ingest` again if this persists")
        return out

    def load_title_vectors(self, manifest: Manifest) -> tuple[list[str], np.ndarray]:
        collection = self._collection(manifest.papers_name)
        try:
            got = collection.get(include=["embeddings"])
        except Exception as exc:
            raise self._fail(exc, f"reading {collection.name}") from None
        if len(got["ids"]) != manifest.papers:  # an ingest switched versions and dropped this one meanwhile
            raise StoreError(f"store version {manifest.version} is incomplete ({len(got['ids'])} of "
                             f"{manifest.papers} title vectors); run `qa ingest` again if this persists")
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
            raise self._fail(exc, "searching") from None
        return [(cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], got["distances"][0])]

    # writing ---------------------------------------------------------------
    def write_version(self, papers: list[Paper], title_vectors: np.ndarray, chunk_ids: list[str],
                      chunk_docs: list[str], chunk_metas: list[dict], chunk_vectors: np.ndarray,
                      profile: Profile, embedding_model: str, progress=None,
                      expected: str | None | object = ...) -> Manifest:
        """Write a complete new version, then switch the pointer to it (the only visible step).

        `expected`: the live version this write was computed from (None: no index yet). If the
        pointer moved meanwhile (another ingest won), the new version is discarded instead of
        replacing a newer index; the default (...) skips that check.
        """
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
            if expected is not ...:
                live = self.manifest()
                if (live.version if live else None) != expected:
                    raise StoreError("another ingest changed the index while this one ran; its index was "
                                     "kept and this one discarded")
        except Exception as exc:
            self._drop_version(version)  # best effort; a later ingest removes what is left
            if isinstance(exc, StoreError) and str(exc).startswith("another ingest"):
                raise
            raise StoreError(f"{self._fail(exc, 'writing the index')}; the previous index is unchanged") from None
        try:
            meta = self.client.get_or_create_collection(self._name("meta"), embedding_function=None)
            meta.upsert(ids=[ACTIVE_ID], embeddings=[[1.0]], documents=[version],
                        metadatas=[{"version": version, "embedding_model": embedding_model, "dim": manifest.dim,
                                    "papers": manifest.papers, "chunks": manifest.chunks,
                                    "ingested_at": manifest.ingested_at,
                                    "profile": json.dumps(profile.to_dict(), ensure_ascii=False)}])
        except Exception as exc:
            # the switch may have happened even if its answer was lost: never delete what may be live
            try:
                live = self.manifest()
            except StoreError:
                live = None
            if live is None or live.version != version:
                raise StoreError(f"{self._fail(exc, 'switching to the new index')}; "
                                 "the previous index is unchanged") from None
        self.drop_stale_versions(keep=version)
        return manifest

    def collection_names(self) -> list[str]:
        """Every collection name in the Chroma database (all families), paged."""
        names, page = [], 100
        try:
            while True:
                got = self.client.list_collections(limit=page, offset=len(names))
                names += [c if isinstance(c, str) else c.name for c in got]
                if len(got) < page:
                    return names
        except Exception as exc:
            raise self._fail(exc, "listing collections") from None

    def version_names(self) -> dict[str, list[str]]:
        """This family's versioned collections, by version ("v<ns>" -> names)."""
        versions: dict[str, list[str]] = {}
        for name in self.collection_names():
            for kind in ("chunks", "papers"):
                head = f"{self.prefix}-{kind}-"
                if name.startswith(head):
                    versions.setdefault(name[len(head):], []).append(name)
        return versions

    def _drop_version(self, version: str) -> None:
        for kind in ("chunks", "papers"):
            try:
                self.client.delete_collection(self._name(f"{kind}-{version}"))
            except Exception as exc:  # absent (never created) or the server is gone
                log.debug("could not delete %s-%s: %s", kind, version, exc)

    def drop_stale_versions(self, keep: str) -> None:
        """Delete collections of versions other than `keep` (old ones, or ones a killed ingest left).

        Called by the process holding the ingest lock: no other ingest of this data dir is running.
        """
        try:
            versions = self.version_names()
        except StoreError as exc:
            log.info("stale versions not removed: %s", exc)
            return
        for version in versions:
            if version != keep:
                self._drop_version(version)
