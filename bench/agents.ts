// npm run bench -- agents [--quick] [--steps S] [--agents 1,4,16,64] [--rollout-only]: K agents in one pass against K single-agent
// runs one after another, on the same adapter in the same process: CartPole-v1, CleanRL's PPO
// config, S steps per agent (default 500k; --quick 10,240). Wall time from the trainer's
// construction to its last iteration (pipelines are compiled once beforehand), agent-steps per
// second, and the ratio one-pass / sequential and one-pass / one agent. Then the rollout alone:
// env-steps per second at K × N environments, with workgroups of 8 and of 64 side by side.
import type { WgrlDevice } from '../src/gpu/device.js';
import { Trainer } from '../src/train/trainer.js';
import type { TrainConfig } from '../src/train/config.js';
import { Rollout, rolloutWorkgroupSize } from '../src/train/rollout.js';
import { getEnv } from '../src/envs/spec.js';
import { initPolicyParams, policyLayout } from '../src/nn/policy.js';
import { agentUpload } from '../src/gpu/agents.js';
import { median, table } from './measure.js';

const progress = (what: string) => process.stderr.write(`bench: ${what}\n`);
const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');

/** Wall seconds of one trainer from construction to its last iteration, and its agents' final 100-episode means. */
async function trainSeconds(dev: WgrlDevice, config: Partial<TrainConfig>, seeds: number[]): Promise<{ seconds: number; finals: (number | null)[] }> {
  const t0 = performance.now();
  const trainer = new Trainer(dev, config, undefined, seeds.map((seed) => ({ seed })));
  while (!trainer.done) await trainer.iterateAgents();
  await dev.sync();
  return { seconds: (performance.now() - t0) / 1000, finals: seeds.map((_, k) => trainer.meanReturn100Of(k)) };
}

export async function benchAgents(dev: WgrlDevice, opts: { quick: boolean; steps?: number; agents?: number[]; rolloutOnly?: boolean }) {
  const steps = opts.steps ?? (opts.quick ? 10_240 : 500_000);
  const Ks = opts.agents ?? (opts.quick ? [1, 4, 16] : [1, 4, 16, 64]);
  const config: Partial<TrainConfig> = { env: 'CartPole-v1', algo: 'ppo', totalTimesteps: steps };
  // Compiles every pipeline (one agent and several agents compile different rollout modules).
  for (const K of opts.rolloutOnly ? [] : new Set([1, ...Ks])) await trainSeconds(dev, { ...config, totalTimesteps: 512 }, Array.from({ length: K }, (_, k) => k + 1));
  const rows: Record<string, string | number>[] = [];
  const json: Record<string, unknown>[] = [];
  let oneAgent = NaN;
  for (const K of opts.rolloutOnly ? [] : Ks) {
    const seeds = Array.from({ length: K }, (_, k) => k + 1);
    progress(`agents: ${K} in one pass, ${steps} steps each`);
    const pass = await trainSeconds(dev, config, seeds);
    // The same agents one after another: each a single-agent trainer.
    progress(`agents: ${K} one after another`);
    let sequential = 0;
    const sequentialFinals: (number | null)[] = [];
    for (const seed of seeds) { const r = await trainSeconds(dev, { ...config, seed }, [seed]); sequential += r.seconds; sequentialFinals.push(r.finals[0]); }
    if (K === 1) oneAgent = sequential;
    const finals = pass.finals.filter((x): x is number => x !== null);
    rows.push({
      agents: K, 'one pass s': f(pass.seconds, 1), 'sequential s': f(sequential, 1), 'pass/sequential': f(pass.seconds / sequential, 2),
      'pass / one agent': f(pass.seconds / oneAgent, 2), 'agent-steps/s (pass)': Math.round(K * steps / pass.seconds),
      'agent-steps/s (seq)': Math.round(K * steps / sequential), 'median final return(100)': f(median(finals), 1),
    });
    json.push({ agents: K, steps_per_agent: steps, one_pass_s: pass.seconds, sequential_s: sequential, one_agent_s: oneAgent,
      one_pass_finals: pass.finals, sequential_finals: sequentialFinals, same_results: JSON.stringify(pass.finals) === JSON.stringify(sequentialFinals) });
  }
  if (rows.length) {
    console.log(`\nK agents in one pass against K single-agent runs one after another (CartPole-v1, CleanRL's PPO config, ${steps} steps per agent)`);
    table(rows);
  }

  // The rollout alone at K × N environments (the 64-64 policy; T shrinks with K·N to bound the work).
  const env = getEnv('CartPole-v1');
  const layout = policyLayout(env, { actorHidden: [64, 64], criticHidden: [64, 64], activation: 'tanh' });
  const rolloutRows: Record<string, string | number>[] = [];
  const rolloutJson: Record<string, unknown>[] = [];
  const cases = opts.quick ? [[1, 4], [16, 4], [64, 4], [1, 256], [16, 256]] : [[1, 4], [16, 4], [256, 4], [1, 1024], [16, 1024], [64, 1024], [256, 1024]];
  // Both rollout workgroup sizes side by side, in turn, on the same buffers' shapes; the table
  // says which one this adapter gets (rolloutWorkgroupSize).
  const sizes = [8, 64], chosen = rolloutWorkgroupSize(dev);
  for (const [K, N] of cases) {
    const T = Math.max(8, Math.min(128, Math.round((opts.quick ? 2 ** 16 : 2 ** 19) / (K * N))));
    progress(`agents: rollout K=${K} N=${N}`);
    const params = agentUpload(dev, 'params', Array.from({ length: K }, (_, k) => initPolicyParams(layout, k + 1)));
    const ros = sizes.map((workgroupSize) => new Rollout(dev, env, layout, params, { N, T, seed: 1, bootstrapTruncation: false, obsNorm: false, rewardNorm: false,
      gamma: 0.99, activation: 'tanh', workgroupSize, agents: Array.from({ length: K }, (_, k) => ({ seed: k + 1, gamma: 0.99 })) }));
    for (const ro of ros) dev.submit('reset', (p) => ro.resetKernel.encode(p));
    const times: number[][] = sizes.map(() => []);
    for (let r = 0; r < 4; r++) {
      for (const [i, ro] of ros.entries()) {
        const t0 = performance.now();
        dev.submitEncoder('rollout', (enc) => { ro.clearEpisodeLog(enc); const p = enc.beginComputePass(); ro.encode(p); p.end(); });
        await dev.sync();
        if (r > 0) times[i].push(performance.now() - t0);
      }
    }
    const sps = times.map((t) => (K * N * T) / (median(t) / 1000));
    rolloutRows.push({ agents: K, 'envs per agent': N, 'envs in all': K * N, T,
      ...Object.fromEntries(sizes.map((w, i) => [`env-steps/s (wg ${w}${w === chosen ? ', used' : ''})`, Math.round(sps[i])])), 'wg 8 / wg 64': (sps[0] / sps[1]).toFixed(2) });
    rolloutJson.push({ agents: K, envs_per_agent: N, T, workgroup_size_used: chosen, ...Object.fromEntries(sizes.map((w, i) => [`env_steps_per_s_wg${w}`, sps[i]])),
      env_steps_per_s: sps[sizes.indexOf(chosen)] });
    for (const ro of ros) ro.destroy();
    params.destroy();
  }
  console.log('\nThe rollout alone, K agents × N environments in one dispatch (64-64 policy, median of 3)');
  table(rolloutRows);
  return { training: json, rollout: rolloutJson };
}
