// A2C's policy-gradient objective (Mnih et al. 2016), maximised: log π(a|s)·Â.
fn objective(r: f32, logp: f32, adv: f32, d: f32, k: ObjectiveCoefs) -> Obj {
  return Obj(logp * adv, adv, 0.0);
}
