"""The pure parts of ``illustra submit | status | get``: files, CSV, progress rendering, arguments, error bodies."""

from __future__ import annotations

import argparse
import csv
import io

import pytest

from illustra import client
from illustra.cli import build_parser
from illustra.client import (
    BadFile,
    Progress,
    Tracked,
    progress_bar,
    progress_line,
    read_document,
    value_table_csv,
)

ROWS = [
    {
        "policy_year": 1,
        "age": 36,
        "total_premiums_paid": 8000.0,
        "guaranteed_cash_value": 0.0,
        "non_guaranteed_value": 0.0,
        "total_surrender_value": 0.0,
        "death_benefit": 8080.0,
    },
    {
        "policy_year": 2,
        "age": None,
        "total_premiums_paid": 16000.5,
        "guaranteed_cash_value": 5014,
        "non_guaranteed_value": 0,
        "total_surrender_value": 5014,
        "death_benefit": 16160,
    },
]


# -- CSV ------------------------------------------------------------------------------------------------------


def test_the_value_table_csv_has_a_header_row_and_one_row_per_policy_year() -> None:
    text = value_table_csv(ROWS)
    assert text.splitlines() == [
        "policy_year,age,total_premiums_paid,guaranteed_cash_value,non_guaranteed_value,"
        "total_surrender_value,death_benefit",
        "1,36,8000,0,0,0,8080",  # whole floats without ".0"
        "2,,16000.5,5014,0,5014,16160",  # null as an empty field, fractions kept
    ]
    assert list(csv.DictReader(io.StringIO(text)))[1]["total_premiums_paid"] == "16000.5"


def test_an_empty_table_is_just_the_header_and_odd_values_are_quoted() -> None:
    assert value_table_csv([]) == ",".join(client.TABLE_COLUMNS) + "\n"
    formulas = value_table_csv(
        [{"policy_year": '=HYPERLINK("http://x")', "age": -5.0}], ("policy_year", "age")
    )
    assert formulas.splitlines()[1] == '"\'=HYPERLINK(""http://x"")",-5'
    text = value_table_csv([{"policy_year": 'a,"b"'}], columns=("policy_year",))
    assert text == 'policy_year\n"a,""b"""\n'


# -- files ----------------------------------------------------------------------------------------------------


def test_documents_are_read_as_utf8_and_bad_files_say_why(tmp_path) -> None:
    good = tmp_path / "good.txt"
    good.write_bytes("\ufeff受保人: 陳大文\n".encode())
    assert read_document(good) == "受保人: 陳大文\n"  # a byte-order mark is dropped

    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "latin1.txt").write_bytes("Prämie".encode("latin-1"))
    cases = {
        tmp_path / "missing.txt": "no such file",
        tmp_path / "empty.txt": "empty",
        tmp_path / "latin1.txt": "not UTF-8",
        tmp_path: "is a directory",
    }
    for path, reason in cases.items():
        with pytest.raises(BadFile, match=reason):
            read_document(path)


# -- progress -------------------------------------------------------------------------------------------------


def test_progress_bars_fill_in_proportion_and_clamp() -> None:
    assert progress_bar(0, 10) == "░" * 10
    assert progress_bar(50, 10) == "█" * 5 + "░" * 5
    assert progress_bar(100, 10, unicode=False) == "#" * 10
    assert progress_bar(33, 10, unicode=False) == "###-------"
    assert progress_bar(150, 4) == "████" and progress_bar(-5, 4) == "░░░░"


def test_a_progress_line_names_the_document_the_stage_in_words_and_the_failure() -> None:
    line = progress_line(Tracked("hk.txt", 12, "extracting_table", 50), 10, bar_width=10, unicode=False)
    assert line == "#12    hk.txt      [#####-----]  50 %  reading the value table"
    failed = Tracked("a/very/long/path/name.txt", 3, "error", 50, "value table failed after 3 attempts")
    line = progress_line(failed, 12, bar_width=4, unicode=False)
    assert "  …th/name.txt  " in line and line.endswith("failed: value table failed after 3 attempts")
    assert client.stage_words("pending") == "queued" and client.stage_words("new_stage") == "new_stage"


class _Stream(io.StringIO):
    encoding = "utf-8"


def test_without_a_terminal_progress_is_one_line_per_change() -> None:
    stream = _Stream()
    items = [Tracked("a.txt", 1), Tracked("b.txt", 2)]
    progress = Progress(stream, items, interactive=False)
    progress.render()
    progress.render()  # nothing changed: nothing written
    items[0].stage, items[0].percent = "extracting_basic_info", 20
    progress.render()
    items[1].stage, items[1].percent, items[1].error = "error", 0, "basic information failed"
    progress.render()
    assert stream.getvalue().splitlines() == [
        "a.txt (document 1): 0 % queued",
        "b.txt (document 2): 0 % queued",
        "a.txt (document 1): 20 % reading basic information",
        "b.txt (document 2): 0 % failed: basic information failed",
    ]
    assert "\x1b" not in stream.getvalue()


def test_on_a_terminal_the_bars_are_redrawn_in_place() -> None:
    stream = _Stream()
    items = [Tracked("a.txt", 1), Tracked("b.txt", 2)]
    progress = Progress(stream, items, interactive=True, width=200)
    progress.render()
    first = stream.getvalue()
    assert first.count("\n") == 2 and first.startswith("\x1b[2K") and "\x1b[2F" not in first
    items[0].stage, items[0].percent = "all_completed", 100
    progress.render()
    second = stream.getvalue()[len(first) :]
    assert second.startswith("\x1b[2F")  # back up over the two bars, then redraw them
    assert second.count("\x1b[2K") == 2 and "100 %  completed" in second and "█" * 24 in second


# -- arguments ------------------------------------------------------------------------------------------------


def _parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def test_submit_arguments_take_their_defaults_from_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("ILLUSTRA_URL", raising=False)
    monkeypatch.delenv("ILLUSTRA_TOKEN", raising=False)
    args = _parse("submit", "a.txt", "b.md")
    assert (args.files, args.url, args.token, args.user_id, args.no_wait) == (
        ["a.txt", "b.md"],
        "http://127.0.0.1:8080",
        None,
        None,
        False,
    )
    assert args.run.__name__ == "_submit"

    monkeypatch.setenv("ILLUSTRA_URL", "https://illustra.example.com/")
    monkeypatch.setenv("ILLUSTRA_TOKEN", "s3cret")
    args = _parse("submit", "a.txt", "--user-id", "12", "--no-wait")
    assert (args.url, args.token, args.user_id, args.no_wait) == (
        "https://illustra.example.com",
        "s3cret",
        12,
        True,
    )
    token_file = tmp_path / "token"
    token_file.write_text("t\n")
    assert _parse("submit", "a.txt", "--url", "http://h:1", "--token-file", str(token_file)).token == "t"
    monkeypatch.delenv("ILLUSTRA_TOKEN")
    monkeypatch.setenv("ILLUSTRA_TOKEN_FILE", str(token_file))
    assert _parse("submit", "a.txt").token == "t"
    with pytest.raises(SystemExit):
        _parse("submit", "a.txt", "--token", "t")  # a token on the command line is visible to everyone


@pytest.mark.parametrize(
    "argv",
    [
        ["submit"],  # no file
        ["submit", "a.txt", "--user-id", "0"],
        ["submit", "a.txt", "--user-id", "x"],
        ["submit", "a.txt", "--url", "ftp://host"],
        ["submit", "a.txt", "--url", "localhost:8080"],
        ["submit", "a.txt", "--poll-interval", "0"],
        ["status"],
        ["status", "abc"],
        ["status", "-3"],
        ["get", "1", "--format", "xml"],
    ],
)
def test_usage_errors_exit_2(argv, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _parse(*argv)
    assert exit_info.value.code == 2
    assert "usage: illustra" in capsys.readouterr().err


def test_status_and_get_arguments() -> None:
    args = _parse("status", "42", "--url", "http://127.0.0.1:9")
    assert (args.document_id, args.url, args.run.__name__) == (42, "http://127.0.0.1:9", "_status")
    args = _parse("get", "7", "--format", "csv")
    assert (args.document_id, args.format, args.run.__name__) == (7, "csv", "_get")
    assert _parse("get", "7").format == "json"


def test_a_bad_user_id_in_the_environment_is_a_usage_error(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ILLUSTRA_USER_ID", "nobody")
    err = io.StringIO()
    assert client.run_submit(_parse("submit", str(tmp_path / "a.txt")), out=io.StringIO(), err=err) == 2
    assert "ILLUSTRA_USER_ID must be a positive integer" in err.getvalue()


# -- error bodies ---------------------------------------------------------------------------------------------


def test_the_api_message_is_taken_from_an_error_body() -> None:
    assert client.error_message(404, b'{"status": "error", "message": "document 9 does not exist"}') == (
        "document 9 does not exist"
    )
    assert client.error_message(502, b"<html>Bad Gateway</html>", "Bad Gateway") == "HTTP 502 Bad Gateway"
    assert client.error_message(500, b'{"status": "error"}') == "HTTP 500"
