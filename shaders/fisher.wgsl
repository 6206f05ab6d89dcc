// The Fisher matrix of the policy distribution in its output space, applied to a tangent:
// the middle factor of TRPO's Fisher-vector product Hv = Jᵀ·M·(J·v) (src/nn/fvp.ts), where
// J·v is a forward-mode pass through the actor. At θ = θ_old, M is the Hessian of the
// per-state KL(π_old‖π_θ) w.r.t. the outputs, so Hv is the Hessian of the mean KL times v.
//   fisher_categorical  logits z: M·u = p⊙u − p·(pᵀu), p = softmax(z)
//   fisher_gaussian     means μ: M·u = u / σ² (σ = exp(log-std), state-independent)
//   fisher_logstd       the log-std block: M = 2·I per sample, so the mean over samples is 2·v
// Every output is scaled by `scale` (1/B: the KL is a mean over the B states).

//! kernels

// FisherParams { B, OUT, logstdOff (the log-std's offset in params, v and hv), scale } is
// generated from its declaration in src/nn/fvp.ts.

@group(0) @binding(0) var<uniform> fp: FisherParams;
@group(0) @binding(1) var<storage, read> head: array<f32>;        // [B, OUT] logits (categorical)
@group(0) @binding(2) var<storage, read> tangent: array<f32>;     // [B, OUT] J·v at the outputs
@group(0) @binding(3) var<storage, read_write> out: array<f32>;   // [B, OUT] scale·M·(J·v)
@group(0) @binding(4) var<storage, read> params: array<f32>;      // [P] (the log-std, Gaussian)
@group(0) @binding(5) var<storage, read> v: array<f32>;           // [P] the vector, in the parameter layout
@group(0) @binding(6) var<storage, read_write> hv: array<f32>;    // [P] Hv, in the parameter layout

@compute @workgroup_size(64)
fn fisher_categorical(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let b = gid.x + gid.y * nwg.x * 64u;
  if (b >= fp.B) { return; }
  let row = b * fp.OUT;
  var zmax = head[row];
  for (var i = 1u; i < fp.OUT; i++) { zmax = max(zmax, head[row + i]); }
  var total = 0.0;
  var pu = 0.0;
  for (var i = 0u; i < fp.OUT; i++) {
    let e = exp(head[row + i] - zmax);
    total += e;
    pu += e * tangent[row + i];
  }
  pu /= total;
  for (var i = 0u; i < fp.OUT; i++) {
    let p = exp(head[row + i] - zmax) / total;
    out[row + i] = fp.scale * p * (tangent[row + i] - pu);
  }
}

@compute @workgroup_size(64)
fn fisher_gaussian(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let k = gid.x + gid.y * nwg.x * 64u;
  if (k >= fp.B * fp.OUT) { return; }
  let j = k % fp.OUT;
  out[k] = fp.scale * tangent[k] * exp(-2.0 * params[fp.logstdOff + j]);
}

@compute @workgroup_size(64)
fn fisher_logstd(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  if (j >= fp.OUT) { return; }
  // Σ_b scale·2·v = 2·v for scale = 1/B.
  hv[fp.logstdOff + j] = 2.0 * f32(fp.B) * fp.scale * v[fp.logstdOff + j];
}
