"""Normalised paper records and the profile facts of a collection.

Every source format (listing, JSONL, BibTeX) is parsed into these records;
everything downstream (chunks, store, retrieval, answers) only sees them.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass(frozen=True)
class Paper:
    paper_id: str
    title: str
    authors: list[str]
    authors_truncated: bool
    affiliations: list[str]
    category: str
    date: str  # ISO, as precise as the source: "YYYY-MM-DD", "YYYY-MM" or "YYYY"
    year: int
    has_code: bool
    abstract: str  # Unicode text: LaTeX is converted once, at ingest (qa.sources.latex)
    url: str = ""
    eprint: str = ""
    # The abstract as the source wrote it, when that holds LaTeX worth showing
    # (math, markup) for a renderer; "" when it is just `abstract`.
    abstract_latex: str = ""
    # False when the source gave a day and month but no year, and `year` is the one supplied for it (a listing's
    # "Feb 4" read as `QA_LISTING_YEAR`): an answer must not state that year as the source's. Not part of a
    # record's identity (a BibTeX export writes the year it was given)
    year_given: bool = field(default=True, compare=False)

    def to_dict(self) -> dict:
        data = asdict(self)
        if self.year_given:  # records (and content hashes) of papers with a year stay as they were
            del data["year_given"]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Paper":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def content_hash(self) -> str:
        """Changes whenever anything a chunk or an answer shows changes. Kept on the (frozen) record: a search
        looks up cached sentence vectors by it for every candidate."""
        cached = self.__dict__.get("_content_hash")
        if cached is None:
            cached = hashlib.sha1(repr(sorted(self.to_dict().items())).encode()).hexdigest()[:16]
            self.__dict__["_content_hash"] = cached
        return cached

    def authors_display(self) -> str:
        names = ", ".join(self.authors)
        return names + (" et al." if self.authors_truncated else "")

    @property
    def day(self) -> _dt.date | None:
        """The day the paper is dated, when the source gives a full date (not a month or a year alone)."""
        return _dt.date.fromisoformat(self.date) if len(self.date or "") == 10 else None

    def long_date(self) -> str:
        """The date written out as precisely as the source gives it: "July 19, 2019", "July 2019" or "2019"."""
        match = re.match(r"(\d{4})-(\d{2})(?:-(\d{2}))?$", self.date or "")
        if not match:
            return str(self.year)
        year, month = int(match[1]), int(match[2])
        day = f" {int(match[3])}" if match[3] else ""
        if not self.year_given:
            return f"{MONTHS[month - 1]}{day} (the source gives no year; read as {year})"
        return f"{MONTHS[month - 1]}{day}, {year}" if match[3] else f"{MONTHS[month - 1]} {year}"


@dataclass(frozen=True)
class Profile:
    """Collection-level facts from the listing header (all optional)."""
    name: str = ""
    primary_category: str = ""
    h_index: int | None = None
    papers_claimed: int | None = None
    citations: int | None = None
    novelty: str = ""
    ai_score: str = ""
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Profile":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})


def normalize_title(title: str) -> str:
    """Lower-case, accents folded, punctuation and runs of space removed."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def make_paper_id(title: str, year: int, first_author: str = "") -> str:
    """Stable id: a readable slug plus a hash of title, year and first author.

    The abstract is left out on purpose, so that an edited abstract updates the
    same paper instead of adding a new one.
    """
    norm = normalize_title(title)
    slug = "-".join(norm.split()[:6])[:48].strip("-") or "paper"
    key = f"{norm}|{year}|{normalize_title(first_author)}"
    return f"{year}-{slug}-{hashlib.sha1(key.encode()).hexdigest()[:6]}"
