"""Hostile documents: every stage of the rules extractor ends within a CPU time and memory bound, whatever the
text. The cases are generated per family of pathological input (long runs of what patterns repeat, after the
words patterns look for), not written against any one pattern, so they also cover patterns added later.

Each document runs through the extractor's own sandbox, under RLIMIT_CPU and RLIMIT_AS: a pattern that takes
time quadratic in a run is stopped there and the test fails with the family's name, instead of hanging. The runs
are long enough that quadratic matching needs minutes, while linear matching needs well under a second."""

from __future__ import annotations

import time

import pytest

from illustra_extractor.engines import RulesEngine
from illustra_extractor.limits import DocumentRefused, ExtractionLimits
from illustra_extractor.sandbox import ExtractionStopped, Sandbox, SandboxLimits
from illustra_shared.lifecycle import StageReport
from illustra_shared.settings import Settings
from tests.support import EXAMPLES_DIR

CPU_BOUND_S = 6
MEMORY_BOUND_MIB = 512
RUN = 10_000

# What patterns repeat over: the runs an attacker writes.
FILLERS = {
    "spaces": " ",
    "ideographic spaces": "\u3000",
    "tabs": "\t",
    "digits": "1",
    "digits and spaces": "1 ",
    "separators in an amount": ",.",
    "commas": "1,",
    "dots": ".",
    "dashes": "-",
    "pipes": "|",
    "pipes and spaces": " |",
    "letters": "a",
    "letters and spaces": "a ",
    "misread digits": "o",
    "ideographs": "年",
    "ages": "1岁 ",
    "tags": "<td>",
    "open parentheses": "(",
}
# What patterns look for before a run: labels, header words, bullets, dates, markup, in the scripts proposals
# use. The lines of the example documents add the labels real proposals carry.
TRIGGERS = [
    "",
    "1 ",
    "1.",
    "• ",
    "- ",
    "① ",
    "* ",
    "# ",
    "有效期",
    "有效期為",
    "保障至",
    "保障",
    "至",
    "cover to age ",
    "valid for ",
    "第",
    "第1",
    "policy year ",
    "age ",
    "年度 ",
    "2025年",
    "2025-",
    "<table>",
    "<table><tr><td>",
    "<tr>",
    "<td colspan=",
    "page ",
    "有限公司",
    "Life Insurance Company ",
    "保險計劃書",
    "Name of insured: ",
    "姓名:",
    "姓名  ",
    "tel: ",
    "policy no: ",
    "applicant: ",
    "a@",
    "+852 ",
    "USD ",
    "回本",
    "|",
]


def _example_labels() -> list[str]:
    labels = []
    for path in sorted(EXAMPLES_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            label = line.strip()[:12]
            if label:
                labels.append(label)
    return labels


def _document(lines: list[str]) -> str:
    """A plausible proposal with ``lines`` among its own: some patterns look only at the first lines (titles),
    others only once a table or a heading has been found."""
    example = (EXAMPLES_DIR / "hk_savings_plan.txt").read_text(encoding="utf-8")
    return "\n".join([*lines[:6], example, *lines])


@pytest.fixture(scope="module")
def sandbox():
    sandbox = Sandbox(1, SandboxLimits(cpu_s=CPU_BOUND_S, memory_mib=MEMORY_BOUND_MIB))
    yield sandbox
    sandbox.close()


def extract_within_bounds(sandbox: Sandbox, text: str) -> None:
    """All three stages, each in the sandbox: ExtractionStopped (the test's failure) past either bound."""
    basic = sandbox.call("basic_info", text)
    table = sandbox.call("value_table", text, basic)
    sandbox.call("summary", text, basic, table)


@pytest.mark.parametrize("filler", FILLERS.values(), ids=FILLERS.keys())
def test_runs_after_any_trigger(sandbox, filler):
    run = filler * (RUN // len(filler))
    lines = [trigger + run + end for trigger in TRIGGERS + _example_labels() for end in ("x", "")]
    # In documents of the size extraction accepts (EXTRACT_MAX_CHARS): all lines in one would be three times
    # that, and its linear work alone (a million number cells for "1 ") came near the CPU bound on a slow machine.
    # _document repeats the first six lines and adds an example proposal.
    per_document = (Settings().extract_max_chars - 10_000) // max(map(len, lines)) - 6
    documents = [
        _document(lines[start : start + per_document]) for start in range(0, len(lines), per_document)
    ]
    assert all(len(document) <= Settings().extract_max_chars for document in documents)
    assert len(documents) > 1
    for document in documents:
        extract_within_bounds(sandbox, document)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("1 " + "1" * 100_000 + "x", id="a digit run ending in a letter"),
        pytest.param(" " * 100_000, id="a line of spaces"),
        pytest.param("有效期" + " " * 100_000 + "x", id="spaces after a validity label"),
        pytest.param("保障至" + " " * 100_000 + "x", id="spaces after a cover label"),
        pytest.param("• " + " " * 100_000 + "x", id="spaces after a bullet"),
        pytest.param("USD 1" + ",." * 50_000 + "x", id="separators in an amount"),
        pytest.param("<table>" + "<tr><td>1" * 20_000, id="an unclosed table"),
        pytest.param("<table>" * 20_000 + "</table>", id="nested tables"),
        pytest.param("(" * 50_000 + ")" * 50_000, id="deep parentheses"),
        pytest.param("<table><tr><td colspan=10000000>1</td></tr></table>", id="a colspan bomb"),
        pytest.param(
            "<table><tr><td colspan=" + "9" * 50_000 + ">1</td></tr></table>", id="a colspan of 50000 digits"
        ),
        pytest.param(
            "<table>" + "<tr><td colspan=9999>1</td></tr>" * 2_000 + "</table>", id="many wide cells"
        ),
        pytest.param("保單年度 年齡 保證現金價值\n" + "1 " * 200_000, id="a megabyte row"),
        pytest.param("x" * 1_000_000, id="a megabyte line"),
    ],
)
def test_pathological_documents(sandbox, text):
    extract_within_bounds(sandbox, _document([text]))


@pytest.mark.parametrize(
    "oddity",
    [
        pytest.param("\ud800\udfff", id="lone surrogates"),
        pytest.param("\u200b\u200e\u202e\ufeff", id="zero-width and direction marks"),
        pytest.param("\u2028\u2029\x85\x0b\x0c\r", id="line separators other than newline"),
        pytest.param("\x00\x01\x7f", id="control characters"),
        pytest.param("e\u0301" * 3 + "\u0300" * 1_000, id="combining marks"),
        pytest.param("１２３，４５６．７８", id="full-width digits"),
        pytest.param("𝟏𝟐𝟑 ⅻ ½ ①②", id="other digits"),
        pytest.param("\U0001f600" * 1_000, id="astral characters"),
    ],
)
def test_unicode_oddities(sandbox, oddity):
    lines = [trigger + oddity * 50 + "1,000" for trigger in TRIGGERS]
    extract_within_bounds(sandbox, _document(lines))


HEAVY = _document(["保單年度 年齡 保證現金價值"] + ["1岁 " * 3_000] * 300)


def test_a_stage_past_its_cpu_time_is_stopped_from_outside():
    sandbox = Sandbox(1, SandboxLimits(cpu_s=1, memory_mib=MEMORY_BOUND_MIB))
    try:
        with pytest.raises(ExtractionStopped, match="more than its 1 s of CPU time"):
            for _ in range(20):  # each round about a second of CPU; the limit counts per call
                sandbox.call("value_table", HEAVY * 4, sandbox.call("basic_info", "x"))
        # A new child takes the stopped one's place.
        assert sandbox.call("basic_info", "x") is not None
    finally:
        sandbox.close()


def test_a_stage_past_its_memory_is_stopped():
    sandbox = Sandbox(1, SandboxLimits(cpu_s=CPU_BOUND_S, memory_mib=160))
    try:
        with pytest.raises(ExtractionStopped, match="more than its 160 MiB of memory"):
            sandbox.call("value_table", HEAVY * 8, sandbox.call("basic_info", "x"))
    finally:
        sandbox.close()


def test_documents_past_the_limits_are_refused_with_the_reason():
    limits = ExtractionLimits(
        max_chars=1_000,
        max_line_chars=100,
        max_cells=10,
        cpu_limit_s=1,
        memory_limit_mib=64,
        sandboxes=0,
        inline_max_chars=0,
        inline_max_line_chars=0,
    )
    limits.check("a" * 100 + "\n" + "<td>1</td>" * 10)
    with pytest.raises(DocumentRefused, match="1,001 characters, more than the 1,000"):
        limits.check("a\n" * 500 + "a")
    with pytest.raises(DocumentRefused, match="a line of 101 characters"):
        limits.check("a" * 101)
    with pytest.raises(DocumentRefused, match="11 table cells"):
        limits.check("<td>1</td>\n" * 11)


# -- documents extracted in the worker itself ------------------------------------------------------------------

LIMITS = ExtractionLimits.from_settings(Settings())
# Nothing stops these from outside but the supervisor's stall timeout: their size must bound their time. Linear
# matching takes milliseconds; a pattern quadratic in a line's length would take about 0.2 s at the limits.
INLINE_CPU_BOUND_S = 0.5


def _inline_documents(filler: str) -> list[str]:
    """Lines of every trigger followed by a run of ``filler`` as long as a line may be, packed into documents as
    large as the worker extracts itself."""
    head = (EXAMPLES_DIR / "hk_savings_plan.txt").read_text(encoding="utf-8")
    documents, lines = [], [head]
    for trigger in TRIGGERS + _example_labels():
        for end in ("x", ""):
            run = filler * ((LIMITS.inline_max_line_chars - len(trigger) - len(end)) // len(filler))
            line = trigger + run + end
            if sum(map(len, lines)) + len(lines) + len(line) > LIMITS.inline_max_chars:
                documents.append("\n".join(lines))
                lines = [head]
            lines.append(line)
    return [*documents, "\n".join(lines)]


@pytest.mark.parametrize("filler", FILLERS.values(), ids=FILLERS.keys())
def test_documents_the_worker_extracts_itself_end_quickly_whatever_their_runs(filler):
    engine, report = RulesEngine(LIMITS), StageReport()
    for text in _inline_documents(filler):
        assert LIMITS.fits_inline(text)
        started = time.thread_time()
        basic = engine.basic_info(text, report)
        engine.summary(text, basic, engine.value_table(text, basic, report), report)
        assert time.thread_time() - started < INLINE_CPU_BOUND_S


def test_only_documents_past_the_inline_size_go_to_the_sandbox():
    sandbox = Sandbox(1, SandboxLimits(cpu_s=CPU_BOUND_S, memory_mib=MEMORY_BOUND_MIB))
    engine = RulesEngine(LIMITS, sandbox)
    proposal = (EXAMPLES_DIR / "hk_savings_plan.txt").read_text(encoding="utf-8")
    try:
        assert LIMITS.fits_inline(proposal)
        engine.basic_info(proposal, StageReport())
        assert not sandbox.idle  # no child was needed

        one_long_line = proposal + "\n" + "1 " * LIMITS.inline_max_line_chars
        long_document = proposal + ("\n" + proposal) * (LIMITS.inline_max_chars // len(proposal))
        for text in (one_long_line, long_document):
            assert not LIMITS.fits_inline(text)
            engine.basic_info(text, StageReport())
        assert len(sandbox.idle) == 1
    finally:
        sandbox.close()
