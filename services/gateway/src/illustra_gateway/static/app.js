// The brokers' page: submit OCR text, follow its progress, show the result, list the user's documents.

import { createApi } from "./api.js";
import { CHART_SERIES, renderChart } from "./chart.js";
import { BASIC_FIELDS, STAGES, TABLE_COLUMNS } from "./contract.js";
import {
  LOW_CONFIDENCE,
  MONEY_COLUMNS,
  compactFormatter,
  download,
  fileStem,
  formatDate,
  formatDateTime,
  h,
  moneyFormatter,
  valueTableCsv,
} from "./format.js";
import { language, locale, setLanguage, t, translatePage } from "./i18n.js";

const STORAGE = { language: "illustra.language", userId: "illustra.userId", token: "illustra.token" };
const STEPS = [
  { key: "basic_info", running: "extracting_basic_info", done: "basic_info_completed" },
  { key: "value_table", running: "extracting_table", done: "table_completed" },
  { key: "summary", running: "extracting_summary", done: "all_completed" },
];
const FAST_POLLS = 5; // the first polls come every second, then every 3 s as the other frontends do
const FAST_POLL_MS = 1000;
const POLL_MS = 3000;
const PAGE_SIZE = 10;

const $ = (id) => document.getElementById(id);

// The token is kept for the tab only (sessionStorage): it is gone once the tab is closed.
function remember(key, value, area = "localStorage") {
  try {
    if (value) window[area].setItem(key, value);
    else window[area].removeItem(key);
  } catch {
    /* storage may be disabled; the page still works */
  }
}

function recall(key, area = "localStorage") {
  try {
    return window[area].getItem(key);
  } catch {
    return null;
  }
}

const state = {
  fileName: null, // name of the chosen file while the text area holds its text
  formError: null, // {key} or {message}
  tracking: null, // the document shown: {id, fileName, status, document, polls, trouble, fatal, retry, graceErrors}
  generation: 0, // bumped whenever another document is shown, so stale polls stop
  timer: null,
  list: null, // the list endpoint's answer
  listError: null,
  listPage: 1,
};

const api = createApi(() => $("api-token").value.trim());

function readUserId() {
  const raw = $("user-id").value.trim();
  return /^[1-9][0-9]{0,17}$/.test(raw) ? raw : null;
}

function errorText(error) {
  return error?.status === 0 ? t("error.network") : error?.message || String(error);
}

function stageIndex(stage) {
  return STAGES.indexOf(stage);
}

function stageLabel(stage) {
  return t(`stage.${stage}`) === `stage.${stage}` ? stage : t(`stage.${stage}`);
}

// -- submitting -------------------------------------------------------------------------------------------

function renderFormError() {
  const element = $("form-error");
  const error = state.formError;
  element.hidden = !error;
  element.textContent = error ? (error.key ? t(error.key) : error.message) : "";
}

function setFormError(error, focus) {
  state.formError = error;
  renderFormError();
  if (focus) focus.focus();
}

function renderFileName() {
  $("file-name").textContent = state.fileName ? t("field.fileLoaded", { name: state.fileName }) : "";
}

async function onFileChosen() {
  const input = $("file-input");
  const file = input.files[0];
  input.value = "";
  if (!file) return;
  if (!/\.(txt|md)$/i.test(file.name)) return setFormError({ key: "error.fileType" });
  const bytes = await file.arrayBuffer();
  if (!bytes.byteLength) return setFormError({ key: "error.fileEmpty" });
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return setFormError({ key: "error.fileEncoding" });
  }
  $("ocr-text").value = text.replace(/^\uFEFF/, "");
  state.fileName = file.name;
  setFormError(null);
  renderFileName();
}

async function onSubmit(event) {
  event.preventDefault();
  const userId = readUserId();
  if (!userId) return setFormError({ key: "error.userId" }, $("user-id"));
  const text = $("ocr-text").value;
  if (!text.trim()) return setFormError({ key: "error.emptyText" }, $("ocr-text"));
  setFormError(null);
  const button = $("submit-button");
  button.disabled = true;
  button.firstElementChild.textContent = t("submit.sending");
  const fileName = state.fileName || "pasted.txt";
  try {
    const answer = await api.save(fileName, text, Number(userId));
    state.listPage = 1;
    track(answer.document_id, fileName);
    loadList();
  } catch (error) {
    setFormError({ message: errorText(error) });
  } finally {
    button.disabled = false;
    button.firstElementChild.textContent = t("submit.button");
  }
}

// -- following a document ---------------------------------------------------------------------------------

function track(id, fileName, { fromRetry = false } = {}) {
  const generation = ++state.generation;
  clearTimeout(state.timer);
  const previous = state.tracking;
  const same = previous && previous.id === id;
  state.tracking = {
    id,
    fileName: fileName || (same ? previous.fileName : null),
    status: fromRetry && same ? previous.status : null,
    document: fromRetry && same ? previous.document : null,
    polls: 0,
    trouble: false,
    fatal: null,
    retry: fromRetry && same ? previous.retry : null,
    graceErrors: fromRetry ? 3 : 0,
  };
  history.replaceState(null, "", `#document-${id}`);
  $("placeholder").hidden = true;
  $("progress-card").hidden = false;
  if (!fromRetry) renderResult();
  renderProgress();
  renderList();
  if (!fromRetry && window.matchMedia("(max-width: 900px)").matches) {
    $("progress-card").scrollIntoView({ block: "start" }); // on a phone the form is above: show the progress
  }
  poll(generation);
}

function schedule(generation, delay) {
  clearTimeout(state.timer);
  state.timer = setTimeout(() => poll(generation), delay);
}

async function poll(generation) {
  const tracking = state.tracking;
  let status;
  try {
    status = await api.status(tracking.id);
  } catch (error) {
    if (generation !== state.generation) return;
    if (error.status === 404) tracking.fatal = { key: "error.notFound" };
    else if (error.status === 401 || error.status === 403) tracking.fatal = { message: error.message };
    else {
      tracking.trouble = true; // the network or a 503: keep trying, calmly
      schedule(generation, POLL_MS);
    }
    renderProgress();
    return;
  }
  if (generation !== state.generation) return;
  const previous = tracking.status?.processing_stage;
  const stage = status.processing_stage;
  tracking.status = status;
  tracking.trouble = false;
  tracking.polls += 1;
  renderProgress();
  if (stage !== previous) {
    if (stage === "error" || stageIndex(stage) >= stageIndex("basic_info_completed")) {
      await loadDocument(generation);
    }
    if (previous !== undefined) loadList();
  }
  if (stage === "error" && tracking.graceErrors > 0) {
    tracking.graceErrors -= 1; // a retry was accepted; the restart may not show on the very first poll
    schedule(generation, FAST_POLL_MS);
  } else if (stage !== "all_completed" && stage !== "error") {
    tracking.graceErrors = 0;
    schedule(generation, tracking.polls < FAST_POLLS ? FAST_POLL_MS : POLL_MS);
  }
}

async function loadDocument(generation) {
  const tracking = state.tracking;
  try {
    const document = await api.document(tracking.id);
    if (generation !== state.generation) return;
    tracking.document = document;
    tracking.fileName = document.file_name || tracking.fileName;
    renderProgress();
    renderResult();
  } catch (error) {
    if (generation === state.generation) tracking.trouble = true;
  }
}

async function onRetry() {
  const tracking = state.tracking;
  if (!tracking) return;
  const button = $("retry-button");
  button.disabled = true;
  button.firstElementChild.textContent = t("retry.sending");
  try {
    const answer = await api.retry(tracking.id);
    tracking.retry = { key: "retry.started", detail: answer?.message };
    track(tracking.id, tracking.fileName, { fromRetry: true });
  } catch (error) {
    if (error.status === 404 || error.status === 405) {
      tracking.retry = { key: "retry.unavailable", detail: error.message };
    } else {
      tracking.retry = { message: errorText(error) };
      if (error.status === 409) track(tracking.id, tracking.fileName, { fromRetry: true });
    }
    renderProgress();
  } finally {
    button.disabled = false;
    button.firstElementChild.textContent = t("retry.button");
  }
}

function failedStep(status, document) {
  const failure = [...(document?.stage_attempts || [])].reverse().find((a) => a.outcome === "failure");
  if (failure) return failure.stage;
  const percent = status?.progress_percentage ?? 0;
  return percent < 33 ? "basic_info" : percent < 66 ? "value_table" : "summary";
}

function renderProgress() {
  const tracking = state.tracking;
  if (!tracking) return;
  const status = tracking.status;
  const stage = status?.processing_stage ?? "pending";
  const percent = status?.progress_percentage ?? 0;
  const isError = stage === "error";
  $("progress-file").textContent = tracking.fileName || t("progress.document", { id: tracking.id });
  $("progress-doc").textContent = t("progress.document", { id: tracking.id });
  $("progress-percent").textContent = `${percent} %`;
  const bar = $("progress-bar");
  bar.setAttribute("aria-valuenow", String(percent));
  bar.setAttribute("aria-valuetext", `${stageLabel(stage)} · ${percent} %`);
  bar.classList.toggle("is-error", isError);
  bar.classList.toggle("is-done", stage === "all_completed");
  bar.firstElementChild.style.width = `${percent}%`;
  $("progress-stage").textContent = status ? stageLabel(stage) : "…";
  $("progress-stage").dataset.stage = status ? stage : "";

  const failed = isError ? failedStep(status, tracking.document) : null;
  const position = stageIndex(stage);
  $("progress-steps").replaceChildren(
    ...STEPS.map((step, index) => {
      let state = "waiting";
      if (isError) {
        const failedIndex = STEPS.findIndex((s) => s.key === failed);
        state = index < failedIndex ? "done" : index === failedIndex ? "failed" : "waiting";
      } else if (position >= stageIndex(step.done)) state = "done";
      else if (position >= stageIndex(step.running)) state = "active";
      return h("li", { class: `step step-${state}`, dataset: { state } }, h("span", { class: "step-dot", "aria-hidden": "true" }), t(`step.${step.key}`));
    }),
  );

  const notice = $("progress-notice");
  notice.hidden = !tracking.trouble;
  notice.textContent = tracking.trouble ? t("error.pollingTrouble") : "";

  const errorBox = $("progress-error");
  const fatal = tracking.fatal;
  errorBox.hidden = !(isError || fatal);
  $("progress-error-message").textContent = fatal
    ? fatal.key
      ? t(fatal.key)
      : fatal.message
    : status?.error_message || stageLabel("error");
  $("retry-button").hidden = !isError;
  const retry = tracking.retry;
  $("retry-message").textContent = retry
    ? [retry.key ? t(retry.key) : retry.message, retry.key && retry.detail ? `(${retry.detail})` : ""].join(" ").trim()
    : "";
  $("retry-message").hidden = !retry;
}

// -- the result -------------------------------------------------------------------------------------------

function confidenceNote(meta) {
  const parts = [t("table.cellTitle", { confidence: `${Math.round(meta.confidence * 100)} %` })];
  if (meta.issues?.length) parts.push(t("table.issues", { issues: meta.issues.join("; ") }));
  return parts.join("\n");
}

function isLow(meta) {
  return meta && typeof meta.confidence === "number" && meta.confidence < LOW_CONFIDENCE;
}

function lowMarker() {
  return h("span", { class: "visually-hidden" }, ` (${t("table.lowConfidence")})`);
}

function basicValue(field, value, money) {
  if (value === null || value === undefined || value === "") return null;
  switch (field) {
    case "gender":
      return t(`value.${value}`);
    case "smoker":
      return t(value ? "value.yes" : "value.no");
    case "payment_mode":
      return t(`value.${value}`);
    case "premium_term_years":
      return t("value.years", { n: value });
    case "coverage_to_age":
      return t("value.age", { n: value });
    case "sum_assured":
    case "annual_premium":
      return money.format(value);
    default:
      return String(value);
  }
}

function renderBasic(document, money) {
  const basic = document.basic_info;
  const fields = document.extraction_meta?.basic_info?.fields || {};
  const items = BASIC_FIELDS.map((field) => {
    const meta = fields[field];
    const low = isLow(meta);
    const shown = basicValue(field, basic[field], money);
    return h(
      "div",
      { class: `fact${field === "product_name" || field === "insurer" ? " fact-wide" : ""}` },
      h("dt", { text: t(`basic.${field}`) }),
      h(
        "dd",
        { class: [low ? "low-confidence" : "", shown === null ? "missing" : ""].join(" ").trim() || null, title: low ? confidenceNote(meta) : null, dataset: { field } },
        shown ?? t("value.missing"),
        low ? lowMarker() : null,
      ),
    );
  });
  return h("section", { id: "basic-card", class: "card", "aria-labelledby": "basic-title" }, h("h2", { id: "basic-title", text: t("basic.title") }), h("dl", { class: "facts" }, items));
}

function renderSummary(document) {
  const summary = document.summary;
  const place = locale();
  const facts = [
    ["proposal_date", formatDate(place, summary.proposal_date)],
    ["valid_until", formatDate(place, summary.valid_until)],
    ["breakeven_year", summary.breakeven_year ? t("summary.breakevenValue", { year: summary.breakeven_year }) : null],
  ];
  return h(
    "section",
    { id: "summary-card", class: "card", "aria-labelledby": "summary-title" },
    h("h2", { id: "summary-title", text: t("summary.title") }),
    h(
      "dl",
      { class: "facts facts-dates" },
      facts.map(([key, value]) =>
        h("div", { class: "fact" }, h("dt", { text: t(`summary.${key}`) }), h("dd", { class: value ? null : "missing", dataset: { field: key } }, value ?? t("value.missing"))),
      ),
    ),
    summary.overview ? h("div", { class: "overview" }, h("h3", { text: t("summary.overview") }), h("p", { text: summary.overview })) : null,
    summary.key_points?.length
      ? h("div", { class: "key-points" }, h("h3", { text: t("summary.key_points") }), h("ul", {}, summary.key_points.map((point) => h("li", { text: point }))))
      : null,
  );
}

function renderChartCard(document, money) {
  const rows = document.value_table;
  const breakevenYear = document.summary?.breakeven_year ?? null;
  const axis = compactFormatter(locale());
  const chart = renderChart(rows, {
    breakevenYear,
    formatAxis: (value) => axis.format(value),
    formatValue: (value) => money.format(value),
    text: {
      title: t("chart.title"),
      desc: t("chart.desc"),
      year: t("chart.year"),
      breakeven: (year) => t("chart.breakeven", { year }),
      series: (key) => t(`table.${key}`),
    },
  });
  const legend = h(
    "ul",
    { class: "legend" },
    CHART_SERIES.map(({ key, className }) => h("li", { class: className }, h("span", { class: "swatch", "aria-hidden": "true" }), t(`table.${key}`))),
    breakevenYear ? h("li", { class: "legend-breakeven" }, h("span", { class: "swatch", "aria-hidden": "true" }), t("chart.breakeven", { year: breakevenYear })) : null,
  );
  return h(
    "section",
    { id: "chart-card", class: "card", "aria-labelledby": "chart-title" },
    h("h2", { id: "chart-title", text: t("chart.title") }),
    legend,
    h("div", { class: "chart-frame" }, chart),
    breakevenYear ? null : h("p", { class: "muted small", text: t("chart.noBreakeven") }),
  );
}

function renderTable(document, money) {
  const rows = document.value_table;
  const cells = document.extraction_meta?.value_table?.rows || [];
  const currency = document.basic_info?.currency || "";
  const number = new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 });
  const breakevenYear = document.summary?.breakeven_year;
  let hasLow = false;
  const body = rows.map((row, index) =>
    h(
      "tr",
      { class: row.policy_year === breakevenYear ? "breakeven-row" : null },
      TABLE_COLUMNS.map((column) => {
        const meta = cells[index]?.[column];
        const low = isLow(meta);
        hasLow ||= low;
        const value = row[column];
        const shown = value === null || value === undefined ? t("value.missing") : MONEY_COLUMNS.has(column) ? money.format(value) : number.format(value);
        return h(
          column === "policy_year" ? "th" : "td",
          {
            scope: column === "policy_year" ? "row" : null,
            class: [MONEY_COLUMNS.has(column) ? "num" : "num num-short", low ? "low-confidence" : ""].join(" ").trim(),
            title: low ? confidenceNote(meta) : null,
            dataset: { column, confidence: meta?.confidence ?? "" },
          },
          shown,
          low ? lowMarker() : null,
        );
      }),
    ),
  );
  const caption = t("table.caption", { currency: currency || "—", count: rows.length });
  return h(
    "section",
    { id: "table-card", class: "card", "aria-labelledby": "table-title" },
    h("h2", { id: "table-title", text: t("table.title") }),
    h(
      "div",
      { class: "table-scroll", tabindex: "0", role: "region", "aria-label": caption },
      h(
        "table",
        { id: "value-table", class: "value-table" },
        h("caption", { class: "visually-hidden", text: caption }),
        h("thead", {}, h("tr", {}, TABLE_COLUMNS.map((column) => h("th", { scope: "col", class: "num", dataset: { column }, text: t(`table.${column}`) })))),
        h("tbody", {}, body),
      ),
    ),
    hasLow ? h("p", { class: "table-legend small" }, h("span", { class: "low-confidence-sample", "aria-hidden": "true" }, "123"), t("table.legend")) : null,
  );
}

function renderAttempts(document) {
  const attempts = document.stage_attempts || [];
  if (!attempts.length) return null;
  const seconds = new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 });
  return h(
    "details",
    { class: "card attempts" },
    h("summary", { text: t("attempts.title") }),
    h(
      "div",
      { class: "table-scroll" },
      h(
        "table",
        { class: "attempts-table" },
        h("thead", {}, h("tr", {}, ["stage", "attempt", "outcome", "duration", "error"].map((key) => h("th", { scope: "col", text: t(`attempts.${key}`) })))),
        h(
          "tbody",
          {},
          attempts.map((attempt) => {
            const duration = attempt.finished_at ? (new Date(attempt.finished_at) - new Date(attempt.started_at)) / 1000 : null;
            return h(
              "tr",
              {},
              h("td", { text: t(`step.${attempt.stage}`) }),
              h("td", { class: "num", text: String(attempt.attempt) }),
              h("td", { class: `outcome outcome-${attempt.outcome}`, text: t(`outcome.${attempt.outcome}`) }),
              h("td", { class: "num", text: duration === null ? "—" : `${seconds.format(duration)} s`, title: formatDateTime(locale(), attempt.started_at) }),
              h("td", { class: "attempt-error", text: attempt.error || "" }),
            );
          }),
        ),
      ),
    ),
  );
}

function renderResult() {
  const container = $("result");
  const document = state.tracking?.document;
  if (!document || !(document.basic_info || document.value_table || document.summary || document.stage_attempts?.length)) {
    container.hidden = true;
    container.replaceChildren();
    return;
  }
  const money = moneyFormatter(locale(), document.basic_info?.currency);
  const stem = fileStem(document.file_name);
  const toolbar = h(
    "div",
    { class: "result-toolbar" },
    h("span", { class: "muted small", text: t("result.download") }),
    document.value_table
      ? h("button", { type: "button", id: "download-csv", class: "button button-secondary", onclick: () => download(`${stem}-value-table.csv`, valueTableCsv(document.value_table), "text/csv;charset=utf-8") }, t("result.csv"))
      : null,
    h("button", { type: "button", id: "download-json", class: "button button-secondary", onclick: () => download(`${stem}-result.json`, JSON.stringify(document, null, 2) + "\n", "application/json") }, t("result.json")),
  );
  const overview = h("div", { class: "result-grid" }, document.basic_info ? renderBasic(document, money) : null, document.summary ? renderSummary(document) : null);
  container.replaceChildren(
    ...[
    toolbar,
    overview.childElementCount ? overview : null,
    document.value_table?.length ? renderChartCard(document, money) : null,
    document.value_table ? renderTable(document, money) : null,
    renderAttempts(document),
  ].filter(Boolean));
  container.hidden = false;
}

// -- the user's documents ---------------------------------------------------------------------------------

async function loadList() {
  const userId = readUserId();
  if (!userId) {
    state.list = null;
    state.listError = null;
    renderList();
    return;
  }
  try {
    let answer = await api.list(userId, state.listPage, PAGE_SIZE);
    if (answer.pagination.pages && state.listPage > answer.pagination.pages) {
      state.listPage = answer.pagination.pages;
      answer = await api.list(userId, state.listPage, PAGE_SIZE);
    }
    if (readUserId() !== userId) return; // the user id changed meanwhile
    state.list = answer;
    state.listError = null;
  } catch (error) {
    state.listError = errorText(error);
  }
  renderList();
}

function renderList() {
  const message = $("docs-message");
  const list = $("docs-list");
  const pager = $("docs-pager");
  const answer = state.list;
  if (!readUserId()) {
    message.textContent = t("docs.needUser");
    message.hidden = false;
    list.replaceChildren();
    pager.hidden = true;
    return;
  }
  message.textContent = state.listError || (answer && !answer.data.length ? t("docs.empty") : "");
  message.hidden = !message.textContent;
  message.classList.toggle("form-error", Boolean(state.listError));
  if (!answer) return;
  const currentId = state.tracking?.id;
  list.replaceChildren(
    ...answer.data.map((document) => {
      const stage = document.processing_stage;
      const badge = stage === "all_completed" || stage === "error" ? stageLabel(stage) : `${stageLabel(stage)} · ${document.progress_percentage} %`;
      return h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: "doc-item",
            "aria-current": document.id === currentId ? "true" : null,
            dataset: { documentId: document.id },
            onclick: () => track(document.id, document.file_name),
          },
          h("span", { class: "doc-name", text: document.file_name }),
          h("span", { class: "doc-meta", text: `#${document.id} · ${formatDateTime(locale(), document.created_at)}` }),
          h("span", { class: `badge badge-${document.status}`, text: badge }),
        ),
      );
    }),
  );
  const { page, pages } = answer.pagination;
  pager.hidden = pages <= 1;
  $("docs-page").textContent = t("docs.page", { page, pages: Math.max(pages, 1) });
  $("docs-prev").disabled = page <= 1;
  $("docs-next").disabled = page >= pages;
}

// -- language and start -----------------------------------------------------------------------------------

function renderAll() {
  translatePage();
  renderFormError();
  renderFileName();
  if (state.tracking) renderProgress();
  renderResult();
  renderList();
}

function toggleLanguage() {
  remember(STORAGE.language, setLanguage(language() === "en" ? "zh-Hant" : "en"));
  renderAll();
}

function start() {
  const stored = recall(STORAGE.language);
  const preferred = (navigator.languages || [navigator.language]).some((tag) => /^zh/i.test(tag || "")) ? "zh-Hant" : "en";
  setLanguage(stored || preferred);
  $("user-id").value = recall(STORAGE.userId) || "";
  remember(STORAGE.token, null); // a token an earlier version kept beyond the tab
  $("api-token").value = recall(STORAGE.token, "sessionStorage") || "";

  $("lang-toggle").addEventListener("click", toggleLanguage);
  $("submit-form").addEventListener("submit", onSubmit);
  $("file-input").addEventListener("change", onFileChosen);
  $("ocr-text").addEventListener("input", () => {
    if (!$("ocr-text").value && state.fileName) {
      state.fileName = null;
      renderFileName();
    }
  });
  $("user-id").addEventListener("change", () => {
    const userId = readUserId();
    remember(STORAGE.userId, userId);
    state.listPage = 1;
    state.list = null;
    loadList();
  });
  $("api-token").addEventListener("change", () => {
    remember(STORAGE.token, $("api-token").value.trim(), "sessionStorage");
    loadList();
  });
  $("retry-button").addEventListener("click", onRetry);
  $("docs-refresh").addEventListener("click", loadList);
  $("docs-prev").addEventListener("click", () => {
    state.listPage = Math.max(1, state.listPage - 1);
    loadList();
  });
  $("docs-next").addEventListener("click", () => {
    state.listPage += 1;
    loadList();
  });

  renderAll();
  loadList();
  const linked = location.hash.match(/^#document-(\d+)$/);
  if (linked) track(Number(linked[1]), null);
  document.body.dataset.ready = "true";
}

start();
