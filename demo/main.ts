// The in-browser demo: the same Trainer as in Node, on navigator.gpu. Charts update once per
// iteration from the one report the trainer reads back; the environments are drawn from their
// GPU state. `window.wgrlDemo` exposes the plotted series for the browser test.
import uPlot from 'uplot';
import { createBrowserDevice, Trainer, ENV_IDS, ALGOS, adapterName, type WgrlDevice, type IterationMetrics, type Algo } from '../src/browser.js';
import { drawEnv } from './render.js';

interface Series { steps: number[]; ret: (number | null)[]; kl: number[]; clip: number[]; sps: number[] }
interface Run { name: string; trainer: Trainer; series: Series }
interface DemoState { status: string; adapter: string; runs: Record<string, Series>; errors: string[] }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const state: DemoState = { status: 'loading', adapter: '', runs: {}, errors: [] };
(window as unknown as { wgrlDemo: DemoState }).wgrlDemo = state;

let dev: WgrlDevice | null = null;
let runs: Run[] = [];
let running = false;
const COLORS = ['#d62', '#27c'];

for (const id of ENV_IDS) $<HTMLSelectElement>('env').add(new Option(id, id));
for (const a of ALGOS) $<HTMLSelectElement>('algo').add(new Option(a, a, a === 'spo', a === 'spo'));

function setStatus(text: string): void { state.status = text; $('status').textContent = text; }

function fail(e: unknown): void {
  const msg = (e as Error).message ?? String(e);
  state.errors.push(msg);
  running = false;
  setStatus(`error: ${msg}`);
  console.error(`wgrl demo: ${msg}`);
  syncButtons();
}

// ---- charts: one per quantity, one series per run
const charts: { key: keyof Omit<Series, 'steps'>; title: string; plot: uPlot | null }[] = [
  { key: 'ret', title: 'episodic return (mean of last 100)', plot: null },
  { key: 'kl', title: 'mean per-state KL(π_old‖π)', plot: null },
  { key: 'clip', title: 'clip fraction', plot: null },
  { key: 'sps', title: 'steps per second', plot: null },
];

function makeCharts(names: string[]): void {
  const host = $('charts');
  host.innerHTML = '';
  for (const c of charts) {
    const div = document.createElement('div');
    div.dataset.chart = c.key;
    host.appendChild(div);
    c.plot = new uPlot({
      title: c.title, width: 560, height: 220,
      scales: { x: { time: false } },
      series: [{ label: 'steps' }, ...names.map((n, i) => ({ label: n, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true }))],
      // KL and clip fraction live around 1e-3: exponent labels keep the ticks distinct.
      axes: [{}, { size: 70, values: (_u: uPlot, vals: number[]) => vals.map((v) => (c.key === 'kl' || c.key === 'clip') && v !== 0 ? v.toExponential(1) : String(v)) }],
    }, [[], ...names.map(() => [])], div);
  }
}

function updateCharts(): void {
  // Runs share the x axis: each run's i-th iteration has the same step count.
  const steps = runs[0].series.steps;
  for (const c of charts) {
    c.plot?.setData([steps, ...runs.map((r) => r.series[c.key].slice(0, steps.length) as number[])]);
  }
}

// ---- environments drawn from the first run's GPU state
const canvases: CanvasRenderingContext2D[] = [];
function makeCanvases(count: number): void {
  const host = $('envs');
  host.innerHTML = '';
  canvases.length = 0;
  for (let i = 0; i < count; i++) {
    const c = document.createElement('canvas');
    c.width = 200; c.height = 140; c.className = 'env';
    host.appendChild(c);
    canvases.push(c.getContext('2d')!);
  }
}

async function drawEnvs(): Promise<void> {
  const t = runs[0].trainer, S = t.env.stateDim;
  const states = await dev!.readF32(t.rollout.envState, canvases.length * S);
  canvases.forEach((ctx, i) => drawEnv(ctx, t.env.id, states.subarray(i * S, (i + 1) * S)));
}

// ---- training
function readConfig() {
  const num = (id: string) => Number($<HTMLInputElement>(id).value);
  return {
    env: $<HTMLSelectElement>('env').value, seed: num('seed'), numEnvs: num('numEnvs'), numSteps: num('numSteps'),
    learningRate: num('learningRate'), entCoef: num('entCoef'), totalTimesteps: num('totalTimesteps'),
    numMinibatches: 4, updateEpochs: 4,
  };
}

async function start(): Promise<void> {
  try {
    if (runs.length === 0) {
      dev ??= await createBrowserDevice();
      state.adapter = adapterName(dev.adapter);
      const cfg = readConfig();
      const algos: Algo[] = $<HTMLInputElement>('compare').checked ? ['ppo', 'spo'] : [$<HTMLSelectElement>('algo').value as Algo];
      runs = algos.map((algo) => ({ name: algo, trainer: new Trainer(dev!, { ...cfg, algo }), series: { steps: [], ret: [], kl: [], clip: [], sps: [] } }));
      state.runs = Object.fromEntries(runs.map((r) => [r.name, r.series]));
      makeCharts(algos);
      makeCanvases(Math.min(4, cfg.numEnvs));
    }
    running = true;
    syncButtons();
    await loop();
  } catch (e) { fail(e); }
}

function record(run: Run, m: IterationMetrics, seconds: number): void {
  run.series.steps.push(m.global_step);
  run.series.ret.push(m['charts/mean_return_100']);
  run.series.kl.push(m['charts/average_kld']);
  run.series.clip.push(m['losses/clipfrac']);
  // This iteration's own rate: charts/SPS counts from the first iteration, paused time included.
  run.series.sps.push(run.trainer.batchSize / seconds);
}

async function loop(): Promise<void> {
  while (running) {
    for (const run of runs) {
      if (run.trainer.done) continue;
      const t0 = performance.now();
      const m = await run.trainer.iterate();
      record(run, m, (performance.now() - t0) / 1000);
    }
    updateCharts();
    await drawEnvs();
    const fmt = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toFixed(1));
    setStatus(`adapter: ${state.adapter}\n` + runs.map((r) => {
      const s = r.series, i = s.steps.length - 1;
      return `${r.name}: ${s.steps[i]} steps, return(100) ${fmt(s.ret[i])}, KL ${s.kl[i].toExponential(2)}, ${Math.round(s.sps[i])} SPS`;
    }).join('\n') + (runs.every((r) => r.trainer.done) ? '\ndone' : ''));
    if (runs.every((r) => r.trainer.done)) { running = false; syncButtons(); }
    // Let the page paint between iterations.
    await new Promise((r) => setTimeout(r, 0));
  }
}

function reset(): void {
  running = false;
  runs = [];
  state.runs = {};
  // A fresh device frees every buffer of the previous runs at once.
  dev?.destroy();
  dev = null;
  $('charts').innerHTML = '';
  $('envs').innerHTML = '';
  setStatus('reset: choose settings and press Start');
  syncButtons();
}

function syncButtons(): void {
  $<HTMLButtonElement>('start').disabled = running;
  $<HTMLButtonElement>('pause').disabled = !running;
  for (const id of ['env', 'algo', 'compare', 'seed', 'numEnvs', 'numSteps', 'learningRate', 'entCoef', 'totalTimesteps']) {
    $<HTMLInputElement>(id).disabled = runs.length > 0;
  }
}

$('start').onclick = () => { void start(); };
$('pause').onclick = () => { running = false; setStatus(`${state.status}\npaused`); syncButtons(); };
$('reset').onclick = reset;

if (!(navigator as Navigator & { gpu?: unknown }).gpu) {
  const msg = 'This browser has no WebGPU, so wgrl cannot run here. Use a current Chrome or Edge; ' +
    'on Linux start Chrome with --enable-unsafe-webgpu (or enable chrome://flags/#enable-unsafe-webgpu); ' +
    'in Firefox set dom.webgpu.enabled; in Safari enable WebGPU under Develop > Feature Flags.';
  $('nogpu').textContent = msg;
  $('nogpu').style.display = 'block';
  $<HTMLButtonElement>('start').disabled = true;
  setStatus('no WebGPU');
} else {
  setStatus('ready: choose settings and press Start');
}
