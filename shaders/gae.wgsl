// Generalised advantage estimation over a [T, N] rollout, one invocation per environment
// walking back in time (SPEC §4):
//   δ_t = r_t + γ·V_next·(1 - term_t) - V_t,  Â_t = δ_t + γλ·(1 - done_t)·Â_{t+1},  R_t = Â_t + V_t
// with V_next = V_{t+1}, except on a truncation when BOOTSTRAP_TRUNCATION is set, where it is
// V(final observation). Without it a truncation is treated like a termination (CleanRL).

//! kernels

override BOOTSTRAP_TRUNCATION: bool = false;

struct GaeParams { T: u32, N: u32, gamma: f32, lambda: f32 }

@group(0) @binding(0) var<uniform> p: GaeParams;
@group(0) @binding(1) var<storage, read> rewards: array<f32>;       // [T, N]
@group(0) @binding(2) var<storage, read> values: array<f32>;        // [T+1, N]
@group(0) @binding(3) var<storage, read> terminated: array<u32>;    // [T, N] 0/1
@group(0) @binding(4) var<storage, read> truncated: array<u32>;     // [T, N] 0/1
@group(0) @binding(5) var<storage, read> final_values: array<f32>;  // [T, N] V(final obs), read where truncated
@group(0) @binding(6) var<storage, read_write> advantages: array<f32>; // [T, N]
@group(0) @binding(7) var<storage, read_write> returns: array<f32>;    // [T, N]

@compute @workgroup_size(64)
fn gae(@builtin(global_invocation_id) gid: vec3u) {
  let n = gid.x;
  if (n >= p.N) { return; }
  var next_adv = 0.0;
  for (var k = 0u; k < p.T; k++) {
    let t = p.T - 1u - k;
    let i = t * p.N + n;
    let term = terminated[i] != 0u;
    let trunc = truncated[i] != 0u && !term;
    let done = term || trunc;
    var v_next = values[i + p.N];
    if (term) { v_next = 0.0; }
    if (trunc) { v_next = select(0.0, final_values[i], BOOTSTRAP_TRUNCATION); }
    let delta = rewards[i] + p.gamma * v_next - values[i];
    next_adv = delta + p.gamma * p.lambda * select(next_adv, 0.0, done);
    advantages[i] = next_adv;
    returns[i] = next_adv + values[i];
  }
}
