"""``run_submit``, ``run_status`` and ``run_get`` against a small fake API in a thread: what they send, what they
print, and their exit codes. The real stack is in tests/integration/test_client_cli.py."""

from __future__ import annotations

import argparse
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from illustra import client
from illustra.cli import build_parser

from ..support import free_port

STAGES = ["pending", "extracting_basic_info", "extracting_table", "extracting_summary", "all_completed"]
PERCENT = {"pending": 0, "extracting_basic_info": 20, "extracting_table": 50, "extracting_summary": 80}
TABLE = [
    {
        "policy_year": 1,
        "age": 30,
        "total_premiums_paid": 100.0,
        "guaranteed_cash_value": 0.0,
        "non_guaranteed_value": 1.5,
        "total_surrender_value": 1.5,
        "death_benefit": 101.0,
    }
]


class FakeApi:
    """Documents whose name contains "fail" end in error; the others complete, one stage per poll."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []
        self.documents: dict[int, dict[str, Any]] = {}

    def handle(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, dict]:
        self.requests.append((method, path, headers, body))
        if method == "POST" and path == "/api/ocr/save/":
            if "refuse" in body["file_name"]:
                return 422, {"status": "error", "message": "ocr_content is too short"}
            document_id = len(self.documents) + 1
            self.documents[document_id] = {"body": body, "polls": 0}
            return 200, {"status": "success", "message": "保存成功", "document_id": document_id}
        parts = path.strip("/").split("/")
        if method == "GET" and len(parts) >= 4 and parts[:3] == ["api", "ocr", "documents"]:
            document = self.documents.get(int(parts[3])) if parts[3].isdigit() else None
            if document is None:
                return 404, {"status": "error", "message": f"document {parts[3]} does not exist"}
            if parts[4:] == ["status"]:
                document["polls"] += 1
                return 200, {"status": "success", "data": self._status(document)}
            data = {
                "id": int(parts[3]),
                **self._status(document),
                "value_table": TABLE if document["polls"] else None,
            }
            return 200, {"status": "success", "data": data}
        return 404, {"status": "error", "message": "404 Not Found"}

    def _status(self, document: dict) -> dict:
        stage = STAGES[min(document["polls"], len(STAGES) - 1)]
        failing = "fail" in document["body"]["file_name"]
        if failing and stage == "extracting_table":
            stage = "error"
        return {
            "processing_stage": stage,
            "progress_percentage": 20 if stage == "error" else PERCENT.get(stage, 100),
            "status": "error" if stage == "error" else "processing",
            "error_message": "value table failed after 3 attempts: boom" if stage == "error" else None,
        }


@pytest.fixture
def api() -> Iterator[tuple[FakeApi, str]]:
    fake = FakeApi()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            status, payload = fake.handle(self.command, self.path, dict(self.headers), body)
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield fake, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def _run(runner, args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    kwargs = {"sleep": lambda s: None} if runner is client.run_submit else {}
    code = runner(args, out=out, err=err, **kwargs)
    return code, out.getvalue(), err.getvalue()


def _write(tmp_path: Path, name: str, text: str = "受保人: 陳大文") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_submit_sends_each_file_follows_it_to_the_end_and_prints_one_line_each(api, tmp_path) -> None:
    fake, url = api
    a, b = _write(tmp_path, "a.txt", "text A"), _write(tmp_path, "b.md", "text B")
    token_file = _write(tmp_path, "token", "tk\n")
    code, out, err = _run(
        client.run_submit, _args("submit", a, b, "--url", url, "--user-id", "7", "--token-file", token_file)
    )
    assert code == 0
    assert out.splitlines() == [f"1\t{a}\tall_completed", f"2\t{b}\tall_completed"]
    saves = [r for r in fake.requests if r[0] == "POST"]
    assert [r[3] for r in saves] == [
        {"file_name": "a.txt", "ocr_content": "text A", "user_id": 7},
        {"file_name": "b.md", "ocr_content": "text B", "user_id": 7},
    ]
    assert all(r[2].get("Authorization") == "Bearer tk" for r in fake.requests)
    assert f"{a} (document 1): 50 % reading the value table" in err.splitlines()
    assert err.splitlines()[-1].endswith("100 % completed")


def test_a_document_in_error_or_a_bad_file_makes_exit_1_and_the_others_still_complete(api, tmp_path) -> None:
    fake, url = api
    good, failing = _write(tmp_path, "good.txt"), _write(tmp_path, "will-fail.txt")
    (tmp_path / "latin1.txt").write_bytes(b"Pr\xe4mie")
    missing = str(tmp_path / "missing.txt")
    code, out, err = _run(
        client.run_submit, _args("submit", good, missing, failing, str(tmp_path / "latin1.txt"), "--url", url)
    )
    assert code == 1
    assert out.splitlines() == [f"1\t{good}\tall_completed", f"2\t{failing}\terror"]
    assert f"illustra submit: {missing}: no such file; skipped" in err
    assert "latin1.txt: not UTF-8 text (byte 2); skipped" in err
    assert "failed: value table failed after 3 attempts: boom" in err
    assert [r[3]["user_id"] for r in fake.requests if r[0] == "POST"] == [1, 1]  # the default user id


def test_a_refused_document_is_reported_with_the_api_message(api, tmp_path) -> None:
    _, url = api
    code, out, err = _run(client.run_submit, _args("submit", _write(tmp_path, "refuse.txt"), "--url", url))
    assert code == 1 and out == ""
    assert "refuse.txt: refused: ocr_content is too short" in err


def test_no_wait_prints_the_ids_at_once(api, tmp_path) -> None:
    fake, url = api
    a = _write(tmp_path, "a.txt")
    code, out, _ = _run(client.run_submit, _args("submit", a, "--url", url, "--no-wait"))
    assert (code, out) == (0, f"1\t{a}\tpending\n")
    assert not [r for r in fake.requests if r[0] == "GET"]


def test_an_unreachable_server_exits_3(tmp_path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = _run(client.run_submit, _args("submit", _write(tmp_path, "a.txt"), "--url", url))
    assert (code, out) == (3, "")
    assert err.startswith(f"illustra submit: cannot reach {url}: ")
    assert _run(client.run_status, _args("status", "1", "--url", url))[0] == 3
    assert _run(client.run_get, _args("get", "1", "--url", url))[0] == 3


def test_waiting_gives_up_after_the_timeout(api, tmp_path) -> None:
    _, url = api
    ticks = iter(range(0, 1000, 10))
    out, err = io.StringIO(), io.StringIO()
    args = _args("submit", _write(tmp_path, "a.txt"), "--url", url, "--timeout", "15")
    code = client.run_submit(args, out=out, err=err, sleep=lambda s: None, clock=lambda: next(ticks))
    assert code == 1 and "gave up waiting after 15 s" in err.getvalue()
    assert out.getvalue().startswith("1\t")


def test_status_and_get_print_the_data_or_the_api_message(api, tmp_path) -> None:
    _, url = api
    _run(client.run_submit, _args("submit", _write(tmp_path, "a.txt"), "--url", url, "--no-wait"))

    code, out, _ = _run(client.run_get, _args("get", "1", "--url", url, "--format", "csv"))
    assert code == 1  # no poll yet: the fake has no table, and says so
    code, out, err = _run(client.run_status, _args("status", "1", "--url", url))
    assert code == 0 and json.loads(out)["processing_stage"] == "extracting_basic_info" and err == ""

    code, out, _ = _run(client.run_get, _args("get", "1", "--url", url, "--format", "csv"))
    assert code == 0 and out.splitlines()[1] == "1,30,100,0,1.5,1.5,101"
    code, out, _ = _run(client.run_get, _args("get", "1", "--url", url))
    assert code == 0 and json.loads(out)["value_table"] == TABLE

    code, out, err = _run(client.run_get, _args("get", "99", "--url", url))
    assert (code, out, err) == (1, "", "illustra get: document 99 does not exist\n")
    code, out, err = _run(client.run_status, _args("status", "99", "--url", url))
    assert (code, err) == (1, "illustra status: document 99 does not exist\n")
