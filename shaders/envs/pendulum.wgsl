// Pendulum-v1 (Gymnasium). State [θ, θ̇] (θ not wrapped); observation [cos θ, sin θ, θ̇];
// one continuous torque in [-2, 2]; reward -(norm(θ)² + 0.1·θ̇² + 0.001·u²) with the pre-step θ.

alias EnvState = array<f32, 2>;

const PD_PI: f32 = 3.14159265358979;
const PD_MAX_SPEED: f32 = 8.0;
const PD_MAX_TORQUE: f32 = 2.0;
const PD_DT: f32 = 0.05;
const PD_G: f32 = 10.0;

fn env_reset(u: vec4f) -> EnvState {
  return EnvState(PD_PI * (2.0 * u.x - 1.0), 2.0 * u.y - 1.0);
}

// ((x + π) mod 2π) - π with a non-negative modulo, as Python's %.
fn pd_angle_normalize(x: f32) -> f32 {
  let y = x + PD_PI;
  return y - 2.0 * PD_PI * floor(y / (2.0 * PD_PI)) - PD_PI;
}

fn env_step(s: EnvState, action: array<f32, 1>) -> StepResult {
  let u = clamp(action[0], -PD_MAX_TORQUE, PD_MAX_TORQUE);
  let th = s[0];
  let thdot = s[1];
  let an = pd_angle_normalize(th);
  let cost = an * an + 0.1 * thdot * thdot + 0.001 * u * u;
  let newthdot = clamp(thdot + (3.0 * PD_G / 2.0 * sin_f(th) + 3.0 * u) * PD_DT, -PD_MAX_SPEED, PD_MAX_SPEED);
  return StepResult(EnvState(th + newthdot * PD_DT, newthdot), -cost, false);
}

fn env_observe(s: EnvState, i: u32) -> f32 {
  switch i {
    case 0u: { return cos_f(s[0]); }
    case 1u: { return sin_f(s[0]); }
    default: { return s[1]; }
  }
}
