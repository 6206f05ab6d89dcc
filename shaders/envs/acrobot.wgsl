// Acrobot-v1 (Gymnasium, "book" dynamics): one RK4 step of dt = 0.2 per action.
// State: [θ1, θ2, θ̇1, θ̇2]; observation [cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2];
// actions {0, 1, 2} → torque {-1, 0, +1}; reward -1, 0 on the terminal step.

alias EnvState = array<f32, 4>;

const AB_PI: f32 = 3.14159265358979;
const AB_DT: f32 = 0.2;
const AB_MAX_VEL_1: f32 = 12.566370614359172;  // 4π
const AB_MAX_VEL_2: f32 = 28.274333882308138;  // 9π
const AB_G: f32 = 9.8;

fn env_reset(u: vec4f) -> EnvState {
  let s = u * 0.2 - 0.1;
  return EnvState(s.x, s.y, s.z, s.w);
}

// d/dt of (θ1, θ2, θ̇1, θ̇2) under torque a; unit masses and lengths, COM 0.5, MOI 1.
fn ab_dsdt(s: vec4f, a: f32) -> vec4f {
  let m1 = 1.0; let m2 = 1.0; let l1 = 1.0; let lc1 = 0.5; let lc2 = 0.5; let I1 = 1.0; let I2 = 1.0;
  let th1 = s.x; let th2 = s.y; let dth1 = s.z; let dth2 = s.w;
  let d1 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2.0 * l1 * lc2 * cos_f(th2)) + I1 + I2;
  let d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos_f(th2)) + I2;
  let phi2 = m2 * lc2 * AB_G * cos_f(th1 + th2 - AB_PI / 2.0);
  let phi1 = -m2 * l1 * lc2 * dth2 * dth2 * sin_f(th2) - 2.0 * m2 * l1 * lc2 * dth2 * dth1 * sin_f(th2)
             + (m1 * lc1 + m2 * l1) * AB_G * cos_f(th1 - AB_PI / 2.0) + phi2;
  let ddth2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dth1 * dth1 * sin_f(th2) - phi2) / (m2 * lc2 * lc2 + I2 - d2 * d2 / d1);
  let ddth1 = -(d2 * ddth2 + phi1) / d1;
  return vec4f(dth1, dth2, ddth1, ddth2);
}

// Gymnasium's wrap(x, -π, π). One step moves an angle by at most (4π + 9π)·dt, so two turns
// always suffice; the loops are bounded so that a NaN cannot spin forever.
fn ab_wrap(x: f32) -> f32 {
  var y = x;
  for (var k = 0; k < 4 && y > AB_PI; k++) { y -= 2.0 * AB_PI; }
  for (var k = 0; k < 4 && y < -AB_PI; k++) { y += 2.0 * AB_PI; }
  return y;
}

fn env_step(s: EnvState, action: u32) -> StepResult {
  let torque = f32(action) - 1.0;
  let y0 = vec4f(s[0], s[1], s[2], s[3]);
  // RK4 as a loop with one call site: unrolled, the four inlined stages make SwiftShader's
  // compiler run for minutes on the fused rollout kernel.
  var k = vec4f(0.0);
  var ksum = vec4f(0.0);
  for (var stage = 0u; stage < 4u; stage++) {
    let h = select(select(0.5 * AB_DT, AB_DT, stage == 3u), 0.0, stage == 0u);
    k = ab_dsdt(y0 + h * k, torque);
    ksum += select(2.0, 1.0, stage == 0u || stage == 3u) * k;
  }
  let y = y0 + AB_DT / 6.0 * ksum;
  let n = EnvState(ab_wrap(y.x), ab_wrap(y.y), clamp(y.z, -AB_MAX_VEL_1, AB_MAX_VEL_1), clamp(y.w, -AB_MAX_VEL_2, AB_MAX_VEL_2));
  let terminated = -cos_f(n[0]) - cos_f(n[1] + n[0]) > 1.0;
  return StepResult(n, select(-1.0, 0.0, terminated), terminated);
}

fn env_observe(s: EnvState, i: u32) -> f32 {
  switch i {
    case 0u: { return cos_f(s[0]); }
    case 1u: { return sin_f(s[0]); }
    case 2u: { return cos_f(s[1]); }
    case 3u: { return sin_f(s[1]); }
    case 4u: { return s[2]; }
    default: { return s[3]; }
  }
}
