// PPO with an adaptive KL penalty (Schulman et al. 2017, §4), maximised: r·Â - β·d, d the
// per-state KL(π_old‖π_θ). β is host state (src/algos/ppo_kl.ts adapts it after each update).
fn objective(r: f32, logp: f32, adv: f32, d: f32, k: ObjectiveCoefs) -> Obj {
  return Obj(r * adv - k.beta * d, adv * r, -k.beta);
}
