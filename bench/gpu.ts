// npm run bench -- gpu [--quick]: everything worth knowing about an adapter in one command
// (about 5 minutes on a real GPU; --quick sizes run on SwiftShader in about a minute):
// the adapter's measured peaks, the matmul table against them, the rollout from N = 1 up to
// the adapter's buffer limits, training on CleanRL's config and on a large-N config, K agents
// in one pass against one, and the iteration profile. Writes results/bench-gpu-<adapter>.json.
import { adapterName, GpuError, type WgrlDevice } from '../src/gpu/device.js';
import { matmul, matmulFlops, autoMatmulVariant } from '../src/kernels/matmul.js';
import { getEnv } from '../src/envs/spec.js';
import { policyLayout, initPolicyParams } from '../src/nn/policy.js';
import { Rollout } from '../src/train/rollout.js';
import { Trainer } from '../src/train/trainer.js';
import { benchProfile, measurePeaks } from './profile.js';
import { median, table, timeGroup, emptySubmitMs } from './measure.js';
import { GpuTimer } from '../src/gpu/device.js';
import type { TrainConfig } from '../src/train/config.js';

const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');

function printTable(title: string, rows: Record<string, string | number>[]): void {
  console.log(`\n${title}`);
  table(rows);
}

/** Adapter name as a file-name part. */
export function adapterSlug(dev: WgrlDevice): string {
  return adapterName(dev.adapter).toLowerCase().replace(/\[[^\]]*\]/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
}

export async function benchGpu(dev: WgrlDevice, quick: boolean) {
  const t0 = performance.now();
  const timer = GpuTimer.create(dev);
  const emptyMs = await emptySubmitMs(dev);
  const peaks = await measurePeaks(dev, quick, timer, emptyMs);
  console.log(`\nadapter: ${adapterName(dev.adapter)}; measured peaks: matmul ${fmt(peaks.matmulGflops)} GFLOP/s (${peaks.matmulVariant}, ${peaks.matmulSize}³), copy ${fmt(peaks.copyGBs)} GB/s`);

  // Matmuls of the shapes training runs, with the variant this adapter gets by default.
  const shapes: [number, number, number][] = quick ? [[128, 64, 64], [4096, 64, 64], [256, 256, 256]] : [[128, 64, 64], [4096, 64, 64], [65536, 64, 64], [16384, 128, 128], [1024, 1024, 1024], [4096, 4096, 4096]];
  const matmulRows: Record<string, string | number>[] = [];
  for (const [M, K, N] of shapes) {
    const a = dev.buffer('a', M * K * 4), b = dev.buffer('b', K * N * 4), c = dev.buffer('c', M * N * 4);
    const spec = { M, N, K };
    const d = matmul(dev, spec, { a, b, c }, `matmul ${M}x${K}x${N}`);
    const flops = matmulFlops(spec);
    const reps = Math.max(1, Math.min(50, Math.round((quick ? 2e7 : 2e10) / flops)));
    const t = await timeGroup(dev, d.label, [d], reps, timer, emptyMs);
    // Rates from wall time, as the peaks are measured (timestamps are not on every adapter).
    const ms = t.wallMs, gflops = flops / (ms * 1e6), gbs = d.cost!.bytes / (ms * 1e6);
    matmulRows.push({ shape: `[${M}x${K}]·[${K}x${N}]`, variant: autoMatmulVariant(dev, spec), ms: fmt(ms, 3), 'gpu ms': t.gpuMs === null ? '-' : fmt(t.gpuMs, 3),
      'GFLOP/s': fmt(gflops), 'of peak': `${fmt(100 * gflops / peaks.matmulGflops)}%`, 'GB/s (min bytes)': fmt(gbs, 2) });
    for (const x of [a, b, c]) x.destroy();
  }
  printTable('matmul, the variant this adapter gets by default (wall time less an empty submit; gpu ms from timestamps where present)', matmulRows);

  // The rollout with the 64-64 policy, N up to what the adapter's buffers hold.
  const env = getEnv('CartPole-v1');
  const layout = policyLayout(env, { actorHidden: [64, 64], criticHidden: [64, 64], activation: 'tanh' });
  const params = dev.upload('params', initPolicyParams(layout, 1));
  const rolloutRows: Record<string, string | number>[] = [];
  const Ns = quick ? [1, 256, 4096] : [1, 1024, 16_384, 262_144, 1_048_576];
  for (const N of Ns) {
    const T = Math.max(4, Math.min(256, Math.round((quick ? 2 ** 15 : 2 ** 24) / N)));
    let ro: Rollout;
    try {
      ro = new Rollout(dev, env, layout, params, { N, T, seed: 1, bootstrapTruncation: false, obsNorm: false, rewardNorm: false, gamma: 0.99, activation: 'tanh' });
    } catch (e) {
      if (!(e instanceof GpuError)) throw e;
      rolloutRows.push({ N, T, 'env-steps/s': `does not fit: ${e.message.split(':')[0]}` });
      break;
    }
    dev.submit('reset', (p) => ro.resetKernel.encode(p));
    const ms: number[] = [];
    for (let i = 0; i < 4; i++) {
      const s = performance.now();
      dev.submitEncoder('rollout', (enc) => { ro.clearEpisodeLog(enc); const p = enc.beginComputePass(); ro.encode(p); p.end(); });
      await dev.sync();
      if (i) ms.push(performance.now() - s);
    }
    rolloutRows.push({ N, T, 'env-steps/s': Math.round((N * T) / (median(ms) / 1000)) });
    ro.destroy();
  }
  params.destroy();
  printTable('CartPole-v1 rollout, 64-64 policy (wall time of the rollout pass)', rolloutRows);

  // Training: CleanRL's config and a large-N one, for the same number of steps.
  const steps = quick ? 20_480 : 500_000;
  const configs: [string, Partial<TrainConfig>][] = [
    ['cleanrl (4 envs × 128 steps)', {}],
    quick ? ['large N (512 envs × 16 steps)', { numEnvs: 512, numSteps: 16, numMinibatches: 8, updateEpochs: 4, learningRate: 1e-3 }]
      : ['large N (4096 envs × 16 steps)', { numEnvs: 4096, numSteps: 16, numMinibatches: 8, updateEpochs: 4, learningRate: 1e-3 }],
  ];
  const trainRows: Record<string, string | number>[] = [];
  const trainJson: Record<string, unknown>[] = [];
  for (const [name, overrides] of configs) {
    const trainer = new Trainer(dev, { env: 'CartPole-v1', algo: 'ppo', seed: 1, totalTimesteps: Math.max(steps, 4 * (overrides.numEnvs ?? 4) * (overrides.numSteps ?? 128)), ...overrides });
    const s = performance.now();
    while (!trainer.done) await trainer.iterate();
    const wall = (performance.now() - s) / 1000;
    trainRows.push({ config: name, steps: trainer.host.globalStep, 'wall s': fmt(wall, 2), SPS: Math.round(trainer.host.globalStep / wall), 'return(100)': fmt(trainer.meanReturn100 ?? NaN) });
    trainJson.push({ config: name, overrides, steps: trainer.host.globalStep, wall_s: wall, sps: trainer.host.globalStep / wall, final_mean_return_100: trainer.meanReturn100 });
  }
  printTable('PPO on CartPole-v1, seed 1', trainRows);

  // K agents in one pass (seeds 1…K), CleanRL's config: wall time against one agent.
  const agentSteps = quick ? 2048 : 100_352;
  const agentRows: Record<string, string | number>[] = [];
  const agentJson: Record<string, unknown>[] = [];
  let oneAgent = NaN;
  for (const K of quick ? [1, 4] : [1, 64, 1024]) {
    const agents = Array.from({ length: K }, (_, k) => ({ seed: k + 1 }));
    // Compile this K's pipelines first (the rollout module is built per agent count).
    await new Trainer(dev, { env: 'CartPole-v1', algo: 'ppo', totalTimesteps: 512 }, undefined, agents).iterateAgents();
    const s = performance.now();
    const trainer = new Trainer(dev, { env: 'CartPole-v1', algo: 'ppo', totalTimesteps: agentSteps }, undefined, agents);
    while (!trainer.done) await trainer.iterateAgents();
    const wall = (performance.now() - s) / 1000;
    if (K === 1) oneAgent = wall;
    const finals = agents.map((_, k) => trainer.meanReturn100Of(k)).filter((x): x is number => x !== null);
    agentRows.push({ agents: K, 'steps per agent': trainer.host.globalStep, 'wall s': fmt(wall, 2), 'vs one agent': fmt(wall / oneAgent, 2),
      'agent-steps/s': Math.round(K * trainer.host.globalStep / wall), 'median return(100)': fmt(median(finals)) });
    agentJson.push({ agents: K, steps_per_agent: trainer.host.globalStep, wall_s: wall, vs_one_agent: wall / oneAgent, median_final_return_100: median(finals) });
  }
  printTable(`K PPO agents in one pass, CartPole-v1, CleanRL's config, ${agentSteps} steps each`, agentRows);

  const profile = await benchProfile(dev, ['--preset', 'cleanrl'], quick);
  return { peaks, matmul: matmulRows, rollout: rolloutRows, train: trainJson, agents: agentJson, profile, seconds: (performance.now() - t0) / 1000 };
}
