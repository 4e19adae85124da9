"""Tests for qa.sources: listing / JSONL / BibTeX parsing and load_sources."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from qa.errors import SourceError
from qa.papers import Paper, Profile, make_paper_id
from qa.sources import (
    LoadResult,
    detect_format,
    dump_bibtex,
    dump_jsonl,
    load_sources,
    parse_bibtex,
    parse_jsonl,
    parse_listing,
    read_jsonl,
)
from qa.sources.latex import latex_to_text, text_to_latex

LISTING = Path(__file__).parent.parent / "data" / "jimmy-ba-profile.txt"
FIXTURES = Path(__file__).parent / "fixtures" / "sources"

# Titles whose header line ends in "Code" in the bundled listing (8, counted
# by hand with `grep -A1 'Code$'`).
CODE_TITLES = {
    "OpenWebMath: An Open Dataset of High-Quality Mathematical Web Text",
    "TR0N: Translator Networks for 0-Shot Plug-and-Play Conditional Generation",
    "EMA Policy Gradient: Taming Reinforcement Learning for LLMs with EMA Anchor and Top-k KL",
    "AlpacaFarm: A Simulation Framework for Methods that Learn from Human Feedback",
    "LIME: Learning Inductive Bias for Primitives of Mathematical Reasoning",
    "Benchmarking Model-Based Reinforcement Learning",
    "Exploring Model-based Planning with Policy Networks",
    "Scalable trust-region method for deep reinforcement learning using Kronecker-factored approximation",
}
EMA_TITLE = "EMA Policy Gradient: Taming Reinforcement Learning for LLMs with EMA Anchor and Top-k KL"


@pytest.fixture(scope="module")
def bundled():
    papers, profile, problems = parse_listing(LISTING.read_text(encoding="utf-8"), origin=str(LISTING))
    return papers, profile, problems


def by_title(papers: list[Paper]) -> dict[str, Paper]:
    return {p.title: p for p in papers}


def entry(header: str, title: str, authors: str, abstract: str) -> str:
    return f"{header}\n{title}\n\n{authors}\n\n{abstract}\n\n"


# --------------------------------------------------------------------------
# The bundled listing
# --------------------------------------------------------------------------

def test_bundled_listing_has_50_unique_stable_papers(bundled):
    papers, _, problems = bundled
    assert problems == []
    assert len(papers) == 50
    ids = [p.paper_id for p in papers]
    assert len(set(ids)) == 50
    again, _, _ = parse_listing(LISTING.read_text(encoding="utf-8"))
    assert [p.paper_id for p in again] == ids
    assert again == papers


def test_bundled_listing_header(bundled):
    _, profile, _ = bundled
    assert profile == Profile(name="Jimmy Ba", primary_category="LG", h_index=46, papers_claimed=56,
                              citations=191451, novelty="61%", ai_score="52")


def test_bundled_listing_entry_fields(bundled):
    papers, _, _ = bundled
    first = papers[0]
    assert first.title == "Mastering Diverse Domains through World Models"
    assert first.authors == ["Danijar Hafner", "Jurgis Pasukonis", "Jimmy Ba"]
    assert first.authors_truncated is True
    assert first.affiliations == ["deepmind", "utoronto"]
    assert (first.category, first.date, first.year, first.has_code) == ("AI", "2023-01-10", 2023, False)
    assert first.abstract.startswith("Developing a general algorithm")
    assert first.abstract.endswith("making reinforcement learning broadly applicable.")
    assert first.paper_id == make_paper_id(first.title, 2023, "Danijar Hafner")

    distill = by_title(papers)["Dataset Distillation using Neural Feature Regression"]
    assert distill.authors == ["Yongchao Zhou", "Ehsan Nezhadarya", "Jimmy Ba"]
    assert distill.authors_truncated is False
    assert distill.affiliations == []

    # "et al." without affiliations
    ape = by_title(papers)["Large Language Models Are Human-Level Prompt Engineers"]
    assert ape.authors_truncated is True and ape.affiliations == []
    assert sum(p.authors_truncated for p in papers) == 39
    assert sum(bool(p.affiliations) for p in papers) == 7
    assert {p.category for p in papers} == {"AI", "LG", "CL", "CV", "ML"}


def test_bundled_listing_code_flags(bundled):
    papers, _, _ = bundled
    assert {p.title for p in papers if p.has_code} == CODE_TITLES
    titles = by_title(papers)
    assert titles["Scalable trust-region method for deep reinforcement learning using "
                  "Kronecker-factored approximation"].date == "2017-08-17"
    assert not titles["Mastering Atari with Discrete World Models"].has_code


def test_bundled_listing_year_less_entry_uses_listing_year(bundled):
    papers, _, _ = bundled
    ema = by_title(papers)[EMA_TITLE]
    assert (ema.year, ema.date, ema.has_code) == (2026, "2026-02-04", True)

    older, _, _ = parse_listing(LISTING.read_text(encoding="utf-8"), listing_year=2025)
    ema25 = by_title(older)[EMA_TITLE]
    assert (ema25.year, ema25.date) == (2025, "2025-02-04")
    assert ema25.paper_id != ema.paper_id  # year is part of the id
    # the year was supplied, not the listing's: said so wherever the date is written, kept through a store round trip
    assert not ema.year_given and all(p.year_given for p in papers if p is not ema)
    assert ema.long_date() == "February 4 (the source gives no year; read as 2026)"
    assert not Paper.from_dict(ema.to_dict()).year_given
    other = next(p for p in papers if p is not ema)
    assert "year_given" not in other.to_dict() and Paper.from_dict(other.to_dict()).year_given


def test_bundled_listing_converts_latex_once_and_keeps_the_original(bundled):
    papers, _, _ = bundled
    hd = by_title(papers)["High-dimensional Asymptotics of Feature Learning: "
                          "How One Gradient Step Improves the Representation"]
    assert "parameters W in a two-layer" in hd.abstract
    assert "1/n∑_i=1^n (f(x_i)-y_i)^2" in hd.abstract and "n,d,N→∞" in hd.abstract
    assert "a^⊤σ(W^⊤x)" in hd.abstract  # a control word written against a Greek letter
    # The original stays for a math renderer.
    assert "parameters $\\boldsymbol{W}$ in a two-layer" in hd.abstract_latex
    assert "$\\frac{1}{n}\\sum_{i=1}^n (f(\\boldsymbol{x}_i)-y_i)^2$" in hd.abstract_latex
    mr = by_title(papers)["Multi-Rate VAE: Train Once, Get the Full Rate-Distortion Curve"]
    assert "hyperparameter β." in mr.abstract and "hyperparameter $β$." in mr.abstract_latex
    ema = by_title(papers)[EMA_TITLE]
    assert "29.7% → 44.1% on HotpotQA" in ema.abstract and "Q&A" in ema.abstract
    steve = next(p for p in papers if "STEVE-1" in p.title)
    assert "for only $60 of compute. By leveraging" in steve.abstract  # money, not math
    assert steve.abstract_latex == ""  # nothing LaTeX changed
    for p in papers:
        assert "\\" not in p.abstract and "$" not in p.abstract.replace("$60", "")
        assert "{" not in p.abstract and "}" not in p.abstract


# --------------------------------------------------------------------------
# Listing robustness and malformed input
# --------------------------------------------------------------------------

def test_listing_tolerates_crlf_spaces_blank_lines_wrapping_and_no_final_newline():
    text = (
        "AIJan 10, 2023   \r\n"
        "A Title  \r\n\r\n\r\n"
        "Ann Author, Bob Writer et al. · mit\r\n\r\n"
        "First line of the abstract\r\n  continues here.  \r\n\r\n\r\n"
        "CVMar 3, 2021Code\r\n"
        "Second\r\n\r\n"
        "Solo Author\r\n\r\n"
        "Last abstract without newline."
    )
    papers, profile, problems = parse_listing(text)
    assert problems == []
    assert profile == Profile()  # no header at all
    a, b = papers
    assert a.title == "A Title"
    assert a.authors == ["Ann Author", "Bob Writer"] and a.authors_truncated
    assert a.affiliations == ["mit"]
    assert a.abstract == "First line of the abstract continues here."
    assert (b.category, b.date, b.has_code, b.authors) == ("CV", "2021-03-03", True, ["Solo Author"])
    assert b.abstract == "Last abstract without newline."


def test_listing_partial_header_and_unknown_lines_go_to_extra():
    text = "Grace Hopper\n\nh-index12\nFollowers1,024\n999citations\n\n" + entry(
        "CLDec 9, 1959", "Flow-Matic", "Grace Hopper", "An abstract.")
    papers, profile, problems = parse_listing(text)
    assert problems == [] and len(papers) == 1
    assert profile.name == "Grace Hopper" and profile.h_index == 12 and profile.citations == 999
    assert profile.primary_category == "" and profile.papers_claimed is None
    assert profile.extra == {"Followers": "1,024"}


def test_malformed_listing_reports_each_problem_with_its_line():
    papers, profile, problems = parse_listing((FIXTURES / "malformed.txt").read_text(), origin="m.txt")
    assert [p.title for p in papers] == ["Good Paper One", "Good Paper Two"]
    assert papers[1].abstract == "Second good abstract, wrapped over two lines."
    assert profile.name == "Ada Lovelace" and profile.h_index == 3
    assert problems == [
        "m.txt:13: entry has no title",
        "m.txt:19: entry has no abstract",
        "m.txt:24: unparseable date 'Foo 99, 2020'",
        "m.txt:39: unexpected text (expected an entry header like 'LGJan 10, 2023'): 'some stray garbage line'",
        "m.txt:41: truncated entry at end of file (no abstract)",
    ]


def test_listing_invalid_calendar_date_and_missing_title_between_headers():
    text = entry("LGFeb 30, 2021", "T", "A B", "Abs.") + "LGMar 1, 2021\nLGMar 2, 2021\nT2\n\nA B\n\nAbs.\n"
    papers, _, problems = parse_listing(text, origin="x")
    assert [p.title for p in papers] == ["T2"]
    assert problems == ["x:1: unparseable date 'Feb 30, 2021'", "x:8: entry has no title; entry has no abstract"]


def test_listing_with_no_entries_is_a_problem():
    _, _, problems = parse_listing("@article{x, title={Not a listing}}\n", origin="x.txt")
    assert problems and "no entries found" in problems[-1]


def test_load_sources_malformed_raises_or_skips():
    path = FIXTURES / "malformed.txt"
    with pytest.raises(SourceError) as err:
        load_sources([path])
    message = str(err.value)
    assert "\n" not in message
    assert message == (f"5 invalid entries in {path} (first: {path}:13: entry has no title); "
                       "fix them or use --skip-invalid")
    assert len(err.value.problems) == 5

    result = load_sources([path], skip_invalid=True)
    assert isinstance(result, LoadResult)
    assert [p.title for p in result.papers] == ["Good Paper One", "Good Paper Two"]
    assert result.skipped == err.value.problems
    assert result.skipped[1] == f"{path}:19: entry has no abstract"
    assert result.profile.name == "Ada Lovelace"


# --------------------------------------------------------------------------
# JSONL
# --------------------------------------------------------------------------

def test_jsonl_round_trip_with_profile(bundled):
    papers, profile, _ = bundled
    text = dump_jsonl(papers, profile)
    assert read_jsonl(text) == (papers, profile, [])
    assert parse_jsonl(text) == (papers, [])
    assert parse_jsonl(dump_jsonl(papers)) == (papers, [])
    # (equality leaves out whether the source gave the year; the export keeps it)
    assert [p.year_given for p in parse_jsonl(text)[0]] == [p.year_given for p in papers]


def test_jsonl_defaults_and_derived_fields():
    lines = [
        {"title": "Only Year", "abstract": "A.", "year": 2020, "authors": "Ann Lee, Bo Chen and Cy Day"},
        {"title": "Only Date", "abstract": "B.", "date": "2019-05-06", "authors": ["X Y"], "has_code": True},
        {"title": "Given Id", "abstract": "C.", "year": "2018", "paper_id": "custom-id",
         "authors": "Ann Lee et al."},
    ]
    text = "\n\n".join(json.dumps(obj) for obj in lines) + "\n\n"
    papers, problems = parse_jsonl(text)
    assert problems == []
    a, b, c = papers
    assert a == Paper(paper_id=make_paper_id("Only Year", 2020, "Ann Lee"), title="Only Year",
                      authors=["Ann Lee", "Bo Chen", "Cy Day"], authors_truncated=False, affiliations=[],
                      category="", date="2020", year=2020, has_code=False, abstract="A.")
    assert (b.year, b.date, b.has_code, b.authors) == (2019, "2019-05-06", True, ["X Y"])
    assert (c.paper_id, c.year, c.authors, c.authors_truncated) == ("custom-id", 2018, ["Ann Lee"], True)
    # "code" stands for "has_code"; "has_code" wins when both are given
    given = [{"title": "X", "abstract": "A.", "year": 2020, "code": True},
             {"title": "Y", "abstract": "B.", "year": 2020, "code": True, "has_code": False}]
    papers, problems = parse_jsonl("\n".join(json.dumps(obj) for obj in given))
    assert problems == [] and [p.has_code for p in papers] == [True, False]
    assert parse_jsonl(json.dumps({"title": "Z", "abstract": "C.", "year": 2020, "code": "yes"}))[1] == [
        "<jsonl>:1: field 'code' must be true or false"]


def test_jsonl_problems_have_line_numbers():
    text = "\n".join([
        json.dumps({"title": "Good", "abstract": "Fine.", "year": 2020}),
        "{not json",
        "[1, 2]",
        json.dumps({"title": "No abstract", "year": 2020}),
        "",
        json.dumps({"title": "T", "abstract": "A", "year": 2021, "date": "2020-01-01"}),
        json.dumps({"title": "T", "abstract": "A", "date": "2020-13-01"}),
        json.dumps({"abstract": "A"}),
    ])
    papers, problems = parse_jsonl(text, origin="p.jsonl")
    assert [p.title for p in papers] == ["Good"]
    assert problems[0].startswith("p.jsonl:2: invalid JSON")
    assert problems[1] == "p.jsonl:3: expected a JSON object, got list"
    assert problems[2] == "p.jsonl:4: missing field(s): abstract"
    assert problems[3] == "p.jsonl:6: year 2021 does not match date 2020-01-01"
    assert problems[4].startswith("p.jsonl:7: field 'date' must be YYYY-MM-DD")
    assert problems[5] == "p.jsonl:8: missing field(s): title, year or date"


# --------------------------------------------------------------------------
# BibTeX
# --------------------------------------------------------------------------

def test_bibtex_round_trip_of_bundled_listing(bundled):
    papers, _, _ = bundled
    text = dump_bibtex(papers)
    back, problems = parse_bibtex(text)
    assert problems == []
    assert len(back) == 50

    def key(p: Paper):
        return (p.title, p.authors, p.authors_truncated, p.year, p.abstract, p.url, p.eprint)

    assert [key(p) for p in back] == [key(p) for p in papers]
    # Not required by the format, but dates, categories etc. survive too.
    assert back == papers


def test_bibtex_round_trip_of_awkward_text():
    paper = Paper(
        paper_id="", title="Braces {x}, 100% & a \\backslash ~ tilde, and $\\alpha$ math",
        authors=["Jürgen Müller", "Smith, Jr and Sons", "others"], authors_truncated=True,
        affiliations=[], category="", date="2020-01-01", year=2020, has_code=False,
        abstract="Keeps {this}, unbalanced } brace, a lone \\ backslash, a lone $5 and 50% off.",
        url="https://x.org/a_b", eprint="2001.00001",
    )
    paper = replace(paper, paper_id=make_paper_id(paper.title, 2020, "Jürgen Müller"))
    back, problems = parse_bibtex(dump_bibtex([paper]))
    assert problems == []
    assert back == [paper]


def test_bibtex_edge_cases():
    papers, problems = parse_bibtex((FIXTURES / "edge.bib").read_text(), origin="e.bib")
    # @comment (with an @article inside it) and @string are not entries.
    assert [p.title for p in papers] == ["On BERT and the Über Model", "Concatenated Title", "A Thesis"]
    goedel, concat, thesis = papers
    assert goedel.authors == ["Kurt Gödel", "René Descartes", "Jürgen Müller"]
    assert goedel.authors_truncated is True
    assert (goedel.year, goedel.date, goedel.category) == (2020, "2020-03", "LG")
    assert goedel.abstract == "An abstract in quotes with nested braces, emphasis and a 50% gain."
    assert goedel.abstract_latex == "An abstract in quotes with {nested {braces}}, \\emph{emphasis} and a 50\\% gain."
    assert (goedel.eprint, goedel.url) == ("2001.00001", "https://arxiv.org/abs/2001.00001")
    assert goedel.has_code is False
    assert goedel.paper_id == make_paper_id("On BERT and the Über Model", 2020, "Kurt Gödel")

    assert concat.authors == ["John Smith"] and concat.date == "2019-09" and concat.has_code is True
    assert (thesis.authors, thesis.date, thesis.category) == (["Jane Doe"], "2018-07", "ML")

    assert problems == [
        "e.bib:26: entry 'noabstract' has no abstract",
        "e.bib:32: unbalanced braces (1 '{' never closed)",
    ]


def test_bibtex_missing_fields_and_extra_closing_brace():
    text = ("@article{a,\n  title = {X}},\n  abstract = {y},\n  year = 2020\n}\n"
            "@misc{b, author = {Doe, Jane}}\n")
    papers, problems = parse_bibtex(text, origin="b.bib")
    assert papers == []
    assert problems == ["b.bib:1: unbalanced braces (a '}' too many)",
                        "b.bib:6: entry 'b' has no title, no abstract, no year"]


def test_bibtex_repeated_fields_and_keys_concatenated_macros_and_parentheses():
    text = ('@string{ venue = "NeurIPS" }\n'
            '@misc{a, title={First} # { at } # venue, title={Second}, abstract={A.}, year=2020}\n'
            '@misc{a, title={Other}, abstract={See \\url{http://x.org/a_b}.}, year={2021}, month=dec}\n'
            '@misc(c, title="Parenthesised {C}", abstract="C.", year=2019)\n')
    papers, problems = parse_bibtex(text, origin="r.bib")
    assert problems == []
    first, other, paren = papers
    assert first.title == "First at NeurIPS"  # the first of a repeated field wins, as in BibTeX
    assert (other.title, other.date) == ("Other", "2021-12")  # a repeated key is still an entry
    assert other.abstract == "See http://x.org/a_b."
    assert paren.title == "Parenthesised C"


# Exports written the way each tool writes them (field order, spacing, name
# forms, escaping); some entries have an abstract added by hand, since Google
# Scholar and DBLP export none.

def test_google_scholar_export():
    papers, problems = parse_bibtex((FIXTURES / "scholar.bib").read_text(), origin="s.bib")
    assert problems == ["s.bib:18: entry 'xu2015show' has no abstract"]
    layer, deep, adam = papers
    assert layer.title == "Layer normalization" and layer.year == 2016 and layer.date == "2016"
    assert layer.authors == ["Jimmy Lei Ba", "Jamie Ryan Kiros", "Geoffrey E Hinton"]
    assert layer.abstract.endswith("in a layer on a single training case.")
    assert layer.abstract_latex.endswith("on a \\emph{single} training case.")
    assert deep.title == "Do deep nets really need to be deep?"
    assert deep.abstract.endswith("the deep models ≈ 10% of a single GPU day.")
    assert "hyper-parameters β_1, β_2 ∈ [0, 1)." in adam.abstract
    assert adam.authors == ["Diederik P Kingma", "Jimmy Ba"]


def test_dblp_export():
    papers, problems = parse_bibtex((FIXTURES / "dblp.bib").read_text(), origin="d.bib")
    assert problems == ["d.bib:38: entry 'DBLP:conf/nips/BaC14' has no abstract"]
    adam, layer = papers
    assert adam.title == "Adam: A Method for Stochastic Optimization"
    assert adam.authors == ["Diederik P. Kingma", "Jimmy Ba"]  # names wrapped over lines; editors ignored
    assert adam.url == "http://arxiv.org/abs/1412.6980" and adam.year == 2015
    assert adam.abstract.endswith("its default step size is α = 0.001.")
    assert adam.abstract_latex.endswith("its default step size is $\\alpha = 0.001$.")  # whitespace collapsed
    assert (layer.eprint, layer.authors[0]) == ("1607.06450", "Lei Jimmy Ba")
    assert "so it costs 𝒪(n) per layer" in layer.abstract


def test_zotero_export():
    papers, problems = parse_bibtex((FIXTURES / "zotero.bib").read_text(), origin="z.bib")
    assert problems == []
    dreamer, ema, hd = papers
    assert dreamer.title == "Mastering Diverse Domains through World Models"  # protective braces gone
    assert dreamer.authors == ["Danijar Hafner", "Jurgis Pasukonis", "Jimmy Ba", "Timothy Lillicrap"]
    assert (dreamer.date, dreamer.url) == ("2023-01", "http://arxiv.org/abs/2301.04104")
    assert "We present DreamerV3, a general" in dreamer.abstract
    assert dreamer.abstract_latex == ""  # only protective braces: nothing to render
    assert ema.title == "EMA Policy Gradient: Taming Reinforcement Learning for LLMs with EMA Anchor and Top-k KL"
    assert ema.date == "2026-02"
    # Zotero escapes an arXiv abstract's math as text; it is read as math.
    assert ema.abstract.endswith("of Q&A with search engines, including 29.7% → 44.1% on HotpotQA.")
    assert "including 29.7% $\\rightarrow$ 44.1%" in ema.abstract_latex
    assert "parameters W in a two-layer" in hd.abstract and "n,d,N→∞" in hd.abstract
    assert hd.abstract.endswith("with learning rate η.")
    assert "$\\boldsymbol{W}$" in hd.abstract_latex
    assert (hd.date, hd.authors[1]) == ("2022-12", "Murat A. Erdogdu")


def test_exports_load_together_with_skip_invalid():
    paths = [FIXTURES / name for name in ("scholar.bib", "dblp.bib", "zotero.bib")]
    with pytest.raises(SourceError, match="2 invalid entries"):
        load_sources(paths)
    result = load_sources(paths, skip_invalid=True)
    assert len(result.papers) == 8 and len(result.skipped) == 2
    for paper in result.papers:
        assert "\\" not in paper.abstract and "$" not in paper.abstract and "{" not in paper.abstract


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab {}\\$~%&#_'\"^`-uc.") + ["\\emph", "\\'", "$x$", "é", "\\\\", "β", "→", "--"]),
                max_size=25).map("".join))
def test_latex_escaping_is_inverted_by_conversion(text):
    text = " ".join(text.split())
    assert latex_to_text(text_to_latex(text), plain=False) == text


# --------------------------------------------------------------------------
# load_sources: files, directories, formats, duplicates
# --------------------------------------------------------------------------

def test_detect_format():
    assert detect_format(Path("a.jsonl")) == detect_format(Path("a.NDJSON")) == "jsonl"
    assert detect_format(Path("a.bib")) == detect_format(Path("a.bibtex")) == "bibtex"
    assert detect_format(Path("a.txt")) == detect_format(Path("a.md")) == detect_format(Path("a")) == "listing"


def test_invalid_utf8_names_file_and_position(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Jimmy Ba\n\nLG\n\xff\xfe oops\n")
    with pytest.raises(SourceError) as err:
        load_sources([bad])
    assert str(bad) in str(err.value) and "byte 13" in str(err.value) and "line 4" in str(err.value)
    with pytest.raises(SourceError):  # a file-level error, not a skippable entry
        load_sources([bad], skip_invalid=True)


def test_missing_path_and_empty_directory(tmp_path):
    with pytest.raises(SourceError, match="nope.txt"):
        load_sources([tmp_path / "nope.txt"])
    (tmp_path / "README.md").write_text("not a source")
    with pytest.raises(SourceError, match="no source files"):
        load_sources([tmp_path])
    with pytest.raises(SourceError, match="unknown source format"):
        load_sources([LISTING], fmt="csv")


def test_directory_loading_order_hidden_and_nested(tmp_path):
    one = entry("LGJan 1, 2020", "Paper B", "Ann Lee", "About B.")
    (tmp_path / "b.txt").write_text(one)
    (tmp_path / "a.jsonl").write_text(json.dumps({"title": "Paper A", "abstract": "About A.", "year": 2019}) + "\n")
    (tmp_path / "c.bib").write_text("@misc{c, title={Paper C}, abstract={About C.}, year=2021}\n")
    (tmp_path / ".hidden.txt").write_text(entry("LGJan 1, 2020", "Hidden", "X Y", "H."))
    (tmp_path / "notes.md").write_text(entry("LGJan 1, 2020", "Markdown", "X Y", "M."))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.txt").write_text(entry("LGJan 1, 2020", "Nested", "X Y", "N."))

    result = load_sources([tmp_path])
    assert [p.title for p in result.papers] == ["Paper A", "Paper B", "Paper C"]
    assert result.skipped == [] and result.profile == Profile()


def test_fmt_override(tmp_path):
    path = tmp_path / "papers.txt"
    path.write_text(json.dumps({"title": "T", "abstract": "A", "year": 2020}) + "\n")
    assert [p.title for p in load_sources([path], fmt="jsonl").papers] == ["T"]
    with pytest.raises(SourceError):  # read as a listing it has no entries
        load_sources([path])


def test_profile_from_first_source_with_a_header(tmp_path):
    (tmp_path / "a.txt").write_text(entry("LGJan 1, 2020", "No Header", "X Y", "A."))
    (tmp_path / "b.txt").write_text("Jane Roe\n\nCV\n\n" + entry("LGJan 2, 2020", "With Header", "X Y", "B."))
    (tmp_path / "c.txt").write_text("John Doe\n\n" + entry("LGJan 3, 2020", "Later Header", "X Y", "C."))
    result = load_sources([tmp_path])
    assert result.profile == Profile(name="Jane Roe", primary_category="CV")
    assert len(result.papers) == 3


def test_duplicates(tmp_path):
    same = entry("LGJan 1, 2020", "Same Paper", "Ann Lee", "Abstract one.")
    edited = entry("LGJan 1, 2020", "Same Paper", "Ann Lee", "Abstract two.")
    other_year = entry("LGJan 1, 2021", "Same Paper", "Ann Lee", "Abstract one.")
    other_author = entry("LGJan 1, 2020", "Same Paper", "Bo Chen", "Abstract one.")

    # An identical repeat is dropped silently; the same title with another
    # year or first author is a different paper.
    papers, _, problems = parse_listing(same + same + other_year + other_author)
    assert problems == []
    assert [(p.year, p.authors[0]) for p in papers] == [(2020, "Ann Lee"), (2021, "Ann Lee"), (2020, "Bo Chen")]

    # The same paper with different content is a conflict.
    papers, _, problems = parse_listing(same + edited, origin="d.txt")
    assert [p.abstract for p in papers] == ["Abstract one."]
    assert problems == ['d.txt:8: duplicate entry for "Same Paper" (first at line 1)']

    # Across files: identical copies (e.g. a listing and its JSONL export) merge.
    (tmp_path / "a.txt").write_text(same)
    (tmp_path / "b.jsonl").write_text(dump_jsonl(parse_listing(same)[0]))
    assert len(load_sources([tmp_path]).papers) == 1
    (tmp_path / "c.txt").write_text(edited)
    with pytest.raises(SourceError) as err:
        load_sources([tmp_path])
    assert err.value.problems == [f'{tmp_path / "c.txt"}:1: duplicate entry for "Same Paper" '
                                  f'(first at {tmp_path / "a.txt"}:1)']
    result = load_sources([tmp_path], skip_invalid=True)
    assert len(result.papers) == 1 and len(result.skipped) == 1


def test_same_file_twice_loads_once():
    result = load_sources([LISTING, LISTING.parent])
    assert len(result.papers) == 50 and result.skipped == []
    assert result.profile.name == "Jimmy Ba"


def test_dates_keep_the_precision_the_source_gives():
    """A month or a year alone is never turned into a day: not in the paper, its written date, or a same-day answer."""
    from qa.metadata import answer_metadata

    bib = ("@article{a, title={Alpha}, author={Ann Lee}, year={2021}, month={mar}, abstract={A.}}\n"
           "@article{b, title={Beta}, author={Bo Chen}, year={2021}, month={mar}, abstract={B.}}\n"
           "@article{c, title={Gamma}, author={Cy Day}, year={2020}, abstract={C.}}\n"
           "@article{d, title={Delta}, author={Di Fu}, date={2019-07-19}, year={2019}, abstract={D.}}\n")
    papers, problems = parse_bibtex(bib)
    assert problems == []
    alpha, beta, gamma, delta = papers
    assert (alpha.date, gamma.date, delta.date) == ("2021-03", "2020", "2019-07-19")
    assert (alpha.long_date(), gamma.long_date(), delta.long_date()) == ("March 2021", "2020", "July 19, 2019")
    back, _ = parse_bibtex(dump_bibtex(papers))
    assert [p.date for p in back] == [p.date for p in papers]
    answer = answer_metadata("were any two papers posted on the same day?", papers, Profile())
    assert answer.text.startswith("No two papers in the listing share a date.") and "3 papers without a day" in \
        answer.text, answer.text
    # the same day, given in full, is shared
    twin = replace(delta, title="Epsilon", paper_id="")
    answer = answer_metadata("were any two papers posted on the same day?", papers + [twin], Profile())
    assert "July 19, 2019: Epsilon [1]; Delta [2]" in answer.text and "3 papers without a day" in answer.text
    assert [p.title for p in answer.papers] == ["Epsilon", "Delta"]
    papers, problems = parse_jsonl(json.dumps({"title": "T", "abstract": "A", "date": "2022-05"}))
    assert problems == [] and papers[0].date == "2022-05" and papers[0].year == 2022
