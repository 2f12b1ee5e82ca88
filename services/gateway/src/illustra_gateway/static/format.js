// Pure helpers: number and date formatting, CSV, the value table's columns, DOM building.

import { TABLE_COLUMNS } from "./contract.js";

// Columns holding money (the others are counts: year, age).
export const MONEY_COLUMNS = new Set(TABLE_COLUMNS.slice(2));

export const LOW_CONFIDENCE = 0.8;

const CURRENCIES = new Set(["USD", "HKD", "CNY"]);

export function moneyFormatter(locale, currency) {
  if (currency && CURRENCIES.has(currency)) {
    return new Intl.NumberFormat(locale, {
      style: "currency",
      currency,
      minimumFractionDigits: 0,
      maximumFractionDigits: 2,
    });
  }
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
}

export function compactFormatter(locale) {
  return new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 1 });
}

export function formatDate(locale, iso) {
  if (!iso) return null;
  const [year, month, day] = iso.slice(0, 10).split("-").map(Number);
  if (!year || !month || !day) return iso;
  return new Intl.DateTimeFormat(locale, { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" }).format(
    new Date(Date.UTC(year, month - 1, day)),
  );
}

export function formatDateTime(locale, iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

function csvField(value) {
  if (value === null || value === undefined) return "";
  // Text starting like a formula is never left for a spreadsheet to evaluate; numbers stay numbers.
  const text = typeof value === "number" ? String(value) : String(value).replace(/^[=+\-@\t\r]/, "'$&");
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The value table as CSV: a header row of the column names, then one row per policy year. */
export function valueTableCsv(rows, columns = TABLE_COLUMNS) {
  const lines = [columns.join(",")];
  for (const row of rows || []) lines.push(columns.map((column) => csvField(row[column])).join(","));
  return lines.join("\r\n") + "\r\n";
}

/** "proposal.final.txt" → "proposal.final"; used to name downloads. */
export function fileStem(name) {
  const base = (name || "document").split(/[\\/]/).pop();
  const dot = base.lastIndexOf(".");
  return (dot > 0 ? base.slice(0, dot) : base) || "document";
}

export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Build an element: h("p", {class: "x", text: "hello"}, child, …). Text is always set as text, never HTML. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") element.textContent = value;
    else if (name === "class") element.className = value;
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}
