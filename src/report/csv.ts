// metrics.jsonl read back, and as CSV for spreadsheets (RFC 4180 quoting). No file system
// here: the CLI and the browser demo share it.
import { InputError } from '../errors.js';

/**
 * The records of a metrics.jsonl's text; `name` names it in errors, `fix` says what to do about
 * a bad line. A torn last line (the process died mid-write) is dropped with a notice; a bad line
 * anywhere else means the file was altered, and is an error.
 */
export function parseMetricLines(text: string, name: string, fix: string, log: (message: string) => void): Record<string, unknown>[] {
  const lines = text.split('\n');
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]) continue;
    try {
      out.push(JSON.parse(lines[i]));
    } catch {
      const last = lines.slice(i + 1).every((l) => !l);
      if (!last) throw new InputError(`${name}: line ${i + 1} is not JSON (${lines[i].slice(0, 40)}…); ${fix}`);
      log(`${name}: dropped a torn last line (${lines[i].length} bytes, written when the process stopped mid-write)`);
    }
  }
  return out;
}

/** CSV of metric records: the columns in order of first appearance, empty cells where a record lacks one. */
export function metricsToCsv(rows: Record<string, unknown>[]): string {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) if (!seen.has(k)) { seen.add(k); columns.push(k); }
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return '';
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.map(cell).join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}
