// Collection for JS environments: per step, the host uploads observations, one policy dispatch
// samples actions (and stores values, log-probs, distributions in the same trajectory layout as
// the GPU rollout), the actions come back, and the JS environments step. GAE and the update pass
// then run unchanged.
import type { WgrlDevice } from '../gpu/device.js';
import { Kernel, grid, type BoundKernel } from '../gpu/kernel.js';
import { InputError } from '../errors.js';
import { checkObservation, type JsEnv, type JsEnvSpec } from '../envs/js_env.js';
import type { Rollout } from './rollout.js';

export interface CollectedEpisodes { count: number; returns: number[]; lengths: number[] }

export class JsRollout {
  readonly envs: JsEnv[];
  private readonly obs: Float32Array[];
  private readonly epReturn: Float64Array;
  private readonly epLength: Uint32Array;
  private readonly actOut: GPUBuffer;
  private readonly act: BoundKernel;
  private readonly rowObs: Float32Array;

  constructor(readonly dev: WgrlDevice, readonly spec: JsEnvSpec, readonly ro: Rollout, seed: number) {
    const N = ro.opts.N, D = spec.action.type === 'discrete' ? 1 : spec.action.dim;
    this.envs = Array.from({ length: N }, (_, i) => spec.make(i));
    this.obs = this.envs.map((e, i) => {
      const o = e.reset(seed + i);
      checkObservation(spec, o, i, 'reset()');
      return Float32Array.from(o);
    });
    this.epReturn = new Float64Array(N);
    this.epLength = new Uint32Array(N);
    this.actOut = dev.buffer(`${spec.id} actions`, N * D * 4);
    this.act = new Kernel(dev, `rollout ${spec.id}`, ro.code, 'policy_act')
      .bind({ 1: ro.params, 4: ro.trajBuffer, 6: ro.normStats, 8: this.actOut, 9: ro.params, 10: ro.agentTable }, ro.uniformsWith({}), grid(N, 64), `policy step ${spec.id}`);
    this.rowObs = new Float32Array(N * spec.obsDim);
  }

  private async policyStep(t: number, counterBase: number): Promise<Float32Array> {
    const N = this.ro.opts.N, O = this.spec.obsDim, tl = this.ro.traj;
    for (let n = 0; n < N; n++) this.rowObs.set(this.obs[n], n * O);
    this.dev.write(this.ro.trajBuffer, this.rowObs, (tl.obs + t * N * O) * 4);
    // policy_act reads the row it fills from maxEpisodeSteps.
    this.act.setUniforms(this.ro.uniformsWith({ counterBase: counterBase >>> 0, maxEpisodeSteps: t }));
    this.dev.submit(`policy step ${t}`, (p) => this.act.encode(p));
    return t < this.ro.opts.T ? this.dev.readF32(this.actOut) : new Float32Array(0);
  }

  /** Fills the trajectory buffer with T steps of every JS environment. */
  async collect(counterBase: number): Promise<CollectedEpisodes> {
    const { N, T } = this.ro.opts, O = this.spec.obsDim, tl = this.ro.traj, a = this.spec.action;
    const D = a.type === 'discrete' ? 1 : a.dim;
    const rewards = new Float32Array(N), term = new Float32Array(N), trunc = new Float32Array(N);
    const episodes: CollectedEpisodes = { count: 0, returns: [], lengths: [] };
    for (let t = 0; t < T; t++) {
      const actions = await this.policyStep(t, counterBase);
      for (let n = 0; n < N; n++) {
        let action: number | number[];
        if (a.type === 'discrete') action = actions[n];
        else action = Array.from(actions.subarray(n * D, (n + 1) * D), (x, j) => Math.min(Math.max(x, a.low[j]), a.high[j]));
        const r = this.envs[n].step(action);
        if (!Number.isFinite(r.reward)) throw new InputError(`JS environment '${this.spec.id}' #${n} returned reward ${r.reward} at step ${t}`);
        checkObservation(this.spec, r.observation, n, `step() at rollout step ${t}`);
        rewards[n] = r.reward; term[n] = r.terminated ? 1 : 0; trunc[n] = !r.terminated && r.truncated ? 1 : 0;
        this.epReturn[n] += r.reward; this.epLength[n]++;
        if (r.terminated || r.truncated) {
          // Same-step autoreset; the final observation is kept in its section.
          this.dev.write(this.ro.trajBuffer, Float32Array.from(r.observation), (tl.finalObs + (t * N + n) * O) * 4);
          episodes.count++; episodes.returns.push(this.epReturn[n]); episodes.lengths.push(this.epLength[n]);
          this.epReturn[n] = 0; this.epLength[n] = 0;
          const o = this.envs[n].reset();
          checkObservation(this.spec, o, n, 'reset()');
          this.obs[n] = Float32Array.from(o);
        } else {
          this.obs[n] = Float32Array.from(r.observation);
        }
      }
      // Final values stay zero (the buffer starts zeroed): truncation bootstrapping is off on this path.
      for (const [section, row] of [[tl.rewards, rewards], [tl.terminated, term], [tl.truncated, trunc]] as const) {
        this.dev.write(this.ro.trajBuffer, row, (section + t * N) * 4);
      }
    }
    await this.policyStep(T, counterBase);
    return episodes;
  }
}
