// The value chart: inline SVG, drawn here without any library.

const SVG = "http://www.w3.org/2000/svg";

export const CHART_SERIES = [
  { key: "total_premiums_paid", className: "series-premiums" },
  { key: "guaranteed_cash_value", className: "series-guaranteed" },
  { key: "total_surrender_value", className: "series-surrender" },
];

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      element.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
  }
  return element;
}

/** About `count` round tick values from 0 up to at least `max`. */
export function niceTicks(max, count = 5) {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= rough);
  const ticks = [];
  for (let value = 0; value < max + step * 0.999; value += step) ticks.push(Math.round(value * 1e6) / 1e6);
  return ticks;
}

/** Integer ticks for the policy-year axis: at most about `count` labels. */
export function yearTicks(min, max, count = 10) {
  const span = Math.max(1, max - min);
  const step = [1, 2, 5, 10, 20, 25, 50].find((s) => span / s <= count) || Math.ceil(span / count);
  const ticks = [];
  const first = Math.ceil(min / step) * step;
  if (first > min) ticks.push(min);
  for (let value = first; value <= max; value += step) ticks.push(value);
  return ticks;
}

/**
 * Draw the chart.
 * rows: the value table; breakevenYear: a number or null; text: {title, desc, breakeven(year), series(key), year};
 * formatAxis(number) for the y axis; formatValue(number) for point titles.
 */
export function renderChart(rows, { breakevenYear, text, formatAxis, formatValue }) {
  const width = 760;
  const height = 340;
  const margin = { top: 28, right: 28, bottom: 48, left: 72 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;

  const points = rows.filter((row) => Number.isFinite(row.policy_year));
  const years = points.map((row) => row.policy_year);
  const minYear = Math.min(...years);
  const maxYear = Math.max(...years);
  const maxValue = Math.max(
    1,
    ...points.flatMap((row) => CHART_SERIES.map(({ key }) => (Number.isFinite(row[key]) ? row[key] : 0))),
  );
  const yTicks = niceTicks(maxValue);
  const yMax = yTicks[yTicks.length - 1];
  const x = (year) => margin.left + (maxYear === minYear ? plotWidth / 2 : ((year - minYear) / (maxYear - minYear)) * plotWidth);
  const y = (value) => margin.top + plotHeight - (value / yMax) * plotHeight;

  const titleId = `chart-title-${Math.random().toString(36).slice(2, 8)}`;
  const chart = svg("svg", {
    class: "value-chart",
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-labelledby": `${titleId} ${titleId}-desc`,
    preserveAspectRatio: "xMidYMid meet",
  });
  chart.append(svg("title", { id: titleId }, text.title), svg("desc", { id: `${titleId}-desc` }, text.desc));

  const grid = svg("g", { class: "grid", "aria-hidden": "true" });
  for (const tick of yTicks) {
    grid.append(
      svg("line", { x1: margin.left, x2: width - margin.right, y1: y(tick), y2: y(tick), class: tick === 0 ? "axis-line" : "grid-line" }),
      svg("text", { x: margin.left - 10, y: y(tick), class: "tick-label tick-y", "text-anchor": "end", "dominant-baseline": "middle" }, formatAxis(tick)),
    );
  }
  for (const year of yearTicks(minYear, maxYear)) {
    grid.append(
      svg("line", { x1: x(year), x2: x(year), y1: margin.top + plotHeight, y2: margin.top + plotHeight + 5, class: "axis-line" }),
      svg("text", { x: x(year), y: margin.top + plotHeight + 20, class: "tick-label", "text-anchor": "middle" }, String(year)),
    );
  }
  grid.append(
    svg("text", { x: margin.left + plotWidth / 2, y: height - 6, class: "axis-title", "text-anchor": "middle" }, text.year),
  );
  chart.append(grid);

  if (Number.isFinite(breakevenYear) && breakevenYear >= minYear && breakevenYear <= maxYear) {
    const bx = x(breakevenYear);
    const anchorEnd = bx > margin.left + plotWidth * 0.75;
    chart.append(
      svg(
        "g",
        { class: "breakeven", "data-year": breakevenYear },
        svg("line", { x1: bx, x2: bx, y1: margin.top - 6, y2: margin.top + plotHeight, class: "breakeven-line" }),
        svg(
          "text",
          { x: anchorEnd ? bx - 8 : bx + 8, y: margin.top + 6, class: "breakeven-label", "text-anchor": anchorEnd ? "end" : "start" },
          text.breakeven(breakevenYear),
        ),
      ),
    );
  }

  for (const { key, className } of CHART_SERIES) {
    const series = points.filter((row) => Number.isFinite(row[key]));
    if (!series.length) continue;
    const path = series.map((row, i) => `${i ? "L" : "M"}${x(row.policy_year).toFixed(1)},${y(row[key]).toFixed(1)}`).join(" ");
    const group = svg("g", { class: `series ${className}`, "data-series": key });
    group.append(svg("path", { d: path, class: "series-line", "data-series": key, fill: "none" }));
    for (const row of series) {
      group.append(
        svg(
          "circle",
          { cx: x(row.policy_year).toFixed(1), cy: y(row[key]).toFixed(1), r: 3.2, class: "series-point" },
          svg("title", {}, `${text.series(key)} · ${text.year} ${row.policy_year}: ${formatValue(row[key])}`),
        ),
      );
    }
    chart.append(group);
  }
  return chart;
}
