// wgrl plot: learning curves of run directories as SVG, PNG and one self-contained HTML report.
// Charts are Vega-Lite specifications rendered by Vega's headless view (SVG, no browser and no
// native canvas needed); PNGs are rasterised from the same SVG by resvg.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import { InputError, didYouMean, onFile } from '../errors.js';
import { loadRuns, type LoadedRun } from './runs.js';
import { DEFAULT_METRICS, METRICS, type MetricInfo } from './metrics.js';

/** Tableau 10: distinct at a glance, and safe for the common colour-vision deficiencies in its first six. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

export interface PlotOptions {
  /** Folder for the files (created). */
  out: string;
  /** Short names from METRICS or full logged field names; default DEFAULT_METRICS where logged. */
  metrics?: string[];
  /** Weight of the exponential moving average drawn over the raw curve, in [0, 1) (TensorBoard's smoothing). */
  smoothing?: number;
  /** Which files to write (default all three). */
  formats?: ('svg' | 'png' | 'html')[];
  log?: (message: string) => void;
}

/** `curves`: runs drawn (a run of several agents counts each agent). */
export interface PlotResult { files: string[]; figures: { env: string; metric: string; svg: string }[]; curves: number }

/** Resolves a --metrics name to a logged field, or throws naming the nearest one. */
function resolveMetric(name: string, logged: Set<string>): { key: string; info: MetricInfo } {
  if (METRICS[name]) return { key: name, info: METRICS[name] };
  const byField = Object.entries(METRICS).find(([, m]) => m.field === name);
  if (byField) return { key: byField[0], info: byField[1] };
  if (logged.has(name)) return { key: name.replace(/[^A-Za-z0-9_]+/g, '_'), info: { field: name, title: name } };
  const tail = [...logged].filter((f) => f.split('/').pop() === name);
  if (tail.length === 1) return { key: name, info: { field: tail[0], title: tail[0] } };
  const choices = [...Object.keys(METRICS), ...logged];
  throw new InputError(`unknown metric '${name}'${didYouMean(name, choices)}; choose from ${Object.keys(METRICS).join(', ')} or a logged field (${[...logged].join(', ')})`);
}

/** Debiased exponential moving average (TensorBoard's): the first points are not pulled towards 0. */
export function smooth(values: number[], weight: number): number[] {
  const out: number[] = [];
  let ema = 0;
  for (let i = 0; i < values.length; i++) {
    ema = weight * ema + (1 - weight) * values[i];
    out.push(weight === 0 ? values[i] : ema / (1 - weight ** (i + 1)));
  }
  return out;
}

function figureSpec(env: string, info: MetricInfo, runs: LoadedRun[], smoothing: number): TopLevelSpec | null {
  const weight = info.unsmoothed ? 0 : smoothing;
  const points: { step: number; value: number; smoothed: number; run: string }[] = [];
  for (const r of runs) {
    const kept = r.rows.filter((row) => typeof row[info.field] === 'number' && Number.isFinite(row[info.field] as number));
    const ys = smooth(kept.map((row) => row[info.field] as number), weight);
    kept.forEach((row, i) => points.push({ step: row.global_step as number, value: row[info.field] as number, smoothed: ys[i], run: r.label }));
  }
  if (!points.length) return null;
  const labels = runs.map((r) => r.label);
  const color = { field: 'run', type: 'nominal' as const, title: null, scale: { domain: labels, range: labels.map((_, i) => PALETTE[i % PALETTE.length]) },
    legend: { orient: 'bottom' as const, direction: 'horizontal' as const, columns: Math.min(labels.length, 3), symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1, labelLimit: 320 } };
  const x = { field: 'step', type: 'quantitative' as const, title: 'environment steps', axis: { format: '~s', labelExpr: "datum.value === 0 ? '0' : datum.label", tickCount: 6 } };
  const threshold = info.threshold ? runs.find((r) => r.threshold !== null)?.threshold ?? null : null;
  const layers: object[] = [
    { mark: { type: 'line', strokeWidth: weight > 0 ? 1 : 2.2, opacity: weight > 0 ? 0.3 : 1, clip: true }, encoding: { x, y: { field: 'value', type: 'quantitative', title: info.title, scale: { zero: false } }, color } },
  ];
  if (weight > 0) layers.push({ mark: { type: 'line', strokeWidth: 2.2, clip: true }, encoding: { x, y: { field: 'smoothed', type: 'quantitative' }, color } });
  if (threshold !== null) {
    layers.push(
      { data: { values: [{ y: threshold }] }, mark: { type: 'rule', strokeDash: [6, 4], color: '#333', strokeWidth: 1.2 }, encoding: { y: { field: 'y', type: 'quantitative' } } },
      { data: { values: [{ y: threshold, label: `threshold ${threshold}` }] }, mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -2, x: 0, fontSize: 11, color: '#333' },
        encoding: { y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } } },
    );
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${env}: ${info.title.split(' (')[0]}`, subtitle: weight > 0 ? `thin: every iteration; thick: moving average (smoothing ${weight})` : info.unsmoothed ? 'each logged value (already a mean over episodes)' : 'every iteration', anchor: 'start' },
    width: 560, height: 300, background: 'white', padding: 12,
    data: { values: points },
    layer: layers,
    config: {
      font: FONT,
      title: { fontSize: 15, subtitleFontSize: 11, subtitleColor: '#555' },
      axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e6e6e6', domainColor: '#888', tickColor: '#888' },
      legend: { labelFontSize: 12 },
      view: { stroke: '#bbb' },
    },
  } as TopLevelSpec;
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function pngOf(svg: string): Buffer {
  // Twice the SVG's size, so the figure stays sharp in slides and papers.
  return new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' }).render().asPng();
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Prefixes an SVG's ids (Vega names clip paths clip1, clip2… in every figure), so figures inlined in one page keep their own. */
function uniqueIds(svg: string, prefix: string): string {
  return svg.replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`).replace(/url\(#/g, `url(#${prefix}`).replace(/href="#/g, `href="#${prefix}`);
}

function reportHtml(runs: LoadedRun[], figures: PlotResult['figures']): string {
  const num = (v: unknown, d = 1) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '–');
  const rows = runs.map((r) => {
    const s = r.summary, last = r.rows[r.rows.length - 1];
    return `<tr><td>${esc(r.label)}</td><td>${esc(r.env)}</td><td>${esc(r.algo)}</td><td>${r.seed}</td>` +
      `<td>${num(last.global_step, 0)}</td><td>${num(last['charts/mean_return_100'])}</td><td>${r.threshold ?? '–'}</td>` +
      `<td>${s?.steps_to_threshold ?? '–'}</td><td>${num(s?.wall_seconds)}</td><td>${num(s?.sps, 0)}</td>` +
      `<td>${s ? (s.finished ? 'finished' : `stopped (${esc(String(s.stop_reason))})`) : 'in progress'}</td><td><code>${esc(r.dir)}</code></td></tr>`;
  }).join('\n');
  const configs = runs.map((r) => `<details><summary>${esc(r.label)}: config.json</summary><pre>${esc(JSON.stringify(r.config, null, 2))}</pre></details>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wgrl report: ${esc([...new Set(runs.map((r) => r.env))].join(', '))}</title>
<style>
body { font-family: ${FONT}; margin: 24px auto; max-width: 1240px; color: #222; padding: 0 12px; }
table { border-collapse: collapse; font-size: 13px; margin-bottom: 20px; } td, th { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 12px; }
.figures svg { width: 100%; height: auto; border: 1px solid #eee; }
pre { font-size: 12px; background: #f7f7f7; padding: 8px; }
</style></head><body>
<h1>wgrl training report</h1>
<p>${runs.length} run${runs.length > 1 ? 's' : ''}, written ${esc(new Date().toISOString())}. Steps are environment steps summed over all parallel environments.</p>
<table><thead><tr><th>run</th><th>env</th><th>algorithm</th><th>seed</th><th>steps</th><th>return (last 100)</th><th>threshold</th><th>steps to threshold</th><th>wall s</th><th>SPS</th><th>state</th><th>directory</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<div class="figures">
${figures.map((f, i) => uniqueIds(f.svg, `f${i}-`)).join('\n')}
</div>
${configs}
</body></html>
`;
}

/** Writes one SVG and PNG per (environment, metric) and report.html into opts.out; returns the paths. */
export async function plotRuns(dirs: string[], opts: PlotOptions): Promise<PlotResult> {
  const weight = opts.smoothing ?? 0.9;
  if (!(weight >= 0 && weight < 1)) throw new InputError(`--smoothing must be in [0, 1) (0 draws the raw curve only), got ${opts.smoothing}`);
  const formats = new Set(opts.formats ?? ['svg', 'png', 'html']);
  const runs = loadRuns(dirs, opts.log);
  const logged = new Set(runs.flatMap((r) => r.rows.flatMap((row) => Object.keys(row))).filter((k) => k !== 'iteration' && k !== 'global_step'));
  const chosen = opts.metrics?.length
    ? opts.metrics.map((m) => resolveMetric(m, logged))
    : DEFAULT_METRICS.map((m) => ({ key: m, info: METRICS[m] })).filter((m) => logged.has(m.info.field));
  const envs = [...new Set(runs.map((r) => r.env))];
  onFile(opts.out, 'create the plot folder', () => mkdirSync(opts.out, { recursive: true }));
  const files: string[] = [];
  const figures: PlotResult['figures'] = [];
  for (const env of envs) {
    const envRuns = runs.filter((r) => r.env === env);
    for (const { key, info } of chosen) {
      const spec = figureSpec(env, info, envRuns, weight);
      if (!spec) {
        if (opts.metrics?.length) opts.log?.(`${env}: no run logged ${info.field}; skipped`);
        continue;
      }
      const svg = await renderSvg(spec);
      figures.push({ env, metric: key, svg });
      const stem = join(opts.out, envs.length > 1 ? `${env}-${key}` : key);
      if (formats.has('svg')) { onFile(`${stem}.svg`, 'write', () => writeFileSync(`${stem}.svg`, svg)); files.push(`${stem}.svg`); }
      if (formats.has('png')) { const png = pngOf(svg); onFile(`${stem}.png`, 'write', () => writeFileSync(`${stem}.png`, png)); files.push(`${stem}.png`); }
    }
  }
  if (!figures.length) throw new InputError(`none of the metrics asked for was logged by these runs; logged: ${[...logged].join(', ')}`);
  if (formats.has('html')) {
    const path = join(opts.out, 'report.html');
    onFile(path, 'write', () => writeFileSync(path, reportHtml(runs, figures)));
    files.push(path);
  }
  return { files, figures, curves: runs.length };
}
