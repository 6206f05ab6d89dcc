// Many agents in one pass (src/gpu/agents.ts): each agent of a K-agent trainer must end where a
// single-agent run with the same config ends, bit for bit (each agent runs the same kernels on
// its own copies in the same order, so no sum is reordered), and the dispatch count must not
// grow with K. Plus the bad inputs: K = 0, K too large, fields that cannot differ.
import { describe, it, expect } from 'vitest';
import { getDevice, rng, randArray, randInt, expectClose } from './helpers.js';
import { Trainer, type IterationMetrics } from '../src/train/trainer.js';
import { agentBuffer, agentOffset, agentStride, agentUpload } from '../src/gpu/agents.js';
import type { TrainConfig } from '../src/train/config.js';
import { matmul, MATMUL_VARIANTS, type MatmulSpec } from '../src/kernels/matmul.js';
import { matmulRef } from '../src/reference/matmul.js';
import { colStats, colSum, sumsqPartial } from '../src/kernels/reduce.js';
import { adam, adamPartialsSize } from '../src/kernels/adam.js';
import { adamRef } from '../src/reference/adam.js';
import { runDispatches } from '../src/gpu/kernel.js';
import type { WgrlDevice } from '../src/gpu/device.js';

/** Agent k's `n` elements of a per-agent buffer read back whole. */
const ofAgent = (all: Float32Array, buf: GPUBuffer, k: number, n: number) => all.slice(agentOffset(buf, k), agentOffset(buf, k) + n);

/** Agent k's operand: its own copy (per-agent buffer) or the one shared by all. */
function perAgentOrShared(dev: WgrlDevice, label: string, data: Float32Array[], shared: boolean) {
  return shared ? { buf: dev.upload(label, data[0]), of: () => data[0] } : { buf: agentUpload(dev, label, data), of: (k: number) => data[k] };
}

describe('kernels over agents against the f64 references, agent by agent', () => {
  for (const variant of MATMUL_VARIANTS) {
    it(`matmul ${variant}: 16 random shapes × 1-4 agents, operands per agent or shared`, async () => {
      const dev = await getDevice();
      const r = rng(variant.length * 31);
      for (let i = 0; i < 16; i++) {
        const K = i === 0 ? 1 : randInt(r, 2, 4);
        const spec: MatmulSpec = {
          M: randInt(r, 1, variant === 'tiled' ? 70 : 100), N: variant === 'regblock_vec4' ? 4 * randInt(r, 1, 12) : randInt(r, 1, 50), K: randInt(r, 1, variant === 'tiled' ? 40 : 70),
          batch: randInt(r, 1, 2), transA: r() < 0.3, transB: variant !== 'regblock_vec4' && r() < 0.3, bias: r() < 0.5, act: r() < 0.5 ? 'tanh' : 'none',
          accum: r() < 0.2, variant, agents: K,
        };
        const batch = spec.batch ?? 1;
        const make = (n: number) => Array.from({ length: K }, () => randArray(r, batch * n));
        const a = perAgentOrShared(dev, 'a', make(spec.M * spec.K), r() < 0.25);
        const b = perAgentOrShared(dev, 'b', make(spec.K * spec.N), r() < 0.4);
        const bias = perAgentOrShared(dev, 'bias', make(spec.N), r() < 0.4);
        const cIn = make(spec.M * spec.N), c = agentUpload(dev, 'c', cIn);
        runDispatches(dev, 'agents matmul', [matmul(dev, spec, { a: a.buf, b: b.buf, bias: bias.buf, c })]);
        const got = await dev.readF32(c);
        for (let k = 0; k < K; k++) {
          const want = matmulRef({ ...spec }, a.of(k), b.of(k), spec.bias ? bias.of(k) : undefined, undefined, cIn[k]);
          expectClose(ofAgent(got, c, k, batch * spec.M * spec.N), want, 1e-5 * Math.sqrt(spec.K) * 4, 1e-5, `agent ${k} of ${K}: ${JSON.stringify(spec)}`);
        }
        [a.buf, b.buf, bias.buf, c].forEach((x) => x.destroy());
      }
    });
  }

  it('col_sum, col_stats and sumsq_partial over 1-5 agents and random shapes (1 row, 1 column, not multiples of 64)', async () => {
    const dev = await getDevice();
    const r = rng(77);
    for (let i = 0; i < 20; i++) {
      const K = randInt(r, 1, 5), R = i < 3 ? 1 : randInt(r, 1, 300), C = i < 3 ? 1 : randInt(r, 1, 9), scale = 0.5 + r();
      const xs = Array.from({ length: K }, () => randArray(r, R * C));
      const x = agentUpload(dev, 'x', xs);
      const sums = agentBuffer(dev, 'sums', K, C), stats = agentBuffer(dev, 'stats', K, 3 * C), sq = agentBuffer(dev, 'sumsq', K, 4);
      runDispatches(dev, 'agents reductions', [
        colSum(dev, { R, C, scale, agents: K }, { x, out: sums }), colStats(dev, { R, C, agents: K }, { x, out: stats }),
        sumsqPartial(dev, { n: R * C, partials: 4, agents: K }, { x, out: sq }),
      ]);
      const [gs, gt, gq] = await Promise.all([sums, stats, sq].map((b) => dev.readF32(b)));
      for (let k = 0; k < K; k++) {
        const col = (cc: number) => Array.from({ length: R }, (_, row) => xs[k][row * C + cc]);
        const wantSum = Array.from({ length: C }, (_, cc) => scale * col(cc).reduce((s, v) => s + v, 0));
        const wantStats = Array.from({ length: C }, (_, cc) => {
          const v = col(cc), sum = v.reduce((s, y) => s + y, 0), mean = sum / R;
          return [sum, mean, R > 1 ? v.reduce((s, y) => s + (y - mean) ** 2, 0) / (R - 1) : 0];
        }).flat();
        const wantSq = [0, 1, 2, 3].map((g) => { let s = 0; for (let j = g; j < R * C; j += 4) s += xs[k][j] ** 2; return s; });
        expectClose(ofAgent(gs, sums, k, C), wantSum, 1e-4, 1e-5, `col_sum agent ${k}`);
        expectClose(ofAgent(gt, stats, k, 3 * C), wantStats, 1e-4, 1e-4, `col_stats agent ${k}`);
        expectClose(ofAgent(gq, sq, k, 4), wantSq, 1e-4, 1e-5, `sumsq agent ${k}`);
      }
      [x, sums, stats, sq].forEach((b) => b.destroy());
    }
  });

  it('adam over 1-4 agents: each agent its own gradients, learning rate and clipping, as the f64 step', async () => {
    const dev = await getDevice();
    const r = rng(91);
    for (let i = 0; i < 12; i++) {
      const K = i === 0 ? 1 : randInt(r, 2, 4), P = i === 1 ? 1 : randInt(r, 1, 3000), maxGradNorm = i % 2 ? 0.5 : 0;
      const p0 = Array.from({ length: K }, () => randArray(r, P)), lrs = Array.from({ length: K }, () => 1e-3 * (1 + r()));
      const zeros = (n: number) => Array.from({ length: K }, () => new Float32Array(n));
      const b = {
        params: agentUpload(dev, 'p', p0), grads: agentBuffer(dev, 'g', K, P), m: agentUpload(dev, 'm', zeros(P)), v: agentUpload(dev, 'v', zeros(P)),
        state: agentUpload(dev, 'state', zeros(4)), lr: agentUpload(dev, 'lr', lrs.map((x) => Float32Array.of(x))), partials: agentBuffer(dev, 'part', K, adamPartialsSize(P)),
      };
      const steps = adam(dev, { P, maxGradNorm, agents: K }, b);
      const ref = p0.map((p) => ({ p: Float64Array.from(p), m: new Float64Array(P), v: new Float64Array(P), step: 0 }));
      for (let s = 0; s < 3; s++) {
        const g = Array.from({ length: K }, () => randArray(r, P, -0.1, 0.1));
        const all = new Float32Array(K === 1 ? P : K * agentStride(b.grads));
        g.forEach((x, k) => all.set(x, agentOffset(b.grads, k)));
        dev.write(b.grads, all);
        runDispatches(dev, 'agents adam', steps);
        ref.forEach((x, k) => { x.step = adamRef(x.p, g[k], x.m, x.v, x.step, lrs[k], 0.9, 0.999, 1e-5, maxGradNorm).step; });
      }
      const got = await dev.readF32(b.params);
      for (let k = 0; k < K; k++) expectClose(ofAgent(got, b.params, k, P), ref[k].p, 2e-6, 1e-4, `adam agent ${k} of ${K}, P=${P}`);
      Object.values(b).forEach((x) => x.destroy());
    }
  });
});

/** Metrics without the wall-clock rate, for exact comparison. */
const comparable = (m: IterationMetrics) => { const x: Record<string, unknown> = { ...m }; delete x['charts/SPS']; return x; };

async function singleRun(config: Partial<TrainConfig>) {
  const dev = await getDevice();
  const t = new Trainer(dev, config);
  const metrics: Record<string, unknown>[] = [];
  while (!t.done) metrics.push(comparable(await t.iterate()));
  return { metrics, params: await dev.readF32(t.params, t.layout.size), dispatches: t.dispatchesPerIteration };
}

async function agentsRun(config: Partial<TrainConfig>, agents: Partial<TrainConfig>[]) {
  const dev = await getDevice();
  const t = new Trainer(dev, config, undefined, agents);
  const metrics: Record<string, unknown>[][] = agents.map(() => []);
  while (!t.done) (await t.iterateAgents()).forEach((m, k) => metrics[k].push(comparable(m)));
  const all = await dev.readF32(t.params);
  const params = agents.map((_, k) => all.slice(agentOffset(t.params, k), agentOffset(t.params, k) + t.layout.size));
  return { metrics, params, dispatches: t.dispatchesPerIteration };
}

const RUNS: Record<string, { config: Partial<TrainConfig>; agents: Partial<TrainConfig>[] }> = {
  'CartPole-v1 ppo, 3 seeds and a learning-rate/clip/γ sweep': {
    config: { env: 'CartPole-v1', algo: 'ppo', numEnvs: 8, numSteps: 32, numMinibatches: 2, updateEpochs: 2, totalTimesteps: 256 * 3 },
    agents: [{ seed: 1 }, { seed: 2, learningRate: 1e-3, clipCoef: 0.1 }, { seed: 3, gamma: 0.95, gaeLambda: 0.9, entCoef: 0.01, vfCoef: 0.25, annealLr: false }],
  },
  'Pendulum-v1 ppo-kl (normalised), 2 seeds with their own KL targets': {
    config: { env: 'Pendulum-v1', algo: 'ppo-kl', numEnvs: 2, numSteps: 64, numMinibatches: 4, updateEpochs: 2, totalTimesteps: 128 * 3 },
    agents: [{ seed: 5, klTarget: 0.01 }, { seed: 6, klTarget: 0.03, gamma: 0.9 }],
  },
  'Acrobot-v1 spo-kl, 4 seeds': {
    config: { env: 'Acrobot-v1', algo: 'spo-kl', numEnvs: 4, numSteps: 16, numMinibatches: 2, updateEpochs: 1, totalTimesteps: 64 * 2 },
    agents: [{ seed: 11 }, { seed: 12 }, { seed: 13, spoKlMax: 0.05 }, { seed: 14 }],
  },
};

describe('K agents in one pass', () => {
  for (const [name, { config, agents }] of Object.entries(RUNS)) {
    it(`${name}: every agent equals its single run bit for bit, with the same dispatch count`, async () => {
      const many = await agentsRun(config, agents);
      for (const [k, a] of agents.entries()) {
        const one = await singleRun({ ...config, ...a });
        expect(many.metrics[k].length).toBe(one.metrics.length);
        for (let i = 0; i < one.metrics.length; i++) expect(many.metrics[k][i], `agent ${k} iteration ${i + 1}`).toEqual(one.metrics[i]);
        expect(Array.from(many.params[k]), `agent ${k} final parameters`).toEqual(Array.from(one.params));
        expect(many.dispatches).toBe(one.dispatches);
      }
      // Different seeds train different agents (the comparison above is not of copies).
      expect(Array.from(many.params[0])).not.toEqual(Array.from(many.params[1]));
    });
  }

  it('refuses no agents, too many agents, fields that set shapes, and algorithms without a many-agent plan, before any GPU work', async () => {
    const dev = await getDevice();
    const before = dev.buffersCreated;
    expect(() => new Trainer(dev, {}, undefined, [])).toThrow(/--num-agents must be at least 1/);
    expect(() => new Trainer(dev, { numEnvs: 4, numSteps: 8, totalTimesteps: 64 }, undefined, Array.from({ length: 40000 }, (_, k) => ({ seed: k }))))
      .toThrow(/does not fit this adapter.*the largest number of agents that fits with this config is \d+/);
    expect(() => new Trainer(dev, {}, undefined, [{ seed: 1 }, { seed: 2, numEnvs: 8 }])).toThrow(/agent 1 has numEnvs = 8, agent 0 has 4.*sets shapes/);
    expect(() => new Trainer(dev, {}, undefined, [{ seed: 1 }, { algo: 'spo' }])).toThrow(/agent 1 has algo = "spo"/);
    expect(() => new Trainer(dev, { algo: 'trpo' }, undefined, [{ seed: 1 }, { seed: 2 }])).toThrow(/--algo trpo trains one agent per pass/);
    expect(() => new Trainer(dev, {}, undefined, [{ seed: 1 }, { learningRat: 1 } as Partial<TrainConfig>])).toThrow(/unknown config key 'learningRat'/);
    expect(() => new Trainer(dev, {}, undefined, [{ seed: 1 }, { learningRate: Number.NaN }])).toThrow(/learning-rate/);
    expect(dev.buffersCreated).toBe(before);
  });
});
