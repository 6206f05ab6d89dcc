// CartPole-v1 (Gymnasium): explicit Euler, terminated when |x| > 2.4 or |θ| > 12°.
// State: [x, ẋ, θ, θ̇]; observation = state; actions {0: push left, 1: push right}; reward +1.
// Interface every wgrl environment implements: EnvState, env_reset, env_step, env_observe.

alias EnvState = array<f32, 4>;

const CP_GRAVITY: f32 = 9.8;
const CP_MASSPOLE: f32 = 0.1;
const CP_TOTAL_MASS: f32 = 1.1;
const CP_LENGTH: f32 = 0.5;          // half the pole's length
const CP_POLEMASS_LENGTH: f32 = 0.05;
const CP_FORCE_MAG: f32 = 10.0;
const CP_TAU: f32 = 0.02;
const CP_THETA_LIMIT: f32 = 0.20943951023931953;  // 12·2π/360
const CP_X_LIMIT: f32 = 2.4;

// u: four uniforms in (0, 1).
fn env_reset(u: vec4f) -> EnvState {
  let s = u * 0.1 - 0.05;
  return EnvState(s.x, s.y, s.z, s.w);
}

fn env_step(s: EnvState, action: u32) -> StepResult {
  let force = select(-CP_FORCE_MAG, CP_FORCE_MAG, action == 1u);
  let ct = cos_f(s[2]);
  let st = sin_f(s[2]);
  let temp = (force + CP_POLEMASS_LENGTH * s[3] * s[3] * st) / CP_TOTAL_MASS;
  let thetaacc = (CP_GRAVITY * st - ct * temp) / (CP_LENGTH * (4.0 / 3.0 - CP_MASSPOLE * ct * ct / CP_TOTAL_MASS));
  let xacc = temp - CP_POLEMASS_LENGTH * thetaacc * ct / CP_TOTAL_MASS;
  let n = EnvState(s[0] + CP_TAU * s[1], s[1] + CP_TAU * xacc, s[2] + CP_TAU * s[3], s[3] + CP_TAU * thetaacc);
  let terminated = n[0] < -CP_X_LIMIT || n[0] > CP_X_LIMIT || n[2] < -CP_THETA_LIMIT || n[2] > CP_THETA_LIMIT;
  return StepResult(n, 1.0, terminated);
}

fn env_observe(s: EnvState, i: u32) -> f32 { return s[i]; }
