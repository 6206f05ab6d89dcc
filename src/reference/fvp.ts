// f64 reference of the Fisher-vector product (src/nn/fvp.ts): exact forward-mode J·v through
// the actor, the distribution's Fisher at the outputs, and the actor's backward pass; and the
// gradient of the mean per-state KL(π_old‖π_θ) that a finite difference of it must match.
import type { Activation } from '../kernels/matmul.js';
import type { PolicyLayout } from '../nn/policy.js';
import { activateGradFromOutputRef } from './matmul.js';
import { mlpBackwardRef, mlpForwardRef } from './mlp.js';

/** J·v at the actor's outputs [B, OUT]: the directional derivative of the head along v. */
export function actorJvpRef(L: PolicyLayout, params: ArrayLike<number>, obs: ArrayLike<number>, B: number, act: Activation, v: ArrayLike<number>): Float64Array {
  const net = L.actor, dims = net.dims, acts = mlpForwardRef(net, params, obs, B, act);
  let t = new Float64Array(B * dims[0]);
  for (let l = 0; l + 1 < dims.length; l++) {
    const nin = dims[l], nout = dims[l + 1], hidden = l + 2 < dims.length, next = new Float64Array(B * nout);
    for (let b = 0; b < B; b++) {
      for (let o = 0; o < nout; o++) {
        let s = v[net.b[l] + o];
        for (let i = 0; i < nin; i++) {
          s += t[b * nin + i] * params[net.w[l] + i * nout + o] + acts[l][b * nin + i] * v[net.w[l] + i * nout + o];
        }
        next[b * nout + o] = hidden ? s * activateGradFromOutputRef(acts[l + 1][b * nout + o], act) : s;
      }
    }
    t = next;
  }
  return t;
}

/** Hv, H the Hessian of the mean per-state KL at θ_old = params: [P] with actor and log-std entries. */
export function fisherVectorProductRef(L: PolicyLayout, params: ArrayLike<number>, obs: ArrayLike<number>, B: number, act: Activation, v: ArrayLike<number>): Float64Array {
  const OUT = L.outDim, acts = mlpForwardRef(L.actor, params, obs, B, act), head = acts.at(-1)!;
  const jv = actorJvpRef(L, params, obs, B, act, v), m = new Float64Array(B * OUT);
  for (let b = 0; b < B; b++) {
    if (L.continuous) {
      for (let j = 0; j < OUT; j++) m[b * OUT + j] = jv[b * OUT + j] * Math.exp(-2 * params[L.logstd + j]) / B;
    } else {
      const z = head.subarray(b * OUT, (b + 1) * OUT), zmax = Math.max(...z);
      const e = Array.from(z, (x) => Math.exp(x - zmax)), total = e.reduce((s, x) => s + x, 0), p = e.map((x) => x / total);
      const pu = p.reduce((s, pi, i) => s + pi * jv[b * OUT + i], 0);
      for (let i = 0; i < OUT; i++) m[b * OUT + i] = p[i] * (jv[b * OUT + i] - pu) / B;
    }
  }
  const hv = mlpBackwardRef(L.actor, params, acts, m, B, act, L.size);
  if (L.continuous) for (let j = 0; j < OUT; j++) hv[L.logstd + j] = 2 * v[L.logstd + j];
  return hv;
}

/** ∇_θ of mean_b KL(π_old(·|s_b) ‖ π_θ(·|s_b)), π_old the policy of `oldParams`: [P], actor and log-std entries. */
export function meanKlGradientRef(L: PolicyLayout, oldParams: ArrayLike<number>, params: ArrayLike<number>, obs: ArrayLike<number>, B: number, act: Activation): Float64Array {
  const OUT = L.outDim;
  const oldHead = mlpForwardRef(L.actor, oldParams, obs, B, act).at(-1)!, acts = mlpForwardRef(L.actor, params, obs, B, act), head = acts.at(-1)!;
  const d = new Float64Array(B * OUT), dLogstd = new Float64Array(OUT);
  for (let b = 0; b < B; b++) {
    if (L.continuous) {
      for (let j = 0; j < OUT; j++) {
        const ls = params[L.logstd + j], var_ = Math.exp(2 * ls), oldVar = Math.exp(2 * oldParams[L.logstd + j]);
        const diff = head[b * OUT + j] - oldHead[b * OUT + j];
        d[b * OUT + j] = diff / var_ / B;
        dLogstd[j] += (1 - (oldVar + diff * diff) / var_) / B;
      }
    } else {
      const softmax = (z: ArrayLike<number>) => { const zmax = Math.max(...Array.from(z)); const e = Array.from(z, (x) => Math.exp(x - zmax)); const t = e.reduce((s, x) => s + x, 0); return e.map((x) => x / t); };
      const p = softmax(head.subarray(b * OUT, (b + 1) * OUT)), q = softmax(oldHead.subarray(b * OUT, (b + 1) * OUT));
      for (let i = 0; i < OUT; i++) d[b * OUT + i] = (p[i] - q[i]) / B;
    }
  }
  const g = mlpBackwardRef(L.actor, params, acts, d, B, act, L.size);
  if (L.continuous) for (let j = 0; j < OUT; j++) g[L.logstd + j] = dLogstd[j];
  return g;
}
