// npm run bench -- profile [--env CartPole-v1] [--algo ppo] [--preset cleanrl|fast] [--quick]
// Where one training iteration's time goes. The iteration is split into its stages (the rollout,
// then each plan stage broken down by kernel), each timed alone on a profile-only trainer:
// its dispatches of one iteration encoded in one pass, repeated; its time is the pass's GPU time
// from timestamp queries where the adapter has them, else the wall time around submit and queue
// sync minus an empty submit's. Matmuls carry a cost model (FLOPs, minimum bytes); their rate is set
// against this adapter's peak, measured here: the best matmul variant on a large product, and a
// large buffer copy. Host time comes from the trainer's own timing of its real iterations.
import { adapterName, GpuTimer, type WgrlDevice } from '../src/gpu/device.js';
import type { Dispatch } from '../src/gpu/kernel.js';
import { matmul, MATMUL_VARIANTS, matmulFlops } from '../src/kernels/matmul.js';
import { Trainer } from '../src/train/trainer.js';
import { makeConfig, type TrainConfig } from '../src/train/config.js';
import { getEnv } from '../src/envs/spec.js';
import { median, timeGroup, emptySubmitMs } from './measure.js';

export const PROFILE_PRESETS: Record<string, Partial<TrainConfig>> = {
  cleanrl: {},
  // The train benchmark's fast preset: more environments per iteration, fewer epochs.
  fast: { numEnvs: 16, numSteps: 64, numMinibatches: 4, updateEpochs: 2, learningRate: 1e-3 },
};

/** The adapter's measured peaks: matmul GFLOP/s (best variant) and copy GB/s (read + write). */
export async function measurePeaks(dev: WgrlDevice, quick: boolean, timer: GpuTimer | null, emptyMs: number) {
  const n = quick ? 256 : 512;
  const a = dev.buffer('peak a', n * n * 4), b = dev.buffer('peak b', n * n * 4), c = dev.buffer('peak c', n * n * 4);
  let best = { variant: '', gflops: 0 };
  for (const variant of MATMUL_VARIANTS) {
    if (variant === 'naive') continue;
    const d = matmul(dev, { M: n, N: n, K: n, variant }, { a, b, c }, `peak matmul ${variant}`);
    const t = await timeGroup(dev, d.label, [d], 2, timer, emptyMs);
    const gflops = matmulFlops({ M: n, N: n, K: n }) / (t.wallMs * 1e6);
    if (gflops > best.gflops) best = { variant, gflops };
  }
  const mb = quick ? 16 : 64, bytes = mb * 1024 * 1024;
  const src = dev.buffer('peak copy src', bytes), dst = dev.buffer('peak copy dst', bytes);
  const copy: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    dev.submitEncoder('peak copy', (enc) => enc.copyBufferToBuffer(src, 0, dst, 0, bytes));
    await dev.sync();
    if (i) copy.push(performance.now() - t0 - emptyMs);
  }
  for (const x of [a, b, c, src, dst]) x.destroy();
  return { matmulGflops: best.gflops, matmulVariant: best.variant, matmulSize: n, copyGBs: (2 * bytes) / (median(copy) * 1e6), copyMB: mb };
}

export async function benchProfile(dev: WgrlDevice, args: string[], quick: boolean) {
  const opt = (name: string, fallback: string) => { const i = args.indexOf(`--${name}`); return i >= 0 && args[i + 1] ? args[i + 1] : fallback; };
  const presetName = opt('preset', 'cleanrl'), env = opt('env', 'CartPole-v1'), algo = opt('algo', 'ppo');
  const preset = PROFILE_PRESETS[presetName];
  if (!preset) throw new Error(`unknown --preset '${presetName}'; choose from ${Object.keys(PROFILE_PRESETS).join(', ')}`);
  const config = { env, algo, seed: 1, ...preset } as Partial<TrainConfig>;
  makeConfig(config, getEnv(env).action.type === 'continuous'); // names a bad --env/--algo before any GPU work
  const timer = GpuTimer.create(dev);
  const emptyMs = await emptySubmitMs(dev);

  // Real iterations: wall time and the trainer's host breakdown.
  const trainer = new Trainer(dev, config);
  for (let i = 0; i < 3; i++) await trainer.iterate();
  const iters = quick ? 5 : 9;
  const wall: number[] = [], host: Record<keyof Trainer['lastTiming'], number[]> = { prepareMs: [], submitMs: [], recordNextMs: [], waitMs: [], decodeMs: [] };
  for (let i = 0; i < iters && !trainer.done; i++) {
    const t0 = performance.now();
    await trainer.iterate();
    wall.push(performance.now() - t0);
    for (const k of Object.keys(host) as (keyof typeof host)[]) host[k].push(trainer.lastTiming[k]);
  }
  const hostMs = Object.fromEntries(Object.entries(host).map(([k, v]) => [k, median(v)])) as Record<keyof typeof host, number>;
  const iterationMs = median(wall);

  // Stages timed alone on a second trainer (their repeated runs scramble its state).
  const probe = new Trainer(dev, config);
  await probe.iterate();
  const ro = probe.rollout;
  const stepLoop: Dispatch[] = [ro.rolloutKernel, ...(ro.normalises ? [ro.normUpdateKernel] : [])];
  const groups: { stage: string; kernel: string; dispatches: Dispatch[] }[] = [{ stage: 'rollout', kernel: `rollout (policy, sampling, env step${ro.values === 'per-step' ? ', values' : ''})`, dispatches: stepLoop }];
  if (ro.valuesKernel) groups.push({ stage: 'rollout', kernel: 'values (critic of every stored observation)', dispatches: [ro.valuesKernel] });
  for (const s of probe.plan.stages) {
    for (const d of s.dispatches) {
      const kernel = d.label.replace(/\d+/g, '#');
      let g = groups.find((x) => x.stage === s.name && x.kernel === kernel);
      if (!g) groups.push(g = { stage: s.name, kernel, dispatches: [] });
      g.dispatches.push(d);
    }
  }
  const peaks = await measurePeaks(dev, quick, timer, emptyMs);
  const rows: Record<string, unknown>[] = [];
  for (const g of groups) {
    const t = await timeGroup(dev, `profile ${g.kernel}`, g.dispatches, quick ? 1 : 2, timer, emptyMs);
    const costed = g.dispatches.filter((d) => d.cost);
    const flops = costed.length === g.dispatches.length ? costed.reduce((a, d) => a + d.cost!.flops, 0) : null;
    const bytes = costed.length === g.dispatches.length ? costed.reduce((a, d) => a + d.cost!.bytes, 0) : null;
    // A stage's time: its GPU time where the adapter has timestamps (the wall time of a short
    // stage also holds up to one of the host's polling intervals, WgrlDevice.pollIntervalMs).
    const stageTime = t.gpuMs ?? t.wallMs;
    const seconds = stageTime / 1000;
    rows.push({
      stage: g.stage, kernel: g.kernel, dispatches: g.dispatches.length, ms: stageTime, wall_ms: t.wallMs, gpu_ms: t.gpuMs,
      mflop: flops === null ? null : flops / 1e6, kb: bytes === null ? null : bytes / 1024,
      gflops: flops === null || seconds === 0 ? null : flops / seconds / 1e9,
      gbs: bytes === null || seconds === 0 ? null : bytes / seconds / 1e9,
    });
  }
  const stageMs = rows.reduce((a, r) => a + (r.ms as number), 0);
  for (const r of rows) {
    r.share = (r.ms as number) / stageMs;
    r.peak_flops = r.gflops === null ? null : (r.gflops as number) / peaks.matmulGflops;
    r.peak_bytes = r.gbs === null ? null : (r.gbs as number) / peaks.copyGBs;
  }
  const fmt = (x: unknown, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '-');
  console.log(`\nprofile: ${env} ${algo}, preset ${presetName} (${trainer.config.numEnvs} envs × ${trainer.config.numSteps} steps, ${trainer.config.updateEpochs} epochs × ${trainer.config.numMinibatches} minibatches) on ${adapterName(dev.adapter)}`);
  console.log(`adapter peaks measured here: matmul ${fmt(peaks.matmulGflops, 1)} GFLOP/s (${peaks.matmulVariant}, ${peaks.matmulSize}³), copy ${fmt(peaks.copyGBs, 1)} GB/s (${peaks.copyMB} MB)`);
  const cols = ['stage', 'kernel', 'dispatches', 'ms', 'share', 'wall_ms', 'mflop', 'gflops', 'peak_flops', 'gbs', 'peak_bytes'];
  const text = rows.map((r) => cols.map((c) => (c === 'share' || c.startsWith('peak') ? (r[c] === null ? '-' : `${fmt(100 * (r[c] as number), 1)}%`) : typeof r[c] === 'number' ? (c === 'dispatches' ? String(r[c]) : fmt(r[c], 3)) : String(r[c] ?? '-'))));
  const w = cols.map((c, i) => Math.max(c.length, ...text.map((t) => t[i].length)));
  console.log(cols.map((c, i) => c.padEnd(w[i])).join('  '));
  for (const t of text) console.log(t.map((x, i) => x.padEnd(w[i])).join('  '));
  // One submit per iteration: the GPU has work only while the host waits for the readback.
  // The next iteration's commands are recorded while the GPU runs (Trainer.lastTiming).
  const gpuIdleMs = hostMs.prepareMs + hostMs.submitMs + hostMs.decodeMs;
  const unexplainedMs = hostMs.waitMs - stageMs;
  console.log(`\niteration (median of ${wall.length}): ${fmt(iterationMs, 1)} ms wall; stages timed alone sum to ${fmt(stageMs, 1)} ms` +
    `\nhost: prepare ${fmt(hostMs.prepareMs, 2)} ms, submit ${fmt(hostMs.submitMs, 2)} ms, recording the next iteration (GPU busy) ${fmt(hostMs.recordNextMs, 2)} ms, readback wait ${fmt(hostMs.waitMs, 1)} ms, decode ${fmt(hostMs.decodeMs, 2)} ms` +
    `\nGPU idle (host time before the submit and after the wait): ${fmt(gpuIdleMs, 2)} ms (${fmt(100 * gpuIdleMs / iterationMs, 1)}%)` +
    `\nwait not explained by the stages timed alone (their dependencies in one pass, transfers, machine noise): ${fmt(unexplainedMs, 1)} ms`);
  console.log(timer ? '(ms: GPU time of each stage run alone, from timestamp queries; wall_ms: wall time around it)'
    : '(no timestamp queries on this adapter: ms is the wall time of each stage run alone)');
  console.log('(mflop, gflops, gbs: matmuls only, from their cost model; "-" where a kernel has none)');
  return {
    env, algo, preset: presetName, config: trainer.config, adapter: adapterName(dev.adapter), peaks, empty_submit_ms: emptyMs,
    iteration_ms: iterationMs, iterations_timed: wall.length, host_ms: hostMs, stages_sum_ms: stageMs, gpu_idle_ms: gpuIdleMs, unexplained_wait_ms: unexplainedMs,
    dispatches_per_iteration: trainer.dispatchesPerIteration, stages: rows,
  };
}
