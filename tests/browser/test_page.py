"""The brokers' page in a real headless Chromium against the real stack (gateway, status service, extractor and edge
as processes): paste or choose a document, follow its progress, read the result, switch language, download it.
Screenshots go to tests/browser/artifacts/ for people to look at."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from ..support import EXAMPLES_DIR, Stack, illustra

pytestmark = pytest.mark.integration

SERIES = ("total_premiums_paid", "guaranteed_cash_value", "total_surrender_value")
DONE_TIMEOUT_MS = 60_000


class PageProblems:
    """JavaScript errors and console errors of a page (network answers the test expects are not problems)."""

    def __init__(self, page: Any) -> None:
        self.messages: list[str] = []
        page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: (
                self.messages.append(f"console: {message.text}")
                if message.type == "error" and "Failed to load resource" not in message.text
                else None
            ),
        )


@pytest.fixture
def context(browser) -> Iterator[Any]:
    opened = browser.new_context(
        viewport={"width": 1440, "height": 900},
        locale="zh-HK",
        accept_downloads=True,
        reduced_motion="reduce",  # no animation half-way through a screenshot
    )
    try:
        yield opened
    finally:
        opened.close()


def new_user_id() -> str:
    return str(100_000 + uuid.uuid4().int % 900_000)


def open_page(context: Any, origin: str, path: str = "/") -> tuple[Any, PageProblems]:
    page = context.new_page()
    problems = PageProblems(page)
    page.goto(origin + path)
    page.wait_for_selector("body[data-ready='true']")
    return page, problems


def issue_token(stack: Stack, user_id: int) -> str:
    """A real token from ``illustra token create``: a token the API does not know is refused even with auth off."""
    result = subprocess.run(
        illustra("token", "create", str(user_id)), env=stack.env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip().splitlines()[-1]


def set_user(page: Any, user_id: str, token: str | None = None) -> None:
    page.fill("#user-id", user_id)
    page.press("#user-id", "Tab")  # "change" fires: remembered, the list reloads
    if token is not None:
        page.fill("#api-token", token)
        page.press("#api-token", "Tab")


def wait_done(page: Any) -> int:
    page.wait_for_selector("#progress-bar[aria-valuenow='100']", timeout=DONE_TIMEOUT_MS)
    page.wait_for_selector("#value-table tbody tr", timeout=DONE_TIMEOUT_MS)
    return int(page.evaluate("location.hash").removeprefix("#document-"))


def api_document(stack: Stack, document_id: int) -> dict[str, Any]:
    answer = requests.get(f"{stack.origin}/api/ocr/documents/{document_id}/?include_text=true", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def read_download(page: Any, selector: str) -> tuple[str, str]:
    with page.expect_download() as info:
        page.click(selector)
    download = info.value
    return download.suggested_filename, Path(download.path()).read_text(encoding="utf-8")


def test_a_broker_pastes_a_proposal_follows_its_progress_and_reads_the_result(
    stack: Stack, context: Any, artifacts: Path
) -> None:
    text = (EXAMPLES_DIR / "hk_savings_plan.txt").read_text(encoding="utf-8")
    page, problems = open_page(context, stack.origin)
    api_requests: list[tuple[str, str | None]] = []
    page.on(
        "request",
        lambda request: (
            api_requests.append((request.url, request.headers.get("authorization")))
            if "/api/" in request.url
            else None
        ),
    )
    assert page.get_attribute("html", "lang") == "zh-Hant"  # the browser prefers Chinese
    assert page.inner_text("#submit-title") == "提交建議書"

    # Nothing to submit yet: the form says so, and sends nothing.
    user_id = new_user_id()
    token = issue_token(stack, int(user_id))
    set_user(page, user_id, token=token)
    api_requests.clear()  # from here on every request carries the token
    page.click("#submit-button")
    assert page.inner_text("#form-error") == "請貼上 OCR 文字或選擇檔案。"

    percents: list[int] = []
    page.expose_function("reportPercent", lambda value: percents.append(int(value)))
    page.evaluate(
        """() => new MutationObserver(() => window.reportPercent(
               document.getElementById('progress-bar').getAttribute('aria-valuenow')))
             .observe(document.getElementById('progress-bar'), {attributes: true})"""
    )
    page.fill("#ocr-text", text)
    page.click("#submit-button")
    document_id = wait_done(page)

    # The progress reached 100 % without going backwards, with the stage in words.
    assert percents and percents[-1] == 100 and percents == sorted(percents)
    assert page.inner_text("#progress-percent") == "100 %"
    assert page.inner_text("#progress-stage") == "已完成"
    assert page.locator("#progress-steps [data-state='done']").count() == 3
    assert page.is_hidden("#form-error")

    data = api_document(stack, document_id)
    assert (data["file_name"], data["user_id"], data["ocr_content"]) == ("pasted.txt", int(user_id), text)
    assert api_requests and all(auth == f"Bearer {token}" for _, auth in api_requests), api_requests

    # Basic information, in the policy currency.
    basic = data["basic_info"]
    assert page.inner_text("#basic-card [data-field='insured_name']") == basic["insured_name"]
    assert page.inner_text("#basic-card [data-field='annual_premium']") == "US$8,000"
    assert page.inner_text("#basic-card [data-field='premium_term_years']") == "5 年"

    # The table: one row per value-table row, money in the currency, doubtful cells marked.
    table = data["value_table"]
    rows = page.locator("#value-table tbody tr")
    assert rows.count() == len(table)
    second = rows.nth(1)
    assert second.locator("[data-column='policy_year']").inner_text() == str(table[1]["policy_year"])
    assert second.locator("[data-column='total_premiums_paid']").inner_text() == "US$16,000"
    cells = data["extraction_meta"]["value_table"]["rows"]
    doubtful = [
        (index, column)
        for index, row in enumerate(cells)
        for column, meta in row.items()
        if meta["confidence"] < 0.8
    ]
    assert page.locator("#value-table .low-confidence").count() == len(doubtful)
    for index, column in doubtful:
        cell = rows.nth(index).locator(f"[data-column='{column}']")
        assert "low-confidence" in (cell.get_attribute("class") or "")
        title = cell.get_attribute("title") or ""
        assert title.startswith(f"置信度 {round(cells[index][column]['confidence'] * 100)} %")
        for issue in cells[index][column]["issues"]:
            assert issue in title

    # The chart: the three series with a point per row, and the break-even year marked.
    chart = page.locator("#chart-card svg.value-chart")
    assert chart.is_visible()
    for key in SERIES:
        assert chart.locator(f"g[data-series='{key}'] path.series-line").count() == 1
        assert chart.locator(f"g[data-series='{key}'] circle").count() == len(table)
    breakeven = data["summary"]["breakeven_year"]
    marker = chart.locator(f".breakeven[data-year='{breakeven}']")
    assert marker.locator("line").count() == 1
    assert marker.locator("text").text_content() == f"回本：第 {breakeven} 年"

    # The summary.
    summary = data["summary"]
    assert page.locator("#summary-card .key-points li").count() == len(summary["key_points"])
    assert page.inner_text("#summary-card [data-field='proposal_date']") == "2025年3月14日"

    # The list shows the document, current and completed.
    item = page.locator(f"#docs-list [data-document-id='{document_id}']")
    assert item.get_attribute("aria-current") == "true" and "已完成" in item.inner_text()

    page.screenshot(path=str(artifacts / "page-zh-Hant.png"), full_page=True)

    # Downloads: the table as CSV, the whole result as JSON.
    name, csv_text = read_download(page, "#download-csv")
    assert name == "pasted-value-table.csv"
    downloaded = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(downloaded) == len(table)
    assert [float(downloaded[1][key]) for key in SERIES] == [table[1][key] for key in SERIES]
    name, json_text = read_download(page, "#download-json")
    assert name == "pasted-result.json"
    result = json.loads(json_text)
    assert result["id"] == document_id and result["value_table"] == table

    # English, remembered across a reload (with the user id, the token and the open document).
    page.click("#lang-toggle")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("#progress-stage") == "Completed"
    assert page.inner_text("#value-table thead th[data-column='policy_year']") == "Policy year"
    assert marker.locator("text").text_content() == f"Break-even: year {breakeven}"
    assert page.inner_text("#lang-toggle") == "中文"
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    assert page.get_attribute("html", "lang") == "en"
    assert page.input_value("#user-id") == user_id and page.input_value("#api-token") == token
    # The token is kept for the tab only, never where it outlives it.
    assert page.evaluate("localStorage.getItem('illustra.token')") is None
    assert page.evaluate("sessionStorage.getItem('illustra.token')") == token
    formulas = page.evaluate(
        "import('/static/format.js')"
        ".then((f) => f.valueTableCsv([{policy_year: '=1+1', age: -5}], ['policy_year', 'age']))"
    )
    assert formulas.splitlines()[1] == "'=1+1,-5"
    assert wait_done(page) == document_id
    assert page.inner_text("#basic-card [data-field='premium_term_years']") == "5 years"
    page.screenshot(path=str(artifacts / "page-en.png"), full_page=True)

    # A phone: one column, nothing wider than the screen (the table and the chart scroll inside their boxes).
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "page-narrow.png"), full_page=True)
    assert not problems.messages, problems.messages


def test_a_broker_chooses_a_file_and_opens_an_earlier_document_from_the_list(
    stack: Stack, context: Any
) -> None:
    user_id = new_user_id()
    earlier_text = (EXAMPLES_DIR / "en_wealth_builder.txt").read_text(encoding="utf-8")
    earlier = stack.submit(earlier_text, "earlier.txt", user_id=int(user_id))
    stack.wait_finished(earlier)

    page, problems = open_page(context, stack.origin)
    set_user(page, user_id)
    page.wait_for_selector(f"#docs-list [data-document-id='{earlier}']")

    chosen = EXAMPLES_DIR / "cn_annuity.txt"
    page.set_input_files("#file-input", str(chosen))
    page.wait_for_selector("#file-name:has-text('cn_annuity.txt')")
    assert page.input_value("#ocr-text") == chosen.read_text(encoding="utf-8")
    page.click("#submit-button")
    document_id = wait_done(page)
    data = api_document(stack, document_id)
    assert data["file_name"] == "cn_annuity.txt" and data["user_id"] == int(user_id)
    assert page.inner_text("#progress-file") == "cn_annuity.txt"
    assert page.inner_text("#basic-card [data-field='currency']") == "CNY"
    assert (
        page.inner_text("#value-table tbody tr:first-child [data-column='total_premiums_paid']")
        == "CN¥10,000"
    )

    # Newest first; open the earlier one with the keyboard.
    ids = page.eval_on_selector_all(
        "#docs-list [data-document-id]", "items => items.map(i => +i.dataset.documentId)"
    )
    assert ids == [document_id, earlier]
    page.focus(f"#docs-list [data-document-id='{earlier}']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/#document-{earlier}")
    assert wait_done(page) == earlier
    page.wait_for_selector("#progress-file:text-is('earlier.txt')")
    page.wait_for_selector("#basic-card [data-field='currency']:has-text('HKD')")
    rows = page.locator("#value-table tbody tr").count()
    assert rows == len(stack.document(earlier)["value_table"])
    assert not problems.messages, problems.messages


def test_the_page_and_its_files_come_from_the_one_origin_with_types_and_cache_headers(stack: Stack) -> None:
    page = requests.get(stack.origin + "/", timeout=10)
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-cache" and page.headers["etag"]
    for name, content_type in (("app.js", "text/javascript"), ("style.css", "text/css")):
        answer = requests.get(f"{stack.origin}/static/{name}", timeout=10)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(content_type)
        again = requests.get(
            f"{stack.origin}/static/{name}", headers={"If-None-Match": answer.headers["etag"]}, timeout=10
        )
        assert again.status_code == 304
    missing = requests.get(f"{stack.origin}/static/nothing.js", timeout=10)
    assert missing.status_code == 404 and missing.json()["status"] == "error"


@pytest.fixture
def broken_stack(tmp_path) -> Iterator[Stack]:
    running = Stack(tmp_path).start()
    try:
        running.database.execute("DROP TABLE value_table_rows")  # a real fault: the table stage fails
        yield running
    finally:
        running.stop()


def test_a_failed_document_shows_the_message_and_a_retry_button(
    broken_stack: Stack, context: Any, artifacts: Path
) -> None:
    page, problems = open_page(context, broken_stack.origin)
    page.click("#lang-toggle")
    set_user(page, new_user_id())
    page.fill("#ocr-text", (EXAMPLES_DIR / "en_wealth_builder.txt").read_text(encoding="utf-8"))
    page.click("#submit-button")

    page.wait_for_selector("#progress-error:not([hidden])", timeout=DONE_TIMEOUT_MS)
    assert page.inner_text("#progress-stage") == "Failed"
    assert "is-error" in (page.get_attribute("#progress-bar", "class") or "")
    assert page.get_attribute("#progress-bar", "aria-valuenow") == "50"
    message = page.inner_text("#progress-error-message")
    assert message.startswith("value table failed after 3 attempts")
    assert page.get_attribute("#progress-steps li:nth-child(2)", "data-state") == "failed"
    # What the first stage produced is shown.
    page.wait_for_selector("#basic-card [data-field='insured_name']:has-text('CHAN TAI MAN')")

    with page.expect_response(lambda response: "/retry/" in response.url) as answered:
        page.click("#retry-button")
    status = answered.value.status
    page.wait_for_selector("#retry-message")  # visible once it says something
    shown = page.inner_text("#retry-message")
    if status in (404, 405):  # the retry route is not there yet
        assert shown.startswith("Retrying is not available on this server yet.")
    elif status == 200:
        assert shown.startswith("Processing restarted.")
        page.wait_for_selector("#progress-error:not([hidden])", timeout=DONE_TIMEOUT_MS)  # fails again
    else:
        assert shown == answered.value.json()["message"]
    page.screenshot(path=str(artifacts / "page-error.png"), full_page=True)
    assert not problems.messages, problems.messages
