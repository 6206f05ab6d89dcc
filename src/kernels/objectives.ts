// Policy objectives and value loss per sample (shaders/objectives.wgsl, shaders/policy_objective.wgsl,
// and each algorithm's objective in shaders/algos/).
import { BufferUsage, type WgrlDevice } from '../gpu/device.js';
import { grid, Kernel, type BoundKernel } from '../gpu/kernel.js';
import { sharedStruct } from '../gpu/structs.js';
import { objectiveSection, wgsl, wgslFunctions } from '../gpu/compose.js';
import { ALGOS, getAlgorithm, type Algo } from '../algos/registry.js';
import { checkDims, checkExtent } from './common.js';

export { ALGOS, type Algo };

export interface ObjectiveSpec {
  B: number;
  algo: Algo;
  /** PPO clip range ε, also SPO's ε and the clip-fraction diagnostic's (default 0.2). */
  eps?: number;
  /** PPO-KL penalty coefficient β. */
  beta?: number;
  /** SPO-KL's d_max (default 0.02). */
  dmax?: number;
  /** Weight of each sample in the loss (default 1/B: the minibatch mean). */
  scale?: number;
}

const OBJECTIVE_PARAMS = sharedStruct('ObjectiveParams', {
  B: { type: 'u32' }, scale: { type: 'f32', doc: 'the loss is -scale·Σ obj' }, clip: { type: 'f32', doc: 'ε of the clip-fraction diagnostic' },
});
const VALUE_PARAMS = sharedStruct('ValueParams', { B: { type: 'u32' }, eps: { type: 'f32' }, scale: { type: 'f32' } });

/**
 * loss[i] = -scale·obj_i; grads[i] = (d loss/d logp_i, d loss/d kl_i);
 * diag[i] = (k3 approx-KL term, clipped 0/1, ratio).
 */
export function policyObjective(dev: WgrlDevice, spec: ObjectiveSpec,
  bufs: { logp: GPUBuffer; logpOld: GPUBuffer; adv: GPUBuffer; kl: GPUBuffer; loss: GPUBuffer; grads: GPUBuffer; diag: GPUBuffer }): BoundKernel {
  const label = `objective_${spec.algo}`;
  const { B } = spec;
  checkDims(label, { B });
  const objective = getAlgorithm(spec.algo).objective;
  for (const [n, c] of [['logp', 1], ['logpOld', 1], ['adv', 1], ['kl', 1], ['loss', 1], ['grads', 2], ['diag', 3]] as const) {
    checkExtent(label, n, bufs[n], 0, B * c);
  }
  const code = [OBJECTIVE_PARAMS.wgslStruct(), wgslFunctions('objectives'), objectiveSection(objective), wgsl('policy_objective')].join('\n');
  const k = new Kernel(dev, `policy_objective.${spec.algo}`, code, 'policy_objective_kernel');
  // Coefficients not given here are 0 (GRPO's spo flag: its clip form; β and refresh are not read by the objective).
  const given: Record<string, number> = { eps: spec.eps ?? 0.2, beta: spec.beta ?? 0, dmax: spec.dmax ?? 0.02 };
  const coefs = objective.coefficients.length ? objective.coefficients.map((c) => ({ f: given[c] ?? 0 })) : [{ f: 0 }];
  const coefBuffer = dev.upload(`${label} coefficients`, new Float32Array(coefs.map((c) => c.f)), BufferUsage.UNIFORM);
  return k.bind({ 1: bufs.logp, 2: bufs.logpOld, 3: bufs.adv, 4: bufs.kl, 5: bufs.loss, 6: bufs.grads, 7: bufs.diag, 8: coefBuffer },
    OBJECTIVE_PARAMS.uniforms({ B, scale: spec.scale ?? 1 / B, clip: spec.eps ?? 0.2 }), grid(B, 64), label);
}

/** loss[i] = scale·value loss, grad[i] = d loss[i]/dV_i (CleanRL's clipped form when clip is on). */
export function valueLoss(dev: WgrlDevice, spec: { B: number; eps?: number; clip?: boolean; scale?: number },
  bufs: { v: GPUBuffer; vOld: GPUBuffer; returns: GPUBuffer; loss: GPUBuffer; grad: GPUBuffer }): BoundKernel {
  const label = 'value_loss';
  checkDims(label, { B: spec.B });
  for (const n of ['v', 'vOld', 'returns', 'loss', 'grad'] as const) checkExtent(label, n, bufs[n], 0, spec.B);
  const k = new Kernel(dev, 'objectives.value_loss_kernel', VALUE_PARAMS.wgslStruct() + wgsl('objectives'), 'value_loss_kernel', { CLIP_VALUE: spec.clip ?? true });
  return k.bind({ 1: bufs.v, 2: bufs.vOld, 3: bufs.returns, 4: bufs.loss, 5: bufs.grad },
    VALUE_PARAMS.uniforms({ B: spec.B, eps: spec.eps ?? 0.2, scale: spec.scale ?? 1 / spec.B }), grid(spec.B, 64), label);
}
