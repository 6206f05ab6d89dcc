// MountainCarContinuous-v0 (Gymnasium). State [position, velocity]; one force in [-1, 1],
// clipped for the physics; reward +100 on reaching the goal minus 0.1·a² with the raw action.

alias EnvState = array<f32, 2>;

const MCC_POWER: f32 = 0.0015;
const MCC_MIN_POS: f32 = -1.2;
const MCC_MAX_POS: f32 = 0.6;
const MCC_MAX_SPEED: f32 = 0.07;
const MCC_GOAL_POS: f32 = 0.45;

fn env_reset(u: vec4f) -> EnvState {
  return EnvState(-0.6 + 0.2 * u.x, 0.0);
}

fn env_step(s: EnvState, action: array<f32, 1>) -> StepResult {
  let force = clamp(action[0], -1.0, 1.0);
  var v = clamp(s[1] + force * MCC_POWER - 0.0025 * cos_f(3.0 * s[0]), -MCC_MAX_SPEED, MCC_MAX_SPEED);
  let pos = clamp(s[0] + v, MCC_MIN_POS, MCC_MAX_POS);
  if (pos == MCC_MIN_POS && v < 0.0) { v = 0.0; }
  let terminated = pos >= MCC_GOAL_POS && v >= 0.0;
  let reward = select(0.0, 100.0, terminated) - 0.1 * action[0] * action[0];
  return StepResult(EnvState(pos, v), reward, terminated);
}

fn env_observe(s: EnvState, i: u32) -> f32 { return s[i]; }
