"""``illustra submit | status | get | delete``: the command line's client of a running gateway (standard library
HTTP only).

Exit codes: 0 success; 1 a document ended in error, a file was skipped, or the API refused a request; 2 usage
errors; 3 the server cannot be reached (or answers 503: a service behind it is unavailable)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from illustra_shared.contract import ROW_FIELDS

DEFAULT_URL = "http://127.0.0.1:8080"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3

TABLE_COLUMNS = ROW_FIELDS

STAGE_WORDS = {
    "pending": "queued",
    "extracting_basic_info": "reading basic information",
    "basic_info_completed": "basic information read",
    "extracting_table": "reading the value table",
    "table_completed": "value table read",
    "extracting_summary": "writing the summary",
    "all_completed": "completed",
    "error": "failed",
}
FINAL_STAGES = ("all_completed", "error")


# -- HTTP ---------------------------------------------------------------------------------------------------


class Unreachable(Exception):
    """The server did not answer, or answered that a service behind it is unavailable (503)."""


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_message(status: int, body: bytes, reason: str = "") -> str:
    """The API's ``message`` from an error body, or a description of the status when there is none."""
    try:
        payload = json.loads(body.decode("utf-8"))
        if isinstance(payload, dict) and isinstance(payload.get("message"), str) and payload["message"]:
            return payload["message"]
    except (UnicodeDecodeError, ValueError):
        pass
    return f"HTTP {status} {reason}".strip()


class Client:
    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Accept": "application/json", "User-Agent": "illustra-cli"}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            message = error_message(error.code, error.read() or b"", error.reason or "")
            if error.code == 503:
                raise Unreachable(message) from error
            raise ApiError(error.code, message) from error
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise Unreachable(f"cannot reach {self.base_url}: {reason}") from error
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise ApiError(200, f"the server's answer to {method} {path} is not JSON") from error
        if not isinstance(payload, dict):
            raise ApiError(200, f"unexpected answer to {method} {path}")
        return payload

    def save(self, file_name: str, text: str, user_id: int) -> int:
        answer = self.request(
            "POST", "/api/ocr/save/", {"file_name": file_name, "ocr_content": text, "user_id": user_id}
        )
        return int(answer["document_id"])

    def status(self, document_id: int) -> dict[str, Any]:
        return self.request("GET", f"/api/ocr/documents/{document_id}/status/")["data"]

    def document(self, document_id: int) -> dict[str, Any]:
        return self.request("GET", f"/api/ocr/documents/{document_id}/")["data"]

    def delete(self, document_id: int) -> None:
        self.request("DELETE", f"/api/ocr/documents/{document_id}/")


# -- pure parts: files, CSV, progress ---------------------------------------------------------------------


class BadFile(Exception):
    pass


def read_document(path: Path) -> str:
    """The UTF-8 text of ``path``; ``BadFile`` says why it cannot be sent."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BadFile("no such file") from None
    except IsADirectoryError:
        raise BadFile("is a directory") from None
    except OSError as error:
        raise BadFile(error.strerror or str(error)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadFile(f"not UTF-8 text (byte {error.start})") from None
    if not text.strip():
        raise BadFile("empty")
    return text


# A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    # Text is never left for a spreadsheet to evaluate; numbers (negative ones too) stay numbers.
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def value_table_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] = TABLE_COLUMNS) -> str:
    """The value table as CSV: a header row of the column names, then one row per policy year."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_value(row.get(column)) for column in columns])
    return out.getvalue()


def progress_bar(percent: int, width: int = 24, unicode: bool = True) -> str:
    percent = max(0, min(100, int(percent)))
    filled = round(width * percent / 100)
    full, empty = ("█", "░") if unicode else ("#", "-")
    return full * filled + empty * (width - filled)


def stage_words(stage: str | None) -> str:
    return STAGE_WORDS.get(stage or "", stage or "…")


@dataclass
class Tracked:
    """A document being followed: its file, its id, its last status."""

    file: str
    document_id: int
    stage: str = "pending"
    percent: int = 0
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.stage in FINAL_STAGES


def progress_line(item: Tracked, name_width: int, *, bar_width: int = 24, unicode: bool = True) -> str:
    """``#12 file.txt  [████░░░░]  50 %  reading the value table``; the error message follows a failure."""
    name = item.file if len(item.file) <= name_width else "…" + item.file[-(name_width - 1) :]
    line = (
        f"#{item.document_id:<5} {name:<{name_width}}  "
        f"[{progress_bar(item.percent, bar_width, unicode)}] {item.percent:>3} %  {stage_words(item.stage)}"
    )
    if item.stage == "error" and item.error:
        line += f": {item.error}"
    return line


@dataclass
class Progress:
    """Shows one bar per document on ``stream``: redrawn in place on a terminal, a line per change otherwise."""

    stream: TextIO
    items: list[Tracked]
    interactive: bool
    width: int = 100
    _drawn: int = 0
    _last: dict[int, tuple[str, int]] = field(default_factory=dict)

    @property
    def unicode(self) -> bool:
        return (getattr(self.stream, "encoding", None) or "").lower().replace("-", "") in ("utf8", "utf8sig")

    def _name_width(self) -> int:
        return max(8, min(40, max((len(item.file) for item in self.items), default=8)))

    def render(self) -> None:
        if self.interactive:
            self._redraw()
        else:
            self._log_changes()

    def _redraw(self) -> None:
        out = []
        if self._drawn:
            out.append(f"\x1b[{self._drawn}F")  # back to the start of the first bar
        name_width = self._name_width()
        for item in self.items:
            line = progress_line(item, name_width, unicode=self.unicode)
            out.append("\x1b[2K" + line[: max(20, self.width - 1)] + "\n")
        self._drawn = len(self.items)
        self.stream.write("".join(out))
        self.stream.flush()

    def _log_changes(self) -> None:
        for item in self.items:
            state = (item.stage, item.percent)
            if self._last.get(item.document_id) != state:
                self._last[item.document_id] = state
                message = (
                    f"{item.file} (document {item.document_id}): {item.percent} % {stage_words(item.stage)}"
                )
                if item.stage == "error" and item.error:
                    message += f": {item.error}"
                self.stream.write(message + "\n")
        self.stream.flush()


# -- commands ---------------------------------------------------------------------------------------------


def _positive_int(raw: str) -> int:
    if not raw.strip().isdecimal() or int(raw) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {raw!r}")
    return int(raw)


def _url(raw: str) -> str:
    parsed = urllib.parse.urlsplit(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise argparse.ArgumentTypeError(f"must be an http:// or https:// URL, not {raw!r}")
    return raw.rstrip("/")


def _seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {raw!r}")
    return value


def _read_token(path: str) -> str:
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise argparse.ArgumentTypeError(f"cannot read the token file {path}: {error}") from None
    if not token:
        raise argparse.ArgumentTypeError(f"the token file {path} is empty")
    return token


class _TokenFile(argparse.Action):
    """``--token-file PATH``: the token is read from the file, so it never appears in the process list."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        try:
            setattr(namespace, self.dest, _read_token(str(values)))
        except argparse.ArgumentTypeError as error:
            parser.error(str(error))


def _default_token() -> str | None:
    if os.environ.get("ILLUSTRA_TOKEN"):
        return os.environ["ILLUSTRA_TOKEN"]
    path = os.environ.get("ILLUSTRA_TOKEN_FILE")
    if not path:
        return None
    try:
        return _read_token(path)
    except argparse.ArgumentTypeError as error:
        raise SystemExit(f"illustra: ILLUSTRA_TOKEN_FILE: {error}") from None


def _add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url",
        type=_url,
        default=os.environ.get("ILLUSTRA_URL") or DEFAULT_URL,
        help="the gateway's URL (default: $ILLUSTRA_URL or %(default)s)",
    )
    # Never a --token: a command line is visible to every user of the machine (ps, /proc).
    parser.add_argument(
        "--token-file",
        dest="token",
        action=_TokenFile,
        default=_default_token(),
        metavar="PATH",
        help="file holding the API token, sent as 'Authorization: Bearer TOKEN' "
        "(default: $ILLUSTRA_TOKEN, else the file $ILLUSTRA_TOKEN_FILE)",
    )


def add_submit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Send documents (UTF-8 .txt/.md OCR text) to a running gateway and follow each to its end. Prints "
        "'document_id<TAB>file<TAB>final stage' per document on stdout; progress goes to stderr. Exit 0 when "
        "all completed, 1 when any ended in error or a file was skipped, 2 usage error, 3 server unreachable."
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="OCR text files")
    _add_connection_arguments(parser)
    parser.add_argument(
        "--user-id",
        type=_positive_int,
        default=None,
        help="the documents' owner (default: $ILLUSTRA_USER_ID or 1)",
    )
    parser.add_argument(
        "--no-wait", action="store_true", help="print the ids and exit without following them"
    )
    parser.add_argument(
        "--poll-interval",
        type=_seconds,
        default=1.0,
        help="seconds between status polls (default %(default)s)",
    )
    parser.add_argument(
        "--timeout", type=_seconds, default=None, help="give up waiting after this many seconds (exit 1)"
    )


def add_status_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Print a document's processing status (the API's data) as JSON."
    parser.add_argument("document_id", type=_positive_int, metavar="ID")
    _add_connection_arguments(parser)


def add_delete_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Delete a document with its results, attempts and cached model replies."
    parser.add_argument("document_id", type=_positive_int, metavar="ID")
    _add_connection_arguments(parser)


def add_get_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Print a document's result: the API's data as JSON, or its value table as CSV with a header row."
    )
    parser.add_argument("document_id", type=_positive_int, metavar="ID")
    parser.add_argument("--format", choices=("json", "csv"), default="json", help="default %(default)s")
    _add_connection_arguments(parser)


def _default_user_id(args: argparse.Namespace, err: TextIO) -> int | None:
    if args.user_id is not None:
        return args.user_id
    raw = os.environ.get("ILLUSTRA_USER_ID", "1")
    try:
        return _positive_int(raw)
    except argparse.ArgumentTypeError as error:
        print(f"illustra submit: ILLUSTRA_USER_ID {error}", file=err)
        return None


def run_submit(
    args: argparse.Namespace,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    user_id = _default_user_id(args, err)
    if user_id is None:
        return EXIT_USAGE
    client = Client(args.url, args.token)
    status = EXIT_OK

    documents: list[tuple[str, str]] = []
    for name in args.files:
        try:
            documents.append((name, read_document(Path(name))))
        except BadFile as error:
            print(f"illustra submit: {name}: {error}; skipped", file=err)
            status = EXIT_FAILED

    items: list[Tracked] = []

    def print_results() -> None:
        for item in items:
            print(f"{item.document_id}\t{item.file}\t{item.stage}", file=out)
        out.flush()

    for name, text in documents:
        try:
            document_id = client.save(Path(name).name, text, user_id)
        except Unreachable as error:
            print(f"illustra submit: {error}", file=err)
            print_results()
            return EXIT_UNREACHABLE
        except ApiError as error:
            print(f"illustra submit: {name}: refused: {error.message}", file=err)
            status = EXIT_FAILED
            continue
        items.append(Tracked(name, document_id))

    if args.no_wait or not items:
        print_results()
        return status

    progress = Progress(err, items, interactive=err.isatty(), width=_terminal_width())
    progress.render()
    deadline = clock() + args.timeout if args.timeout else None
    unreachable_since: float | None = None
    while not all(item.finished for item in items):
        if deadline is not None and clock() >= deadline:
            print(f"illustra submit: gave up waiting after {args.timeout:g} s", file=err)
            print_results()
            return EXIT_FAILED
        sleep(args.poll_interval)
        for item in items:
            if item.finished:
                continue
            try:
                data = client.status(item.document_id)
            except Unreachable as error:
                # A restart or a short outage: keep trying for a while before giving up.
                unreachable_since = unreachable_since if unreachable_since is not None else clock()
                if clock() - unreachable_since > max(30.0, 5 * args.poll_interval):
                    print(f"illustra submit: {error}", file=err)
                    print_results()
                    return EXIT_UNREACHABLE
                break
            except ApiError as error:
                item.stage, item.error = "error", error.message
                continue
            unreachable_since = None
            item.stage = data.get("processing_stage") or item.stage
            item.percent = int(data.get("progress_percentage") or 0)
            item.error = data.get("error_message")
        progress.render()

    print_results()
    if any(item.stage == "error" for item in items):
        status = EXIT_FAILED
    return status


def _terminal_width() -> int:
    try:
        columns = os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError):
        columns = 0
    return columns if columns >= 40 else 100


def _fail(command: str, error: Exception, err: TextIO) -> int:
    if isinstance(error, Unreachable):
        print(f"illustra {command}: {error}", file=err)
        return EXIT_UNREACHABLE
    assert isinstance(error, ApiError)
    print(f"illustra {command}: {error.message}", file=err)
    return EXIT_FAILED


def run_status(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        data = Client(args.url, args.token).status(args.document_id)
    except (Unreachable, ApiError) as error:
        return _fail("status", error, err)
    print(json.dumps(data, ensure_ascii=False, indent=2), file=out)
    return EXIT_OK


def run_delete(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        Client(args.url, args.token).delete(args.document_id)
    except (Unreachable, ApiError) as error:
        return _fail("delete", error, err)
    print(f"document {args.document_id} deleted", file=out)
    return EXIT_OK


def run_get(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        data = Client(args.url, args.token).document(args.document_id)
    except (Unreachable, ApiError) as error:
        return _fail("get", error, err)
    if args.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2), file=out)
        return EXIT_OK
    if data.get("value_table") is None:
        stage = data.get("processing_stage")
        print(f"illustra get: document {args.document_id} has no value table yet (stage: {stage})", file=err)
        return EXIT_FAILED
    out.write(value_table_csv(data["value_table"]))
    return EXIT_OK
