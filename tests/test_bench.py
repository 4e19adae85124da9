"""`qa bench`: a tiny run of the whole command (JSON shape, sane values), the offline baseline, helpers."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest

from qa import bench
from qa.errors import QAError


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="qa")
    sub = parser.add_subparsers(dest="command", required=True)
    bench.add_bench_parser(sub)
    return parser.parse_args(argv)


def _positive(value) -> bool:
    return isinstance(value, (int, float)) and value > 0


@pytest.mark.slow
def test_quick_run_json_shape_and_values(tmp_path, capsys, monkeypatch):
    """Every step on tiny sizes; the baseline runs in this process, so conftest's guard proves it is offline."""
    home_cache = Path.home() / ".cache" / "chroma"
    existed = home_cache.exists()
    plot = tmp_path / "plot.png"
    from qa.settings import Settings

    settings = Settings.from_env(data_dir=tmp_path / "unused")
    args = _parse(["bench", "--json", "--sizes", "30,60", "--plot", str(plot), "--limit-questions", "3",
                   "--repeats", "1", "--rounds", "1", "--cold-runs", "1",
                   "--corpus-papers", "15"])
    assert bench.cmd_bench(settings, args) == 0
    result = json.loads(capsys.readouterr().out)

    assert {"date", "machine", "ingest", "latency", "scaling", "baseline", "seconds"} <= set(result)
    ing = result["ingest"]
    assert ing["papers"] == 15 and ing["chunks"] >= ing["papers"]
    for key in ("ingest_s", "embed_s", "ratio", "model_load_s", "embed_texts_per_s"):
        assert _positive(ing[key]), key
    assert ing["ratio"] == pytest.approx(ing["ingest_s"] / ing["embed_s"], rel=0.01)

    lat = result["latency"]
    for key in ("search_ms", "search_cpu_ms", "ask_ms"):
        assert lat[key]["n"] == 3 and 0 < lat[key]["p50"] <= lat[key]["p95"]
    assert lat["cold_ask"]["runs"] == 1 and _positive(lat["cold_ask"]["median_s"])

    assert [row["size"] for row in result["scaling"]] == [30, 60]
    for row in result["scaling"]:
        assert abs(row["chunks"] - row["size"]) <= row["size"] * 0.1  # one chunk per synthetic paper, nearly
        assert _positive(row["ingest_s"]) and _positive(row["chunks_per_s"])
        assert 0 < row["search_ms"]["p50"] <= row["search_ms"]["p95"]
        assert row["search_cpu_ms"]["n"] == 3 and len(row["load_1m_search"]) == 2
        assert set(row["search_steps_p50_ms"]) >= {"embed", "dense_chroma", "bm25"}

    b = result["baseline"]
    for side in ("ours", "chroma_default"):
        assert _positive(b[side]["ingest_s"]) and _positive(b[side]["query_ms"]["p50"])
        for name in ("dev_single_paper", "paraphrases"):
            scores = b[side][name]
            assert scores["n"] >= 1
            for metric in ("recall@1", "recall@5", "mrr@10"):
                assert 0.0 <= scores[metric] <= 1.0
            assert scores["recall@1"] <= scores["recall@5"]
    assert all(isinstance(v, (int, float)) for v in b["ratios"].values())

    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result["plot_svg"] == str(plot.with_suffix(".svg")) and "<svg" in plot.with_suffix(".svg").read_text()
    assert home_cache.exists() == existed  # the user's ~/.cache/chroma was not created or used
    assert "table" not in result and bench.render_table(result).count("\n") > 20


def test_chroma_default_model_is_placed_in_a_temporary_cache(tmp_path):
    from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

    original = ONNXMiniLM_L6_V2.DOWNLOAD_PATH
    with bench.chroma_default_model(tmp_path) as model_dir:
        assert ONNXMiniLM_L6_V2.DOWNLOAD_PATH == tmp_path / ".cache/chroma/onnx_models/all-MiniLM-L6-v2"
        assert sorted(p.name for p in model_dir.iterdir()) == sorted(bench.CHROMA_ONNX_FILES)
        vectors = ONNXMiniLM_L6_V2()(["dataset distillation", "world models"])  # no download: files exist
        assert len(vectors) == 2 and len(vectors[0]) == 384
    assert ONNXMiniLM_L6_V2.DOWNLOAD_PATH == original
    assert not (tmp_path / ".cache/chroma/onnx_models/all-MiniLM-L6-v2/onnx.tar.gz").exists()


def test_baseline_offline_on_a_few_questions(tmp_path):
    from qa.sources import load_sources

    papers = load_sources([bench.LISTING]).papers[:12]
    questions = [{"question": f"What is {p.title}?", "route": "paper", "expected_titles": [p.title]}
                 for p in papers[:2]]
    out = bench.run_chroma_default(papers, {"titles": questions}, tmp_path, quiet=True)
    assert out["documents"] == 12 and out["ingest_s"] > 0 and out["query_ms"]["n"] == 2
    assert out["titles"]["recall@5"] == 1.0  # asking with the exact title finds the paper


def test_retrieval_scores():
    questions = [{"expected_titles": ["Alpha"]}, {"expected_titles": ["Beta"]}, {"expected_titles": ["Gamma"]}]
    ranked = [["alpha", "x"], ["x", "y", "BETA!"], ["x"] * 10 + ["gamma"]]
    scores = bench.retrieval_scores(ranked, questions)
    assert scores == {"n": 3, "recall@1": round(1 / 3, 4), "recall@5": round(2 / 3, 4),
                      "mrr@10": round((1 + 1 / 3) / 3, 4)}


def test_single_paper_filter():
    qs = [{"route": "paper", "expected_titles": ["A"]},
          {"route": "paper", "expected_titles": ["A"], "history": [{"role": "user", "content": "x"}]},
          {"route": "synthesis", "expected_titles": ["A", "B"]},
          {"route": "paper", "expected_titles": ["A", "B"]}]
    assert bench.single_paper(qs) == qs[:1]


def test_synthetic_papers_are_one_chunk_each_with_unique_ids():
    from qa.chunks import chunk_papers
    from qa.sources import load_sources

    real = load_sources([bench.LISTING]).papers
    papers = bench.synthetic_papers(real, 60, seed=1)
    assert len(papers) == 60
    assert len({p.paper_id for p in papers}) == 60 and len({p.title for p in papers}) == 60
    assert len(chunk_papers(papers)) == 60
    assert all(len(p.abstract.split()) > 20 for p in papers)
    assert bench.synthetic_papers(real, 5, seed=1) == papers[:5]  # deterministic


def test_stats_and_size_parsing():
    stats = bench._stats_ms([0.010, 0.020, 0.030])
    assert stats["n"] == 3 and stats["p50"] == 20.0 and 20.0 < stats["p95"] <= 30.0
    assert bench._stats_ms([])["p50"] is None
    assert bench._sizes("1000,10_000,500") == [500, 1000, 10000]
    with pytest.raises(argparse.ArgumentTypeError):
        bench._sizes("5")
    with pytest.raises(argparse.ArgumentTypeError):
        bench._sizes("ten")


def test_plot_with_one_size(tmp_path):
    rows = [{"chunks": 200, "chunks_per_s": 120.0, "search_ms": {"p50": 20.0, "p95": 30.0}}]
    png, svg = bench.write_plot(rows, tmp_path / "sub" / "p.png")
    assert png == tmp_path / "sub" / "p.png" and png.read_bytes()[:4] == b"\x89PNG"
    assert svg == tmp_path / "sub" / "p.svg"
    text = svg.read_text()
    assert text.startswith("<?xml") and "search latency (ms)" in text and "200" in text


def test_plot_of_several_sizes_is_reproducible(tmp_path):
    rows = [{"chunks": n, "chunks_per_s": 100.0 - n / 1000, "search_ms": {"p50": 10 + n / 500, "p95": 15 + n / 400}}
            for n in (1000, 10000, 50000)]
    _, first = bench.write_plot(rows, tmp_path / "a.png")
    _, second = bench.write_plot(rows, tmp_path / "b.png")
    assert first.read_text() == second.read_text()  # no date, fixed ids: diffs show real changes
    assert "50,000" in first.read_text()


def test_plot_without_matplotlib_is_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # makes the import fail
    rows = [{"chunks": 200, "chunks_per_s": 120.0, "search_ms": {"p50": 20.0, "p95": 30.0}}]
    with pytest.raises(QAError) as err:
        bench.write_plot(rows, tmp_path / "p.png")
    assert str(err.value) == "the bench plot needs matplotlib: pip install -e '.[bench]'"
    assert not (tmp_path / "p.png").exists()
    args = _parse(["bench", "--sizes", "30", "--plot", str(tmp_path / "p.png")])
    with pytest.raises(QAError, match="needs matplotlib"):  # before the long run starts
        bench.cmd_bench(None, args)


