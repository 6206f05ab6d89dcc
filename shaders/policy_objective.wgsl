// The standalone per-sample policy objective: loss, its derivatives w.r.t. log π and the
// per-state KL, and diagnostics, for the library's policyObjective wrapper. Composed
// (src/gpu/compose.ts) after the functions of objectives.wgsl and an algorithm's objective.

//! kernels

// ObjectiveParams { B, scale, clip } is generated (src/kernels/objectives.ts): scale is 1/B for
// the mean (the loss is -scale·Σ obj); clip is the ε of the clip-fraction diagnostic.

@group(0) @binding(0) var<uniform> p: ObjectiveParams;
@group(0) @binding(1) var<storage, read> logp: array<f32>;        // [B] log π_θ(a|s)
@group(0) @binding(2) var<storage, read> logp_old: array<f32>;    // [B]
@group(0) @binding(3) var<storage, read> adv: array<f32>;         // [B] (already normalised)
@group(0) @binding(4) var<storage, read> kl: array<f32>;          // [B] per-state KL(π_old‖π_θ)
@group(0) @binding(5) var<storage, read_write> loss: array<f32>;  // [B] per-sample loss, -scale·obj
@group(0) @binding(6) var<storage, read_write> grads: array<f32>; // [B, 2]: d loss/d logp, d loss/d kl
@group(0) @binding(7) var<storage, read_write> diag: array<f32>;  // [B, 3]: k3 approx-KL, clipped (0/1), ratio
@group(0) @binding(8) var<uniform> coefs: ObjectiveCoefs;          // the algorithm's coefficients

@compute @workgroup_size(64)
fn policy_objective_kernel(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (i >= p.B) { return; }
  let o = policy_objective(logp[i], logp_old[i], adv[i], kl[i], coefs);
  loss[i] = -p.scale * o.value;
  grads[2u * i] = -p.scale * o.dlogp;
  grads[2u * i + 1u] = -p.scale * o.dkl;
  let lr = logp[i] - logp_old[i];
  let r = exp(lr);
  diag[3u * i] = (r - 1.0) - lr;
  diag[3u * i + 1u] = select(0.0, 1.0, abs(r - 1.0) > p.clip);
  diag[3u * i + 2u] = r;
}

