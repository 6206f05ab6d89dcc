// GRPO's per-sample objective (maximised), chosen on the GPU by the coefficient `spo`:
//   0: PPO-clip's min(r·Â, clip(r, 1-ε, 1+ε)·Â) (DeepSeekMath, Shao et al. 2024);
//   1: SPO's r·Â - |Â|/(2ε)·(r-1)² (Xie et al., ICML 2025), with the same group advantages.
// Â is the group-relative advantage of shaders/grpo.wgsl. The β·k3 KL to the reference policy
// and the per-episode weights are applied by its loss kernel (coefficients beta and refresh are
// read there, not here). Composed after shaders/objectives.wgsl's functions (Obj) and the
// generated ObjectiveCoefs { eps, spo, beta, refresh }.
fn objective(r: f32, logp: f32, adv: f32, d: f32, k: ObjectiveCoefs) -> Obj {
  if (k.spo != 0.0) {
    let dr = adv - abs(adv) / k.eps * (r - 1.0);
    return Obj(r * adv - abs(adv) / (2.0 * k.eps) * (r - 1.0) * (r - 1.0), dr * r, 0.0);
  }
  let unclipped = r * adv;
  let clipped = clamp(r, 1.0 - k.eps, 1.0 + k.eps) * adv;
  if (unclipped <= clipped) { return Obj(unclipped, adv * r, 0.0); }
  return Obj(clipped, 0.0, 0.0);
}
