// GRPO (src/algos/grpo.ts): group advantages and masks against the f64 reference on random
// group sizes and episode lengths, the loss kernel's gradient against finite differences of
// its f64 loss (k3 included; discrete and Gaussian), π_ref and its log-probs, identical starts
// within a group, no critic, bad input, exact resume, the CLI, and a short learning run on
// SortDigits.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { getDevice, rng, randArray, randInt, expectClose, scratchDir, metricsWithoutSps } from './helpers.js';
import { Trainer } from '../src/train/trainer.js';
import { runTraining } from '../src/train/run.js';
import { makeConfig, ConfigError, type TrainConfig } from '../src/train/config.js';
import { getEnv } from '../src/envs/spec.js';
import { runDispatches } from '../src/gpu/kernel.js';
import { mlpForwardRef } from '../src/reference/mlp.js';
import { GRPO_DIAGNOSTICS } from '../src/algos/grpo.js';
import { ppo } from '../src/algos/ppo.js';
import { spo } from '../src/algos/spo.js';
import { categoricalTerms, gaussianTerms, groupAdvantagesRef, grpoLossRef, k3Ref } from '../src/reference/grpo.js';
import type { JsEnvSpec } from '../src/envs/js_env.js';

const stage = (t: Trainer, name: string) => t.plan.stages.find((s) => s.name === name)!.dispatches;

describe('grpo', () => {
  it('group advantages and masks match the f64 reference on random group sizes and episode lengths', async () => {
    const dev = await getDevice();
    const r = rng(41);
    const cases: [number, number, number][] = [[2, 1, 1], [2, 3, 5], [3, 2, 7], [5, 3, 1], [4, 5, 33], [8, 2, 64], [7, 9, 13]];
    for (const [G, groups, T] of cases) {
      const N = G * groups;
      const t = new Trainer(dev, { env: 'CartPole-v1', algo: 'grpo', groupSize: G, numEnvs: N, numSteps: T, numMinibatches: 1, updateEpochs: 1, totalTimesteps: T * N, seed: 5 });
      const rewards = randArray(r, T * N, -1, 2), valid = new Float32Array(T * N);
      for (let n = 0; n < N; n++) {
        // Episodes of 1 … T steps, a third of them ending at step 1.
        const len = r() < 0.33 ? 1 : randInt(r, 1, T);
        for (let s = 0; s < len; s++) valid[s * N + n] = 1;
      }
      // Group 0: every member the same episode (equal returns); with T = 1 also integer rewards.
      for (let k = 1; k < G; k++) for (let s = 0; s < T; s++) { rewards[s * N + k] = rewards[s * N]; valid[s * N + k] = valid[s * N]; }
      const tl = t.rollout.traj;
      dev.write(t.rollout.trajBuffer, rewards, tl.rewards * 4);
      dev.write(t.rollout.trajBuffer, valid, tl.valid * 4);
      runDispatches(dev, 'group advantages', stage(t, 'group advantages'));
      const want = groupAdvantagesRef(rewards, valid, T, N, G);
      const what = `G ${G}, ${groups} groups, T ${T}`;
      expectClose(await dev.readF32(t.rollout.trajBuffer, T * N, tl.advantages), want.advantages, 2e-4, 2e-4, `${what} advantages`);
      expectClose(await dev.readF32(t.plan.named!.episodeWeight, T * N), want.weights, 1e-7, 1e-6, `${what} weights`);
      const stats = await dev.readF32(t.plan.named!.groupStats, 2 * groups);
      expectClose(stats.filter((_, i) => i % 2 === 0), want.groupStd, 1e-5, 1e-5, `${what} group std`);
      expect(Array.from(stats.filter((_, i) => i % 2 === 1)), `${what} equal groups`).toEqual(want.equal.map(Number));
      expect(want.equal[0]).toBe(true);
      // Equal returns give exactly zero advantages, not rounding noise over std + 1e-4.
      const adv = await dev.readF32(t.rollout.trajBuffer, T * N, tl.advantages);
      for (let k = 0; k < G; k++) for (let s = 0; s < T; s++) expect(adv[s * N + k]).toBe(0);
    }
  });

  it('k3 and its derivative: non-negative, zero at π_θ = π_ref, and the derivative matches finite differences', () => {
    const r = rng(42), h = 1e-6;
    for (let s = 0; s < 200; s++) {
      const logpRef = -4 * r(), logp = -4 * r();
      const k = k3Ref(logpRef, logp);
      expect(k.value).toBeGreaterThanOrEqual(0);
      const fd = (k3Ref(logpRef, logp + h).value - k3Ref(logpRef, logp - h).value) / (2 * h);
      expect(Math.abs(k.dlogp - fd)).toBeLessThan(1e-6);
    }
    expect(k3Ref(-1.3, -1.3)).toEqual({ value: 0, dlogp: 0 });
  });

  const variants = [
    { env: 'Acrobot-v1', grpoObjective: 'clip', drGrpo: false }, { env: 'Acrobot-v1', grpoObjective: 'spo', drGrpo: false },
    { env: 'Acrobot-v1', grpoObjective: 'clip', drGrpo: true }, { env: 'Pendulum-v1', grpoObjective: 'clip', drGrpo: false },
    { env: 'MountainCarContinuous-v0', grpoObjective: 'spo', drGrpo: true },
  ] as const;
  for (const variant of variants) {
    it(`loss kernel (${variant.env}, ${variant.grpoObjective}${variant.drGrpo ? ', Dr. GRPO' : ''}): gradients match finite differences of the f64 loss`, async () => {
      const dev = await getDevice();
      const entCoef = 0.05, beta = 0.5;
      const t = new Trainer(dev, { algo: 'grpo', groupSize: 4, numEnvs: 8, numSteps: 8, numMinibatches: 2, updateEpochs: 1, totalTimesteps: 64 * 2, refKlCoef: beta, entCoef, seed: 2, ...variant });
      // One iteration writes the scalars the loss reads (ε, the objective flag, β, and the log-std
      // at collection time: the initial 0).
      await t.iterate();
      const L = t.layout, continuous = L.continuous;
      const B = t.minibatchSize, O = t.env.obsDim, OUT = L.outDim, D = continuous ? OUT : 1, T = t.config.numSteps;
      const r = rng(43);
      const head = randArray(r, B * OUT, -1.5, 1.5), oldHead = Float32Array.from(head, (x) => x + 0.8 * (r() - 0.5));
      const actions = continuous ? randArray(r, B * D, -1.5, 1.5) : Float32Array.from({ length: B }, () => randInt(r, 0, OUT - 1));
      const logpOld = Float32Array.from({ length: B }, () => -0.5 - r()), adv = randArray(r, B, -2, 2);
      // Every fourth row masked; the others from episodes of 1 … 8 steps.
      const weight = Float32Array.from({ length: B }, (_, b) => (b % 4 === 3 ? 0 : 1 / randInt(r, 1, 8)));
      const logpRef = Float32Array.from({ length: B }, () => -0.3 - 1.5 * r());
      const mb = new Float32Array(B * (O + D + 1 + OUT + 3));
      const at = B * (O + D + 1 + OUT);
      mb.set(actions, B * O); mb.set(logpOld, B * (O + D)); mb.set(oldHead, B * (O + D + 1)); mb.set(adv, at); mb.set(weight, at + B); mb.set(logpRef, at + 2 * B);
      const named = t.plan.named!;
      dev.write(named.minibatch, mb);
      dev.write(named.head, head);
      const logstd = continuous ? randArray(r, D, -0.6, 0.3) : new Float32Array(0), oldLogstd = new Float64Array(D);
      if (continuous) dev.write(t.params, logstd, L.logstd * 4);
      runDispatches(dev, 'grpo loss', stage(t, 'minibatch updates').filter((d) => d.label === 'grpo loss').slice(0, 1));
      const dhead = await dev.readF32(named.dhead, B * (OUT + (continuous ? D : 0))), diag = await dev.readF32(named.diagnostics, B * GRPO_DIAGNOSTICS.length);
      const objective = (rr: number, a: number, eps: number) => (variant.grpoObjective === 'spo' ? spo : ppo).objective.reference(rr, 0, a, 0, { eps }).value;
      const coefs = { eps: 0.2, spo: variant.grpoObjective === 'spo', beta, entCoef, drGrpo: variant.drGrpo, T, B };
      const row = (b: number) => ({ logpOld: logpOld[b], adv: adv[b], episodeWeight: weight[b], logpRef: logpRef[b] });
      // The loss of row b as a function of its head (logits or means) and the log-std.
      const terms = (b: number, z: ArrayLike<number>, ls: ArrayLike<number>) => (continuous
        ? gaussianTerms(z, ls, oldHead.subarray(b * OUT, (b + 1) * OUT), oldLogstd, actions.subarray(b * D, (b + 1) * D))
        : categoricalTerms(z, oldHead.subarray(b * OUT, (b + 1) * OUT), actions[b]));
      const lossOf = (b: number, z: ArrayLike<number>, ls: ArrayLike<number>) => { const x = terms(b, z, ls); return grpoLossRef(x.logp, x.entropy, x.kld, row(b), coefs, objective); };
      const h = 1e-6, D_ = GRPO_DIAGNOSTICS.length, o = GRPO_DIAGNOSTICS.offset;
      let checked = 0;
      for (let b = 0; b < B; b++) {
        const z = Array.from(head.subarray(b * OUT, (b + 1) * OUT)), ls = Array.from(logstd);
        const ref = lossOf(b, z, ls);
        expect(diag[b * D_ + o.policyLoss]).toBeCloseTo(ref.policyLoss, 4);
        expect(diag[b * D_ + o.refKl]).toBeCloseTo(ref.refKl, 4);
        expect(diag[b * D_ + o.entropy]).toBeCloseTo(ref.entropy, 4);
        expect(diag[b * D_ + o.averageKld]).toBeCloseTo(ref.averageKld, 4);
        // The clip's kinks (r = 1 ± ε) have no derivative.
        const ratio = Math.exp(terms(b, z, ls).logp - logpOld[b]);
        if (Math.abs(ratio - 0.8) < 1e-3 || Math.abs(ratio - 1.2) < 1e-3) continue;
        const fd = (f: (x: number[]) => number, x: number[], i: number) => {
          const up = [...x], dn = [...x];
          up[i] += h; dn[i] -= h;
          return (f(up) - f(dn)) / (2 * h);
        };
        for (let i = 0; i < OUT; i++) {
          const want = fd((x) => lossOf(b, x, ls).loss, z, i);
          expect(Math.abs(dhead[b * OUT + i] - want), `row ${b} head ${i}`).toBeLessThan(2e-5 + 1e-3 * Math.abs(want));
        }
        for (let j = 0; continuous && j < D; j++) {
          const want = fd((x) => lossOf(b, z, x).loss, ls, j);
          expect(Math.abs(dhead[B * OUT + b * D + j] - want), `row ${b} log-std ${j}`).toBeLessThan(2e-5 + 1e-3 * Math.abs(want));
        }
        checked++;
      }
      expect(checked).toBeGreaterThan(B / 2);
      // Masked rows add nothing.
      for (let b = 3; b < B; b += 4) for (let i = 0; i < OUT; i++) expect(dhead[b * OUT + i]).toBe(0);
    });
  }

  for (const env of ['CartPole-v1', 'Pendulum-v1']) {
    it(`${env}: π_ref is the initial policy, or the current one every --ref-update-every iterations; its log-probs match an f64 forward`, async () => {
      const dev = await getDevice();
      // CartPole's random episodes last about 20 steps: shorter rollouts would cut them all at T,
      // every return equal, no advantage and no update.
      const t = new Trainer(dev, { env, algo: 'grpo', groupSize: 2, numEnvs: 4, numSteps: 100, numMinibatches: 2, refUpdateEvery: 2, totalTimesteps: 400 * 4, seed: 4 });
      const L = t.layout, P = L.size, named = t.plan.named!;
      const initial = await dev.readF32(t.params, P);
      await t.iterate();
      expect(Array.from(await dev.readF32(named.reference, P))).toEqual(Array.from(initial));
      const afterFirst = await dev.readF32(t.params, P);
      await t.iterate();
      expect(Array.from(await dev.readF32(named.reference, P))).toEqual(Array.from(initial));
      const afterSecond = await dev.readF32(t.params, P);
      expect(Array.from(afterSecond)).not.toEqual(Array.from(afterFirst));
      await t.iterate(); // the third iteration (2 trained) refreshes π_ref before its update
      const ref = await dev.readF32(named.reference, P);
      expect(Array.from(ref)).toEqual(Array.from(afterSecond));
      // log π_ref(a|s) of the third iteration's samples, from an f64 forward of π_ref.
      const TN = t.batchSize, O = t.env.obsDim, OUT = L.outDim, D = L.continuous ? OUT : 1, tl = t.rollout.traj;
      const obs = await dev.readF32(t.rollout.trajBuffer, TN * O, tl.obs), actions = await dev.readF32(t.rollout.trajBuffer, TN * D, tl.actions);
      const head = mlpForwardRef(L.actor, ref, obs, TN, t.config.activation).at(-1)!;
      const want = Array.from({ length: TN }, (_, i) => {
        const z = Array.from(head.subarray(i * OUT, (i + 1) * OUT));
        if (L.continuous) return gaussianTerms(z, ref.subarray(L.logstd, L.logstd + D), z, ref.subarray(L.logstd, L.logstd + D), actions.subarray(i * D, (i + 1) * D)).logp;
        return categoricalTerms(z, z, actions[i]).logp;
      });
      expectClose(await dev.readF32(named.refLogp, TN), want, 1e-4, 1e-4, `${env} log π_ref`);
    });
  }

  it('the G environments of a group start from one state, groups from different ones, one episode each, and no critic exists', async () => {
    const dev = await getDevice();
    const G = 4, N = 12, T = 40;
    const t = new Trainer(dev, { env: 'CartPole-v1', algo: 'grpo', groupSize: G, numEnvs: N, numSteps: T, numMinibatches: 4, totalTimesteps: T * N * 3, seed: 9 });
    expect(t.layout.hasCritic).toBe(false);
    expect(t.layout.critic.size).toBe(0);
    expect(t.layout.size).toBe(t.layout.actor.size);
    for (const s of t.plan.stages) for (const d of s.dispatches) expect(d.label).not.toMatch(/critic/);
    const O = t.env.obsDim, tl = t.rollout.traj;
    let previous: Float32Array | null = null;
    for (let it = 0; it < 2; it++) {
      const m = await t.iterate();
      // Every environment ends exactly one episode per iteration (at termination, the time limit or T).
      expect(m['charts/episodes']).toBe(N);
      const first = await dev.readF32(t.rollout.trajBuffer, N * O, tl.obs);
      const row = (n: number) => Array.from(first.subarray(n * O, (n + 1) * O));
      for (let n = 0; n < N; n++) expect(row(n), `env ${n}`).toEqual(row(Math.floor(n / G) * G));
      expect(row(0)).not.toEqual(row(G));
      expect(row(G)).not.toEqual(row(2 * G));
      if (previous) expect(Array.from(first)).not.toEqual(Array.from(previous));
      previous = first;
      // Valid steps are a prefix of each environment's rows.
      const valid = await dev.readF32(t.rollout.trajBuffer, T * N, tl.valid);
      for (let n = 0; n < N; n++) {
        const v = Array.from({ length: T }, (_, s) => valid[s * N + n]);
        const len = v.indexOf(0) < 0 ? T : v.indexOf(0);
        expect(len).toBeGreaterThan(0);
        expect(v.slice(len).every((x) => x === 0) && v.slice(0, len).every((x) => x === 1)).toBe(true);
      }
    }
  });

  it('bad input is refused before any GPU work, with the fix', async () => {
    const c = (o: Partial<TrainConfig>, env = 'CartPole-v1') => () => makeConfig({ algo: 'grpo', ...o }, getEnv(env).action.type === 'continuous', getEnv(env));
    expect(c({ groupSize: 1 })).toThrow(/--group-size = 1: must be >= 2: a group of one has no baseline/);
    expect(c({ numEnvs: 20, groupSize: 8 })).toThrow(/--group-size = 8: must divide --num-envs 20 .*try --num-envs 24/);
    expect(c({ bootstrapTruncation: true })).toThrow(/--bootstrap-truncation = true does not apply to --algo grpo: an episode's outcome is its return; GRPO has no critic/);
    expect(c({ normObs: true }, 'Pendulum-v1')).toThrow(/--norm-obs = true does not apply to --algo grpo/);
    expect(c({ normReward: true }, 'Pendulum-v1')).toThrow(/--norm-reward = true does not apply to --algo grpo: the group advantage needs the raw returns/);
    expect(c({ vfCoef: 1 })).toThrow(/--vf-coef = 1 does not apply to --algo grpo: GRPO has no critic/);
    expect(c({ numSteps: 600 })).toThrow(/--algo grpo on CartPole-v1: --num-steps 600 exceeds the time limit 500.*use --num-steps 500/);
    expect(c({ grpoObjective: 'ppo' as never })).toThrow(/--grpo-objective = "ppo": must be clip or spo/);
    expect(c({ refUpdateEvery: -1 })).toThrow(/--ref-update-every = -1: must be an integer >= 0/);
    expect(c({ refKlCoef: -0.1 })).toThrow(/--ref-kl-coef = -0.1: must be >= 0/);
    expect(() => makeConfig({ algo: 'ppo', groupSize: 4 }, false)).toThrow(/--group-size applies to grpo only/);
    // Continuous actions work with the defaults (normalisation off for GRPO).
    expect(makeConfig({ algo: 'grpo' }, true, getEnv('Pendulum-v1'))).toMatchObject({ normObs: false, normReward: false, numSteps: 200 });
    expect(makeConfig({ algo: 'grpo' }, false, getEnv('SortDigits-v0'))).toMatchObject({ numSteps: 4, groupSize: 8 });
    const dev = await getDevice();
    const jsEnv = { id: 'Coin-js', obsDim: 1, action: { type: 'discrete', n: 2 }, make: () => { throw new Error('never stepped'); } } as unknown as JsEnvSpec;
    expect(() => new Trainer(dev, { algo: 'grpo' }, jsEnv)).toThrow(/JS environment 'Coin-js': --algo grpo restarts groups .* needs a GPU environment/);
  });

  it('a resumed GRPO run (reference refreshed every 2 iterations) gives exactly the metrics of an uninterrupted one', async () => {
    const dev = await getDevice();
    const tiny: Partial<TrainConfig> = { env: 'CartPole-v1', algo: 'grpo', groupSize: 4, numEnvs: 8, numSteps: 24, numMinibatches: 2, updateEpochs: 2, refUpdateEvery: 2, totalTimesteps: 192 * 7, seed: 3 };
    const root = scratchDir('wgrl-grpo-'), a = join(root, 'a'), b = join(root, 'b');
    await runTraining(dev, tiny, { runDir: a });
    await runTraining(dev, tiny, { runDir: b, maxIterations: 3, checkpointEvery: 100 });
    await runTraining(dev, {}, { runDir: b, resume: true });
    expect(metricsWithoutSps(b)).toEqual(metricsWithoutSps(a));
    expect(metricsWithoutSps(a).map((m) => m['losses/ref_kl'] as number).every(Number.isFinite)).toBe(true);
  });

  it('from the CLI: GRPO on SortDigits reports its exact-match accuracy against the target, and its critic-free checkpoint evaluates', () => {
    const cli = (args: string[]) => spawnSync(process.execPath, [join(process.cwd(), 'dist', 'cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, WGRL_ADAPTER: 'swiftshader' } });
    const dir = join(scratchDir('wgrl-grpo-cli-'), 'run');
    let r = cli(['train', '--algo', 'grpo', '--env', 'SortDigits-v0', '--total-timesteps', '4096', '--run-dir', dir, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/exact-match accuracy over the last 100 episodes: \d\.\d{3} \(target 0\.9: (not )?reached/);
    expect(r.stdout).toMatch(/mean return over the last 100 episodes: 0\.\d{3}/);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.success).toMatchObject({ name: 'exact-match accuracy', target: 0.9 });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ numSteps: 4, numEnvs: 256, groupSize: 8 });
    r = cli(['eval', '--checkpoint', join(dir, 'checkpoint.safetensors'), '--episodes', '8', '--deterministic']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/8 episodes \(deterministic\): mean return/);
    r = cli(['train', '--algo', 'grpo', '--group-size', '1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--group-size = 1: must be >= 2/);
  });

  it('learns SortDigits-v0: the mean return of a random policy (~0.1) rises above 0.5 within 50k steps', async () => {
    const dev = await getDevice();
    const t = new Trainer(dev, { env: 'SortDigits-v0', algo: 'grpo', numEnvs: 256, learningRate: 1e-3, annealLr: false, totalTimesteps: 1024 * 48, seed: 1 });
    const first = await t.iterate();
    while (!t.done) await t.iterate();
    expect(first['charts/mean_return_100']!).toBeLessThan(0.2);
    expect(t.meanReturn100!).toBeGreaterThan(0.5);
    expect(t.successRate100!).toBeGreaterThan(0.1);
  });
});
