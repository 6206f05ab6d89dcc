// The in-browser demo: the same Trainer as in Node, on navigator.gpu. Charts update once per
// iteration from the one report the trainer reads back; the environments are drawn from their
// GPU state. `window.wgrlDemo` exposes the plotted series for the browser test.
import uPlot from 'uplot';
import {
  createBrowserDevice, Trainer, PolicyPlayback, ENV_IDS, ALGOS, ALGORITHMS, getEnv, adapterName, checkpointBytes, parseCheckpoint, restoreCheckpoint, parseMetricLines,
  makeConfig, type WgrlDevice, type IterationMetrics, type Algo, type TrainConfig,
} from '../src/browser.js';
import { drawEnv, envText } from './render.js';

type SeriesKey = 'ret' | 'kl' | 'clip' | 'sps';
type Series = { steps: number[] } & Record<SeriesKey, (number | null)[]>;
/**
 * A curve on the charts: a run training here (trainer set; `agent` its index in the trainer,
 * several runs sharing one trainer train in one pass) or a metrics.jsonl opened from disk.
 */
interface Run { name: string; trainer: Trainer | null; agent: number; series: Series; metrics: IterationMetrics[]; colour: string; dash?: number[] }
interface DemoState {
  status: string; adapter: string; runs: Record<string, Series>; errors: string[];
  /** Iterations finished since the page loaded, and greedy playback steps drawn. */
  iterations: number; watchSteps: number; watchLastReturn: number | null;
  /** Text tasks (SortDigits): the drawn environments' prompt and output as text. */
  envText: string[];
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const state: DemoState = { status: 'loading', adapter: '', runs: {}, errors: [], iterations: 0, watchSteps: 0, watchLastReturn: null, envText: [] };
(window as unknown as { wgrlDemo: DemoState }).wgrlDemo = state;

let dev: WgrlDevice | null = null;
let runs: Run[] = [];
let running = false;
/** The training loop in flight: Pause and Reset wait for it, so no readback is cut off. */
let loopDone: Promise<void> | null = null;

/** One colour per algorithm, the same in single and compare mode; opened files are drawn dashed. */
const ALGO_COLOURS: Record<string, string> = { ppo: '#4e79a7', 'ppo-kl': '#76b7b2', spo: '#e15759', 'spo-kl': '#f28e2b', a2c: '#59a14f', trpo: '#b07aa1', grpo: '#8cd17d' };
const FILE_COLOURS = ['#9c755f', '#555555', '#edc948', '#ff9da7'];

for (const id of ENV_IDS) $<HTMLSelectElement>('env').add(new Option(id, id));
for (const a of ALGOS) $<HTMLSelectElement>('algo').add(new Option(a, a, a === 'spo', a === 'spo'));

// ---- settings: the controls, read from and written to the page's URL so a run can be shared
const NUMERIC = ['seed', 'numEnvs', 'numSteps', 'updateEpochs', 'numMinibatches', 'hidden', 'learningRate', 'gamma', 'clipCoef', 'entCoef', 'totalTimesteps'] as const;
const SETTINGS = ['env', 'algo', 'compare', ...NUMERIC] as const;

function applyUrlSettings(): void {
  const params = new URLSearchParams(location.search);
  for (const [key, value] of params) {
    const el = document.getElementById(key) as HTMLInputElement | HTMLSelectElement | null;
    if (!el || !(SETTINGS as readonly string[]).includes(key)) { state.errors.push(`unknown setting '${key}' in the URL; the settings are ${SETTINGS.join(', ')}`); continue; }
    if (el instanceof HTMLSelectElement) {
      if ([...el.options].some((o) => o.value === value)) el.value = value;
      else state.errors.push(`URL setting ${key}=${value} is not one of ${[...el.options].map((o) => o.value).join(', ')}`);
    } else if (el.type === 'checkbox') el.checked = value === '1' || value === 'true';
    else if (Number.isFinite(Number(value)) && value.trim() !== '') el.value = value;
    else state.errors.push(`URL setting ${key}=${value} is not a number`);
  }
}

function writeUrlSettings(): void {
  const params = new URLSearchParams();
  for (const key of SETTINGS) {
    const el = $<HTMLInputElement>(key);
    params.set(key, el.type === 'checkbox' ? (el.checked ? '1' : '0') : el.value);
  }
  history.replaceState(null, '', `${location.pathname}?${params}`);
}

/** The controls as an algorithm's config: fields it has no use for (GRPO: γ, the critic) are left out, their controls disabled. */
function readConfig(algo: Algo): Partial<TrainConfig> {
  const num = (id: (typeof NUMERIC)[number]) => Number($<HTMLInputElement>(id).value);
  const hidden = [num('hidden'), num('hidden')];
  const cfg: Partial<TrainConfig> = {
    env: $<HTMLSelectElement>('env').value, seed: num('seed'), numEnvs: num('numEnvs'), numSteps: num('numSteps'),
    updateEpochs: num('updateEpochs'), numMinibatches: num('numMinibatches'), actorHidden: hidden, criticHidden: hidden,
    learningRate: num('learningRate'), gamma: num('gamma'), clipCoef: num('clipCoef'), entCoef: num('entCoef'), totalTimesteps: num('totalTimesteps'),
  };
  for (const k of Object.keys(ALGORITHMS[algo].unusedCommon ?? {})) delete cfg[k as keyof TrainConfig];
  return cfg;
}

// An algorithm of episodic groups (GRPO) has shape defaults of its own for each environment (one
// episode per rollout, whole groups): choosing it, or another environment with it, fills them in.
function applyAlgorithmDefaults(fill = true): void {
  const algo = $<HTMLSelectElement>('algo').value as Algo;
  const unused = $<HTMLInputElement>('compare').checked ? {} : ALGORITHMS[algo].unusedCommon ?? {};
  const gamma = $<HTMLInputElement>('gamma');
  gamma.disabled = 'gamma' in unused;
  gamma.title = unused.gamma ?? '';
  if (!fill || !ALGORITHMS[algo].episodicGroups || $<HTMLInputElement>('compare').checked) return;
  const env = getEnv($<HTMLSelectElement>('env').value);
  const c = makeConfig({ algo }, env.action.type === 'continuous', env);
  for (const k of ['numEnvs', 'numSteps', 'learningRate', 'entCoef'] as const) $<HTMLInputElement>(k).value = String(c[k]);
}

function describeAlgorithms(): void {
  const algos = $<HTMLInputElement>('compare').checked ? ['ppo', 'spo'] : [$<HTMLSelectElement>('algo').value];
  $('algoText').textContent = algos.map((a) => ALGORITHMS[a as Algo].summary).join(' · ');
}

function setStatus(text: string): void { state.status = text; $('status').textContent = text; }

function fail(e: unknown): void {
  const msg = (e as Error).message ?? String(e);
  state.errors.push(msg);
  running = false;
  setStatus(`error: ${msg}`);
  console.error(`wgrl demo: ${msg}`);
  syncButtons();
}

// ---- charts: one per quantity, one series per run, on the union of the runs' step counts
const charts: { key: SeriesKey; title: string; axis: string; plot: uPlot | null }[] = [
  { key: 'ret', title: 'episodic return (mean of the last 100 episodes)', axis: 'return', plot: null },
  { key: 'kl', title: 'mean per-state KL(π_old‖π) per iteration', axis: 'KL (nats)', plot: null },
  { key: 'clip', title: 'clip fraction', axis: 'share of samples', plot: null },
  { key: 'sps', title: 'throughput of each iteration', axis: 'steps / s', plot: null },
];

function chartWidth(): number {
  const host = $('charts'), cols = Math.max(1, Math.floor(host.clientWidth / 440));
  return Math.max(280, Math.floor(host.clientWidth / cols) - 10);
}

function threshold(): number | null {
  const env = runs.find((r) => r.trainer)?.trainer?.env.id ?? $<HTMLSelectElement>('env').value;
  return getEnv(env).rewardThreshold ?? null;
}

function makeCharts(): void {
  const host = $('charts');
  host.innerHTML = '';
  const thr = threshold();
  for (const c of charts) {
    const div = document.createElement('div');
    div.dataset.chart = c.key;
    host.appendChild(div);
    const showThreshold = c.key === 'ret' && thr !== null;
    c.plot = new uPlot({
      title: c.title, width: chartWidth(), height: 230,
      scales: {
        x: { time: false },
        // The return chart always shows the task's threshold.
        y: showThreshold ? { range: (_u, lo, hi) => uPlot.rangeNum(Math.min(lo ?? thr!, thr!), Math.max(hi ?? thr!, thr!), 0.1, true) } : {},
      },
      series: [{ label: 'steps' }, ...runs.map((r) => ({ label: r.name, stroke: r.colour, dash: r.dash, width: 2, spanGaps: true, value: (_u: uPlot, v: number | null) => legendValue(c.key, v) }))],
      axes: [
        { label: 'environment steps', values: (_u: uPlot, vals: number[]) => vals.map((v) => (v >= 1000 ? `${v / 1000}k` : String(v))) },
        // KL and clip fraction live around 1e-3: exponent labels keep the ticks distinct.
        { label: c.axis, size: 64, values: (_u: uPlot, vals: number[]) => vals.map((v) => (c.key === 'kl' || c.key === 'clip') && v !== 0 ? v.toExponential(1) : String(v)) },
      ],
      hooks: {
        // Away from the cursor the legend shows each run's latest value.
        setCursor: [(u) => { if (u.cursor.idx == null) u.setLegend({ idx: lastIndex(u) }, false); }],
        draw: showThreshold ? [(u) => drawThreshold(u, thr!)] : [],
      },
    }, [[], ...runs.map(() => [])], div);
  }
}

function legendValue(key: SeriesKey, v: number | null): string {
  if (v === null || v === undefined) return '–';
  return key === 'kl' || key === 'clip' ? v.toExponential(2) : key === 'sps' ? v.toFixed(0) : v.toFixed(1);
}

function lastIndex(u: uPlot): number { return Math.max(0, (u.data[0]?.length ?? 1) - 1); }

function drawThreshold(u: uPlot, thr: number): void {
  const ctx = u.ctx, y = u.valToPos(thr, 'y', true);
  ctx.save();
  ctx.strokeStyle = '#333'; ctx.setLineDash([6, 4]); ctx.lineWidth = 1.5 * devicePixelRatio;
  ctx.beginPath(); ctx.moveTo(u.bbox.left, y); ctx.lineTo(u.bbox.left + u.bbox.width, y); ctx.stroke();
  ctx.fillStyle = '#333'; ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
  ctx.fillText(`threshold ${thr}`, u.bbox.left + 6 * devicePixelRatio, y - 4 * devicePixelRatio);
  ctx.restore();
}

function updateCharts(): void {
  const steps = [...new Set(runs.flatMap((r) => r.series.steps))].sort((a, b) => a - b);
  for (const c of charts) {
    const columns = runs.map((r) => {
      const at = new Map(r.series.steps.map((s, i) => [s, r.series[c.key][i]]));
      return steps.map((s) => at.get(s) ?? null);
    });
    c.plot?.setData([steps, ...columns] as uPlot.AlignedData);
    c.plot?.setLegend({ idx: Math.max(0, steps.length - 1) }, false);
  }
}

new ResizeObserver(() => { for (const c of charts) c.plot?.setSize({ width: chartWidth(), height: 230 }); }).observe($('charts'));

// ---- environments drawn from the first training run's GPU state
const canvases: CanvasRenderingContext2D[] = [];
function makeCanvases(trainer: Trainer, name: string): void {
  const host = $('envs');
  host.innerHTML = '';
  $('envText').textContent = '';
  canvases.length = 0;
  const count = Math.min(4, trainer.config.numEnvs);
  for (let i = 0; i < count; i++) {
    const c = document.createElement('canvas');
    c.width = 200; c.height = 140; c.className = 'env';
    host.appendChild(c);
    canvases.push(c.getContext('2d')!);
  }
  $('envsCaption').textContent = `${trainer.env.id} · ${name} seed ${trainer.config.seed}: training environments 1–${count} of ${trainer.config.numEnvs}, drawn after each iteration`;
}

async function drawEnvs(): Promise<void> {
  const t = runs.find((r) => r.trainer)?.trainer;
  if (!t || !canvases.length) return;
  const S = t.env.stateDim;
  const states = await dev!.readF32(t.rollout.envState, canvases.length * S);
  canvases.forEach((ctx, i) => drawEnv(ctx, t.env.id, states.subarray(i * S, (i + 1) * S)));
  state.envText = canvases.map((_, i) => envText(t.env.id, states.subarray(i * S, (i + 1) * S))).filter((x): x is string => x !== null);
  $('envText').textContent = state.envText.join('\n');
}

// ---- training
const emptySeries = (): Series => ({ steps: [], ret: [], kl: [], clip: [], sps: [] });

function publishRuns(): void { state.runs = Object.fromEntries(runs.map((r) => [r.name, r.series])); }

async function start(): Promise<void> {
  try {
    if (!runs.some((r) => r.trainer)) {
      dev ??= await createBrowserDevice();
      state.adapter = adapterName(dev.adapter);
      const algos: Algo[] = $<HTMLInputElement>('compare').checked ? ['ppo', 'spo'] : [$<HTMLSelectElement>('algo').value as Algo];
      // PPO and SPO share one plan: compared, they train as two agents of one pass (one rollout
      // and one update for both, each what its own run would give).
      const trainer = new Trainer(dev!, { env: readConfig(algos[0]).env }, undefined, algos.map((algo) => ({ ...readConfig(algo), algo })));
      const trained = algos.map((algo, agent) => ({ name: algo, trainer, agent, series: emptySeries(), metrics: [], colour: ALGO_COLOURS[algo] ?? '#333' }));
      runs = [...trained, ...runs.filter((r) => !r.trainer)];
      writeUrlSettings();
      publishRuns();
      makeCharts();
      makeCanvases(trained[0].trainer, trained[0].name);
    }
    running = true;
    syncButtons();
    loopDone = loop().catch(fail);
    await loopDone;
  } catch (e) { fail(e); }
}

function record(run: Run, m: IterationMetrics, seconds: number): void {
  run.metrics.push(m);
  run.series.steps.push(m.global_step);
  run.series.ret.push(m['charts/mean_return_100']);
  run.series.kl.push(m['charts/average_kld']);
  run.series.clip.push(m['losses/clipfrac']);
  // This iteration's own rate: charts/SPS counts from the first iteration, paused time included.
  run.series.sps.push(run.trainer!.batchSize / seconds);
}

function describeRuns(): string {
  const fmt = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toFixed(1));
  return `adapter: ${state.adapter}\n` + runs.filter((r) => r.trainer).map((r) => {
    const s = r.series, i = s.steps.length - 1;
    if (i < 0) return `${r.name}: ${r.trainer!.host.globalStep} steps`;
    return `${r.name}: ${s.steps[i]} steps, return(100) ${fmt(s.ret[i])}, KL ${(s.kl[i] ?? 0).toExponential(2)}, ${Math.round(s.sps[i] ?? 0)} SPS`;
  }).join('\n');
}

async function loop(): Promise<void> {
  const training = () => runs.filter((r) => r.trainer);
  while (running) {
    for (const trainer of new Set(training().map((r) => r.trainer!))) {
      if (trainer.done) continue;
      const t0 = performance.now();
      const ms = await trainer.iterateAgents();
      for (const run of training().filter((r) => r.trainer === trainer)) record(run, ms[run.agent], (performance.now() - t0) / 1000);
      state.iterations++;
    }
    updateCharts();
    await drawEnvs();
    const finished = training().every((r) => r.trainer!.done);
    setStatus(describeRuns() + (finished ? '\ndone' : ''));
    if (finished) { running = false; syncButtons(); }
    // Let the page paint between iterations.
    await new Promise((r) => setTimeout(r, 0));
  }
}

/** Stops the training loop after the iteration in flight, and waits for it. */
async function stopTraining(): Promise<void> {
  running = false;
  syncButtons();
  await loopDone;
  loopDone = null;
}

async function pause(): Promise<void> {
  setStatus(`${state.status}\npausing after this iteration…`);
  await stopTraining();
  setStatus(`${describeRuns()}\npaused: Start continues`);
  syncButtons();
}

async function reset(): Promise<void> {
  setStatus('finishing the iteration in flight, then resetting…');
  await stopTraining();
  await stopWatching();
  runs = [];
  publishRuns();
  // A fresh device frees every buffer of the previous runs at once.
  dev?.destroy();
  dev = null;
  $('charts').innerHTML = '';
  $('envs').innerHTML = '';
  $('envsCaption').textContent = '';
  for (const c of charts) c.plot = null;
  setStatus('reset: choose settings and press Start');
  syncButtons();
}

// ---- watching the trained agent: greedy actions of the current policy, one step per frame
let watching = false;
let watchDone: Promise<void> | null = null;

async function watch(): Promise<void> {
  const run = runs.find((r) => r.trainer);
  if (!run) return;
  const play = new PolicyPlayback(run.trainer!);
  const ctx = $<HTMLCanvasElement>('watchCanvas').getContext('2d')!;
  $('watchView').style.display = '';
  watching = true;
  syncButtons();
  try {
    while (watching) {
      const f = await play.step();
      drawEnv(ctx, run.trainer!.env.id, f.state);
      state.watchSteps++;
      state.watchLastReturn = f.lastReturn;
      $('watchCaption').textContent = `${run.trainer!.env.id} · ${run.name}: greedy policy as trained so far, step ${f.steps}, return ${f.episodeReturn.toFixed(1)}` +
        (f.lastReturn !== null ? `, last episode ${f.lastReturn.toFixed(1)} (${f.episodes} played)` : '');
      await new Promise((r) => setTimeout(r, 30));
    }
  } finally {
    play.destroy();
  }
}

async function stopWatching(): Promise<void> {
  watching = false;
  await watchDone;
  watchDone = null;
  $('watchView').style.display = 'none';
  syncButtons();
}

// ---- files: checkpoints (safetensors, as wgrl train writes them) and metrics.jsonl
function download(name: string, data: BlobPart, type: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([data], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

async function saveCheckpoints(): Promise<void> {
  for (const t of new Set(runs.filter((x) => x.trainer).map((x) => x.trainer!))) {
    const names = runs.filter((r) => r.trainer === t).map((r) => r.name).join('+');
    download(`${t.env.id}__${names}__${t.config.seed}__step${t.host.globalStep}.safetensors`, (await checkpointBytes(t)) as BlobPart, 'application/octet-stream');
  }
}

function saveMetrics(): void {
  for (const r of runs.filter((x) => x.trainer)) {
    download(`${r.trainer!.env.id}__${r.name}__${r.trainer!.config.seed}__metrics.jsonl`, r.metrics.map((m) => JSON.stringify(m)).join('\n') + '\n', 'application/x-ndjson');
  }
}

async function loadCheckpoint(file: File): Promise<void> {
  const { meta, tensors } = parseCheckpoint(new Uint8Array(await file.arrayBuffer()), file.name);
  if (!(ENV_IDS as readonly string[]).includes(meta.config.env)) throw new Error(`${file.name} was trained on ${meta.config.env}, which this page cannot draw; the demo runs ${ENV_IDS.join(', ')}`);
  // Several agents of one pass: this page's compare mode saves PPO and SPO that way; others
  // (wgrl train --num-agents) are more than it draws.
  const saved = meta.agents?.map((a) => a.config) ?? [meta.config];
  const comparison = saved.length === 2 && saved[0].algo === 'ppo' && saved[1].algo === 'spo';
  if (saved.length > 1 && !comparison) throw new Error(`${file.name} holds ${saved.length} agents trained in one pass; this page loads one, or the PPO and SPO of its compare mode: evaluate each with wgrl eval --checkpoint … --agent k, or resume the run with wgrl train --resume`);
  await reset();
  dev = await createBrowserDevice();
  state.adapter = adapterName(dev.adapter);
  const trainer = new Trainer(dev, meta.config, undefined, meta.agents ? saved.map((a) => ({ ...a })) : undefined);
  restoreCheckpoint(trainer, meta, tensors);
  const c = meta.config;
  // The controls show what was loaded (and the URL then shares it).
  const set = (id: string, v: unknown) => { const el = $<HTMLInputElement>(id); el.value = String(v); };
  set('env', c.env); set('algo', c.algo); $<HTMLInputElement>('compare').checked = comparison;
  for (const k of NUMERIC) if (k !== 'hidden') set(k, c[k]);
  set('hidden', c.actorHidden[0]);
  writeUrlSettings();
  runs = saved.map((a, agent) => ({ name: a.algo, trainer, agent, series: emptySeries(), metrics: [], colour: ALGO_COLOURS[a.algo] ?? '#333' }));
  publishRuns();
  makeCharts();
  makeCanvases(trainer, c.algo);
  await drawEnvs();
  setStatus(`loaded ${file.name}: ${c.env} ${c.algo} seed ${c.seed} at iteration ${trainer.host.iteration}, ${trainer.host.globalStep} steps` +
    `${trainer.meanReturn100 !== null ? `, return(100) ${trainer.meanReturn100.toFixed(1)}` : ''}; Start continues training, Watch plays the policy`);
  syncButtons();
}

async function openMetrics(file: File): Promise<void> {
  const notices: string[] = [];
  const records = parseMetricLines(await file.text(), file.name, 'open a metrics.jsonl written by wgrl train or this page', (m) => notices.push(m));
  if (!records.length || typeof records[0].global_step !== 'number') throw new Error(`${file.name} holds no wgrl metric records (no global_step); open a metrics.jsonl written by wgrl train or this page`);
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  const series: Series = {
    steps: records.map((r) => r.global_step as number), ret: records.map((r) => num(r['charts/mean_return_100'])),
    kl: records.map((r) => num(r['charts/average_kld'])), clip: records.map((r) => num(r['losses/clipfrac'])), sps: records.map((r) => num(r['charts/SPS'])),
  };
  const opened = runs.filter((r) => !r.trainer).length;
  runs.push({ name: file.name.replace(/\.jsonl?$/, ''), trainer: null, agent: 0, series, metrics: [], colour: FILE_COLOURS[opened % FILE_COLOURS.length], dash: [6, 3] });
  publishRuns();
  makeCharts();
  updateCharts();
  setStatus(`${state.status}\nopened ${file.name}: ${records.length} iterations, drawn dashed${notices.length ? ` (${notices.join('; ')})` : ''}`);
}

function syncButtons(): void {
  const training = runs.some((r) => r.trainer);
  $<HTMLButtonElement>('start').disabled = running || !(navigator as Navigator & { gpu?: unknown }).gpu;
  $<HTMLButtonElement>('pause').disabled = !running;
  $<HTMLButtonElement>('watch').disabled = !training;
  $('watch').textContent = watching ? 'Stop watching' : 'Watch the trained agent';
  $<HTMLButtonElement>('saveCheckpoint').disabled = !training;
  $<HTMLButtonElement>('saveMetrics').disabled = !training;
  for (const id of SETTINGS) $<HTMLInputElement>(id).disabled = training;
}

const guard = (f: () => Promise<void> | void) => () => { Promise.resolve().then(f).catch(fail); };
$('start').onclick = guard(start);
$('pause').onclick = guard(pause);
$('reset').onclick = guard(reset);
$('watch').onclick = guard(() => (watching ? stopWatching() : void (watchDone = watch().catch(fail))));
$('saveCheckpoint').onclick = guard(saveCheckpoints);
$('saveMetrics').onclick = guard(saveMetrics);
$('loadCheckpoint').onchange = guard(async () => { const f = $<HTMLInputElement>('loadCheckpoint').files?.[0]; if (f) await loadCheckpoint(f); });
$('loadMetrics').onchange = guard(async () => { for (const f of $<HTMLInputElement>('loadMetrics').files ?? []) await openMetrics(f); });
const chartsHost = $('charts');
chartsHost.ondragover = (e) => { e.preventDefault(); chartsHost.classList.add('drop'); };
chartsHost.ondragleave = () => chartsHost.classList.remove('drop');
chartsHost.ondrop = (e) => {
  e.preventDefault();
  chartsHost.classList.remove('drop');
  for (const f of e.dataTransfer?.files ?? []) guard(() => openMetrics(f))();
};
$('algo').onchange = () => { describeAlgorithms(); applyAlgorithmDefaults(); };
$('compare').onchange = () => { describeAlgorithms(); applyAlgorithmDefaults(); };
$('env').addEventListener('change', () => applyAlgorithmDefaults());

applyUrlSettings();
describeAlgorithms();
applyAlgorithmDefaults(false); // the URL's values stand
if (!(navigator as Navigator & { gpu?: unknown }).gpu) {
  const msg = 'This browser has no WebGPU, so wgrl cannot run here. Use a current Chrome or Edge; ' +
    'on Linux start Chrome with --enable-unsafe-webgpu (or enable chrome://flags/#enable-unsafe-webgpu); ' +
    'in Firefox set dom.webgpu.enabled; in Safari enable WebGPU under Develop > Feature Flags.';
  $('nogpu').textContent = msg;
  $('nogpu').style.display = 'block';
  $<HTMLButtonElement>('start').disabled = true;
  setStatus('no WebGPU');
} else {
  setStatus('ready: choose settings and press Start' + (state.errors.length ? `\n${state.errors.join('\n')}` : ''));
}
