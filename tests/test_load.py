"""A small run of tools/load_test.py: 20 questions from 5 concurrent clients through the Gradio `/ask` API.

The tool starts its own `qa serve` process on 127.0.0.1 against the session's index,
checks every answer's route against the dev set and stops the app by its PID.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DEV_QUESTIONS

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_twenty_questions_from_five_clients(built_settings):
    if not DEV_QUESTIONS.exists():
        pytest.skip(f"dev set not found at {DEV_QUESTIONS}")
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "load_test.py"), "--questions", "20", "--clients",
                           "5", "--data-dir", str(built_settings.data_dir), "--max-seconds", "150", "--json"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["answered"] == 20 and result["not_sent"] == 0, result
    assert result["errors"] == 0, result["error_samples"]
    assert result["wrong_routes"] == 0, result["wrong_route_samples"]
    assert result["inconsistent_answers"] == 0 and result["server_tracebacks"] == 0
    assert set(result["routes"]) == {"paper", "synthesis", "metadata", "not_answerable"}
    lat = result["latency_s"]
    assert 0 < lat["p50"] <= lat["p95"] <= lat["max"] < 120
    assert result["throughput_per_s"] > 0
    assert done.returncode == 0
