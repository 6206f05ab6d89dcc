// Steps or resets a batch of GPU environment states given from outside: single-step parity
// tests against the f64 references, and users stepping GPU environments from JS. Composed in
// TS after the environment module, ENV_PRELUDE, rng functions and the constants STATE_DIM,
// OBS_DIM, ACT_DIM; the `//! discrete` or `//! continuous` section is kept.

//! kernels

struct EnvStepParams { R: u32, seed: u32, counter: u32, _pad: u32 }

@group(0) @binding(0) var<uniform> ep: EnvStepParams;
@group(0) @binding(1) var<storage, read> states: array<f32>;     // [R, STATE_DIM]
@group(0) @binding(2) var<storage, read> actions: array<f32>;    // [R, ACT_DIM] (discrete: the index as f32)
@group(0) @binding(3) var<storage, read_write> out: array<f32>;  // step: [R, STATE_DIM + OBS_DIM + 2] next state, its
                                                                  // observation, reward, terminated; reset: [R, STATE_DIM + OBS_DIM]
const OUT_W: u32 = STATE_DIM + OBS_DIM + 2u;

fn write_state(base: u32, s: EnvState) {
  for (var k = 0u; k < STATE_DIM; k++) { out[base + k] = s[k]; }
  for (var i = 0u; i < OBS_DIM; i++) { out[base + STATE_DIM + i] = env_observe(s, i); }
}

@compute @workgroup_size(64)
fn env_step_batch(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.x + gid.y * nwg.x * 64u;
  if (r >= ep.R) { return; }
  var s: EnvState;
  for (var k = 0u; k < STATE_DIM; k++) { s[k] = states[r * STATE_DIM + k]; }
  let res = step_with(s, r);
  write_state(r * OUT_W, res.state);
  out[r * OUT_W + STATE_DIM + OBS_DIM] = res.reward;
  out[r * OUT_W + STATE_DIM + OBS_DIM + 1u] = select(0.0, 1.0, res.terminated);
}

// Row r's reset draws its uniforms from Philox keyed (seed, stream r, counter, purpose 2).
@compute @workgroup_size(64)
fn env_reset_batch(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.x + gid.y * nwg.x * 64u;
  if (r >= ep.R) { return; }
  let x = rand4(ep.seed, r, ep.counter, 2u);
  write_state(r * (STATE_DIM + OBS_DIM), env_reset(vec4f(u01(x.x), u01(x.y), u01(x.z), u01(x.w))));
}

//! discrete
fn step_with(s: EnvState, r: u32) -> StepResult { return env_step(s, u32(actions[r])); }

//! continuous
fn step_with(s: EnvState, r: u32) -> StepResult {
  var a: array<f32, ACT_DIM>;
  for (var j = 0u; j < ACT_DIM; j++) { a[j] = actions[r * ACT_DIM + j]; }
  return env_step(s, a);
}
