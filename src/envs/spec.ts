// What the runtime needs to know about a GPU environment: its WGSL module and shapes.
import { wgsl } from '../gpu/compose.js';
import { InputError, didYouMean } from '../errors.js';

export type ActionSpace =
  | { type: 'discrete'; n: number }
  | { type: 'continuous'; dim: number; low: number[]; high: number[] };

/**
 * A GPU environment. `wgsl` must define (see shaders/envs/cartpole.wgsl):
 *   alias EnvState = array<f32, STATE_DIM>;
 *   fn env_reset(u: vec4f) -> EnvState                       // u: four uniforms in (0, 1)
 *   fn env_step(s: EnvState, action: u32) -> StepResult      // discrete
 *   fn env_step(s: EnvState, action: array<f32, D>) -> StepResult  // continuous
 *   fn env_observe(s: EnvState, i: u32) -> f32               // observation component i
 * `StepResult { state: EnvState, reward: f32, terminated: bool }` and f32-accurate `sin_f`,
 * `cos_f` come from shaders/envs/prelude.wgsl, which the runtime puts in front of the module.
 * Time limits (truncation) and autoreset are the runtime's job, as Gymnasium's wrappers.
 */
export interface EnvSpec {
  id: string;
  wgsl: string;
  stateDim: number;
  obsDim: number;
  action: ActionSpace;
  /** Truncation after this many steps (Gymnasium's TimeLimit). */
  maxEpisodeSteps: number;
  /** Return at which the task counts as solved, if it has one. */
  rewardThreshold?: number;
  /**
   * A task scored by success (SortDigits: the output is exactly the sorted prompt): an episode
   * succeeds when its return reaches minReturn; the trainer logs the rate over the last 100
   * episodes, and the run reports whether it reached `target`.
   */
  success?: { name: string; minReturn: number; target: number };
}

/** What the runtime puts in front of every environment module: StepResult and precise sin_f/cos_f. */
export const ENV_PRELUDE = wgsl('envs/prelude');

export function actionDim(spec: EnvSpec): number {
  return spec.action.type === 'discrete' ? 1 : spec.action.dim;
}

/** Size of the policy head: logits for discrete, means for continuous. */
export function policyOutputDim(spec: EnvSpec): number {
  return spec.action.type === 'discrete' ? spec.action.n : spec.action.dim;
}

export function validateEnvSpec(spec: EnvSpec): void {
  const bad = (m: string) => { throw new InputError(`environment '${spec.id}': ${m}`); };
  for (const k of ['stateDim', 'obsDim', 'maxEpisodeSteps'] as const) {
    if (!Number.isInteger(spec[k]) || spec[k] < 1) bad(`${k} must be a positive integer, got ${spec[k]}`);
  }
  if (spec.action.type === 'discrete' && (!Number.isInteger(spec.action.n) || spec.action.n < 1)) bad(`discrete action count must be >= 1`);
  if (spec.action.type === 'continuous') {
    const a = spec.action;
    if (!Number.isInteger(a.dim) || a.dim < 1 || a.low.length !== a.dim || a.high.length !== a.dim) bad(`continuous action needs dim >= 1 and low/high of that length`);
  }
  for (const fn of ['env_reset', 'env_step', 'env_observe']) if (!new RegExp(`fn\\s+${fn}\\s*\\(`).test(spec.wgsl)) bad(`WGSL module has no 'fn ${fn}'`);
  if (!/alias\s+EnvState\s*=/.test(spec.wgsl)) bad(`WGSL module has no 'alias EnvState = array<f32, N>;'`);
}

// Both SortDigits variants return 1 exactly when every position is right (4 × 1/4, or the exact reward).
const SORT_SUCCESS = { name: 'exact-match accuracy', minReturn: 1, target: 0.9 };

const builtin = (): EnvSpec[] => [
  { id: 'CartPole-v1', wgsl: wgsl('envs/cartpole'), stateDim: 4, obsDim: 4, action: { type: 'discrete', n: 2 }, maxEpisodeSteps: 500, rewardThreshold: 475 },
  { id: 'Acrobot-v1', wgsl: wgsl('envs/acrobot'), stateDim: 4, obsDim: 6, action: { type: 'discrete', n: 3 }, maxEpisodeSteps: 500, rewardThreshold: -100 },
  { id: 'MountainCar-v0', wgsl: wgsl('envs/mountaincar'), stateDim: 2, obsDim: 2, action: { type: 'discrete', n: 3 }, maxEpisodeSteps: 200, rewardThreshold: -110 },
  { id: 'Pendulum-v1', wgsl: wgsl('envs/pendulum'), stateDim: 2, obsDim: 3, action: { type: 'continuous', dim: 1, low: [-2], high: [2] }, maxEpisodeSteps: 200 },
  { id: 'MountainCarContinuous-v0', wgsl: wgsl('envs/mountaincar_continuous'), stateDim: 2, obsDim: 2, action: { type: 'continuous', dim: 1, low: [-1], high: [1] }, maxEpisodeSteps: 999, rewardThreshold: 90 },
  // Reward-at-the-end sequence tasks (shaders/envs/sort_digits.wgsl): write the 4-digit prompt sorted.
  { id: 'SortDigits-v0', wgsl: `const SORT_EXACT: bool = false;\n${wgsl('envs/sort_digits')}`, stateDim: 9, obsDim: 84, action: { type: 'discrete', n: 10 }, maxEpisodeSteps: 4, success: SORT_SUCCESS },
  { id: 'SortDigitsExact-v0', wgsl: `const SORT_EXACT: bool = true;\n${wgsl('envs/sort_digits')}`, stateDim: 9, obsDim: 84, action: { type: 'discrete', n: 10 }, maxEpisodeSteps: 4, success: SORT_SUCCESS },
];

export const ENV_IDS = ['CartPole-v1', 'Acrobot-v1', 'MountainCar-v0', 'Pendulum-v1', 'MountainCarContinuous-v0', 'SortDigits-v0', 'SortDigitsExact-v0'] as const;

/** A built-in environment by Gymnasium id. */
export function getEnv(id: string): EnvSpec {
  const e = builtin().find((x) => x.id === id);
  if (!e) throw new InputError(`unknown environment '${id}'${didYouMean(id, ENV_IDS)}; built-in: ${ENV_IDS.join(', ')} (or pass your own EnvSpec)`);
  return e;
}
