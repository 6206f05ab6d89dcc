// Actor-critic parameters in one flat buffer: actor MLP, critic MLP, then the Gaussian log-std.
import type { Activation } from '../kernels/matmul.js';
import { mlpLayout, orthogonalInit, type MlpLayout } from './mlp.js';
import { policyOutputDim, type EnvSpec } from '../envs/spec.js';
import { CpuRng } from '../util/random.js';

export interface NetworkConfig {
  /** Hidden sizes of the actor (CleanRL: [64, 64]). */
  actorHidden: number[];
  /** Hidden sizes of the critic (CleanRL: [64, 64]). */
  criticHidden: number[];
  activation: Activation;
  /** false: no value network (GRPO); the layout's critic then has no layers and no parameters. */
  critic?: boolean;
}

export interface PolicyLayout {
  actor: MlpLayout;
  /** dims [obsDim] and size 0 when the algorithm has no critic (hasCritic false). */
  critic: MlpLayout;
  hasCritic: boolean;
  /** Offset of the log-std vector [actDim] (continuous), else -1. */
  logstd: number;
  size: number;
  continuous: boolean;
  outDim: number;
}

export function policyLayout(env: EnvSpec, net: NetworkConfig): PolicyLayout {
  const outDim = policyOutputDim(env);
  const actor = mlpLayout([env.obsDim, ...net.actorHidden, outDim], 0);
  const hasCritic = net.critic !== false;
  const critic: MlpLayout = hasCritic ? mlpLayout([env.obsDim, ...net.criticHidden, 1], actor.size) : { dims: [env.obsDim], w: [], b: [], offset: actor.size, size: 0 };
  const continuous = env.action.type === 'continuous';
  const logstd = continuous ? critic.offset + critic.size : -1;
  return { actor, critic, hasCritic, logstd, size: critic.offset + critic.size + (continuous ? outDim : 0), continuous, outDim };
}

/** CleanRL's init: orthogonal, gain √2 for hidden layers, 0.01 actor head, 1.0 critic head; log-std 0. */
export function initPolicyParams(layout: PolicyLayout, seed: number): Float32Array {
  const p = new Float32Array(layout.size);
  const rng = new CpuRng(seed ^ 0x5eed);
  const gains = (l: MlpLayout, head: number) => l.dims.slice(1).map((_, i) => (i === l.dims.length - 2 ? head : Math.SQRT2));
  orthogonalInit(p, layout.actor, gains(layout.actor, 0.01), rng);
  orthogonalInit(p, layout.critic, gains(layout.critic, 1.0), rng);
  return p;
}
