/**
 * The dashboard's activity charts: completed and failed tasks per minute of
 * one topic, over the last hour (60 stacked bars) and the last day (two
 * lines of 1,440 points) on the topic's page, and the last hour as a
 * sparkline in each row of the overview, as server-rendered SVG: no script,
 * so they work with JavaScript off and in any runtime. Each chart carries its
 * numbers in `data-` attributes and a `<title>` that says them in words. A
 * span in which nothing completed or failed is a line of words, not an empty
 * chart's height.
 *
 * @module
 */

import { html, raw } from "hono/html";
import type { Activity } from "../../types.ts";
import { count } from "./format.ts";
import type { Html } from "./html.ts";

const MINUTE = 60_000;
const W = 600;
const H = 90;

interface Series {
  /** Epoch ms of each minute, oldest first. */
  minutes: number[];
  completed: number[];
  failed: number[];
}

/** One topic's completed and failed counts for each of the `n` minutes ending at the database's `now`. */
export function perMinute(activity: Activity, topic: string, n: number): Series {
  const last = Math.floor(activity.now / MINUTE) * MINUTE;
  const first = last - (n - 1) * MINUTE;
  const minutes = Array.from({ length: n }, (_, i) => first + i * MINUTE);
  const completed = new Array<number>(n).fill(0);
  const failed = new Array<number>(n).fill(0);
  for (const m of activity.minutes) {
    if (m.topic !== topic || m.minute < first || m.minute > last) continue;
    const i = (m.minute - first) / MINUTE;
    completed[i] += m.completed;
    failed[i] += m.failed;
  }
  return { minutes, completed, failed };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

function frame(kind: string, s: Series, span: string, body: string): Html {
  const c = sum(s.completed);
  const f = sum(s.failed);
  if (c + f === 0) {
    return html`
      <figure class="chart idle" data-span="${span}" data-completed="0" data-failed="0">
        <figcaption>Idle: nothing completed or failed in the last ${span}.</figcaption>
      </figure>
    `;
  }
  const peak = Math.max(0, ...s.completed.map((x, i) => x + s.failed[i]));
  const words = `${count(c)} completed and ${count(f)} failed in the last ${span} (peak ${count(peak)} a minute)`;
  return html`
    <figure class="chart">
      <svg viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" class="chart ${kind}"
        data-span="${span}"
        data-completed="${c}" data-failed="${f}"
        data-peak="${peak}"><title>${words}</title>${raw(body)}</svg>
      <div class="axis"><span>${hhmm(s.minutes[0])}</span><span>${hhmm(
        s.minutes[s.minutes.length - 1],
      )} UTC</span></div>
      <figcaption>last ${span}: <span class="ok">${count(c)} completed</span>, <span class="error">${count(
        f,
      )} failed</span>, peak ${count(peak)}/min</figcaption>
    </figure>
  `;
}

/** The last hour: a stacked bar per minute (completed below, failed above), each a `<g data-minute>`. */
export function hourChart(activity: Activity, topic: string): Html {
  const s = perMinute(activity, topic, 60);
  const peak = Math.max(1, ...s.completed.map((x, i) => x + s.failed[i]));
  const bw = W / 60;
  const bars = s.minutes.map((m, i) => {
    const hc = (s.completed[i] / peak) * H;
    const hf = (s.failed[i] / peak) * H;
    const x = (i * bw).toFixed(1);
    const w = (bw - 1).toFixed(1);
    return `<g data-minute="${new Date(m).toISOString()}" data-completed="${s.completed[i]}" data-failed="${
      s.failed[i]
    }"><rect class="completed" x="${x}" y="${(H - hc).toFixed(1)}" width="${w}" height="${hc.toFixed(1)}"/>` +
      `<rect class="failed" x="${x}" y="${(H - hc - hf).toFixed(1)}" width="${w}" height="${hf.toFixed(1)}"/></g>`;
  }).join("");
  return frame("hour", s, "hour", `<line x1="0" y1="${H}" x2="${W}" y2="${H}" class="base"/>${bars}`);
}

/** The last day: a line per series over 1,440 minutes. */
export function dayChart(activity: Activity, topic: string): Html {
  const s = perMinute(activity, topic, 1440);
  const peak = Math.max(1, ...s.completed, ...s.failed);
  const line = (ys: number[], cls: string) =>
    `<polyline class="${cls}" points="${
      ys.map((y, i) => `${((i / 1439) * W).toFixed(1)},${(H - (y / peak) * H).toFixed(1)}`).join(" ")
    }"/>`;
  return frame(
    "day",
    s,
    "day",
    // failed first, so where both are zero the line shows as "completed"
    `<line x1="0" y1="${H}" x2="${W}" y2="${H}" class="base"/>${line(s.failed, "failed")}${
      line(s.completed, "completed")
    }`,
  );
}

const SPARK_H = 20;

/**
 * The last hour in a table cell: a bar per minute (completed below, failed
 * above) as two paths of vertical strokes, under 2 KB whatever happened; a
 * word, not a chart, when nothing completed or failed.
 */
export function sparkline(activity: Activity, topic: string): Html {
  const s = perMinute(activity, topic, 60);
  const c = sum(s.completed);
  const f = sum(s.failed);
  if (c + f === 0) return html`<span class="muted" data-completed="0" data-failed="0">idle</span>`;
  const peak = Math.max(...s.completed.map((x, i) => x + s.failed[i]));
  const y = (n: number) => (SPARK_H - (n / peak) * SPARK_H).toFixed(1);
  const strokes = (from: (i: number) => number, to: (i: number) => number) =>
    s.minutes.map((_, i) => (to(i) > from(i) ? `M${i + 0.5} ${y(from(i))}V${y(to(i))}` : "")).join("");
  const done = strokes(() => 0, (i) => s.completed[i]);
  const failed = strokes((i) => s.completed[i], (i) => s.completed[i] + s.failed[i]);
  return html`
    <svg class="spark" viewBox="0 0 60 ${SPARK_H}" preserveAspectRatio="none" role="img" data-completed="${c}"
      data-failed="${f}"
      data-peak="${peak}"><title>${count(c)} completed and ${count(f)} failed in the last hour (peak ${count(
        peak,
      )} a minute)</title>${raw(
        `<line x1="0" y1="${SPARK_H}" x2="60" y2="${SPARK_H}" class="base"/>` +
          `<path class="completed" d="${done}"/><path class="failed" d="${failed}"/>`,
      )}</svg>
  `;
}
