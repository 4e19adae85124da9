"""`qa eval`: routing, retrieval, answer and citation quality on a file of labelled questions.

The question file has one JSON object per line::

    {"question": "...", "history": [{"role": "user", "content": "..."}], "route": "paper",
     "expected_titles": ["..."], "must_include": ["14.7B|14.7 billion"], "answerable": true}

Only ``question`` is required; a metric whose field is missing skips the question.

The module has two layers, kept apart so that the arithmetic can be tested on
hand-made cases:

- pure functions over plain lists and dicts (``recall_at_k``, ``reciprocal_rank``,
  ``refusal_metrics``, ``citation_validity``, ... and ``summarize``/``evaluate_records``,
  which turn a list of per-question *records* into the metrics);
- ``run_questions``, the loop that asks the ``Assistant`` each question, ranks papers
  with a separate ``Retriever.search(query, k=10)`` and produces those records.

A record is a plain dict: ``question``, ``line``, ``expected_route``, ``predicted_route``,
``mode``, ``expected_titles``, ``must_include``, ``answerable``, ``ranking`` (titles, best
first, or None when retrieval is not measured for the question), ``answer`` (text),
``citations`` (list of {"n", "title", "supported"}), ``latency_ms`` and ``error``.

Aggregation (documented in docs/EVAL.md):

- routing accuracy and confusion over questions with a ``route``;
- Recall@k: per question, the fraction of expected papers in the top k, averaged over
  questions with expected titles whose expected route is paper or synthesis; MRR: the
  mean of 1/rank of the first expected paper (0 when none is in the top 10);
- must_include: every string of every question counts once (``a|b`` = either);
- refusal precision/recall: positives are questions with ``answerable: false``, a
  refusal is route ``not_answerable`` or mode ``refusal``;
- citation validity: every ``[n]`` marker in the answer texts counts once; supported
  rate: every citation counts once; citation precision/recall: per question (with
  expected titles), averaged over questions; precision needs at least one citation.

A metric without an eligible question is None (null in JSON).
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from .errors import QAError, StoreError
from .papers import MONTHS, normalize_title

ROUTES = ("paper", "synthesis", "metadata", "not_answerable")
RETRIEVAL_ROUTES = ("paper", "synthesis")
RANK_DEPTH = 10
LLM_CHOICES = ("auto", "none", "local", "openai")
_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")


# ---------------------------------------------------------------------------
# The question file
# ---------------------------------------------------------------------------

def load_questions(path) -> list[dict]:
    """The questions of a JSONL file, validated; QAError (one line, naming the line) when bad."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QAError(f"questions file not found: {path}") from None
    except IsADirectoryError:
        raise QAError(f"questions file is a directory: {path}") from None
    except OSError as exc:
        raise QAError(f"cannot read questions file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise QAError(f"questions file {path} is not UTF-8 text") from None
    questions = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QAError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(row, dict):
            raise QAError(f"{where}: expected a JSON object, got {type(row).__name__}")
        questions.append(_check_row(row, where, number))
    if not questions:
        raise QAError(f"questions file {path} has no questions")
    return questions


def _check_row(row: dict, where: str, number: int) -> dict:
    question = row.get("question")
    if not isinstance(question, str) or not question.strip():
        raise QAError(f'{where}: no "question" (a non-empty string is required)')
    history = row.get("history")
    if history is not None and not (isinstance(history, list) and all(
            isinstance(m, dict) and isinstance(m.get("role"), str) for m in history)):
        raise QAError(f'{where}: "history" must be a list of {{"role", "content"}} objects')
    route = row.get("route")
    if route is not None and route not in ROUTES:
        raise QAError(f'{where}: "route" must be one of {", ".join(ROUTES)}, not {route!r}')
    for key in ("expected_titles", "must_include"):
        value = row.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise QAError(f'{where}: "{key}" must be a list of strings')
    answerable = row.get("answerable")
    if answerable is not None and not isinstance(answerable, bool):
        raise QAError(f'{where}: "answerable" must be true or false')
    return {"line": number, "question": question, "history": history, "route": route,
            "expected_titles": row.get("expected_titles"), "must_include": row.get("must_include"),
            "answerable": answerable}


# ---------------------------------------------------------------------------
# Metric arithmetic (pure)
# ---------------------------------------------------------------------------

def title_key(title: str) -> str:
    return normalize_title(title or "")


def _keys(titles) -> list[str]:
    out = []
    for t in titles or []:
        key = title_key(t)
        if key and key not in out:
            out.append(key)
    return out


def recall_at_k(ranked: list[str], expected: list[str], k: int) -> float | None:
    """Fraction of the expected papers found in the first k of the ranking (titles, normalised)."""
    wanted = _keys(expected)
    if not wanted:
        return None
    top = set(_keys(ranked[:k]))
    return sum(1 for t in wanted if t in top) / len(wanted)


def reciprocal_rank(ranked: list[str], expected: list[str]) -> float | None:
    """1/rank of the first expected paper in the ranking, 0.0 when none is there."""
    wanted = set(_keys(expected))
    if not wanted:
        return None
    for rank, title in enumerate(ranked, 1):
        if title_key(title) in wanted:
            return 1.0 / rank
    return 0.0


def mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def ratio(hits: int, total: int) -> float | None:
    return hits / total if total else None


def routing_metrics(pairs: list[tuple[str, str | None]]) -> dict:
    """(expected, predicted) pairs → accuracy and confusion {expected: {predicted: count}}."""
    confusion: dict[str, dict[str, int]] = {}
    correct = 0
    for expected, predicted in pairs:
        predicted = predicted or "error"
        row = confusion.setdefault(expected, {})
        row[predicted] = row.get(predicted, 0) + 1
        correct += expected == predicted
    order = {r: i for i, r in enumerate(ROUTES)}
    sort = lambda d: dict(sorted(d.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])))  # noqa: E731
    return {"accuracy": ratio(correct, len(pairs)),
            "confusion": sort({e: sort(row) for e, row in confusion.items()})}


def _squash(text: str) -> str:
    # an answer shows the abstract's LaTeX dashes as the dashes they stand for ("10--15" → "10–15")
    text = (text or "").replace("---", "—").replace("--", "–")
    return re.sub(r"\s+", " ", text).strip().casefold()


_MONTHS = tuple(m.lower() for m in MONTHS)
_DATE = re.compile(r"^([a-z]{3})[a-z]*\.? (\d{1,2})(?:, (\d{4}))?$")


def _date_forms(option: str) -> list[str]:
    """A date written as the listing writes it ("Jul 19, 2019", "Feb 4") also counts when the answer writes the month
    out ("July 19, 2019") or gives it as ISO ("2019-07-19"): the same fact, in another form."""
    match = _DATE.match(option)
    months = [m for m in _MONTHS if match and m.startswith(match.group(1))]
    if not months:
        return [option]
    month, day, year = months[0], int(match.group(2)), match.group(3)
    if year is None:  # "Feb 4": a date the source gives without its year
        return [option, f"{month} {day}", f"{month[:3]} {day}"]
    return [option, f"{month} {day}, {year}", f"{month[:3]} {day}, {year}",
            f"{year}-{_MONTHS.index(month) + 1:02d}-{day:02d}"]


def includes(text: str, spec: str) -> bool:
    """Whether the text contains the string, case-insensitively; ``a|b`` accepts either, and a date accepts its
    other usual forms (`_date_forms`)."""
    haystack = _squash(text)
    options = [form for o in spec.split("|") for form in _date_forms(_squash(o))]
    return any(o and o in haystack for o in options)


def must_include_hits(text: str, specs: list[str]) -> list[bool]:
    return [includes(text, s) for s in specs if s.strip()]


def refusal_metrics(pairs: list[tuple[bool, bool]]) -> tuple[float | None, float | None]:
    """(answerable, refused) pairs → (precision, recall) of refusing; positives: answerable is False."""
    tp = sum(1 for answerable, refused in pairs if refused and not answerable)
    refused = sum(1 for _, r in pairs if r)
    positives = sum(1 for answerable, _ in pairs if not answerable)
    return ratio(tp, refused), ratio(tp, positives)


def citation_markers(text: str) -> list[int]:
    """Every citation number in the text, once per occurrence ("[1, 2]" gives 1 and 2)."""
    return [int(n) for m in _MARKER.finditer(text or "") for n in re.split(r"\s*[,;]\s*", m.group(1))]


def citation_validity(text: str, numbers) -> tuple[int, int]:
    """(markers that map to a citation number, all markers) in one answer."""
    valid = set(numbers)
    markers = citation_markers(text)
    return sum(1 for n in markers if n in valid), len(markers)


def citation_precision_recall(cited: list[str], expected: list[str]) -> tuple[float | None, float | None]:
    """Precision: cited papers that are expected; recall: expected papers that are cited (titles)."""
    wanted, got = _keys(expected), _keys(cited)
    if not wanted:
        return None, None
    hits = sum(1 for t in got if t in set(wanted))
    precision = hits / len(got) if got else None
    recall = sum(1 for t in wanted if t in set(got)) / len(wanted)
    return precision, recall


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    values = sorted(values)
    if not values:
        return None
    pos = (len(values) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


_FIRST_PERSON = re.compile(r"\b(?:[Ww]e|[Oo]urs?|us)\b")  # "US English" is the country
_LATEX = re.compile(r"\\[A-Za-z]+|\$[^$\n]+\$|\^\{|_\{")


def _extractive_prose(record: dict) -> bool:
    """An answer written from the abstracts' own sentences (a paper or synthesis answer without an LLM)."""
    return record.get("mode") == "extractive" and record.get("predicted_route") in ("paper", "synthesis")


def unclean_text(record: dict) -> list[str]:
    """What an extractive paper or synthesis answer shows of its abstracts' source form: LaTeX, or the authors'
    "we". Titles are left out: they are quoted as written."""
    if not _extractive_prose(record):
        return []
    text = re.sub(r"“[^”]*”", " ", record.get("answer", ""))
    for c in record.get("citations") or []:
        text = text.replace(c["title"], " ")
    return [name for name, pattern in (("LaTeX", _LATEX), ("first person", _FIRST_PERSON)) if pattern.search(text)]


def is_refusal(record: dict) -> bool:
    return record.get("predicted_route") == "not_answerable" or record.get("mode") == "refusal"


def retrieval_eligible(record: dict) -> bool:
    return bool(record.get("expected_titles")) and record.get("expected_route") in RETRIEVAL_ROUTES


def _round(value, digits=4):
    return None if value is None else round(float(value), digits)


def summarize(records: list[dict]) -> dict:
    """The metrics of a list of records (overall, or one route's)."""
    routed = [(r["expected_route"], r.get("predicted_route")) for r in records if r.get("expected_route")]
    routing = routing_metrics(routed)

    ranked = [r for r in records if retrieval_eligible(r) and r.get("ranking") is not None]
    retrieval = {f"recall@{k}": _round(mean(recall_at_k(r["ranking"], r["expected_titles"], k) for r in ranked))
                 for k in (1, 5, 10)}
    retrieval["mrr"] = _round(mean(reciprocal_rank(r["ranking"], r["expected_titles"]) for r in ranked))

    hits = [h for r in records if r.get("must_include") for h in must_include_hits(r.get("answer", ""),
                                                                                  r["must_include"])]
    precision, recall = refusal_metrics([(r["answerable"], is_refusal(r)) for r in records
                                         if r.get("answerable") is not None])
    prose = [not unclean_text(r) for r in records if _extractive_prose(r)]
    answers = {"must_include": _round(ratio(sum(hits), len(hits))),
               "refusal_precision": _round(precision), "refusal_recall": _round(recall),
               "clean_text": _round(ratio(sum(prose), len(prose)))}

    valid = total = 0
    precisions, recalls, supported = [], [], []
    for r in records:
        citations = r.get("citations") or []
        v, t = citation_validity(r.get("answer", ""), [c["n"] for c in citations])
        valid, total = valid + v, total + t
        supported.extend(bool(c.get("supported", True)) for c in citations)
        p, rc = citation_precision_recall([c["title"] for c in citations], r.get("expected_titles") or [])
        precisions.append(p)
        recalls.append(rc)
    cites = {"validity": _round(ratio(valid, total)), "precision": _round(mean(precisions)),
             "recall": _round(mean(recalls)), "supported": _round(ratio(sum(supported), len(supported)))}

    latencies = [r["latency_ms"] for r in records if r.get("latency_ms") is not None and not r.get("error")]
    first_text = [r["first_text_ms"] for r in records if r.get("first_text_ms") is not None]
    expected = [title_key(t) in set(_keys(c["title"] for c in r.get("citations") or []))
                for r in records if r.get("answerable") for t in r.get("expected_titles") or []]
    return {"n": len(records),
            "routing": {"accuracy": _round(routing["accuracy"]), "confusion": routing["confusion"]},
            "retrieval": retrieval, "answers": answers, "citations": cites,
            "expected_cited": _round(ratio(sum(expected), len(expected))),
            "llm": _llm_metrics(records),
            "latency_ms": {"p50": _round(percentile(latencies, 50), 1), "p95": _round(percentile(latencies, 95), 1)},
            "first_text_ms": {"p50": _round(percentile(first_text, 50), 1),
                              "p95": _round(percentile(first_text, 95), 1)}}


def _llm_metrics(records: list[dict]) -> dict:
    """How the LLM itself did, before the checks repaired or replaced its answers."""
    tried = [r for r in records if r.get("raw_citations") is not None]
    valid = sum(r["raw_citations"][0] for r in tried)
    total = sum(r["raw_citations"][1] for r in tried)
    kept = sum(r.get("mode") == "llm" for r in tried)
    return {"answers": len(tried), "kept": kept, "kept_share": _round(ratio(kept, len(tried))),
            "raw_citation_validity": _round(ratio(valid, total))}


def failure_reasons(record: dict) -> list[str]:
    """Why a question failed (empty when it did not): route, retrieval, citations, content, refusal."""
    reasons = []
    if record.get("error"):
        reasons.append(f"error: {record['error']}")
    expected_route, predicted = record.get("expected_route"), record.get("predicted_route")
    if expected_route and predicted != expected_route:
        reasons.append(f"wrong route: expected {expected_route}, got {predicted or 'none'}")
    if record.get("answerable") is False and not is_refusal(record):
        reasons.append("not refused, but the question is not answerable")
    if record.get("answerable") is True and is_refusal(record):
        reasons.append("refused an answerable question")
    if retrieval_eligible(record) and record.get("ranking") is not None:
        top = set(_keys(record["ranking"][:5]))
        reasons.extend(f"not retrieved in top 5: {t}" for t in record["expected_titles"] if title_key(t) not in top)
    if record.get("expected_titles"):
        cited = set(_keys(c["title"] for c in record.get("citations") or []))
        reasons.extend(f"not cited: {t}" for t in record["expected_titles"] if title_key(t) not in cited)
    for spec in record.get("must_include") or []:
        if spec.strip() and not includes(record.get("answer", ""), spec):
            reasons.append(f"missing must_include: {spec!r}")
    reasons.extend(f"extractive answer shows {what}" for what in unclean_text(record))
    return reasons


def evaluate_records(records: list[dict]) -> dict:
    """The whole result: overall metrics, per expected route, and the failures."""
    result = summarize(records)
    groups: dict[str, list[dict]] = {}
    for r in records:
        if r.get("expected_route"):
            groups.setdefault(r["expected_route"], []).append(r)
    order = {r: i for i, r in enumerate(ROUTES)}
    result["per_route"] = {route: summarize(group)
                           for route, group in sorted(groups.items(), key=lambda kv: order.get(kv[0], 99))}
    result["failures"] = [{"question": r["question"], "why": "; ".join(reasons)}
                          for r in records if (reasons := failure_reasons(r))]
    return result


# ---------------------------------------------------------------------------
# The loop that asks the assistant
# ---------------------------------------------------------------------------

class _WithoutLLM:
    """The assistant as its offline self: same attributes, no LLM."""

    llm = None

    def __init__(self, assistant=None):
        self._assistant = assistant

    def __getattr__(self, name):
        if self._assistant is None:
            raise AttributeError(name)
        return getattr(self._assistant, name)


def search_query(question: str, history, assistant=None) -> str:
    """What the assistant searches for without an LLM: a follow-up is searched with the previous question.

    Calls Assistant._search_query itself (as the offline assistant, no LLM rewriting) so the
    ranking follows the assistant's rule; falls back to that rule if the method is unusable.
    """
    from . import assistant as assistant_module

    history = assistant_module.clean_history(history)
    method = getattr(assistant_module.Assistant, "_search_query", None)
    if method is not None:
        try:
            return method(_WithoutLLM(assistant), question, history)
        except (AttributeError, TypeError):
            pass
    previous = [m["content"] for m in history if m["role"] == "user"]
    if not previous or not assistant_module.FOLLOW_UP.search(question):
        return question
    return f"{previous[-1]} {question}"


def run_questions(assistant, questions: list[dict], k: int | None = None, progress=None) -> list[dict]:
    """Ask every question; one record per question (see the module docstring)."""
    retriever = assistant.retriever
    records = []
    for i, q in enumerate(questions, 1):
        record = {"line": q["line"], "question": q["question"], "history": q["history"],
                  "expected_route": q["route"], "expected_titles": q["expected_titles"],
                  "must_include": q["must_include"], "answerable": q["answerable"],
                  "predicted_route": None, "mode": None, "answer": "", "citations": [], "sources": [],
                  "ranking": None, "latency_ms": None, "error": None, "warnings": []}
        try:
            if retrieval_eligible(record):
                hits = retriever.search(search_query(q["question"], q["history"], assistant), k=RANK_DEPTH)
                record["ranking"] = [h.paper.title for h in hits]
            started = time.perf_counter()
            answer = assistant.ask(q["question"], q["history"], k=k)
            record["latency_ms"] = (time.perf_counter() - started) * 1000
            record.update(predicted_route=answer.route, mode=answer.mode, answer=answer.answer,
                          citations=[{"n": c.n, "title": c.title, "supported": c.supported}
                                     for c in answer.citations],
                          sources=[s.title for s in answer.sources], warnings=list(answer.warnings),
                          first_text_ms=answer.first_text_ms, raw_citations=answer.raw_citations)
        except StoreError:
            raise  # no index: nothing else will work either
        except QAError as exc:
            record["error"] = str(exc)
        records.append(record)
        if progress:
            progress(i, len(questions))
    return records


# ---------------------------------------------------------------------------
# Output: summary table and Markdown report
# ---------------------------------------------------------------------------

ROWS = [("routing accuracy", ("routing", "accuracy")), ("recall@1", ("retrieval", "recall@1")),
        ("recall@5", ("retrieval", "recall@5")), ("recall@10", ("retrieval", "recall@10")),
        ("MRR", ("retrieval", "mrr")), ("must_include", ("answers", "must_include")),
        ("refusal precision", ("answers", "refusal_precision")), ("refusal recall", ("answers", "refusal_recall")),
        ("extractive answers without LaTeX or 'we'", ("answers", "clean_text")),
        ("citation validity", ("citations", "validity")), ("citation precision", ("citations", "precision")),
        ("citation recall", ("citations", "recall")), ("citations supported", ("citations", "supported")),
        ("expected papers cited", (None, "expected_cited")),
        ("LLM answers kept (not replaced)", ("llm", "kept_share")),
        ("LLM citation validity before repair", ("llm", "raw_citation_validity")),
        ("latency p50 (ms)", ("latency_ms", "p50")), ("latency p95 (ms)", ("latency_ms", "p95")),
        ("first text p50 (ms)", ("first_text_ms", "p50")), ("first text p95 (ms)", ("first_text_ms", "p95"))]


def _cell(value, latency=False) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if latency else f"{value:.3f}"


def metric_table(result: dict) -> tuple[list[str], list[list[str]]]:
    """Header and rows: one column overall, one per expected route."""
    columns = [("overall", result)] + list(result["per_route"].items())
    header = ["metric"] + [name for name, _ in columns]
    rows = [["questions"] + [str(m["n"]) for _, m in columns]]
    for label, (group, key) in ROWS:
        rows.append([label] + [_cell((m[group] if group else m)[key], group in ("latency_ms", "first_text_ms"))
                               for _, m in columns])
    return header, rows


def confusion_table(confusion: dict) -> tuple[list[str], list[list[str]]]:
    predicted = [r for r in ROUTES if any(r in row for row in confusion.values())]
    predicted += sorted({p for row in confusion.values() for p in row} - set(predicted))
    header = ["expected \\ predicted"] + predicted
    rows = [[expected] + [str(row.get(p, 0)) for p in predicted] for expected, row in confusion.items()]
    return header, rows


def format_summary(result: dict, title: str) -> str:
    def text_table(header, rows):
        widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
        fmt = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                  for i, (c, w) in enumerate(zip(r, widths)))
        return "\n".join([fmt(header), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows])

    lines = [title, "", text_table(*metric_table(result)), "", "routing (rows: expected, columns: predicted)",
             text_table(*confusion_table(result["routing"]["confusion"])), ""]
    failures = result["failures"]
    lines.append(f"failures: {len(failures)} of {result['n']} questions")
    for f in failures:
        lines.append(f"- {f['question']}\n    {f['why']}")
    return "\n".join(lines)


def _md_table(header, rows) -> str:
    esc = lambda c: str(c).replace("|", "\\|")  # noqa: E731
    out = ["| " + " | ".join(esc(c) for c in header) + " |",
           "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def _quote(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in (text or "(empty)").splitlines())


def format_report(result: dict, records: list[dict], title: str, details: list[str]) -> str:
    lines = [f"# {title}", ""] + [f"- {d}" for d in details] + [""]
    lines += ["## Metrics", "", _md_table(*metric_table(result)), "",
              "## Routing (rows: expected, columns: predicted)", "",
              _md_table(*confusion_table(result["routing"]["confusion"])), ""]
    failed = [(r, reasons) for r in records if (reasons := failure_reasons(r))]
    lines += [f"## Failures ({len(failed)} of {len(records)} questions)", ""]
    if not failed:
        lines.append("None.")
    for i, (r, reasons) in enumerate(failed, 1):
        lines += [f"### {i}. {r['question']}", ""]
        lines.append(f"- line {r['line']}; route expected **{r['expected_route'] or '—'}**, "
                     f"got **{r['predicted_route'] or '—'}** (mode {r['mode'] or '—'})")
        if r.get("history"):
            lines.append("- history: " + " / ".join(f"{m.get('role')}: {m.get('content', '')}" for m in r["history"]))
        lines.append("- why:")
        lines += [f"  - {reason}" for reason in reasons]
        if r.get("expected_titles"):
            lines.append("- expected papers: " + "; ".join(r["expected_titles"]))
        if r.get("ranking") is not None:
            lines.append("- retrieved (top 5): " + ("; ".join(f"{n}. {t}" for n, t in enumerate(r["ranking"][:5], 1))
                                                     or "nothing"))
        if r.get("citations"):
            lines.append("- cited: " + "; ".join(f"[{c['n']}] {c['title']}{'' if c['supported'] else ' (unsupported)'}"
                                                 for c in r["citations"]))
        if r.get("must_include"):
            lines.append("- must include: " + ", ".join(repr(s) for s in r["must_include"]))
        if r.get("latency_ms") is not None:
            lines.append(f"- latency: {r['latency_ms']:.0f} ms")
        lines += ["", "Answer given:", "", _quote(r["error"] and f"(error) {r['error']}" or r["answer"]), ""]
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------

def add_eval_parser(sub) -> argparse.ArgumentParser:
    """Add the `eval` subcommand to the CLI's subparsers."""
    p = sub.add_parser("eval", help="measure routing, retrieval, answers and citations on labelled questions")
    p.add_argument("--questions", type=Path, required=True, help="JSONL file: one question object per line")
    from .console import k_arg as _k  # the CLI's own validation of --k

    p.add_argument("--k", type=_k, default=None, help="papers per answer (1-100, default QA_K or 5)")
    p.add_argument("--llm", choices=list(LLM_CHOICES), help="answer engine (env QA_LLM)")
    p.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    p.add_argument("--report", type=Path, help="write a Markdown report of every failure to this file")
    return p


def cmd_eval(settings, args) -> int:
    from .assistant import Assistant
    from .console import progress_bar as _progress_bar

    questions = load_questions(args.questions)  # a bad file fails before any model is loaded
    settings = settings.replace(llm=args.llm)
    k = args.k if args.k is not None else settings.k
    assistant = Assistant(settings)
    assistant.router()  # load the index and the router once, outside the timed calls
    records = run_questions(assistant, questions, k=k, progress=_progress_bar("evaluating"))
    result = evaluate_records(records)
    title = f"qa eval: {len(questions)} questions from {args.questions}"
    if args.report is not None:
        details = [f"date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
                   f"questions: `{args.questions}`", f"answer engine: {assistant.mode_label}", f"k: {k}",
                   "retrieval ranking: `Retriever.search(question, k=10)`, follow-ups searched with the "
                   "previous user question"]
        try:
            args.report.write_text(format_report(result, records, title, details), encoding="utf-8")
        except OSError as exc:
            raise QAError(f"cannot write report {args.report}: {exc.strerror or exc}") from None
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_summary(result, f"{title} ({assistant.mode_label}, k={k})"))
        if args.report is not None:
            print(f"report written to {args.report}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m qa.evaluate --questions FILE ...`: the same command without the rest of the CLI."""
    from .console import run_command

    class Parser(argparse.ArgumentParser):
        def error(self, message):
            sys.stderr.write(f"qa: error: {message}\n")
            raise SystemExit(2)

    parser = Parser(prog="qa")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--chroma-url")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    add_eval_parser(sub)
    argv = list(sys.argv[1:] if argv is None else argv)
    if "eval" not in argv:
        argv = _insert_eval(argv)
    return run_command(cmd_eval, parser.parse_args(argv))


def _insert_eval(argv: list[str]) -> list[str]:
    """Put the subcommand after the global options (--data-dir, --chroma-url) if it was left out."""
    i = 0
    while i < len(argv) and argv[i].startswith(("--data-dir", "--chroma-url")):
        i += 1 if "=" in argv[i] else 2
    return argv[:i] + ["eval"] + argv[i:]


if __name__ == "__main__":
    sys.exit(main())
