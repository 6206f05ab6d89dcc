// A custom environment written outside the runtime: walk a 1-D corridor to the goal at +1.
// State [position, steps]; actions {0: left, 1: right}; reward -0.01 per step, +1 at the goal.
// It implements the same interface as shaders/envs/*.wgsl (EnvState, env_reset, env_step, env_observe).

alias EnvState = array<f32, 2>;

fn env_reset(u: vec4f) -> EnvState {
  return EnvState(0.2 * u.x - 0.1, 0.0);
}

fn env_step(s: EnvState, action: u32) -> StepResult {
  let pos = clamp(s[0] + select(-0.1, 0.1, action == 1u), -1.0, 1.0);
  let done = pos >= 0.999;
  return StepResult(EnvState(pos, s[1] + 1.0), select(-0.01, 1.0, done), done);
}

fn env_observe(s: EnvState, i: u32) -> f32 {
  return select(s[1] / 50.0, s[0], i == 0u);
}
