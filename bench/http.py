"""HTTP throughput and latency of illustra's two hot endpoints, each beside a bare Falcon endpoint served the same
way (same gunicorn options via ``illustra.serve``), in the same run, on loopback:

- ``POST /api/ocr/save/`` of the gateway (stores the document and enqueues its first stage; no worker runs, so
  only the HTTP path is measured; the queued messages are deleted at the end);
- ``GET /api/ocr/documents/{id}/status/`` of the status service.

The gateway and the status service are hit directly (the edge is not in the path). The load generator is ``wrk``
(Debian package ``wrk``; a Lua script makes the POST with a corpus document as body), ``--connections``
connections on one thread for ``--duration`` seconds per measurement; the four measurements are interleaved and
repeated ``--repeat`` times. Prints requests/s and p50/p99 latency (median [min-max]) and, last, the ratios of
illustra to the bare app.

python bench/http.py [CORPUS.jsonl] [--duration 5] [--connections 16] [--repeat 3] [--python PATH] [--env K=V]
"""

# ruff: noqa: E402 (the imports must follow the sys.path fix below)
from __future__ import annotations

import os
import sys

# Python puts bench/ first on sys.path, where bench/http.py would shadow the standard library's http: move it last.
_BENCH = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != _BENCH] + [_BENCH]

import argparse
import json
import re
import shutil
import statistics
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from _infra import (
    DEFAULT_CORPUS,
    ProcessGroups,
    bench_module_command,
    free_port,
    http_answers,
    load_corpus,
    median_range,
    raise_on_sigterm,
    save_bodies,
    wait_until,
)
from _systems import Illustra

LUA_POST = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local file = io.open("{body}", "rb")
wrk.body = file:read("*a")
file:close()
"""
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(url: str, args: argparse.Namespace, script: Path | None) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.duration:g}s", "--latency", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=args.duration + 30
    ).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    for label in ("50", "99"):
        value, unit = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)\b", output).groups()
        result[f"p{label}"] = float(value) * UNITS_MS[unit]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: .*", output)
    if bad or errors:
        raise RuntimeError(f"{url}: failed requests:\n{output}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path, nargs="?", default=DEFAULT_CORPUS)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--python", default=sys.executable, help="the Python that runs the servers")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install -y wrk)")
    raise_on_sigterm()
    body_file = Path(tempfile.mkstemp(prefix="bench-http-", suffix=".json")[1])
    body_file.write_bytes(save_bodies(load_corpus(args.corpus), 1)[0])
    script = body_file.with_suffix(".lua")
    script.write_text(LUA_POST.format(body=body_file))

    illustra = Illustra(args.python, dict(item.split("=", 1) for item in args.env))
    bare = ProcessGroups("bare")
    bare_port = free_port()
    try:
        illustra.start(worker=False)
        bare.start(
            "bare",
            bench_module_command(args.python, "_bare_app", "--bind", f"127.0.0.1:{bare_port}"),
            illustra.env,
        )
        bare_url = f"http://127.0.0.1:{bare_port}"
        wait_until(
            lambda: bare.check_alive() or http_answers(bare_url + "/api/ocr/documents/1/status/"),
            60,
            "the bare app",
        )
        request = urllib.request.Request(
            illustra.save_url, body_file.read_bytes(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request) as answer:
            document_id = json.load(answer)["document_id"]
        status_path = f"/api/ocr/documents/{document_id}/status/"
        targets = {
            ("save", "illustra"): (illustra.save_url, script),
            ("save", "bare"): (bare_url + "/api/ocr/save/", script),
            ("status", "illustra"): (illustra.status_url + status_path, None),
            ("status", "bare"): (bare_url + status_path, None),
        }
        results: dict[tuple[str, str], list[dict[str, float]]] = {key: [] for key in targets}
        for repetition in range(1, args.repeat + 1):
            for key, (url, lua) in targets.items():
                results[key].append(run_wrk(url, args, lua))
                print(
                    f"[{repetition}/{args.repeat}] {key[0]} {key[1]}: {results[key][-1]['rps']:.0f} req/s",
                    flush=True,
                )
    finally:
        bare.stop_all()
        illustra.stop()
        body_file.unlink()
        script.unlink()

    print(
        f"\nwrk, {args.connections} connections, {args.duration:g} s each, median [min-max] of {args.repeat}"
    )
    print(f"{'endpoint':<40} {'server':<9} {'req/s':<22} {'p50 ms':<20} {'p99 ms':<20}")
    for (endpoint, server), runs in results.items():
        path = "POST /api/ocr/save/" if endpoint == "save" else "GET /api/ocr/documents/{id}/status/"
        print(
            f"{path:<40} {server:<9} {median_range([r['rps'] for r in runs], '{:.0f}'):<22} "
            f"{median_range([r['p50'] for r in runs], '{:.2f}'):<20} {median_range([r['p99'] for r in runs], '{:.2f}')}"
        )
    for endpoint in ("save", "status"):
        ratio = statistics.median(r["rps"] for r in results[(endpoint, "illustra")]) / statistics.median(
            r["rps"] for r in results[(endpoint, "bare")]
        )
        print(f"{endpoint}_rps_ratio_vs_bare={ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
