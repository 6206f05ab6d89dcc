// Adam (PyTorch semantics, eps 1e-5 by default) with global-norm gradient clipping, in place.
//   adam_prepare (1 invocation): norm = sqrt(Σ partials); clip = min(1, max_norm/(norm + 1e-6));
//                                step += 1; writes the bias-corrected step size from lr[0].
//   adam_update (1 invocation per parameter): g ← clip·g; m, v moments; p ← p - α·m/(√v/√bc2 + eps).

//! kernels

struct AdamParams {
  P: u32, nPartials: u32, lrOffset: u32, _pad1: u32,   // lrOffset: element of lr holding the learning rate
  beta1: f32, beta2: f32, eps: f32, maxNorm: f32,   // maxNorm <= 0 disables clipping
}

@group(0) @binding(0) var<uniform> p: AdamParams;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;  // [P]
@group(0) @binding(2) var<storage, read> grads: array<f32>;         // [P]
@group(0) @binding(3) var<storage, read_write> m: array<f32>;       // [P] first moment
@group(0) @binding(4) var<storage, read_write> v: array<f32>;       // [P] second moment
@group(0) @binding(5) var<storage, read_write> state: array<f32>;   // [4]: step, grad norm, clip coefficient, α
@group(0) @binding(6) var<storage, read> lr: array<f32>;            // [lrOffset + 1]: the learning rate at lrOffset, written once per iteration
@group(0) @binding(7) var<storage, read> partials: array<f32>;      // [nPartials] Σg² pieces (sumsq_partial)

@compute @workgroup_size(1)
fn adam_prepare() {
  var s = 0.0;
  for (var i = 0u; i < p.nPartials; i++) { s += partials[i]; }
  let norm = sqrt(s);
  var clip = 1.0;
  if (p.maxNorm > 0.0) { clip = min(1.0, p.maxNorm / (norm + 1e-6)); }
  let step = state[0] + 1.0;
  state[0] = step;
  state[1] = norm;
  state[2] = clip;
  state[3] = lr[p.lrOffset] / (1.0 - pow(p.beta1, step));
}

@compute @workgroup_size(64)
fn adam_update(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (i >= p.P) { return; }
  let g = grads[i] * state[2];
  let mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
  let vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  let bc2 = 1.0 - pow(p.beta2, state[0]);
  params[i] -= state[3] * mi / (sqrt(vi) / sqrt(bc2) + p.eps);
}
