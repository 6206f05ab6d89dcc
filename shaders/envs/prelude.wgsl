// Put in front of every environment module by the runtime (src/envs/spec.ts ENV_PRELUDE).
// StepResult is what env_step returns. sin_f / cos_f are f32-accurate (about 1 ulp on the
// reduced range): WGSL only promises sin and cos to 2^-11 absolute error, and SwiftShader's are
// that coarse, which is far from Gymnasium's f64 physics and differs between adapters.

struct StepResult { state: EnvState, reward: f32, terminated: bool }

// (sin x, cos x): Cody-Waite reduction by π/2 in three parts, Cephes sinf/cosf polynomials.
fn sincos_f(x: f32) -> vec2f {
  let k = round(x * 0.63661977236758134);
  var r = x - k * 1.5703125;
  r = r - k * 4.837512969970703125e-4;
  r = r - k * 7.54978995489188216e-8;
  let r2 = r * r;
  let s = r + r * r2 * (-1.6666654611e-1 + r2 * (8.3321608736e-3 + r2 * -1.9515295891e-4));
  let c = 1.0 - 0.5 * r2 + r2 * r2 * (4.166664568298827e-2 + r2 * (-1.388731625493765e-3 + r2 * 2.443315711809948e-5));
  switch (i32(k) & 3) {
    case 0: { return vec2f(s, c); }
    case 1: { return vec2f(c, -s); }
    case 2: { return vec2f(-s, -c); }
    default: { return vec2f(-c, s); }
  }
}
fn sin_f(x: f32) -> f32 { return sincos_f(x).x; }
fn cos_f(x: f32) -> f32 { return sincos_f(x).y; }
