// Categorical distribution from logits: log-prob, entropy, per-state KL(π_old‖π) and their
// gradients w.r.t. the logits. The functions read logits through `logit_at(r, i)` and
// `old_logit_at(r, i)`, which the including module defines over its own bindings, so the
// fused trainer kernels reuse these formulas for any number of actions.

fn cat_lse(r: u32, A: u32) -> f32 {
  var m = logit_at(r, 0u);
  for (var i = 1u; i < A; i++) { m = max(m, logit_at(r, i)); }
  var s = 0.0;
  for (var i = 0u; i < A; i++) { s += exp(logit_at(r, i) - m); }
  return m + log(s);
}

fn cat_old_lse(r: u32, A: u32) -> f32 {
  var m = old_logit_at(r, 0u);
  for (var i = 1u; i < A; i++) { m = max(m, old_logit_at(r, i)); }
  var s = 0.0;
  for (var i = 0u; i < A; i++) { s += exp(old_logit_at(r, i) - m); }
  return m + log(s);
}

// H = -Σ p_i log p_i, with log p_i = z_i - lse.
fn cat_entropy(r: u32, A: u32, lse: f32) -> f32 {
  var h = 0.0;
  for (var i = 0u; i < A; i++) { let lp = logit_at(r, i) - lse; h -= exp(lp) * lp; }
  return h;
}

// KL(old‖new) = Σ p_old,i (log p_old,i - log p_i), in log space.
fn cat_kl(r: u32, A: u32, lse: f32, old_lse: f32) -> f32 {
  var d = 0.0;
  for (var i = 0u; i < A; i++) {
    let lpo = old_logit_at(r, i) - old_lse;
    d += exp(lpo) * (lpo - (logit_at(r, i) - lse));
  }
  return max(d, 0.0);
}

// Gradients w.r.t. logit i:
//   d log p_a / dz_i = [i == a] - p_i
//   dH / dz_i        = -p_i (log p_i + H)
//   dKL / dz_i       = p_i - p_old,i
fn cat_dlogp(r: u32, i: u32, a: u32, lse: f32) -> f32 {
  return select(0.0, 1.0, i == a) - exp(logit_at(r, i) - lse);
}
fn cat_dentropy(r: u32, i: u32, lse: f32, h: f32) -> f32 {
  let lp = logit_at(r, i) - lse;
  return -exp(lp) * (lp + h);
}
fn cat_dkl(r: u32, i: u32, lse: f32, old_lse: f32) -> f32 {
  return exp(logit_at(r, i) - lse) - exp(old_logit_at(r, i) - old_lse);
}

// Inverse-CDF draw from Categorical(softmax(logits row r)).
fn cat_sample(r: u32, A: u32, lse: f32, u: f32) -> u32 {
  var c = 0.0;
  for (var i = 0u; i < A; i++) {
    c += exp(logit_at(r, i) - lse);
    if (u < c) { return i; }
  }
  return A - 1u;  // u above the rounded total
}

//! kernels

struct CategoricalParams { R: u32, A: u32, offLogits: u32, offOld: u32 }

@group(0) @binding(0) var<uniform> p: CategoricalParams;
@group(0) @binding(1) var<storage, read> logits: array<f32>;       // [R, A]
@group(0) @binding(2) var<storage, read> old_logits: array<f32>;   // [R, A] (kl only)
@group(0) @binding(3) var<storage, read> actions: array<u32>;      // [R] (logprob only)
@group(0) @binding(4) var<storage, read_write> value: array<f32>;  // [R]: log-prob, entropy or KL
@group(0) @binding(5) var<storage, read_write> grad: array<f32>;   // [R, A]: d value / d logits

fn logit_at(r: u32, i: u32) -> f32 { return logits[p.offLogits + r * p.A + i]; }
fn old_logit_at(r: u32, i: u32) -> f32 { return old_logits[p.offOld + r * p.A + i]; }

fn row_index(wid: vec3u, nwg: vec3u, lid: u32) -> u32 { return (wid.x + wid.y * nwg.x) * 64u + lid; }

@compute @workgroup_size(64)
fn categorical_logprob(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = row_index(wid, nwg, lid);
  if (r >= p.R) { return; }
  let a = actions[r];
  let lse = cat_lse(r, p.A);
  value[r] = logit_at(r, min(a, p.A - 1u)) - lse;
  for (var i = 0u; i < p.A; i++) { grad[r * p.A + i] = cat_dlogp(r, i, a, lse); }
}

@compute @workgroup_size(64)
fn categorical_entropy(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = row_index(wid, nwg, lid);
  if (r >= p.R) { return; }
  let lse = cat_lse(r, p.A);
  let h = cat_entropy(r, p.A, lse);
  value[r] = h;
  for (var i = 0u; i < p.A; i++) { grad[r * p.A + i] = cat_dentropy(r, i, lse, h); }
}

@compute @workgroup_size(64)
fn categorical_kl(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = row_index(wid, nwg, lid);
  if (r >= p.R) { return; }
  let lse = cat_lse(r, p.A);
  let olse = cat_old_lse(r, p.A);
  value[r] = cat_kl(r, p.A, lse, olse);
  for (var i = 0u; i < p.A; i++) { grad[r * p.A + i] = cat_dkl(r, i, lse, olse); }
}
