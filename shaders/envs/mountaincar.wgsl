// MountainCar-v0 (Gymnasium). State [position, velocity]; actions {0: left, 1: none, 2: right};
// reward -1; terminated at position >= 0.5 with velocity >= 0.

alias EnvState = array<f32, 2>;

const MC_FORCE: f32 = 0.001;
const MC_GRAVITY: f32 = 0.0025;
const MC_MIN_POS: f32 = -1.2;
const MC_MAX_POS: f32 = 0.6;
const MC_MAX_SPEED: f32 = 0.07;
const MC_GOAL_POS: f32 = 0.5;

fn env_reset(u: vec4f) -> EnvState {
  return EnvState(-0.6 + 0.2 * u.x, 0.0);
}

fn env_step(s: EnvState, action: u32) -> StepResult {
  var v = s[1] + (f32(action) - 1.0) * MC_FORCE - cos_f(3.0 * s[0]) * MC_GRAVITY;
  v = clamp(v, -MC_MAX_SPEED, MC_MAX_SPEED);
  let pos = clamp(s[0] + v, MC_MIN_POS, MC_MAX_POS);
  if (pos == MC_MIN_POS && v < 0.0) { v = 0.0; }
  let terminated = pos >= MC_GOAL_POS && v >= 0.0;
  return StepResult(EnvState(pos, v), -1.0, terminated);
}

fn env_observe(s: EnvState, i: u32) -> f32 { return s[i]; }
