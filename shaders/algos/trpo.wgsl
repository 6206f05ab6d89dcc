// TRPO's surrogate (Schulman et al. 2015), maximised: r·Â. The trust region is not in the
// objective: the step is the natural gradient scaled to the KL bound, then a line search
// (src/algos/trpo.ts, shaders/trpo.wgsl).
fn objective(r: f32, logp: f32, adv: f32, d: f32, k: ObjectiveCoefs) -> Obj {
  return Obj(r * adv, adv * r, 0.0);
}
