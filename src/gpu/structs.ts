// Records shared by TypeScript and WGSL, declared once by name. A declaration gives the WGSL
// text (a uniform struct, or index constants into a storage array) and the TypeScript packer
// and decoder, so neither side addresses a field by a bare index or byte offset.
import { packUniforms, type UniformField } from './kernel.js';

export type FieldType = 'u32' | 'f32';
/** A field: its WGSL type, and for array-valued fields of a storage record its length. */
export interface FieldDecl { type: FieldType; count?: number; doc?: string }

export class SharedStruct<Names extends string> {
  /** Element offset of each field (4-byte elements). */
  readonly offset: Record<Names, number>;
  /** Elements, padded to a multiple of 4 (uniform structs are 16-byte aligned). */
  readonly size: number;
  /** Elements without the padding. */
  readonly length: number;

  constructor(readonly name: string, readonly fields: Record<Names, FieldDecl>) {
    const offset = {} as Record<Names, number>;
    let at = 0;
    for (const [k, f] of Object.entries(fields) as [Names, FieldDecl][]) { offset[k] = at; at += f.count ?? 1; }
    this.offset = offset;
    this.length = at;
    this.size = Math.max(4, Math.ceil(at / 4) * 4);
  }

  /** `struct Name { field: type, … }` with padding to 16 bytes: the uniform block's declaration. */
  wgslStruct(): string {
    const lines: string[] = [];
    for (const [k, f] of Object.entries(this.fields) as [string, FieldDecl][]) {
      if ((f.count ?? 1) !== 1) throw new Error(`${this.name}.${k}: array fields are for storage records (wgslIndices), not uniform structs`);
      lines.push(`  ${k}: ${f.type},${f.doc ? `  // ${f.doc}` : ''}`);
    }
    for (let i = Object.keys(this.fields).length; i < this.size; i++) lines.push(`  _pad${i}: u32,`);
    return `struct ${this.name} {\n${lines.join('\n')}\n}\n`;
  }

  /** `const PREFIX_FIELD: u32 = offset;` for a record kept in a storage array<f32>. */
  wgslIndices(prefix: string): string {
    return (Object.entries(this.offset) as [string, number][])
      .map(([k, o]) => `const ${prefix}_${k.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase()}: u32 = ${o}u;`).join('\n') + '\n';
  }

  /** Uniform fields in declaration order from named values; a missing or unknown name throws. */
  uniforms(values: Record<Names, number>): UniformField[] {
    for (const k of Object.keys(values)) if (!(k in this.fields)) throw new Error(`${this.name} has no field '${k}'`);
    return (Object.entries(this.fields) as [Names, FieldDecl][]).map(([k, f]) => {
      const v = values[k];
      if (v === undefined) throw new Error(`${this.name}.${k} was not given`);
      return f.type === 'f32' ? { f: v } : v;
    });
  }

  pack(values: Record<Names, number>): ArrayBuffer { return packUniforms(this.uniforms(values)); }

  /** The named scalar fields of a record read back as f32. */
  decode(data: Float32Array, base = 0): Record<Names, number> {
    const out = {} as Record<Names, number>;
    for (const [k, o] of Object.entries(this.offset) as [Names, number][]) out[k] = data[base + o];
    return out;
  }
}

export function sharedStruct<Names extends string>(name: string, fields: Record<Names, FieldDecl>): SharedStruct<Names> {
  return new SharedStruct(name, fields);
}
