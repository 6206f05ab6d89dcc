// SPO's clipped-KL form, maximised: r·Â·(clip(d,0,d_max)/d + σ - 1)·σ with σ = sign(Â) and the
// gradient flowing through d. clip(d,0,d_max)/d is written select(1, d_max/d, d > d_max): the
// same value and gradient, exact at d = 0.
fn objective(r: f32, logp: f32, adv: f32, d: f32, k: ObjectiveCoefs) -> Obj {
  let sigma = sign(adv);
  let over = d > k.dmax;
  let f = select(1.0, k.dmax / d, over);
  let df = select(0.0, -k.dmax / (d * d), over);
  let w = (f + sigma - 1.0) * sigma;
  return Obj(r * adv * w, adv * w * r, r * adv * df * sigma);
}
