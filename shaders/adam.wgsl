// Adam (PyTorch semantics, eps 1e-5 by default) with global-norm gradient clipping, in place.
//   adam_prepare (1 invocation): norm = sqrt(Σ partials); clip = min(1, max_norm/(norm + 1e-6));
//                                step += 1; writes the bias-corrected step size from lr[0].
//   adam_update (1 invocation per parameter): g ← clip·g; m, v moments; p ← p - α·m/(√v/√bc2 + eps).
// Agents (src/gpu/agents.ts) run along workgroup z (adam_prepare: x), each with its own
// parameters, moments, state, learning rate and partials, the given strides apart.

//! kernels

// Agents of the dispatch: with one, every agent offset folds to 0 at pipeline creation (no
// per-lane index arithmetic or gathers where a single agent reads its state).
override AGENTS: u32 = 1u;

struct AdamParams {
  P: u32, nPartials: u32, lrOffset: u32, agentParams: u32,  // lrOffset: element of lr holding the learning rate
  beta1: f32, beta2: f32, eps: f32, maxNorm: f32,           // maxNorm <= 0 disables clipping
  agentState: u32, agentLr: u32, agentPartials: u32, _pad0: u32,  // agentParams: of params, grads, m and v
}

@group(0) @binding(0) var<uniform> p: AdamParams;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;  // [agents][P]
@group(0) @binding(2) var<storage, read> grads: array<f32>;         // [agents][P]
@group(0) @binding(3) var<storage, read_write> m: array<f32>;       // [agents][P] first moment
@group(0) @binding(4) var<storage, read_write> v: array<f32>;       // [agents][P] second moment
@group(0) @binding(5) var<storage, read_write> state: array<f32>;   // [agents][4]: step, grad norm, clip coefficient, α
@group(0) @binding(6) var<storage, read> lr: array<f32>;            // [agents][lrOffset + 1]: the learning rate at lrOffset, written once per iteration
@group(0) @binding(7) var<storage, read> partials: array<f32>;      // [agents][nPartials] Σg² pieces (sumsq_partial)

@compute @workgroup_size(1)
fn adam_prepare(@builtin(workgroup_id) wid: vec3u) {
  let agent = min(wid.x, AGENTS - 1u);
  let pi = agent * p.agentPartials;
  var s = 0.0;
  for (var i = 0u; i < p.nPartials; i++) { s += partials[pi + i]; }
  let norm = sqrt(s);
  var clip = 1.0;
  if (p.maxNorm > 0.0) { clip = min(1.0, p.maxNorm / (norm + 1e-6)); }
  let st = agent * p.agentState;
  let step = state[st] + 1.0;
  state[st] = step;
  state[st + 1u] = norm;
  state[st + 2u] = clip;
  state[st + 3u] = lr[agent * p.agentLr + p.lrOffset] / (1.0 - pow(p.beta1, step));
}

@compute @workgroup_size(64)
fn adam_update(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (j >= p.P) { return; }
  let agent = min(wid.z, AGENTS - 1u);
  let i = agent * p.agentParams + j;
  let st = agent * p.agentState;
  let g = grads[i] * state[st + 2u];
  let mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
  let vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  let bc2 = 1.0 - pow(p.beta2, state[st]);
  params[i] -= state[st + 3u] * mi / (sqrt(vi) / sqrt(bc2) + p.eps);
}
