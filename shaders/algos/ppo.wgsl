// PPO-clip's per-sample objective (Schulman et al. 2017), maximised:
//   min(r·Â, clip(r, 1-ε, 1+ε)·Â); the gradient is zero where the clipped branch is the minimum.
// Composed after shaders/objectives.wgsl's functions (Obj) and the generated ObjectiveCoefs { eps }.
fn objective(r: f32, logp: f32, adv: f32, d: f32, k: ObjectiveCoefs) -> Obj {
  let unclipped = r * adv;
  let clipped = clamp(r, 1.0 - k.eps, 1.0 + k.eps) * adv;
  if (unclipped <= clipped) { return Obj(unclipped, adv * r, 0.0); }
  return Obj(clipped, 0.0, 0.0);
}
