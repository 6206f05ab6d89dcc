// Every algorithm wgrl trains, by name. Adding one: its module in src/algos/, one line here,
// and its tests (README, "Adding an algorithm").
import type { Algorithm } from './algorithm.js';
import { ppo } from './ppo.js';
import { ppoKl, type PpoKlFields } from './ppo_kl.js';
import { spo } from './spo.js';
import { spoKl, type SpoKlFields } from './spo_kl.js';
import { a2c } from './a2c.js';
import { trpo, type TrpoFields } from './trpo.js';
import { grpo, type GrpoFields } from './grpo.js';

export const ALGORITHMS = {
  ppo,
  'ppo-kl': ppoKl,
  spo,
  'spo-kl': spoKl,
  a2c,
  trpo,
  grpo,
} satisfies Record<string, Algorithm>;

export type Algo = keyof typeof ALGORITHMS;
export const ALGOS = Object.keys(ALGORITHMS) as Algo[];

/** The config fields the algorithms add, typed (their declarations are in the modules). */
export type AlgorithmFields = PpoKlFields & SpoKlFields & TrpoFields & GrpoFields;

export function getAlgorithm(name: string): Algorithm {
  const a = (ALGORITHMS as Record<string, Algorithm>)[name];
  if (!a) throw new Error(`unknown algorithm '${name}'; choose one of ${ALGOS.join(', ')}`);
  return a;
}
