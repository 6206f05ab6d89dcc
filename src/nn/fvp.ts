// TRPO's Fisher-vector product for the actor, Hv = Jᵀ·M·(J·v)/B, from matrix products and no
// second derivatives: the actor's forward pass at θ, a forward-mode pass of the tangent v
// (J·v: per layer T_l = act'(Z_l)⊙(T_{l-1}·W_l + X_l·V_l + v_b,l), two gated matmuls), the
// distribution's Fisher at the outputs (shaders/fisher.wgsl), and the actor's backward pass
// with M·(J·v)/B as the output derivative. At θ = θ_old, H is the Hessian of the mean per-state
// KL(π_old‖π_θ) (Schulman et al. 2015, TRPO, appendix C). v and Hv are [P] vectors in the policy's parameter layout; only the
// actor's entries (and the log-std's, Gaussian) of Hv are written.
import type { WgrlDevice } from '../gpu/device.js';
import { grid, Kernel, type BoundKernel } from '../gpu/kernel.js';
import { sharedStruct } from '../gpu/structs.js';
import { wgsl } from '../gpu/compose.js';
import { matmul, type Activation } from '../kernels/matmul.js';
import { mlpBackwardNets, mlpForwardNets, type MlpBackwardSlots, type Slice } from './mlp.js';
import type { PolicyLayout } from './policy.js';

const FISHER_PARAMS = sharedStruct('FisherParams', {
  B: { type: 'u32' }, OUT: { type: 'u32' }, logstdOff: { type: 'u32' }, scale: { type: 'f32', doc: '1/B: the KL is a mean over states' },
});
const fisherKernel = (dev: WgrlDevice, entry: string) => new Kernel(dev, `fisher.${entry}`, FISHER_PARAMS.wgslStruct() + wgsl('fisher'), entry);

export interface FvpSpec { layout: PolicyLayout; B: number; activation: Activation }
export interface FvpBuffers {
  /** [B, obsDim] the states. */
  obs: Slice;
  /** [P] θ. */
  params: GPUBuffer;
  /** [P] the vector (its actor and log-std entries are read). */
  v: GPUBuffer;
  /** [P] Hv (actor and log-std entries written). */
  hv: GPUBuffer;
}

/** Dispatches computing hv = H·v; scratch buffers are allocated once here. */
export function fisherVectorProduct(dev: WgrlDevice, spec: FvpSpec, bufs: FvpBuffers): BoundKernel[] {
  const { layout: L, B, activation } = spec;
  const net = L.actor, dims = net.dims, layers = dims.length - 1, OUT = L.outDim;
  const hmax = Math.max(...dims);
  const acts = dims.slice(1).map((d, l) => dev.buffer(`fvp activations ${l}`, B * d * 4));
  const tangents = [dev.buffer('fvp tangent a', B * hmax * 4), dev.buffer('fvp tangent b', B * hmax * 4)];
  const fisherOut = dev.buffer('fvp M·Jv', B * OUT * 4);
  const dH: [Slice, Slice] = [{ buffer: dev.buffer('fvp dH a', B * hmax * 4), offset: 0 }, { buffer: dev.buffer('fvp dH b', B * hmax * 4), offset: 0 }];
  const slots: MlpBackwardSlots = {
    layout: net, label: 'fvp actor', acts: acts.map((buffer) => ({ buffer, offset: 0 })), dOut: { buffer: fisherOut, offset: 0 }, dH,
  };
  const out: BoundKernel[] = [...mlpForwardNets(dev, [slots], B, activation, bufs.obs, bufs.params)];
  // Forward mode: the tangent of layer l's output.
  for (let l = 0; l < layers; l++) {
    const din = dims[l], dout = dims[l + 1], hidden = l + 1 < layers;
    const gate = hidden ? activation : 'none';
    const T = tangents[l % 2], x = l === 0 ? bufs.obs : { buffer: acts[l - 1], offset: 0 };
    if (l > 0) {
      out.push(matmul(dev, { M: B, K: din, N: dout, gate }, {
        a: tangents[(l - 1) % 2], b: bufs.params, c: T, gate: acts[l], offsets: { b: net.w[l] },
      }, `fvp tangent ${l}`));
    }
    out.push(matmul(dev, { M: B, K: din, N: dout, bias: true, gate, accum: l > 0 }, {
      a: x.buffer, b: bufs.v, bias: bufs.v, c: T, gate: acts[l], offsets: { a: x.offset, b: net.w[l], bias: net.b[l] },
    }, `fvp tangent ${l} (v)`));
  }
  const jv = tangents[(layers - 1) % 2];
  const fisherParams = FISHER_PARAMS.uniforms({ B, OUT, logstdOff: Math.max(L.logstd, 0), scale: 1 / B });
  if (L.continuous) {
    out.push(fisherKernel(dev, 'fisher_gaussian').bind({ 2: jv, 3: fisherOut, 4: bufs.params }, fisherParams, grid(B * OUT, 64), 'fisher gaussian'));
  } else {
    out.push(fisherKernel(dev, 'fisher_categorical').bind({ 1: acts[layers - 1], 2: jv, 3: fisherOut }, fisherParams, grid(B, 64), 'fisher categorical'));
  }
  out.push(...mlpBackwardNets(dev, [slots], B, activation, bufs.obs, bufs.params, bufs.hv));
  if (L.continuous) out.push(fisherKernel(dev, 'fisher_logstd').bind({ 5: bufs.v, 6: bufs.hv }, fisherParams, grid(OUT, 64), 'fisher log-std'));
  return out;
}
