"""A local OpenAI-compatible chat completions server, scripted by the tests.

Run as a process: ``python tests/llm/fake_openai_server.py --port N``. It answers ``POST /v1/chat/completions``
with the next scripted behaviour, or the default one:

- ``correct``: the right answer for the document in the request, computed by the rules extractor from that
  document (so it is right for any fixture), restricted to the keys and policy years the request asks for;
  ``override`` / ``row_override`` replace values in it (what a model that invents or obeys injected text does);
- ``invented``: correct, with numbers and names that are in no document;
- ``oracle``: the answer a right model gives, from a corpus file's answers (``corpus``: its path): the document
  is found by the text between the ``<document>`` markers (masked or not, whole or a part), and only what the
  part holds is answered (the table rows printed in it), in the stage's reply schema, with the placeholders of
  masked values where the text had them;
- ``chatty`` (text around the JSON), ``malformed`` (cut JSON), ``wrong_schema``, ``empty``, ``truncated``
  (half the JSON with finish_reason "length"), ``status`` (any HTTP status, with headers and body), ``slow``
  (``delay`` seconds, then correct).

Like the real API, a reply longer than the request's ``max_tokens`` (by the estimate below, characters / 3) is
cut there and ends with finish_reason "length".

Control: ``POST /_script`` with ``{"reset": true, "default": {...}, "queue": [{...}, ...]}``; ``GET /_requests``
returns what it received (the Authorization header is not recorded, only whether it was there). A model's pace:
``{"latency": {"call_s": 2, "token_s": 0.01}}`` in the script (or ``--call-s`` / ``--token-s``) answers every
completion after that many seconds a call plus that many per output token, and ``"record": false`` keeps no
requests (for the bench's thousands). ``GET /_stats``: completions answered, in flight now and at most.

``FakeOpenAIServer`` starts and stops it from tests and the bench.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

INVENTED_NUMBER = 987654321.0
INVENTED_NAME = "ZED INVENTED"
INVENTED_KEY_POINT = "Guaranteed 50% return every year"


def _answer(messages: list[dict[str, Any]]) -> dict[str, Any]:
    from illustra_extractor.extraction import extract_basic_info, extract_summary, extract_value_table

    task = next(m["content"] for m in messages if m["role"] == "user" and "template" in m["content"])
    template = json.loads(task.splitlines()[1])
    document = next(m["content"] for m in messages if m["content"].startswith("<document>"))
    document = document[len("<document>\n") : -len("\n</document>")]
    years_line = re.search(r"policy years: ([\d, ]+)\.", task)
    basic = extract_basic_info(document)
    if "rows" in template:
        keys = list(template["rows"][0])
        table = extract_value_table(document, basic).values()
        if years_line:
            wanted = {int(y) for y in years_line.group(1).split(",")}
            table = [row for row in table if row["policy_year"] in wanted]
        return {"rows": [{key: row[key] for key in keys} for row in table]}
    if "insured_name" in template or "sum_assured" in template or "gender" in template:
        values = basic.values()
    else:
        values = extract_summary(document, basic, extract_value_table(document, basic)).values()
    return {key: values.get(key) for key in template}


_PLACEHOLDER_RE = re.compile(r"\[(?:NAME|ID|PHONE|POLICY|EMAIL)_\d+\]")
_PART_RE = re.compile(r"characters (\d+)-(\d+) of (\d+)")
_ROW_END_RE = re.compile(r"\n|</tr\s*>", re.I)
_TAG_RE = re.compile(r"<[^<>]*>")  # [^<>]: an unclosed "<" costs one scan, not one per "<"


class _Oracle:
    """The answers of one corpus file, looked up by the text a request carries."""

    def __init__(self, path: str) -> None:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        self.documents = [json.loads(line) for line in lines if line.strip()]
        self._rows: dict[str, list[tuple[int, dict[str, Any]]]] = {}

    def find(self, sent: str, length: int) -> dict[str, Any]:
        """The document of that length holding most of the text's lines (a part may start with column headers
        carried over from elsewhere in the text, and documents share boilerplate)."""
        pieces = [p for p in re.split(rf"{_PLACEHOLDER_RE.pattern}|\n", sent) if len(p.strip()) > 3]
        best, held = None, 0
        for document in self.documents:
            text = document["ocr_content"]
            if len(text) == length:
                found = sum(len(piece) for piece in pieces if piece in text)
                if found > held:
                    best, held = document, found
        if best is None:
            raise LookupError("the oracle knows no document with this text")
        return best

    def row_starts(self, document: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
        """Where each answer row is printed: the start of the line (or HTML row) holding most of its values."""
        if document["id"] not in self._rows:
            from illustra_extractor.extraction.normalize import fold
            from illustra_extractor.extraction.numbers import find_amounts

            folded = _TAG_RE.sub(lambda tag: " " * len(tag.group()), fold(document["ocr_content"]))
            units, start = [], 0
            for end in [m.end() for m in _ROW_END_RE.finditer(folded)] + [len(folded)]:
                units.append((start, [a.value for a in find_amounts(folded, start, end)]))
                start = end
            located = []
            for row in document["expected"]["value_table"]:
                wanted = [v for k, v in row.items() if v is not None and k != "policy_year"]

                def hits(unit: tuple[int, list[float]], wanted: list[float] = wanted) -> int:
                    return sum(any(abs(value - n) < 0.01 for n in unit[1]) for value in wanted)

                best = max(units, key=hits)
                located.append((best[0] if hits(best) >= 2 else -1, row))
            self._rows[document["id"]] = located
        return self._rows[document["id"]]


_ORACLES: dict[str, _Oracle] = {}


def _placeholders(sent: str, original: str) -> dict[str, str]:
    """Original value -> placeholder, for each placeholder in a masked text, read off the unmasked text."""
    found: dict[str, str] = {}
    pieces = _PLACEHOLDER_RE.split(sent)
    for index, match in enumerate(_PLACEHOLDER_RE.finditer(sent)):
        before, after = pieces[index][-20:], pieces[index + 1][:20]
        if not before or not after:
            continue
        value = re.search(re.escape(before) + "(.{1,80}?)" + re.escape(after), original, re.S)
        if value:
            found[value.group(1)] = match.group()
    return found


def _masked(value: Any, placeholders: dict[str, str]) -> Any:
    if isinstance(value, str):
        for original in sorted(placeholders, key=len, reverse=True):
            value = value.replace(original, placeholders[original])
        return value
    if isinstance(value, list):
        return [_masked(item, placeholders) for item in value]
    return value


def _oracle_answer(messages: list[dict[str, Any]], corpus: str) -> dict[str, Any]:
    oracle = _ORACLES.get(corpus) or _ORACLES.setdefault(corpus, _Oracle(corpus))
    task = next(m["content"] for m in messages if m["role"] == "user" and "template" in m["content"])
    template = json.loads(task.splitlines()[1])
    sent = next(m["content"] for m in messages if m["content"].startswith("<document>"))
    sent = sent[len("<document>\n") : -len("\n</document>")]
    start, end, length = (int(n) for n in _PART_RE.search(task).groups())  # type: ignore[union-attr]
    document = oracle.find(sent, length)
    expected = document["expected"]
    placeholders = _placeholders(sent, document["ocr_content"])
    if "rows" in template:
        keys = list(template["rows"][0])
        years_line = re.search(r"policy years: ([\d, ]+)\.", task)
        wanted = {int(y) for y in years_line.group(1).split(",")} if years_line else None
        rows = [
            {key: row[key] for key in keys}
            for printed, row in oracle.row_starts(document)
            if start <= printed < end and (wanted is None or row["policy_year"] in wanted)
        ]
        return {"rows": rows}
    values = {**expected["basic_info"], **expected["summary"]}
    if "overview" in template:
        basic = expected["basic_info"]
        values["overview"] = f"{basic['product_name']} by {basic['insurer']}."
    return {key: _masked(values.get(key), placeholders) for key in template}


def _apply(answer: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    if spec["kind"] == "invented":
        spec = {
            "override": {
                "insured_name": INVENTED_NAME,
                "sum_assured": INVENTED_NUMBER,
                "annual_premium": INVENTED_NUMBER + 1,
                "breakeven_year": 97,
                "overview": f"This plan pays {INVENTED_NUMBER:,.0f} at once.",
                "key_points": [INVENTED_KEY_POINT],
            },
            "row_override": {
                "total_surrender_value": INVENTED_NUMBER,
                "guaranteed_cash_value": INVENTED_NUMBER + 2,
            },
        }
    for key, value in spec.get("override", {}).items():
        if key in answer:
            answer[key] = value
    for row in answer.get("rows", []):
        for key, value in spec.get("row_override", {}).items():
            if key in row:
                row[key] = value
    return answer


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.default: dict[str, Any] = {"kind": "correct"}
        self.queue: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.start_latency = {"call_s": 0.0, "token_s": 0.0}
        self.latency = dict(self.start_latency)
        self.record = True
        self.answered = self.in_flight = self.max_in_flight = 0
        # Counted since the last reset only: a slow answer to an earlier test may still be on its way.
        self.generation = 0


STATE = _State()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def do_GET(self) -> None:
        if self.path == "/_requests":
            with STATE.lock:
                self._send(200, {"requests": STATE.requests})
        elif self.path == "/_stats":
            with STATE.lock:
                stats = {"answered": STATE.answered, "in_flight": STATE.in_flight}
                self._send(200, {**stats, "max_in_flight": STATE.max_in_flight})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        body = self._body()
        if self.path == "/_script":
            with STATE.lock:
                if body.get("reset"):
                    STATE.queue.clear()
                    STATE.requests.clear()
                    STATE.default = {"kind": "correct"}
                    STATE.answered = STATE.in_flight = STATE.max_in_flight = 0
                    STATE.generation += 1
                    STATE.latency, STATE.record = dict(STATE.start_latency), True
                STATE.default = body.get("default", STATE.default)
                STATE.latency.update(body.get("latency", {}))
                STATE.record = body.get("record", STATE.record)
                STATE.queue.extend(body.get("queue", []))
            self._send(200, {"ok": True})
            return
        if self.path != "/v1/chat/completions":
            self._send(404, {"error": "not found"})
            return
        with STATE.lock:
            if STATE.record:
                STATE.requests.append(
                    {
                        "body": body,
                        "authorized": self.headers.get("Authorization", "").startswith("Bearer "),
                        "headers": {k: v for k, v in self.headers.items() if k.lower() != "authorization"},
                    }
                )
            spec = STATE.queue.pop(0) if STATE.queue else STATE.default
            generation = STATE.generation
            STATE.in_flight += 1
            STATE.max_in_flight = max(STATE.max_in_flight, STATE.in_flight)
        try:
            self._complete(body, spec)
        finally:
            with STATE.lock:
                if generation == STATE.generation:
                    STATE.in_flight -= 1
                    STATE.answered += 1

    def _complete(self, body: dict[str, Any], spec: dict[str, Any]) -> None:
        kind = spec["kind"]
        if kind == "status":
            self._send(
                spec["status"], spec.get("body", {"error": {"message": "scripted"}}), spec.get("headers")
            )
            return
        if kind == "slow":
            time.sleep(spec["delay"])
        finish = "stop"
        if kind == "empty":
            content = ""
        elif kind == "malformed":
            content = '{"rows": [{"policy_year": 1, "age": '
        elif kind == "wrong_schema":
            content = json.dumps({"answer": "see attached", "sum_assured": "a lot"})
        elif kind == "oracle":
            try:
                content = json.dumps(_oracle_answer(body["messages"], spec["corpus"]), ensure_ascii=False)
            except LookupError as error:
                self._send(400, {"error": {"message": str(error)}})
                return
        else:
            content = json.dumps(_apply(_answer(body["messages"]), spec), ensure_ascii=False)
            if kind == "chatty":
                content = f"Sure! Here is the JSON you asked for:\n```json\n{content}\n```\nAnything else?"
            elif kind == "truncated":
                content, finish = content[: len(content) // 2], "length"
        limit = body.get("max_tokens")
        if limit is not None and len(content) // 3 + 1 > limit:
            content, finish = content[: limit * 3], "length"
        prompt = sum(len(message["content"]) for message in body["messages"])
        with STATE.lock:
            pace = dict(STATE.latency)
        time.sleep(pace["call_s"] + pace["token_s"] * (len(content) // 3 + 1))
        self._send(
            200,
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": finish,
                    }
                ],
                # Roughly what a tokenizer gives for mixed Chinese and English text.
                "usage": {
                    "prompt_tokens": prompt // 3 + 1,
                    "completion_tokens": len(content) // 3 + 1,
                    "total_tokens": prompt // 3 + len(content) // 3 + 2,
                },
            },
        )


class FakeOpenAIServer:
    """The server above as a child process on a free port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAIServer:
        project = Path(__file__).resolve().parents[2]
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--port", str(self.port)], cwd=project
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{self.port}/_requests", timeout=1)
                return self
            except requests.ConnectionError:
                if self.process.poll() is not None:
                    raise RuntimeError("the fake OpenAI server exited") from None
                time.sleep(0.05)
        raise RuntimeError("the fake OpenAI server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)

    def script(
        self,
        *queue: dict[str, Any],
        default: dict[str, Any] | None = None,
        latency: dict[str, float] | None = None,
        record: bool = True,
    ) -> None:
        body: dict[str, Any] = {"reset": True, "queue": list(queue), "record": record}
        if default is not None:
            body["default"] = default
        if latency is not None:
            body["latency"] = latency
        requests.post(f"http://127.0.0.1:{self.port}/_script", json=body, timeout=5).raise_for_status()

    def stats(self) -> dict[str, int]:
        answer = requests.get(f"http://127.0.0.1:{self.port}/_stats", timeout=5)
        answer.raise_for_status()
        return answer.json()

    def received(self) -> list[dict[str, Any]]:
        answer = requests.get(f"http://127.0.0.1:{self.port}/_requests", timeout=5)
        answer.raise_for_status()
        return answer.json()["requests"]


class _Server(ThreadingHTTPServer):
    # Hundreds of clients connect at once when a bench runs hundreds of calls in flight.
    request_queue_size = 1024
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A client closing its kept-alive connection (an extractor process being recycled) is no error of ours.
        if not isinstance(sys.exc_info()[1], ConnectionResetError):
            super().handle_error(request, client_address)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--call-s", type=float, default=0.0, help="seconds every completion takes")
    parser.add_argument("--token-s", type=float, default=0.0, help="and seconds per output token")
    args = parser.parse_args()
    STATE.start_latency = {"call_s": args.call_s, "token_s": args.token_s}
    STATE.latency = dict(STATE.start_latency)
    _Server(("127.0.0.1", args.port), _Handler).serve_forever()


if __name__ == "__main__":
    main()
