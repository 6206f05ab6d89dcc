// Environments written in JavaScript (Gymnasium-style), stepped on the CPU while the policy,
// sampling, storage and the whole update stay on the GPU. Each step costs one upload of the
// observations and one readback of the actions (see `npm run bench -- rollout`).
import { InputError } from '../errors.js';
import type { ActionSpace, EnvSpec } from './spec.js';

export interface JsStepResult {
  observation: ArrayLike<number>;
  reward: number;
  terminated: boolean;
  truncated: boolean;
}

/** One environment instance, as Gymnasium's Env: reset(seed) → observation, step(action) → result. */
export interface JsEnv {
  reset(seed?: number): ArrayLike<number>;
  /** A discrete action index, or a vector for continuous actions (clipped to the space by wgrl). */
  step(action: number | number[]): JsStepResult;
}

export interface JsEnvSpec {
  id: string;
  obsDim: number;
  action: ActionSpace;
  /** Creates environment number `index` of the vector. */
  make(index: number): JsEnv;
  rewardThreshold?: number;
}

export function isJsEnvSpec(e: EnvSpec | JsEnvSpec): e is JsEnvSpec {
  return typeof (e as JsEnvSpec).make === 'function';
}

/**
 * The GPU-side stand-in for a JS environment: the rollout module is composed with it so the
 * policy kernels compile; its state, reset and step are never used on this path.
 */
export function hostSteppedEnvSpec(spec: JsEnvSpec): EnvSpec {
  const d = spec.action.type === 'continuous' ? spec.action.dim : 1;
  const actionType = spec.action.type === 'discrete' ? 'u32' : `array<f32, ${d}>`;
  return {
    id: spec.id, stateDim: 1, obsDim: spec.obsDim, action: spec.action, maxEpisodeSteps: 0xffffffff, rewardThreshold: spec.rewardThreshold,
    wgsl: [
      `// Stand-in for the JS environment ${spec.id}, stepped on the host.`,
      'alias EnvState = array<f32, 1>;',
      'fn env_reset(u: vec4f) -> EnvState { return EnvState(0.0); }',
      `fn env_step(s: EnvState, action: ${actionType}) -> StepResult { return StepResult(s, 0.0, false); }`,
      'fn env_observe(s: EnvState, i: u32) -> f32 { return 0.0; }',
    ].join('\n'),
  };
}

/** Checks one observation from a JS environment: right length, all finite. */
export function checkObservation(spec: JsEnvSpec, obs: ArrayLike<number>, env: number, what: string): void {
  if (!obs || obs.length !== spec.obsDim) {
    throw new InputError(`JS environment '${spec.id}' #${env} returned an observation of length ${obs?.length} from ${what}; its spec says obsDim = ${spec.obsDim}`);
  }
  for (let k = 0; k < obs.length; k++) {
    if (!Number.isFinite(obs[k])) {
      throw new InputError(`JS environment '${spec.id}' #${env} returned a non-finite observation (component ${k} = ${obs[k]}) from ${what}; ` +
        'fix the environment, or clip/normalise its observations before returning them');
    }
  }
}
