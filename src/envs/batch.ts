// Stepping and resetting batches of GPU environment states from JS (shaders/env_step.wgsl).
import type { WgrlDevice } from '../gpu/device.js';
import { envStepModule } from '../gpu/compose.js';
import { Kernel, grid, type BoundKernel } from '../gpu/kernel.js';
import { actionDim, ENV_PRELUDE, validateEnvSpec, type EnvSpec } from './spec.js';
import { checkDims, checkExtent } from '../kernels/common.js';

function envKernel(dev: WgrlDevice, env: EnvSpec, entry: string): Kernel {
  validateEnvSpec(env);
  return new Kernel(dev, `env ${env.id}`, envStepModule(env, ENV_PRELUDE), entry);
}

/** Row width of `envStep`'s output: next state, observation, reward, terminated. */
export const envStepWidth = (env: EnvSpec) => env.stateDim + env.obsDim + 2;

/** out[r] = (next state, observation, reward, terminated) of env_step(states[r], actions[r]). */
export function envStep(dev: WgrlDevice, env: EnvSpec, R: number, bufs: { states: GPUBuffer; actions: GPUBuffer; out: GPUBuffer }): BoundKernel {
  checkDims('env_step', { R });
  checkExtent('env_step', 'states', bufs.states, 0, R * env.stateDim);
  checkExtent('env_step', 'actions', bufs.actions, 0, R * actionDim(env));
  checkExtent('env_step', 'out', bufs.out, 0, R * envStepWidth(env));
  return envKernel(dev, env, 'env_step_batch').bind({ 1: bufs.states, 2: bufs.actions, 3: bufs.out }, [R, 0, 0, 0], grid(R, 64), `env_step ${env.id}`);
}

/** out[r] = (initial state, observation) drawn with Philox (seed, stream r, counter). */
export function envReset(dev: WgrlDevice, env: EnvSpec, R: number, key: { seed: number; counter: number }, bufs: { out: GPUBuffer }): BoundKernel {
  checkDims('env_reset', { R });
  checkExtent('env_reset', 'out', bufs.out, 0, R * (env.stateDim + env.obsDim));
  return envKernel(dev, env, 'env_reset_batch').bind({ 3: bufs.out }, [R, key.seed >>> 0, key.counter >>> 0, 0], grid(R, 64), `env_reset ${env.id}`);
}
