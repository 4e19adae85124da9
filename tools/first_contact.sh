#!/bin/bash
# First contact with fresh question sets: the same sets through the code of BASE (a commit) and of this checkout.
#
#   tools/first_contact.sh BASE OUT SEED_SET.jsonl [...] -- COLLECTION.jsonl QUESTIONS.jsonl
#   tools/first_contact.sh b29eef6 /tmp/fc tests/data/heldout/router_r1.jsonl tests/data/heldout/router_r2.jsonl \
#       -- tests/data/heldout/other4_collection.jsonl tests/data/heldout/other4_questions.jsonl
#
# Seed sets are asked of the bundled listing (data/), the last two files are another collection and its questions.
# SIDES=base (or SIDES=this) runs one side only, e.g. the base while this checkout is still changing.
# Writes OUT/{base,this}-NAME.json (`qa eval --llm none --json`), and OUT/base-router.txt (the rule router alone) when
# the base still has one.
set -euo pipefail
base=$1 out=$2; shift 2
seed=(); while [ "$1" != "--" ]; do seed+=("$(realpath "$1")"); shift; done; shift
collection=$(realpath "$1") questions=$(realpath "$2")
here=$(cd "$(dirname "$0")/.." && pwd)
py=$here/.venv/bin/python
mkdir -p "$out"; out=$(realpath "$out")
worktree=$(mktemp -d); git -C "$here" worktree add -q --detach "$worktree" "$base"
trap 'git -C "$here" worktree remove --force "$worktree"' EXIT
export HF_HUB_OFFLINE=1
for side in ${SIDES:-base this}; do
  code=$here; [ $side = base ] && code=$worktree
  data=$(mktemp -d)
  (cd "$code" && export PYTHONPATH=$code
   QA_DATA_DIR=$data/seed QA_SOURCES=$code/data "$py" -m qa ingest >/dev/null
   QA_DATA_DIR=$data/other QA_SOURCES=$collection "$py" -m qa ingest --format jsonl >/dev/null
   for set in "${seed[@]}"; do
     QA_DATA_DIR=$data/seed QA_SOURCES=$code/data "$py" -m qa eval --questions "$set" --llm none --json \
       > "$out/$side-$(basename "$set" .jsonl).json"
   done
   QA_DATA_DIR=$data/other QA_SOURCES=$collection "$py" -m qa eval --questions "$questions" --llm none --json \
     > "$out/$side-$(basename "$questions" .jsonl).json"
   # the rule router alone, for code that still has one (before stop 20)
   if [ -f "$code/tools/router_accuracy.py" ]; then
     "$py" "$code/tools/router_accuracy.py" --code "$code" "${seed[@]}" --quiet > "$out/$side-router.txt"
   fi)
  rm -rf "$data"
done
echo "wrote $out"
