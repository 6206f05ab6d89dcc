/** A problem with what the user asked for (config, environment, checkpoint, paths): the CLI exits 2. */
export class InputError extends Error {
  constructor(message: string) { super(message); this.name = 'InputError'; }
}

/** The candidate closest to `word` by edit distance (case-insensitive), if it is plausibly a typo of it. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const a = word.toLowerCase();
  let best: string | undefined, bestD = Infinity;
  for (const c of candidates) {
    const b = c.toLowerCase();
    // Levenshtein distance, one row at a time.
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const row = [i];
      for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row;
    }
    if (prev[b.length] < bestD) { bestD = prev[b.length]; best = c; }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(a.length / 3)) ? best : undefined;
}

/** ` (did you mean 'x'?)` when `word` is near one of `candidates`, else ''. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const n = nearest(word, candidates);
  return n === undefined ? '' : ` (did you mean '${n}'?)`;
}

/**
 * Runs a file-system step and turns Node's errno errors (EISDIR, EACCES, ENOSPC…) into an
 * InputError naming the file, what was being done, and what to do about it.
 */
export function onFile<T>(path: string, doing: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (!code || e instanceof InputError) throw e;
    const fix: Record<string, string> = {
      EISDIR: 'it is a directory; give a file path',
      ENOTDIR: 'a part of the path is a file, not a directory',
      ENOENT: 'it does not exist; check the path',
      EACCES: 'permission denied; choose a path you can write, or fix its permissions',
      EPERM: 'operation not permitted; choose a path you can write, or fix its permissions',
      EROFS: 'the file system is read-only; choose another path',
      ENOSPC: 'the disk is full; free space and resume',
      EEXIST: 'it already exists',
    };
    throw new InputError(`cannot ${doing} ${path}: ${fix[code] ?? (e as Error).message} (${code})`);
  }
}

/** True when `e` is Node's failure to find the package `name` (an optional peer dependency not installed). */
export function isMissingPackage(e: unknown, name: string): boolean {
  const err = e as { code?: string; message?: string };
  return (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') && (err.message ?? '').includes(`'${name}'`);
}
