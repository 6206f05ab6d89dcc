// Many agents in one pass (src/gpu/agents.ts): each agent of a K-agent trainer must end where a
// single-agent run with the same config ends, bit for bit (each agent runs the same kernels on
// its own copies in the same order, so no sum is reordered), and the dispatch count must not
// grow with K. Plus the bad inputs: K = 0, K too large, fields that cannot differ.
import { describe, it, expect } from 'vitest';
import { getDevice, rng, randArray, randInt, expectClose } from './helpers.js';
import { Trainer, type IterationMetrics } from '../src/train/trainer.js';
import { agentBuffer, agentOffset, agentPitch, agentUpload } from '../src/gpu/agents.js';
import type { TrainConfig } from '../src/train/config.js';
import { matmul, MATMUL_VARIANTS, type MatmulSpec } from '../src/kernels/matmul.js';
import { matmulRef } from '../src/reference/matmul.js';
import { colStats, colSum, sumsqPartial } from '../src/kernels/reduce.js';
import { adam, adamPartialsSize } from '../src/kernels/adam.js';
import { adamRef } from '../src/reference/adam.js';
import { runDispatches } from '../src/gpu/kernel.js';
import type { WgrlDevice } from '../src/gpu/device.js';
import { runTraining, readMetricLines, CHECKPOINT_FILE, type RunSummary } from '../src/train/run.js';
import { evaluateCheckpoint } from '../src/train/evaluate.js';
import { expandAgents, parseSeeds, parseSweep } from '../src/train/sweep.js';
import { loadRuns } from '../src/report/runs.js';
import { scratchDir } from './helpers.js';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const cli = (args: string[]) => spawnSync(process.execPath, [join(process.cwd(), 'dist', 'cli.js'), ...args],
  { encoding: 'utf8', timeout: 300_000, env: { ...process.env, WGRL_ADAPTER: 'swiftshader' } });
const withoutSps = (dir: string) => readMetricLines(join(dir, 'metrics.jsonl'), () => {}).map((m) => { delete m['charts/SPS']; return m; });

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
        const all = new Float32Array(K * agentPitch(b.grads, P));
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
  'CartPole-v1 ppo, spo, ppo-kl and spo-kl in one pass (the objective chosen per agent)': {
    config: { env: 'CartPole-v1', numEnvs: 8, numSteps: 32, numMinibatches: 2, updateEpochs: 2, totalTimesteps: 256 * 3 },
    agents: [{ algo: 'ppo', seed: 1 }, { algo: 'spo', seed: 1 }, { algo: 'ppo-kl', seed: 2, klTarget: 0.02 }, { algo: 'spo-kl', seed: 3, spoKlMax: 0.05 }, { algo: 'spo', seed: 4, clipCoef: 0.3 }],
  },
  'Pendulum-v1 spo and ppo in one pass': {
    config: { env: 'Pendulum-v1', numEnvs: 2, numSteps: 64, numMinibatches: 4, updateEpochs: 2, totalTimesteps: 128 * 3 },
    agents: [{ algo: 'spo', seed: 9 }, { algo: 'ppo', seed: 9 }],
  },
  'CartPole-v1 grpo, 3 seeds with their own KL penalty and clip': {
    config: { env: 'CartPole-v1', algo: 'grpo', numEnvs: 8, groupSize: 4, numSteps: 64, numMinibatches: 2, updateEpochs: 2, totalTimesteps: 512 * 3, refUpdateEvery: 2 },
    agents: [{ seed: 1 }, { seed: 2, refKlCoef: 0.2 }, { seed: 3, clipCoef: 0.1, entCoef: 0.01, learningRate: 1e-3 }],
  },
  'Pendulum-v1 grpo (SPO objective), 2 seeds': {
    config: { env: 'Pendulum-v1', algo: 'grpo', grpoObjective: 'spo', numEnvs: 4, groupSize: 2, numSteps: 50, numMinibatches: 2, updateEpochs: 1, totalTimesteps: 200 * 3 },
    agents: [{ seed: 4 }, { seed: 5 }],
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
    expect(() => new Trainer(dev, {}, undefined, [{ seed: 1 }, { algo: 'a2c' }])).toThrow(/agent 1 has numMinibatches = 1, agent 0 has 4/);
    expect(() => new Trainer(dev, {}, undefined, [{ seed: 1 }, { algo: 'trpo', numMinibatches: 4, updateEpochs: 4 } as Partial<TrainConfig>])).toThrow(/--algo trpo trains one agent per pass|differ/);
    expect(() => new Trainer(dev, { algo: 'grpo', env: 'CartPole-v1', numSteps: 500 }, undefined, [{ seed: 1 }, { algo: 'ppo' }])).toThrow(/agent 1 has numEnvs = 4, agent 0 has 16/);
    expect(() => new Trainer(dev, { algo: 'trpo' }, undefined, [{ seed: 1 }, { seed: 2 }])).toThrow(/--algo trpo trains one agent per pass/);
    expect(() => new Trainer(dev, {}, undefined, [{ seed: 1 }, { learningRat: 1 } as Partial<TrainConfig>])).toThrow(/unknown config key 'learningRat'/);
    expect(() => new Trainer(dev, {}, undefined, [{ seed: 1 }, { learningRate: Number.NaN }])).toThrow(/learning-rate/);
    expect(dev.buffersCreated).toBe(before);
  });
});

describe('several agents on disk and from the command line', () => {
  const TINY: Partial<TrainConfig> = { env: 'CartPole-v1', algo: 'spo', numEnvs: 4, numSteps: 16, numMinibatches: 2, updateEpochs: 1, totalTimesteps: 64 * 6 };
  const AGENTS: Partial<TrainConfig>[] = [{ seed: 1 }, { seed: 2 }, { seed: 3, learningRate: 1e-3 }];

  it('a run of 3 agents stopped and resumed writes what an uninterrupted one writes; eval --agent reads each agent', async () => {
    const dev = await getDevice();
    const whole = join(scratchDir('wgrl-agents-'), 'run'), split = join(scratchDir('wgrl-agents-'), 'run');
    const quiet = { log: () => {} };
    const a = await runTraining(dev, TINY, { runDir: whole, agents: AGENTS, ...quiet });
    await runTraining(dev, TINY, { runDir: split, agents: AGENTS, maxIterations: 2, checkpointEvery: 1, ...quiet });
    const b = await runTraining(dev, {}, { runDir: split, resume: true, ...quiet });
    expect(withoutSps(split)).toEqual(withoutSps(whole));
    const lines = withoutSps(whole);
    expect(lines.length).toBe(6 * 3);
    expect(lines.slice(0, 3).map((m) => [m.agent, m.seed, m.iteration])).toEqual([[0, 1, 1], [1, 2, 1], [2, 3, 1]]);
    for (const s of [a, b] as RunSummary[]) {
      expect(s.agents!.map((g) => g.seed)).toEqual([1, 2, 3]);
      expect(s.agents![2].config.learningRate).toBe(1e-3);
      expect(s.across_agents!.n).toBe(3);
    }
    expect(b.agents!.map((g) => g.final_mean_return_100)).toEqual(a.agents!.map((g) => g.final_mean_return_100));
    const finals = a.agents!.map((g) => g.final_mean_return_100!);
    expect(a.across_agents!.mean).toBeCloseTo(finals.reduce((x, y) => x + y, 0) / 3, 10);
    // Each agent alone, from the same checkpoint, gives a different policy (its own tensors).
    const e = await Promise.all([0, 1, 2].map((agent) => evaluateCheckpoint(dev, join(whole, CHECKPOINT_FILE), { episodes: 3, deterministic: true, agent })));
    expect(new Set(e.map((r) => JSON.stringify(r.returns))).size).toBeGreaterThan(1);
    await expect(evaluateCheckpoint(dev, join(whole, CHECKPOINT_FILE), { agent: 3 })).rejects.toThrow(/holds 3 agents \(0-2\); --agent 3 is not one of them/);
    // Plots see one run per agent, labelled with what the sweep varied.
    expect(loadRuns([whole]).map((r) => r.label)).toEqual(['spo seed 1 learning-rate 0.00025', 'spo seed 2 learning-rate 0.00025', 'spo seed 3 learning-rate 0.001']);
    // Agent 1's lines are what a single run with seed 2 writes.
    const single = join(scratchDir('wgrl-agents-'), 'run');
    await runTraining(dev, { ...TINY, seed: 2 }, { runDir: single, ...quiet });
    expect(withoutSps(single)).toEqual(lines.filter((m) => m.agent === 1).map((m) => { const x = { ...m }; delete x.agent; delete x.seed; return x; }));
  });

  it('seeds, sweeps and their bad inputs are parsed and refused before any GPU work', () => {
    expect(parseSeeds('1-4,9')).toEqual([1, 2, 3, 4, 9]);
    expect(() => parseSeeds('4-1')).toThrow(/runs backwards/);
    expect(() => parseSeeds('1,x')).toThrow(/--seeds expects seeds like 1,2,3/);
    expect(() => parseSeeds('1,2,1')).toThrow(/lists seed 1 twice/);
    const sweep = parseSweep('learning-rate=1e-3,2.5e-4;clip-coef=0.1,0.2', 'ppo');
    expect(expandAgents({ sweep, seeds: [1, 2], baseSeed: 1 })).toHaveLength(8);
    expect(expandAgents({ sweep, baseSeed: 7 })[3]).toEqual({ learningRate: 2.5e-4, clipCoef: 0.2, seed: 7 });
    expect(expandAgents({ numAgents: 3, baseSeed: 5 }).map((a) => a.seed)).toEqual([5, 6, 7]);
    expect(expandAgents({ numAgents: 8, sweep, baseSeed: 1 }).map((a) => a.seed)).toEqual([1, 2, 1, 2, 1, 2, 1, 2]);
    expect(() => expandAgents({ numAgents: 6, sweep, baseSeed: 1 })).toThrow(/not a multiple of the sweep's 4 configurations/);
    expect(() => expandAgents({ numAgents: 0, baseSeed: 1 })).toThrow(/--num-agents expects an integer >= 1/);
    expect(parseSweep('{"gamma": [0.9, 0.99], "klTarget": [0.01]}', 'ppo-kl')).toEqual([['gamma', [0.9, 0.99]], ['klTarget', [0.01]]]);
    expect(() => parseSweep('learning-rat=1e-3', 'ppo')).toThrow(/unknown key 'learning-rat' \(did you mean '--learning-rate'|unknown key 'learning-rat'.*learning-rate/);
    expect(() => parseSweep('num-envs=4,8', 'ppo')).toThrow(/num-envs cannot differ between agents.*the keys that can are learning-rate/);
    expect(() => parseSweep('learning-rate=fast', 'ppo')).toThrow(/--learning-rate expects a number, got 'fast'/);
    expect(() => parseSweep('{"learning-rate": ["fast"]}', 'ppo')).toThrow(/learning-rate takes finite numbers, got "fast"/);
    expect(() => parseSweep('{"learning-rate": 0.1}', 'ppo')).toThrow(/must be a non-empty list/);
    expect(() => parseSweep('seed=1,2', 'ppo')).toThrow(/seeds are given with --seeds/);
    expect(() => parseSweep('gamma=0.9;gamma=0.99', 'ppo')).toThrow(/lists gamma twice/);
    expect(() => parseSweep('gamma=0.9,0.90', 'ppo')).toThrow(/lists gamma = 0.9 twice/);
    expect(() => parseSweep('trpo-max-kl=0.01', 'ppo')).toThrow(/trpo-max-kl cannot differ/);
    expect(parseSweep('algo=ppo,spo-kl', 'ppo')).toEqual([['algo', ['ppo', 'spo-kl']]]);
    expect(() => parseSweep('{"algo": [1]}', 'ppo')).toThrow(/algo takes names, got 1/);
  });

  it('wgrl train --num-agents 16 trains 16 agents in one pass; bad agent flags fail before the adapter starts', () => {
    const dir = join(scratchDir('wgrl-agents-'), 'run');
    const r = cli(['train', '--num-agents', '16', '--num-envs', '4', '--num-steps', '16', '--num-minibatches', '2', '--update-epochs', '1', '--total-timesteps', '128', '--run-dir', dir, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/16 agents in one pass/);
    expect(r.stdout).toMatch(/agent 15 \(seed 16\)/);
    expect(r.stdout).toMatch(/IQM/);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.agents).toHaveLength(16);
    expect(existsSync(join(dir, CHECKPOINT_FILE))).toBe(true);
    // Algorithms with one plan share a pass, each agent its own objective.
    const mixedDir = join(scratchDir('wgrl-agents-'), 'run');
    const mixed = cli(['train', '--sweep', 'algo=ppo,spo,spo-kl,ppo-kl', '--seeds', '1,2', '--num-envs', '4', '--num-steps', '16', '--num-minibatches', '2',
      '--update-epochs', '1', '--total-timesteps', '128', '--run-dir', mixedDir, '--quiet']);
    expect(mixed.status, mixed.stderr).toBe(0);
    const mixedSummary = JSON.parse(readFileSync(join(mixedDir, 'summary.json'), 'utf8')) as RunSummary;
    expect(mixedSummary.agents!.map((g) => `${g.config.algo} ${g.seed}`)).toEqual(['ppo 1', 'ppo 2', 'spo 1', 'spo 2', 'spo-kl 1', 'spo-kl 2', 'ppo-kl 1', 'ppo-kl 2']);
    const sweepFile = join(scratchDir('wgrl-agents-'), 'sweep.json');
    writeFileSync(sweepFile, JSON.stringify({ 'num-steps': [16, 32] }));
    for (const [args, message] of [
      [['--num-agents', '0'], /--num-agents expects an integer >= 1, got '0'/],
      [['--seeds', '1,2', '--seed', '3'], /--seed and --seeds both given/],
      [['--sweep', 'actor-hidden=64'], /actor-hidden cannot differ between agents/],
      [['--sweep', sweepFile], /num-steps cannot differ between agents/],
      [['--sweep', 'gamma=high'], /--gamma expects a number, got 'high'/],
      [['--seeds', '1-3', '--sweep', 'learning-rate=-1,1e-3'], /invalid --learning-rate = -1: must be > 0/],
      [['--algo', 'trpo', '--num-agents', '2'], /--algo trpo trains one agent per pass/],
      [['--sweep', 'spo-kl-max=0.01,0.02'], /--spo-kl-max applies to spo-kl only, not to --algo ppo/],
      [['--sweep', 'algo=ppo,a2c'], /agent 1 has numMinibatches = 1, agent 0 has 4/],
      [['--num-agents', '2', '--eval-every', '1'], /--eval-every evaluates one policy/],
    ] as [string[], RegExp][]) {
      const bad = cli(['train', '--total-timesteps', '128', '--num-envs', '4', '--num-steps', '16', '--run-dir', join(scratchDir('wgrl-agents-'), 'x'), '--quiet', ...args]);
      expect(bad.status, args.join(' ')).not.toBe(0);
      expect(bad.stderr, args.join(' ')).toMatch(message);
      expect(bad.stderr, `${args.join(' ')}: refused after the adapter started`).not.toMatch(/wgrl: adapter/);
    }
  });
});
