// Diagonal Gaussian with a state-independent log-std ℓ (a parameter vector [D]): log-prob,
// entropy, per-state KL(π_old‖π), and gradients w.r.t. the mean and ℓ. Inputs come through
// `mean_at(r, j)`, `old_mean_at(r, j)`, `logstd_at(j)`, `old_logstd_at(j)`, `action_at(r, j)`,
// defined by the including module.

const HALF_LOG_2PI: f32 = 0.91893853320467274;
const HALF_LOG_2PIE: f32 = 1.4189385332046727;

// log π(a) = Σ_j [ -(a_j-μ_j)²/(2σ_j²) - ℓ_j - ½ log 2π ]
fn gauss_logp(r: u32, D: u32) -> f32 {
  var s = 0.0;
  for (var j = 0u; j < D; j++) {
    let l = logstd_at(j);
    let z = (action_at(r, j) - mean_at(r, j)) * exp(-l);
    s += -0.5 * z * z - l - HALF_LOG_2PI;
  }
  return s;
}
// d logp / dμ_j = (a-μ)/σ² ;  d logp / dℓ_j = (a-μ)²/σ² - 1
fn gauss_dlogp_dmean(r: u32, j: u32) -> f32 {
  return (action_at(r, j) - mean_at(r, j)) * exp(-2.0 * logstd_at(j));
}
fn gauss_dlogp_dlogstd(r: u32, j: u32) -> f32 {
  let z = (action_at(r, j) - mean_at(r, j)) * exp(-logstd_at(j));
  return z * z - 1.0;
}

// H = Σ_j (ℓ_j + ½ log 2πe); dH/dℓ_j = 1.
fn gauss_entropy(D: u32) -> f32 {
  var s = 0.0;
  for (var j = 0u; j < D; j++) { s += logstd_at(j) + HALF_LOG_2PIE; }
  return s;
}

// KL(old‖new) = Σ_j [ ℓ_j - ℓo_j + (σo² + (μo-μ)²)/(2σ²) - ½ ]
fn gauss_kl(r: u32, D: u32) -> f32 {
  var s = 0.0;
  for (var j = 0u; j < D; j++) {
    let l = logstd_at(j);
    let lo = old_logstd_at(j);
    let dm = old_mean_at(r, j) - mean_at(r, j);
    s += l - lo + (exp(2.0 * lo) + dm * dm) * 0.5 * exp(-2.0 * l) - 0.5;
  }
  return max(s, 0.0);
}
// dKL/dμ_j = (μ-μo)/σ² ;  dKL/dℓ_j = 1 - (σo² + (μo-μ)²)/σ²
fn gauss_dkl_dmean(r: u32, j: u32) -> f32 {
  return (mean_at(r, j) - old_mean_at(r, j)) * exp(-2.0 * logstd_at(j));
}
fn gauss_dkl_dlogstd(r: u32, j: u32) -> f32 {
  let dm = old_mean_at(r, j) - mean_at(r, j);
  return 1.0 - (exp(2.0 * old_logstd_at(j)) + dm * dm) * exp(-2.0 * logstd_at(j));
}

//! kernels

struct GaussianParams { R: u32, D: u32, _pad0: u32, _pad1: u32 }

@group(0) @binding(0) var<uniform> p: GaussianParams;
@group(0) @binding(1) var<storage, read> mean: array<f32>;          // [R, D]
@group(0) @binding(2) var<storage, read> logstd: array<f32>;        // [D]
@group(0) @binding(3) var<storage, read> old_mean: array<f32>;      // [R, D] (kl only)
@group(0) @binding(4) var<storage, read> old_logstd: array<f32>;    // [D]    (kl only)
@group(0) @binding(5) var<storage, read> actions: array<f32>;       // [R, D] (logprob only)
@group(0) @binding(6) var<storage, read_write> value: array<f32>;   // [R]
@group(0) @binding(7) var<storage, read_write> grad_mean: array<f32>;   // [R, D]
@group(0) @binding(8) var<storage, read_write> grad_logstd: array<f32>; // [R, D]: per-row, sum over rows for ℓ

fn mean_at(r: u32, j: u32) -> f32 { return mean[r * p.D + j]; }
fn old_mean_at(r: u32, j: u32) -> f32 { return old_mean[r * p.D + j]; }
fn logstd_at(j: u32) -> f32 { return logstd[j]; }
fn old_logstd_at(j: u32) -> f32 { return old_logstd[j]; }
fn action_at(r: u32, j: u32) -> f32 { return actions[r * p.D + j]; }

fn row_index(wid: vec3u, nwg: vec3u, lid: u32) -> u32 { return (wid.x + wid.y * nwg.x) * 64u + lid; }

@compute @workgroup_size(64)
fn gaussian_logprob(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = row_index(wid, nwg, lid);
  if (r >= p.R) { return; }
  value[r] = gauss_logp(r, p.D);
  for (var j = 0u; j < p.D; j++) {
    grad_mean[r * p.D + j] = gauss_dlogp_dmean(r, j);
    grad_logstd[r * p.D + j] = gauss_dlogp_dlogstd(r, j);
  }
}

@compute @workgroup_size(64)
fn gaussian_entropy(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = row_index(wid, nwg, lid);
  if (r >= p.R) { return; }
  value[r] = gauss_entropy(p.D);
  for (var j = 0u; j < p.D; j++) {
    grad_mean[r * p.D + j] = 0.0;
    grad_logstd[r * p.D + j] = 1.0;
  }
}

@compute @workgroup_size(64)
fn gaussian_kl(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = row_index(wid, nwg, lid);
  if (r >= p.R) { return; }
  value[r] = gauss_kl(r, p.D);
  for (var j = 0u; j < p.D; j++) {
    grad_mean[r * p.D + j] = gauss_dkl_dmean(r, j);
    grad_logstd[r * p.D + j] = gauss_dkl_dlogstd(r, j);
  }
}
