// npm run bench -- kernels | rollout | train | grpo | agents | profile | gpu [--quick]
//   (profile: [--env E] [--algo A] [--preset cleanrl|fast]; agents: [--steps S] [--agents 1,4,16,64])
// Every figure is measured in this run, side by side on the same adapter: our kernels against
// TF.js-webgpu and the JS references, the GPU rollout against a plain TS CPU rollout, training
// wall time per algorithm. Prints a table and writes results/bench-<suite>.json. Medians of
// repeated timings, because the machines are shared and noisy.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createNodeDevice } from '../src/gpu/node.js';
import { adapterName, GpuTimer, type WgrlDevice } from '../src/gpu/device.js';
import type { Dispatch } from '../src/gpu/kernel.js';
import { matmul, MATMUL_VARIANTS, matmulFlops, type MatmulSpec, type MatmulVariant } from '../src/kernels/matmul.js';
import { policyObjective } from '../src/kernels/objectives.js';
import { fisherVectorProduct } from '../src/nn/fvp.js';
import { fisherVectorProductRef } from '../src/reference/fvp.js';
import { cgStep } from '../src/kernels/cg.js';
import { conjugateGradientRef } from '../src/reference/cg.js';
import { gae } from '../src/kernels/gae.js';
import { adam, adamPartialsSize } from '../src/kernels/adam.js';
import { matmulRef } from '../src/reference/matmul.js';
import { policyObjectiveRef } from '../src/reference/objectives.js';
import { gaeRef } from '../src/reference/gae.js';
import { adamRef } from '../src/reference/adam.js';
import { getEnv } from '../src/envs/spec.js';
import { REFERENCE_ENVS, referenceJsEnvSpec } from '../src/envs/reference.js';
import { policyLayout, initPolicyParams, type PolicyLayout } from '../src/nn/policy.js';
import { Rollout } from '../src/train/rollout.js';
import { Trainer } from '../src/train/trainer.js';
import type { TrainConfig } from '../src/train/config.js';
import { CpuRng } from '../src/util/random.js';
import { benchProfile } from './profile.js';
import { median, table, timeGroup } from './measure.js';
import { benchGpu, adapterSlug } from './gpu.js';
import { benchAgents } from './agents.js';

/** One line per measurement on stderr, so a long suite shows where it is. */
const progress = (what: string) => process.stderr.write(`bench: ${what}\n`);

/** Median milliseconds per call of `fn` (which must finish its own GPU work). */
async function timeMs(fn: () => Promise<void>, repeats = 5, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < repeats; i++) { const t0 = performance.now(); await fn(); t.push(performance.now() - t0); }
  return median(t);
}

let timer: GpuTimer | null | undefined;
/**
 * Median ms per dispatch of `reps` copies in one pass (timeGroup): wall time (comparable with
 * TF.js and JS, timed the same way) and GPU timestamps (NaN where the adapter has none).
 */
async function gpuMs(dev: WgrlDevice, d: Dispatch, reps: number): Promise<{ wall: number; ts: number }> {
  timer ??= GpuTimer.create(dev);
  const t = await timeGroup(dev, d.label, [d], reps, timer, 0);
  return { wall: t.wallMs, ts: t.gpuMs ?? NaN };
}

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');

function randn(n: number, rng: CpuRng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

// ---------------------------------------------------------------- kernels
/** TF.js's Dawn GPU object: created once and kept referenced (a collected one crashes Dawn). */
let tfjsGpu: GPU | null = null;

async function tfjsMatmul(M: number, K: number, N: number, reps: number): Promise<number | null> {
  try {
    if (!tfjsGpu) {
      const { create } = (await import('webgpu')) as unknown as { create: (f: string[]) => GPU };
      // TF.js asks navigator.gpu for its adapter: the same Dawn and ICD as ours, so the same adapter.
      tfjsGpu = create([]);
      (globalThis as { navigator?: unknown }).navigator = { gpu: tfjsGpu, userAgent: 'node' };
    }
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-webgpu');
    if (tf.getBackend() !== 'webgpu') { await tf.setBackend('webgpu'); await tf.ready(); }
    const a = tf.randomNormal([M, K]), b = tf.randomNormal([K, N]);
    const ms = await timeMs(async () => {
      let c: { dispose(): void; data(): Promise<unknown> } | null = null;
      for (let i = 0; i < reps; i++) { c?.dispose(); c = tf.matMul(a, b); }
      await c!.data();
      c!.dispose();
    }) / reps;
    a.dispose(); b.dispose();
    return ms;
  } catch (e) {
    console.error(`bench: TF.js-webgpu unavailable (${(e as Error).message}); its column is left empty`);
    return null;
  }
}

async function benchKernels(dev: WgrlDevice, quick: boolean) {
  const rng = new CpuRng(1);
  // [128x64]·[64x64]: a hidden layer of CleanRL's networks on one minibatch (the trainer's hot product).
  const shapes: [number, number, number][] = [[128, 64, 64], [4096, 64, 64], [4096, 64, 4], [16384, 128, 128], [1024, 1024, 1024]];
  const matmulRows: Record<string, string | number>[] = [];
  const json: Record<string, unknown>[] = [];
  for (const [M, K, N] of quick ? shapes.slice(0, 3) : shapes) {
    const a = dev.upload('a', randn(M * K, rng)), b = dev.upload('b', randn(K * N, rng)), c = dev.buffer('c', M * N * 4);
    const flops = matmulFlops({ M, N, K });
    const reps = Math.max(1, Math.min(20, Math.round(2e8 / flops)));
    const gflops: Record<string, number> = {};
    for (const v of MATMUL_VARIANTS) {
      progress(`matmul [${M}x${K}]·[${K}x${N}] ${v}`);
      // The naive kernel on [1024³] takes ~20 s on SwiftShader: one repetition is enough.
      const ms = await gpuMs(dev, matmul(dev, { M, N, K, variant: v as MatmulVariant }, { a, b, c }), v === 'naive' ? 1 : reps);
      gflops[v] = flops / ms.wall / 1e6;
    }
    progress(`matmul [${M}x${K}]·[${K}x${N}] tfjs-webgpu`);
    const tfMs = await tfjsMatmul(M, K, N, reps);
    const tfGflops = tfMs === null ? NaN : flops / tfMs / 1e6;
    // f64 JS reference, timed on a slice of rows when the whole product would take too long.
    const rows = Math.min(M, Math.max(1, Math.round(2e7 / (2 * K * N))));
    const ah = randn(rows * K, rng), bh = randn(K * N, rng);
    const refMs = await timeMs(async () => { matmulRef({ M: rows, N, K }, ah, bh); }, 3, 0) * (M / rows);
    const jsGflops = flops / refMs / 1e6;
    const best = Math.max(...Object.values(gflops));
    matmulRows.push({
      shape: `[${M}x${K}]·[${K}x${N}]`, ...Object.fromEntries(Object.entries(gflops).map(([k, v]) => [k, f(v)])),
      'tfjs-webgpu': f(tfGflops), 'js-f64': f(jsGflops), 'best/tfjs': f(best / tfGflops, 1), 'best/js': f(best / jsGflops, 1),
    });
    json.push({ shape: [M, K, N], gflops, tfjs_gflops: tfGflops, js_gflops: jsGflops, best_over_tfjs: best / tfGflops });
    a.destroy(); b.destroy(); c.destroy();
  }
  console.log('\nmatmul GFLOP/s (median of 5, wall clock for all columns; higher is better)');
  table(matmulRows);
  const trainerMatmuls = await benchTrainerMatmuls(dev, quick);

  // Objective, GAE and Adam: one dispatch each, against the JS reference doing the same work.
  const B = 4096, T = 128, N = 64, P = 9_000;
  const lp = randn(B, rng), lpo = Float32Array.from(lp, (x) => x + 0.1 * rng.normal()), adv = randn(B, rng), kl = Float32Array.from({ length: B }, () => 0.03 * rng.next());
  const ob = {
    logp: dev.upload('lp', lp), logpOld: dev.upload('lpo', lpo), adv: dev.upload('adv', adv), kl: dev.upload('kl', kl),
    loss: dev.buffer('loss', B * 4), grads: dev.buffer('g', B * 8), diag: dev.buffer('d', B * 12),
  };
  const rew = randn(T * N, rng), val = randn((T + 1) * N, rng), fin = randn(T * N, rng);
  const term = Uint32Array.from({ length: T * N }, () => (rng.next() < 0.02 ? 1 : 0)), trunc = new Uint32Array(T * N);
  const gb = {
    rewards: dev.upload('r', rew), values: dev.upload('v', val), terminated: dev.upload('te', term), truncated: dev.upload('tr', trunc),
    finalValues: dev.upload('fv', fin), advantages: dev.buffer('a', T * N * 4), returns: dev.buffer('R', T * N * 4),
  };
  const pz = randn(P, rng), gz = Float32Array.from(randn(P, rng), (x) => 0.01 * x);
  const ab = {
    params: dev.upload('p', pz), grads: dev.upload('g', gz), m: dev.upload('m', new Float32Array(P)), v: dev.upload('v', new Float32Array(P)),
    state: dev.upload('s', new Float32Array(4)), lr: dev.upload('lr', new Float32Array([3e-4])), partials: dev.buffer('pp', adamPartialsSize(P) * 4),
  };
  const adamSteps = adam(dev, { P, maxGradNorm: 0.5 }, ab);
  const adamAll: Dispatch = { label: 'adam', encode: (p) => adamSteps.forEach((d) => d.encode(p)) };
  const kernelRows: Record<string, string | number>[] = [];
  for (const algo of ['ppo', 'spo'] as const) {
    const g = await gpuMs(dev, policyObjective(dev, { B, algo }, ob), 20);
    const js = await timeMs(async () => { for (let i = 0; i < B; i++) policyObjectiveRef(algo, lp[i], lpo[i], adv[i], kl[i]); });
    kernelRows.push({ kernel: `objective ${algo} (B=${B})`, 'gpu ms': f(g.wall, 3), 'gpu ms (timestamps)': f(g.ts, 3), 'js ms': f(js, 3), 'js/gpu': f(js / g.wall, 1) });
  }
  const gaeGpu = await gpuMs(dev, gae(dev, { T, N, gamma: 0.99, lambda: 0.95 }, gb), 20);
  const gaeJs = await timeMs(async () => { gaeRef(T, N, 0.99, 0.95, rew, val, term, trunc, fin, false); });
  kernelRows.push({ kernel: `gae (T=${T}, N=${N})`, 'gpu ms': f(gaeGpu.wall, 3), 'gpu ms (timestamps)': f(gaeGpu.ts, 3), 'js ms': f(gaeJs, 3), 'js/gpu': f(gaeJs / gaeGpu.wall, 1) });
  const adamGpu = await gpuMs(dev, adamAll, 20);
  const adamJs = await timeMs(async () => { adamRef(Float64Array.from(pz), gz, new Float64Array(P), new Float64Array(P), 0, 3e-4, 0.9, 0.999, 1e-5, 0.5); });
  kernelRows.push({ kernel: `adam + clip (P=${P}, 3 dispatches)`, 'gpu ms': f(adamGpu.wall, 3), 'gpu ms (timestamps)': f(adamGpu.ts, 3), 'js ms': f(adamJs, 3), 'js/gpu': f(adamJs / adamGpu.wall, 1) });
  // TRPO's Fisher-vector product over a CleanRL-sized batch (512 CartPole states, 64-64 tanh actor).
  {
    const envFvp = getEnv('CartPole-v1'), Bf = 512;
    const Lf = policyLayout(envFvp, { actorHidden: [64, 64], criticHidden: [64, 64], activation: 'tanh' });
    const pf = initPolicyParams(Lf, 1), vf = randn(Lf.size, rng), of = randn(Bf * envFvp.obsDim, rng);
    const fb = { obs: dev.upload('fvp obs', of), params: dev.upload('fvp params', pf), v: dev.upload('fvp v', vf), hv: dev.buffer('fvp hv', Lf.size * 4) };
    const steps = fisherVectorProduct(dev, { layout: Lf, B: Bf, activation: 'tanh' }, { obs: { buffer: fb.obs, offset: 0 }, params: fb.params, v: fb.v, hv: fb.hv });
    const fvpGpu = await gpuMs(dev, { label: 'fvp', encode: (p) => steps.forEach((d) => d.encode(p)) }, 20);
    const fvpJs = await timeMs(async () => { fisherVectorProductRef(Lf, pf, of, Bf, 'tanh', vf); });
    kernelRows.push({ kernel: `fisher-vector product (B=${Bf}, 64-64 actor, ${steps.length} dispatches)`, 'gpu ms': f(fvpGpu.wall, 3), 'gpu ms (timestamps)': f(fvpGpu.ts, 3), 'js ms': f(fvpJs, 3), 'js/gpu': f(fvpJs / fvpGpu.wall, 1) });
    // One conjugate-gradient iteration as TRPO runs it: the product, then the step.
    const cgb = { x: dev.buffer('cg x', Lf.size * 4), r: dev.buffer('cg r', Lf.size * 4), p: fb.v, ap: fb.hv, state: dev.buffer('cg state', 16) };
    const cgIteration = [...fisherVectorProduct(dev, { layout: Lf, B: Bf, activation: 'tanh' }, { obs: { buffer: fb.obs, offset: 0 }, params: fb.params, v: cgb.p, hv: cgb.ap }), cgStep(dev, { n: Lf.size, damping: 0.1 }, cgb)];
    const cgGpu = await gpuMs(dev, { label: 'cg iteration', encode: (p) => cgIteration.forEach((d) => d.encode(p)) }, 20);
    const cgJs = await timeMs(async () => { conjugateGradientRef((v) => fisherVectorProductRef(Lf, pf, of, Bf, 'tanh', v), vf, 1, 0.1, 0); });
    kernelRows.push({ kernel: `CG iteration (FVP + step, P=${Lf.size})`, 'gpu ms': f(cgGpu.wall, 3), 'gpu ms (timestamps)': f(cgGpu.ts, 3), 'js ms': f(cgJs, 3), 'js/gpu': f(cgJs / cgGpu.wall, 1) });
  }
  console.log('\nper-kernel time (median ms per call: 20 dispatches in one pass, divided by 20)');
  table(kernelRows);
  return { matmul: json, trainer_matmuls: trainerMatmuls, kernels: kernelRows };
}

/**
 * The products one minibatch update of CleanRL's config runs (128 samples, 64-64 tanh actor and
 * critic, CartPole's 4 observations and 2 actions), in the form the trainer binds them (bias and
 * activation, the weight gradient with its bias row, the input gradient gated by tanh'; hidden
 * layers as a batch of 2 networks; the output layers' forward and input gradient are
 * heads_and_loss's): ms per call of every variant, and the one autoMatmulVariant picks on this
 * adapter. This is the measurement behind that choice.
 */
async function benchTrainerMatmuls(dev: WgrlDevice, quick: boolean) {
  const B = 128, H = 64, O = 4, A = 2;
  const products: [string, MatmulSpec][] = [
    ['forward layer 1', { M: B, K: O, N: H, bias: true, act: 'tanh', batch: 2 }],
    ['forward layer 2', { M: B, K: H, N: H, bias: true, act: 'tanh', batch: 2 }],
    ['dW layer 2 (+ db)', { M: H + 1, K: B, N: H, transA: true, onesRow: true, batch: 2 }],
    ['dW layer 1 (+ db)', { M: O + 1, K: B, N: H, transA: true, onesRow: true, batch: 2 }],
    ['dW actor head (+ db)', { M: H + 1, K: B, N: A, transA: true, onesRow: true }],
    ['dX layer 2 (tanh\')', { M: B, K: H, N: H, transB: true, gate: 'tanh', batch: 2 }],
  ];
  // The slow variants (one output per thread; shared-memory tiles behind barriers) only on real GPUs or in full runs.
  const variants = MATMUL_VARIANTS.filter((v) => !(quick && dev.adapter.isSoftware && (v === 'naive' || v === 'tiled')));
  const size = 2 * B * Math.max(H + 1, B);
  const rng = new CpuRng(2);
  const a = dev.upload('a', randn(size, rng)), b = dev.upload('b', randn(size, rng)), c = dev.buffer('c', size * 4);
  const bias = dev.upload('bias', randn(2 * H, rng)), gate = dev.upload('gate', Float32Array.from(randn(size, rng), Math.tanh));
  const rows: Record<string, string | number>[] = [], json: Record<string, unknown>[] = [];
  for (const [name, spec] of products) {
    const ms: Record<string, number> = {};
    for (const v of variants) {
      progress(`trainer matmul ${name} ${v}`);
      const d = matmul(dev, { ...spec, variant: v }, { a, b, c, bias: spec.bias ? bias : undefined, gate: spec.gate ? gate : undefined });
      ms[v] = (await gpuMs(dev, d, 16)).wall;
    }
    const chosen = matmul(dev, spec, { a, b, c, bias: spec.bias ? bias : undefined, gate: spec.gate ? gate : undefined }).kernel.label.replace('matmul.matmul_', '');
    const best = Object.entries(ms).reduce((x, y) => (y[1] < x[1] ? y : x));
    rows.push({ product: name, shape: `${spec.M}x${spec.K}x${spec.N}${spec.batch ? ` ×${spec.batch}` : ''}`, ...Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, f(v, 3)])), chosen, fastest: best[0] });
    json.push({ product: name, spec, ms, chosen, fastest: best[0] });
  }
  for (const x of [a, b, c, bias, gate]) x.destroy();
  console.log('\nthe trainer\'s matmuls on one CleanRL minibatch (ms per call, median of 5 passes of 16; lower is better)');
  table(rows);
  return json;
}

// ---------------------------------------------------------------- rollout
/** The same rollout in plain TS on the CPU: f32 MLP forward, sampling, f64 reference env step. */
function cpuRollout(layout: PolicyLayout, params: Float32Array, N: number, T: number, envId: string): void {
  const ref = REFERENCE_ENVS[envId], rng = new CpuRng(7);
  const states = Array.from({ length: N }, () => ref.reset([rng.next(), rng.next(), rng.next(), rng.next()]));
  const forward = (dims: number[], w: number[], b: number[], x: Float32Array): Float32Array => {
    let h = x;
    for (let l = 0; l + 1 < dims.length; l++) {
      const o = new Float32Array(dims[l + 1]);
      for (let j = 0; j < dims[l + 1]; j++) o[j] = params[b[l] + j];
      for (let i = 0; i < dims[l]; i++) { const xi = h[i], row = w[l] + i * dims[l + 1]; for (let j = 0; j < dims[l + 1]; j++) o[j] += xi * params[row + j]; }
      if (l + 2 < dims.length) for (let j = 0; j < o.length; j++) o[j] = Math.tanh(o[j]);
      h = o;
    }
    return h;
  };
  for (let t = 0; t < T; t++) {
    for (let n = 0; n < N; n++) {
      const obs = Float32Array.from(ref.observe(states[n]));
      forward(layout.critic.dims, layout.critic.w, layout.critic.b, obs);
      const z = forward(layout.actor.dims, layout.actor.w, layout.actor.b, obs);
      const m = Math.max(...z), p = Array.from(z, (x) => Math.exp(x - m)), s = p.reduce((a, b) => a + b, 0);
      let u = rng.next() * s, a = 0;
      while (a < p.length - 1 && u >= p[a]) { u -= p[a]; a++; }
      const r = ref.step(states[n], a);
      states[n] = r.terminated ? ref.reset([rng.next(), rng.next(), rng.next(), rng.next()]) : r.state;
    }
  }
}

async function benchRollout(dev: WgrlDevice, quick: boolean) {
  const env = getEnv('CartPole-v1');
  const rows: Record<string, string | number>[] = [];
  const json: Record<string, unknown>[] = [];
  const Ns = quick ? [1, 64, 4096] : [1, 64, 1024, 4096, 65_536];
  for (const [label, hidden] of [['64-64 actor and critic', [64, 64]], ['random actions (no hidden layer)', [] as number[]]] as const) {
    const layout = policyLayout(env, { actorHidden: [...hidden], criticHidden: [...hidden], activation: 'tanh' });
    const host = initPolicyParams(layout, 1);
    if (hidden.length === 0) host.fill(0); // zero logits: uniform random actions
    const params = dev.upload('params', host);
    for (const N of Ns) {
      const T = Math.max(8, Math.min(512, Math.round((quick ? 2 ** 16 : 2 ** 18) / N)));
      progress(`rollout ${label} N=${N}`);
      const ro = new Rollout(dev, env, layout, params, { N, T, seed: 1, bootstrapTruncation: false, obsNorm: false, rewardNorm: false, gamma: 0.99, activation: 'tanh' });
      dev.submit('reset', (p) => ro.resetKernel.encode(p));
      const ms = await timeMs(async () => {
        dev.submitEncoder('rollout', (enc) => { ro.clearEpisodeLog(enc); const p = enc.beginComputePass(); ro.encode(p); p.end(); });
        await dev.sync();
      }, 3);
      const gpuSps = (N * T) / (ms / 1000);
      // The CPU rollout on a slice of the same work (it scales linearly in N·T).
      const cpuSteps = Math.min(N * T, 20_000);
      const cpuMs = await timeMs(async () => cpuRollout(layout, host, Math.min(N, cpuSteps), Math.max(1, Math.floor(cpuSteps / Math.min(N, cpuSteps))), env.id), 3, 0);
      const cpuSps = cpuSteps / (cpuMs / 1000);
      rows.push({ policy: label, N, T, 'gpu steps/s': Math.round(gpuSps), 'cpu (TS) steps/s': Math.round(cpuSps), 'gpu/cpu': f(gpuSps / cpuSps, 1) });
      json.push({ policy: label, N, T, gpu_steps_per_s: gpuSps, cpu_steps_per_s: cpuSps });
      ro.destroy();
    }
    params.destroy();
  }
  // The same CartPole as a JS environment: policy on the GPU, one upload and one readback per step.
  const jsSpec = referenceJsEnvSpec('CartPole-v1', 4, { type: 'discrete', n: 2 }, 500);
  for (const N of quick ? [64] : [1, 64, 1024]) {
    const T = Math.max(4, Math.min(128, Math.round(2 ** 13 / N)));
    progress(`rollout JS environment N=${N}`);
    const trainer = new Trainer(dev, { numEnvs: N, numSteps: T, numMinibatches: 1, totalTimesteps: N * T }, jsSpec);
    const ms = await timeMs(async () => { await trainer.jsRollout!.collect(0); }, 3);
    const sps = (N * T) / (ms / 1000);
    rows.push({ policy: '64-64, JS environment (host-stepped)', N, T, 'gpu steps/s': Math.round(sps), 'cpu (TS) steps/s': '-', 'gpu/cpu': '-' });
    json.push({ policy: 'js-env', N, T, steps_per_s: sps, ms_per_step: ms / T });
  }
  console.log('\nCartPole-v1 rollout throughput (environment steps per second, median of 3)');
  table(rows);
  return json;
}

// ---------------------------------------------------------------- training
/** Trains a CartPole run to its end: wall seconds, and the seconds and steps at which the 100-episode mean first reached 475. */
async function trainTo475(trainer: Trainer) {
  const t0 = performance.now();
  let toSolve: number | null = null, stepsToSolve: number | null = null;
  while (!trainer.done) {
    const m = await trainer.iterate();
    if (toSolve === null && trainer.host.recentReturns.length >= 100 && (m['charts/mean_return_100'] ?? 0) >= 475) {
      toSolve = (performance.now() - t0) / 1000; stepsToSolve = m.global_step;
    }
  }
  return { wall: (performance.now() - t0) / 1000, toSolve, stepsToSolve };
}

async function benchTrain(dev: WgrlDevice, quick: boolean) {
  const presets: Record<string, Record<string, unknown>> = {
    cleanrl: {},
    // More environments per iteration and fewer epochs: fewer, larger minibatch steps per env step.
    fast: { numEnvs: 16, numSteps: 64, numMinibatches: 4, updateEpochs: 2, learningRate: 1e-3 },
    // The quickest to a 100-episode mean of 475 of the presets tried on SwiftShader (README):
    // half the fast preset's rollout, two minibatches of 256, twice its learning rate.
    'fast-to-475': { numEnvs: 16, numSteps: 32, numMinibatches: 2, updateEpochs: 2, learningRate: 2e-3 },
  };
  const rows: Record<string, string | number>[] = [];
  const json: Record<string, unknown>[] = [];
  for (const [preset, overrides] of Object.entries(presets)) {
    // TRPO in CleanRL's rollout shape with its own (SB3-contrib) update defaults; the fast
    // preset's epochs, minibatches and learning rate mean other things for it.
    for (const algo of preset === 'cleanrl' ? ['ppo', 'spo', 'trpo'] as const : ['ppo', 'spo'] as const) {
      if (quick && preset !== 'cleanrl') continue;
      progress(`train ${preset} ${algo}`);
      const trainer = new Trainer(dev, { env: 'CartPole-v1', algo, seed: 1, totalTimesteps: quick ? 50_000 : 500_000, ...overrides });
      const { wall, toSolve, stepsToSolve } = await trainTo475(trainer);
      rows.push({ preset, algo, steps: trainer.host.globalStep, 'wall s': f(wall, 1), SPS: Math.round(trainer.host.globalStep / wall),
        'final return(100)': f(trainer.meanReturn100 ?? NaN, 1), 's to 475': toSolve === null ? 'not reached' : f(toSolve, 1), 'steps to 475': stepsToSolve ?? '-' });
      json.push({ preset, algo, config: trainer.config, steps: trainer.host.globalStep, wall_s: wall, sps: trainer.host.globalStep / wall,
        final_mean_return_100: trainer.meanReturn100, seconds_to_475: toSolve, steps_to_475: stepsToSolve });
    }
  }
  console.log('\nCartPole-v1 training, seed 1 (wall time includes everything: rollout, update, readback)');
  table(rows);
  return json;
}

// ---------------------------------------------------------------- GRPO
// GRPO on CartPole-v1 with its defaults, and the sequence task SortDigits-v0 (reward at the end,
// exact-match accuracy = the fraction of the last 100 episodes written exactly sorted): GRPO
// with the clip and with SPO's objective against PPO with a critic, 3 seeds each, the same
// batch shape (256 environments × 4 steps) and learning rate.
async function benchGrpo(dev: WgrlDevice, quick: boolean) {
  const rows: Record<string, string | number>[] = [];
  const json: Record<string, unknown>[] = [];
  progress('grpo CartPole-v1');
  {
    const trainer = new Trainer(dev, { env: 'CartPole-v1', algo: 'grpo', seed: 1, totalTimesteps: quick ? 48_000 : 500_000 });
    const { wall, toSolve, stepsToSolve } = await trainTo475(trainer);
    console.log(`\nGRPO on CartPole-v1, seed 1, defaults (${trainer.config.numEnvs / trainer.config.groupSize} groups of ${trainer.config.groupSize}, ${trainer.config.numSteps} steps):`);
    table([{ steps: trainer.host.globalStep, 'wall s': f(wall, 1), 'final return(100)': f(trainer.meanReturn100 ?? NaN, 1), 's to 475': toSolve === null ? 'not reached' : f(toSolve, 1), 'steps to 475': stepsToSolve ?? '-' }]);
    json.push({ env: 'CartPole-v1', algo: 'grpo', config: trainer.config, steps: trainer.host.globalStep, wall_s: wall, final_mean_return_100: trainer.meanReturn100, seconds_to_475: toSolve, steps_to_475: stepsToSolve });
  }
  const total = quick ? 20_480 : 300_032, marks = quick ? [10_240, 20_480] : [50_176, 100_352, 200_704, 300_032];
  const shape = { env: 'SortDigits-v0', numEnvs: 256, numSteps: 4, learningRate: 1e-3, totalTimesteps: total };
  const variants: [string, Partial<TrainConfig>][] = [['grpo clip', { algo: 'grpo' }], ['grpo spo', { algo: 'grpo', grpoObjective: 'spo' }], ['ppo (critic)', { algo: 'ppo' }]];
  for (const [name, overrides] of variants) {
    for (const seed of quick ? [1] : [1, 2, 3]) {
      progress(`grpo SortDigits-v0 ${name} seed ${seed}`);
      const trainer = new Trainer(dev, { ...shape, ...overrides, seed } as Partial<TrainConfig>);
      const t0 = performance.now();
      const curve: { step: number; seconds: number; accuracy: number | null; mean_return_100: number | null }[] = [];
      const accuracyAt: { step: number; accuracy: number | null }[] = [];
      let toTarget: number | null = null, stepsToTarget: number | null = null;
      while (!trainer.done) {
        const m = await trainer.iterate();
        const acc = trainer.successRate100, sec = (performance.now() - t0) / 1000;
        accuracyAt.push({ step: m.global_step, accuracy: acc });
        // Every 8th iteration (8,192 steps) and the last, for the results file.
        if (m.iteration % 8 === 0 || trainer.done) curve.push({ step: m.global_step, seconds: sec, accuracy: acc, mean_return_100: m['charts/mean_return_100'] });
        if (toTarget === null && trainer.host.recentReturns.length >= 100 && (acc ?? 0) >= 0.9) { toTarget = sec; stepsToTarget = m.global_step; }
      }
      const wall = (performance.now() - t0) / 1000;
      const at = (step: number) => accuracyAt.find((p) => p.step >= step)?.accuracy ?? NaN;
      rows.push({ variant: name, seed, ...Object.fromEntries(marks.map((k) => [`acc@${Math.round(k / 1000)}k`, f(at(k), 3)])),
        'steps to 0.9': stepsToTarget ?? 'not reached', 's to 0.9': toTarget === null ? '-' : f(toTarget, 1), 'wall s': f(wall, 1) });
      json.push({ env: 'SortDigits-v0', variant: name, seed, config: trainer.config, wall_s: wall, final_accuracy: trainer.successRate100, steps_to_0_9: stepsToTarget, seconds_to_0_9: toTarget, curve });
    }
  }
  console.log('\nSortDigits-v0 exact-match accuracy (last 100 episodes) against steps; 256 environments × 4 steps, learning rate 1e-3:');
  table(rows);
  return json;
}

async function main() {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  // Suites are the words not taken by a --flag VALUE pair.
  const valued = new Set(['--env', '--algo', '--preset', '--steps', '--agents']);
  const suites = args.filter((a, i) => !a.startsWith('--') && !valued.has(args[i - 1]));
  const which = suites.length ? suites : ['kernels', 'rollout'];
  const known = ['kernels', 'rollout', 'train', 'grpo', 'agents', 'profile', 'gpu'];
  for (const s of which) if (!known.includes(s)) { console.error(`bench: unknown suite '${s}' (${known.join(', ')})`); process.exit(2); }
  const value = (flag: string) => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : undefined; };
  const positiveInts = (flag: string) => {
    const raw = value(flag);
    if (raw === undefined) return undefined;
    const xs = raw.split(',').map(Number);
    if (!xs.length || xs.some((x) => !Number.isInteger(x) || x < 1)) { console.error(`bench: ${flag} expects positive integers, got '${raw}'`); process.exit(2); }
    return xs;
  };
  const agentOpts = { quick, steps: positiveInts('--steps')?.[0], agents: positiveInts('--agents'), rolloutOnly: args.includes('--rollout-only') };
  const dev = await createNodeDevice();
  mkdirSync('results', { recursive: true });
  for (const s of which) {
    const t0 = performance.now();
    const result = s === 'kernels' ? await benchKernels(dev, quick) : s === 'rollout' ? await benchRollout(dev, quick)
      : s === 'profile' ? await benchProfile(dev, args, quick) : s === 'gpu' ? await benchGpu(dev, quick) : s === 'grpo' ? await benchGrpo(dev, quick)
      : s === 'agents' ? await benchAgents(dev, agentOpts)
      // The train suite includes GRPO's runs (npm run bench -- grpo runs them alone).
      : { cartpole: await benchTrain(dev, quick), grpo: await benchGrpo(dev, quick) };
    const out = { suite: s, adapter: adapterName(dev.adapter), date: new Date().toISOString(), quick, seconds: (performance.now() - t0) / 1000, result };
    const file = s === 'gpu' ? `results/bench-gpu-${adapterSlug(dev)}.json` : `results/bench-${s}.json`;
    writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
    console.log(`bench: wrote ${file}`);
  }
  process.exit(0);
}

main().catch((e) => { console.error(`bench: ${(e as Error).message}`); process.exit(1); });
