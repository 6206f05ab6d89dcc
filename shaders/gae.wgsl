// Generalised advantage estimation over a [T, N] rollout, one invocation per environment
// walking back in time (Schulman et al. 2016, High-Dimensional Continuous Control Using GAE):
//   δ_t = r_t + γ·V_next·(1 - term_t) - V_t,  Â_t = δ_t + γλ·(1 - done_t)·Â_{t+1},  R_t = Â_t + V_t
// with V_next = V_{t+1}, except on a truncation when bootstrapping, where it is
// V(final observation). Without it a truncation is treated like a termination (CleanRL).
// Inputs come through accessors (index i = t·N + n) the including module defines:
// gae_reward(i), gae_value(i) (i < (T+1)·N), gae_terminated(i), gae_truncated(i),
// gae_final_value(i), and results go to gae_store(i, advantage, return).

fn gae_env(n: u32, T: u32, N: u32, gamma: f32, lambda: f32, bootstrap: bool) {
  var next_adv = 0.0;
  for (var k = 0u; k < T; k++) {
    let t = T - 1u - k;
    let i = t * N + n;
    let term = gae_terminated(i);
    let trunc = gae_truncated(i) && !term;
    var v_next = gae_value(i + N);
    if (term) { v_next = 0.0; }
    if (trunc) { v_next = select(0.0, gae_final_value(i), bootstrap); }
    let delta = gae_reward(i) + gamma * v_next - gae_value(i);
    next_adv = delta + gamma * lambda * select(next_adv, 0.0, term || trunc);
    gae_store(i, next_adv, next_adv + gae_value(i));
  }
}

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

fn gae_reward(i: u32) -> f32 { return rewards[i]; }
fn gae_value(i: u32) -> f32 { return values[i]; }
fn gae_terminated(i: u32) -> bool { return terminated[i] != 0u; }
fn gae_truncated(i: u32) -> bool { return truncated[i] != 0u; }
fn gae_final_value(i: u32) -> f32 { return final_values[i]; }
fn gae_store(i: u32, adv: f32, ret: f32) { advantages[i] = adv; returns[i] = ret; }

@compute @workgroup_size(64)
fn gae(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x >= p.N) { return; }
  gae_env(gid.x, p.T, p.N, p.gamma, p.lambda, BOOTSTRAP_TRUNCATION);
}
