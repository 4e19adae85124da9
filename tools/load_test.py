"""A bounded load test of the chat API: N questions from C concurrent clients through `/ask`.

It starts its own app (`python -m qa serve --port P --llm none` with QA_DATA_DIR) on
127.0.0.1, sends the dev-set questions (cycled up to N) from C threads, each with its
own `gradio_client.Client`, checks every answer's route against the dev set's label,
stops the app by its PID and reports latency percentiles, throughput and errors.
It stops by itself: after the N questions, or at --max-seconds, whichever is first.

    .venv/bin/python tools/load_test.py                          # 200 questions, 20 clients
    .venv/bin/python tools/load_test.py --questions 20 --clients 5 --json
    .venv/bin/python tools/load_test.py --report docs/LOAD.md    # also write the Markdown report
    .venv/bin/python tools/load_test.py --replicas 2 --chroma-url http://127.0.0.1:8000   # scale-out

The index must exist (`qa ingest`); QA_DATA_DIR (or --data-dir) says where, or --chroma-url
for a `chroma run` server shared by --replicas app processes (clients spread round-robin).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import queue
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_questions(path: Path, n: int) -> list[dict]:
    """n questions cycling through the file, interleaved by route so that any prefix mixes all routes."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not rows:
        raise SystemExit(f"load_test: no questions in {path}")
    by_route: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_route[row.get("route") or ""].append(row)
    mixed, lanes = [], list(by_route.values())
    while any(lanes):
        for lane in lanes:
            if lane:
                mixed.append(lane.pop(0))
    return [mixed[i % len(mixed)] for i in range(n)]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


class App:
    """`python -m qa serve` in its own process on 127.0.0.1; stopped by its PID."""

    def __init__(self, data_dir: Path, port: int, log_path: Path, extra_env: dict | None = None):
        self.url = f"http://127.0.0.1:{port}/"
        self.log_path = log_path
        env = {**os.environ, "QA_DATA_DIR": str(data_dir), "GRADIO_ANALYTICS_ENABLED": "False",
               "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", **(extra_env or {})}
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen([sys.executable, "-m", "qa", "serve", "--host", "127.0.0.1",
                                         "--port", str(port), "--llm", "none"],
                                        cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 120):
        from gradio_client import Client

        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"load_test: the app exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                return Client(self.url, verbose=False)
            except Exception:
                if time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit(f"load_test: the app did not come up in {timeout:g} s:\n{self.log_tail()}")
                time.sleep(0.5)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, 15)  # SIGTERM, by PID
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, 9)
                self.process.wait()
        self._log.close()


def run_load(urls: list[str], questions: list[dict], clients: int, max_seconds: float, timeout: float) -> dict:
    from gradio_client import Client

    work: queue.Queue = queue.Queue()
    for i, q in enumerate(questions):
        work.put((i, q))
    results: list[dict] = []
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds

    def client_loop(number: int) -> None:
        try:
            client = Client(urls[number % len(urls)], verbose=False)
        except Exception as exc:  # counts every question it would have sent as failed
            with lock:
                results.append({"i": -1, "error": f"client {number} could not connect: {exc}"})
            return
        while time.monotonic() < deadline:
            try:
                i, q = work.get_nowait()
            except queue.Empty:
                return
            history = json.dumps(q.get("history") or [])
            started = time.perf_counter()
            row = {"i": i, "question": q["question"], "expected": q.get("route"), "key": q["question"] + history}
            try:
                job = client.submit(q["question"], history, None, None, "", "", 5, api_name="/ask")
                answer = job.result(timeout=timeout)
                row.update(route=answer["route"], mode=answer["mode"], answer=answer["answer"],
                           server_ms=answer["timings_ms"]["total"])
            except Exception as exc:
                row["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
            row["seconds"] = time.perf_counter() - started
            with lock:
                results.append(row)

    started = time.perf_counter()
    threads = [threading.Thread(target=client_loop, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + timeout + 5)
    wall = time.perf_counter() - started

    done = [r for r in results if r["i"] >= 0 and "error" not in r]
    errors = [r for r in results if "error" in r]
    wrong = [r for r in done if r["expected"] and r["route"] != r["expected"]]
    by_question = defaultdict(set)
    for r in done:
        by_question[r["key"]].add((r["route"], r["answer"]))
    inconsistent = sorted(q for q, answers in by_question.items() if len(answers) > 1)
    latencies = [r["seconds"] for r in done]
    server = [r["server_ms"] / 1000 for r in done]
    return {
        "questions": len(questions), "clients": clients, "replicas": len(urls), "answered": len(done),
        "not_sent": len(questions) - len([r for r in results if r["i"] >= 0]),
        "errors": len(errors), "error_samples": [r["error"] for r in errors[:5]],
        "wrong_routes": len(wrong),
        "wrong_route_samples": [f"{r['question']}: {r['route']} (expected {r['expected']})" for r in wrong[:5]],
        "inconsistent_answers": len(inconsistent),
        "routes": dict(Counter(r["route"] for r in done)),
        "wall_seconds": round(wall, 2),
        "throughput_per_s": round(len(done) / wall, 2) if wall else 0.0,
        "latency_s": {"p50": round(percentile(latencies, 50), 3), "p95": round(percentile(latencies, 95), 3),
                      "max": round(max(latencies, default=0.0), 3),
                      "mean": round(statistics.fmean(latencies), 3) if latencies else 0.0},
        "server_s": {"p50": round(percentile(server, 50), 3), "p95": round(percentile(server, 95), 3)},
    }


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    free = ""
    if shutil.which("free"):
        free = subprocess.run(["free", "-g"], capture_output=True, text=True).stdout.strip()
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {"cores": os.cpu_count(), "cpu": cpu, "free_g": free, "python": platform.python_version(),
            "platform": platform.platform(), "loadavg_at_start": load}


def _concurrency() -> int:
    sys.path.insert(0, str(ROOT))
    from ui.app import CONCURRENCY

    return CONCURRENCY


def markdown(result: dict, info: dict, command: str, store: str = "embedded Chroma") -> str:
    lat, srv = result["latency_s"], result["server_s"]
    when = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    load = info.get("loadavg_at_start")
    processes = "1 app process" if result["replicas"] == 1 else f"{result['replicas']} app processes"
    return f"""# Load test

{result['questions']} dev-set questions from {result['clients']} concurrent `gradio_client` clients through
the `/ask` API of `qa serve --llm none` (extractive answers; {store}; {processes}, each
computing {_concurrency()} answers at a time from its queue), started by the tool on 127.0.0.1.

Command: `{command}`
Date: {when}
Machine: {info['cores']} cores ({info['cpu']}), Python {info['python']}, {info['platform']};
load average when the run started: {', '.join(f'{x:.2f}' for x in load) if load else 'n/a'}
(a load average above the number of cores means other work shared the machine during the run).

```
$ free -g
{info['free_g']}
```

| measure | value |
|---|---|
| questions answered | {result['answered']} of {result['questions']} |
| errors | {result['errors']} |
| wrong routes (vs the dev set's labels) | {result['wrong_routes']} |
| same question, different answers | {result['inconsistent_answers']} |
| wall time | {result['wall_seconds']} s |
| throughput | {result['throughput_per_s']} answers/s |
| latency p50 / p95 / max (client side, queueing included) | {lat['p50']} / {lat['p95']} / {lat['max']} s |
| answer time p50 / p95 (server side, `timings_ms.total`) | {srv['p50']} / {srv['p95']} s |
| routes | {', '.join(f'{k}: {v}' for k, v in sorted(result['routes'].items()))} |

Reading it: the server computes one answer in ~{srv['p50']} s (median); the client-side latency is mostly
waiting in Gradio's queue behind the other {result['clients'] - 1} clients ({_concurrency()} answers run at once, and
the 2 cores are shared with the clients themselves). Throughput is bound by CPU: the extractive path embeds
the question and the candidate sentences with MiniLM on the same cores. More throughput needs more cores or
more replicas (docs/SCALING.md), not more concurrency in one process.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("QA_DATA_DIR") or ROOT / ".qa"))
    parser.add_argument("--questions-file", type=Path, default=DEV_QUESTIONS)
    parser.add_argument("--replicas", type=int, default=1, help="app processes (use with --chroma-url)")
    parser.add_argument("--chroma-url", default="", help="a `chroma run` server holding the index")
    parser.add_argument("--collection", default="", help="collection prefix in Chroma (default: QA_COLLECTION)")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--max-seconds", type=float, default=900, help="stop sending after this long")
    parser.add_argument("--timeout", type=float, default=120, help="per answer")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--report", type=Path, help="write a Markdown report here (e.g. docs/LOAD.md)")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 200 or not 1 <= args.questions <= 100_000:
        parser.error("--clients must be 1-200 and --questions 1-100000")
    if not 1 <= args.replicas <= 16:
        parser.error("--replicas must be 1-16")
    if args.replicas > 1 and not args.chroma_url:
        parser.error("several replicas share one index through a Chroma server: pass --chroma-url")
    if not args.chroma_url and not (args.data_dir / "chroma").exists():
        parser.error(f"no index in {args.data_dir}: run `qa ingest` first (or pass --data-dir)")

    questions = load_questions(args.questions_file, args.questions)
    info = machine()
    extra = {"QA_CHROMA_URL": args.chroma_url} if args.chroma_url else {}
    if args.collection:
        extra["QA_COLLECTION"] = args.collection
    with tempfile.TemporaryDirectory(prefix="qa-load-") as tmp:
        apps = []
        try:
            for n in range(args.replicas):
                data_dir = args.data_dir.resolve() if not args.chroma_url else Path(tmp) / f"replica-{n}"
                apps.append(App(data_dir, args.port + n if args.port else free_port(), Path(tmp) / f"serve-{n}.log",
                                extra))
            for app in apps:
                app.wait_ready()
            result = run_load([app.url for app in apps], questions, args.clients, args.max_seconds, args.timeout)
        finally:
            for app in apps:
                app.stop()
            result_log = "\n".join(app.log_tail(200) for app in apps)
    tracebacks = result_log.count("Traceback")
    result["server_tracebacks"] = tracebacks
    command = "python tools/load_test.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.report:
        store = f"a `chroma run` server at {args.chroma_url}" if args.chroma_url else "embedded Chroma"
        args.report.write_text(markdown(result, info, command.strip(), store), encoding="utf-8")
    if args.json:
        print(json.dumps({**result, "machine": info}, indent=2))
    else:
        lat = result["latency_s"]
        print(f"{result['answered']}/{result['questions']} answered by {result['clients']} clients in "
              f"{result['wall_seconds']} s ({result['throughput_per_s']}/s); latency p50 {lat['p50']} s, "
              f"p95 {lat['p95']} s; errors {result['errors']}, wrong routes {result['wrong_routes']}, "
              f"inconsistent {result['inconsistent_answers']}")
    ok = (result["errors"] == 0 and result["wrong_routes"] == 0 and result["not_sent"] == 0
          and result["inconsistent_answers"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
