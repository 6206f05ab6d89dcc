// SPO (Xie et al., ICML 2025), maximised: r·Â - |Â|/(2ε)·(r-1)², a penalty whose optimum in r
// is 1 ± ε, so the ratio is pulled back instead of its gradient being cut off as PPO's clip does.
fn objective(r: f32, logp: f32, adv: f32, d: f32, k: ObjectiveCoefs) -> Obj {
  let dr = adv - abs(adv) / k.eps * (r - 1.0);
  return Obj(r * adv - abs(adv) / (2.0 * k.eps) * (r - 1.0) * (r - 1.0), dr * r, 0.0);
}
