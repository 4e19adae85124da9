"""`qa eval`: the metric arithmetic on hand-made cases, the question file, and one quick real run."""
from __future__ import annotations

import json
import re

import pytest

from qa import evaluate as ev
from qa.errors import QAError

LOOKAHEAD = "Lookahead Optimizer: k steps forward, 1 step back"
LUCK = "You Can't Count on Luck: Why Decision Transformers and RvS Fail in Stochastic Environments"


# --- retrieval ---------------------------------------------------------------

def test_recall_at_k_is_the_fraction_of_expected_papers_found():
    ranked = ["A", "B", "C", "D", "E", "F", "G"]
    expected = ["B", "F", "Z"]  # Z is never retrieved
    assert ev.recall_at_k(ranked, expected, 1) == 0.0
    assert ev.recall_at_k(ranked, expected, 2) == pytest.approx(1 / 3)
    assert ev.recall_at_k(ranked, expected, 5) == pytest.approx(1 / 3)
    assert ev.recall_at_k(ranked, expected, 10) == pytest.approx(2 / 3)
    assert ev.recall_at_k(ranked, ["C"], 1) == 0.0 and ev.recall_at_k(ranked, ["C"], 5) == 1.0
    assert ev.recall_at_k(ranked, [], 5) is None


def test_reciprocal_rank_of_the_first_expected_paper():
    ranked = ["A", "B", "C", "D"]
    assert ev.reciprocal_rank(ranked, ["C", "B"]) == 0.5  # B (rank 2) comes first
    assert ev.reciprocal_rank(ranked, ["D"]) == 0.25
    assert ev.reciprocal_rank(ranked, ["Z"]) == 0.0
    assert ev.reciprocal_rank(ranked, []) is None


def test_titles_match_after_normalising_case_whitespace_and_punctuation():
    ranked = ["lookahead optimizer  k steps forward 1 step back", "YOU CAN'T COUNT ON LUCK: why decision "
              "transformers and RvS fail in stochastic environments"]
    assert ev.recall_at_k(ranked, [LOOKAHEAD], 1) == 1.0
    assert ev.reciprocal_rank(ranked, [LUCK]) == 0.5
    assert ev.recall_at_k(ranked, ["Lookahead Optimizer"], 2) == 0.0  # a prefix is not the paper


def test_retrieval_counts_only_paper_and_synthesis_questions_with_expected_titles():
    records = [
        _record(route="paper", titles=["A"], ranking=["A", "B"]),                   # rr 1
        _record(route="synthesis", titles=["B", "C"], ranking=["X", "B", "Y"]),     # r@1 0, r@5 .5, rr .5
        _record(route="metadata", titles=["A"], ranking=["Z"]),                    # not counted
        _record(route="paper", titles=[], ranking=["Z"]),                          # not counted
    ]
    retrieval = ev.summarize(records)["retrieval"]
    assert retrieval == {"recall@1": 0.5, "recall@5": 0.75, "recall@10": 0.75, "mrr": 0.75}
    assert ev.summarize(records[2:])["retrieval"] == {"recall@1": None, "recall@5": None, "recall@10": None,
                                                      "mrr": None}


# --- routing -----------------------------------------------------------------

def test_routing_accuracy_and_confusion():
    result = ev.routing_metrics([("paper", "paper"), ("paper", "synthesis"), ("metadata", "metadata"),
                                 ("not_answerable", None)])
    assert result["accuracy"] == 0.5
    assert result["confusion"] == {"paper": {"paper": 1, "synthesis": 1}, "metadata": {"metadata": 1},
                                   "not_answerable": {"error": 1}}
    assert ev.routing_metrics([])["accuracy"] is None


# --- answers -----------------------------------------------------------------

def test_must_include_is_case_insensitive_and_accepts_alternatives():
    assert ev.includes("It has 14.7 Billion tokens.", "14.7B|14.7 billion")
    assert ev.includes("It has 14.7B tokens.", "14.7B|14.7 billion")
    assert not ev.includes("It has 14 billion tokens.", "14.7B|14.7 billion")
    assert ev.includes("trained for $60 of compute", "$60")
    assert ev.includes("by Michael  R.\nZhang", "michael r. zhang")  # runs of whitespace
    assert not ev.includes("anything", "|")  # empty alternatives match nothing
    # a date as the listing writes it, in the answer's other forms; a different day or month is still a miss
    assert ev.includes("It was posted on July 19, 2019 [1].", "Jul 19, 2019")
    assert ev.includes("dated 2019-07-19 in the listing", "Jul 19, 2019")
    assert not ev.includes("It was posted on June 19, 2019 [1].", "Jul 19, 2019")
    assert not ev.includes("It was posted on July 9, 2019 [1].", "Jul 19, 2019")
    # a date the source gives without its year
    assert ev.includes("dated February 4 (the source gives no year)", "Feb 4")
    assert not ev.includes("dated February 14", "Feb 4") and not ev.includes("dated March 4", "Feb 4")


def test_must_include_counts_every_string_of_every_question():
    records = [_record(answer="HotpotQA improved from 29.7 to 44.1", must=["29.7", "44.1", "50%"]),
               _record(answer="It costs $60.", must=["$60|60 dollars"]),
               _record(answer="no strings asked", must=None)]
    assert ev.summarize(records)["answers"]["must_include"] == 0.75  # 3 of 4 strings
    assert ev.summarize(records[2:])["answers"]["must_include"] is None


def test_refusal_precision_and_recall():
    # (answerable, refused): one correct refusal, one missed, one wrong refusal, one correct answer
    pairs = [(False, True), (False, False), (True, True), (True, False)]
    assert ev.refusal_metrics(pairs) == (0.5, 0.5)
    assert ev.refusal_metrics([(False, True), (False, True), (False, False)]) == (1.0, pytest.approx(2 / 3))


def test_refusal_metrics_without_positives_are_null():
    assert ev.refusal_metrics([(True, False), (True, False)]) == (None, None)
    assert ev.refusal_metrics([(True, True), (True, False)]) == (0.0, None)  # the only refusal is wrong
    assert ev.refusal_metrics([]) == (None, None)


def test_a_refusal_is_the_not_answerable_route_or_the_refusal_mode():
    records = [_record(answerable=False, predicted="not_answerable"),
               _record(answerable=False, predicted="synthesis", mode="refusal"),  # retrieval found nothing
               _record(answerable=False, predicted="paper", mode="extractive"),
               _record(answerable=True, predicted="paper", mode="extractive"),
               _record(answerable=None, predicted="not_answerable")]              # no label: skipped
    answers = ev.summarize(records)["answers"]
    assert answers["refusal_precision"] == 1.0
    assert answers["refusal_recall"] == pytest.approx(0.6667)


# --- citations ---------------------------------------------------------------

def test_citation_validity_counts_every_marker():
    assert ev.citation_markers("a [1]. b [2, 7]. c [1]; d [x] and [2019-20]") == [1, 2, 7, 1]
    assert ev.citation_validity("A [1]. B [2, 7]. C [7].", [1, 2]) == (2, 4)
    assert ev.citation_validity("No markers at all.", [1]) == (0, 0)


def test_citation_metrics_over_records():
    cite = lambda n, title, ok=True: {"n": n, "title": title, "supported": ok}  # noqa: E731
    records = [
        _record(titles=["A", "D"], answer="x [1]. y [2]. z [3]. w [7].",
                citations=[cite(1, "a"), cite(2, "B"), cite(3, "C", ok=False)]),  # precision 1/3, recall 1/2
        _record(titles=["E"], answer="e [1].", citations=[cite(1, "E")]),         # precision 1, recall 1
        _record(titles=["F"], answer="refused", citations=[]),                    # precision skipped, recall 0
        _record(titles=None, answer="g [1]", citations=[cite(1, "G")]),           # validity/supported only
    ]
    citations = ev.summarize(records)["citations"]
    assert citations["validity"] == pytest.approx(5 / 6, abs=1e-4)  # [7] maps to no citation
    assert citations["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert citations["recall"] == 0.5
    assert citations["supported"] == 0.8
    assert ev.citation_precision_recall(["A", "B", "C"], ["a", "D"]) == (pytest.approx(1 / 3), 0.5)
    assert ev.citation_precision_recall(["A"], []) == (None, None)


def test_percentiles_interpolate_and_skip_errors():
    assert ev.percentile([40, 10, 30, 20], 50) == 25
    assert ev.percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert ev.percentile([], 50) is None
    latency = ev.summarize([_record(latency=100), _record(latency=300), _record(latency=None, error="boom")])
    assert latency["latency_ms"] == {"p50": 200.0, "p95": 290.0}


# --- failures ----------------------------------------------------------------

def test_failure_reasons_name_what_went_wrong():
    record = _record(route="paper", predicted="synthesis", titles=[LOOKAHEAD], ranking=["X"] * 5 + [LOOKAHEAD],
                     answer="It steps forward.", citations=[{"n": 1, "title": "X", "supported": True}],
                     must=["k steps|k-steps", "steps forward"], answerable=True)
    reasons = ev.failure_reasons(record)
    assert reasons == ["wrong route: expected paper, got synthesis", f"not retrieved in top 5: {LOOKAHEAD}",
                       f"not cited: {LOOKAHEAD}", "missing must_include: 'k steps|k-steps'"]
    assert ev.failure_reasons(_record(answerable=False, predicted="paper")) == [
        "not refused, but the question is not answerable"]
    assert ev.failure_reasons(_record(route=None, answerable=True, predicted="not_answerable", mode="refusal")) == [
        "refused an answerable question"]
    assert ev.failure_reasons(_record(route="paper", predicted="paper", titles=["A"], ranking=["a"],
                                      citations=[{"n": 1, "title": "A", "supported": True}])) == []


def test_extractive_answers_are_checked_for_latex_and_first_person():
    title = "We Are Our Own Title: \\alpha Tests"
    clean = _record(answer=f"From “{title}” (2020): The authors use US English data and $5 of compute [1].",
                    citations=[{"n": 1, "title": title, "supported": True}])
    assert ev.unclean_text(clean) == []  # the title is quoted as written; "US" is the country; one "$" is money
    raw = _record(answer="We show that $\\alpha \\to 0$ helps [1].")
    assert ev.unclean_text(raw) == ["LaTeX", "first person"]
    assert "extractive answer shows LaTeX" in ev.failure_reasons(raw)
    assert ev.unclean_text(_record(answer="We show it.", mode="llm")) == []  # an LLM writes its own text
    assert ev.unclean_text(_record(route="metadata", answer="We show it.")) == []
    assert ev.summarize([clean, raw, _record(route="metadata")])["answers"]["clean_text"] == 0.5


def test_per_route_is_keyed_by_the_expected_route():
    records = [_record(route="paper", predicted="paper"), _record(route="paper", predicted="synthesis"),
               _record(route="metadata", predicted="paper"), _record(route=None, predicted="paper")]
    result = ev.evaluate_records(records)
    assert result["n"] == 4 and result["routing"]["accuracy"] == pytest.approx(1 / 3, abs=1e-4)
    assert list(result["per_route"]) == ["paper", "metadata"]
    assert result["per_route"]["paper"]["routing"] == {"accuracy": 0.5,
                                                       "confusion": {"paper": {"paper": 1, "synthesis": 1}}}
    assert result["per_route"]["metadata"]["n"] == 1
    assert len(result["failures"]) == 2


def test_follow_ups_are_searched_with_the_previous_user_question():
    history = [{"role": "user", "content": "What is the Lookahead optimizer?"},
               {"role": "assistant", "content": "An optimizer [1]."}]
    assert ev.search_query("Who wrote it?", history) == "What is the Lookahead optimizer? Who wrote it?"
    assert ev.search_query("Who wrote it?", None) == "Who wrote it?"
    assert ev.search_query("What is FRePo?", history) == "What is FRePo?"  # not a follow-up


# --- the question file -------------------------------------------------------

def test_question_file_fields_are_optional_but_checked(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "What is FRePo?"}\n\n{"question": "b", "route": "paper", '
                    '"expected_titles": ["T"], "must_include": [], "answerable": true}\n', encoding="utf-8")
    questions = ev.load_questions(path)
    assert [q["line"] for q in questions] == [1, 3]
    assert questions[0]["route"] is None and questions[0]["expected_titles"] is None


@pytest.mark.parametrize("content, message", [
    ('{"question": "ok"}\n{"question": "broken"\n', "q.jsonl:2: not valid JSON"),
    ('{"question": "ok"}\n\n{"route": "paper"}\n', 'q.jsonl:3: no "question"'),
    ('["question"]\n', "q.jsonl:1: expected a JSON object"),
    ('{"question": "ok", "route": "papers"}\n', 'q.jsonl:1: "route" must be one of'),
    ('{"question": "ok", "must_include": "14.7B"}\n', 'q.jsonl:1: "must_include" must be a list'),
    ("\n\n", "has no questions"),
])
def test_bad_question_files_name_the_line(tmp_path, content, message):
    path = tmp_path / "q.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(QAError, match=re.escape(message)) as info:
        ev.load_questions(path)
    assert "\n" not in str(info.value)


def test_bad_file_exits_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "fine"}\nnot json\n', encoding="utf-8")
    for path, expected in ((bad, "bad.jsonl:2: not valid JSON"), (tmp_path / "missing.jsonl", "not found")):
        code = _qa(["--data-dir", str(tmp_path / "none"), "eval", "--questions", str(path)])
        err = capsys.readouterr().err
        assert code == 2
        assert err.count("\n") == 1 and err.startswith("qa: error:") and path.name in err and expected in err


# --- one quick run of the whole command --------------------------------------

TINY = [
    {"question": "What is FRePo?", "route": "paper",
     "expected_titles": ["Dataset Distillation using Neural Feature Regression"],
     "must_include": ["FRePo|feature regression", "zz-string-that-is-never-in-an-answer"], "answerable": True},
    {"question": "How many papers are in the collection?", "route": "metadata", "expected_titles": [],
     "must_include": ["50"], "answerable": True},
    {"question": "What is the capital of France?", "route": "not_answerable", "answerable": False},
    {"question": "Who wrote it?", "history": [{"role": "user", "content": "What is the Lookahead optimizer?"}],
     "route": "paper", "expected_titles": [LOOKAHEAD]},
]


def test_eval_command_on_a_tiny_file(built_settings, tmp_path, capsys):
    questions = tmp_path / "tiny.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in TINY) + "\n", encoding="utf-8")
    report = tmp_path / "report.md"
    code = _qa(["--data-dir", str(built_settings.data_dir), "eval", "--questions", str(questions),
                "--llm", "none", "--k", "3", "--json", "--report", str(report)])
    out = capsys.readouterr().out
    assert code == 0
    result = json.loads(out)
    assert set(result) == {"n", "routing", "retrieval", "answers", "citations", "latency_ms", "per_route",
                           "failures", "expected_cited", "llm", "first_text_ms"}
    assert result["llm"] == {"answers": 0, "kept": 0, "kept_share": None, "raw_citation_validity": None}
    assert result["first_text_ms"]["p50"] > 0 and 0 <= result["expected_cited"] <= 1
    assert result["n"] == 4
    assert set(result["routing"]) == {"accuracy", "confusion"}
    assert set(result["retrieval"]) == {"recall@1", "recall@5", "recall@10", "mrr"}
    assert set(result["answers"]) == {"must_include", "refusal_precision", "refusal_recall", "clean_text"}
    assert result["answers"]["clean_text"] == 1.0  # the paper answers read as prose
    assert set(result["citations"]) == {"validity", "precision", "recall", "supported"}
    assert set(result["latency_ms"]) == {"p50", "p95"}
    assert set(result["per_route"]) == {"paper", "metadata", "not_answerable"}
    assert result["per_route"]["paper"]["n"] == 2
    assert sum(sum(row.values()) for row in result["routing"]["confusion"].values()) == 4
    for value in [*result["retrieval"].values(), *result["answers"].values(), *result["citations"].values(),
                  result["routing"]["accuracy"]]:
        assert value is None or 0.0 <= value <= 1.0
    assert result["latency_ms"]["p50"] > 0 and result["latency_ms"]["p95"] >= result["latency_ms"]["p50"]
    # the per-route retrieval of metadata questions is not measured
    assert result["per_route"]["metadata"]["retrieval"]["mrr"] is None
    # the impossible string is a failure, and must_include is below 1 because of it
    assert result["answers"]["must_include"] < 1.0
    frepo = [f for f in result["failures"] if f["question"] == "What is FRePo?"]
    assert frepo and "zz-string-that-is-never-in-an-answer" in frepo[0]["why"]
    assert all(set(f) == {"question", "why"} and f["why"] for f in result["failures"])

    text = report.read_text(encoding="utf-8")
    assert text.startswith("# qa eval")
    assert "## Failures" in text and "What is FRePo?" in text
    assert "missing must_include: 'zz-string-that-is-never-in-an-answer'" in text
    section = text[text.index("What is FRePo?"):].split("\n### ")[0]
    assert "Answer given:" in section and "\n> " in section  # the answer, quoted
    for failure in result["failures"]:
        assert failure["question"] in text


# --- helpers -----------------------------------------------------------------

def _qa(argv: list[str]) -> int:
    """Through `qa` itself once eval is wired into the CLI, else through qa.evaluate.main."""
    from qa import cli

    if "eval" in getattr(cli, "COMMANDS", {}):
        return cli.main(argv)
    return ev.main(argv)


def _record(route="paper", predicted=None, titles=None, ranking=None, answer="", must=None, answerable=None,
            mode=None, citations=None, latency=None, error=None) -> dict:
    return {"line": 1, "question": f"q-{id(object())}", "history": None, "expected_route": route,
            "predicted_route": predicted if predicted is not None else route, "mode": mode or "extractive",
            "expected_titles": titles, "must_include": must, "answerable": answerable, "ranking": ranking,
            "answer": answer, "citations": citations or [], "latency_ms": latency, "error": error}
