import type { Config } from './config.ts';
import type { Stack } from './stack.ts';
import { UserError } from './errors.ts';

export interface Cell {
  /** Stable name: `<kernel> <stack>`, e.g. `debian-6.12 selinux,apparmor`. */
  id: string;
  kernel: string;
  stack: Stack;
}

/** Pure: kernels × stacks, then the included cells, in config order, each cell once. */
export function expandMatrix(config: Pick<Config, 'kernels' | 'stacks'> & Partial<Pick<Config, 'include'>>): Cell[] {
  const cells = [
    ...config.kernels.flatMap((kernel) => config.stacks.map((stack) => ({ kernel, stack }))),
    ...(config.include ?? []).flatMap(({ kernel, stacks }) => stacks.map((stack) => ({ kernel, stack }))),
  ].map(({ kernel, stack }) => ({ id: `${kernel} ${stack.id}`, kernel, stack }));
  return cells.filter((c, i) => cells.findIndex((d) => d.id === c.id) === i);
}

export interface Shard {
  index: number;
  total: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const total = Number(m?.[2]);
  if (!m || total < 1 || index < 1 || index > total) throw new UserError(`--shard \`${text}\` is malformed: write k/n with 1 ≤ k ≤ n, e.g. 1/2`);
  return { index, total };
}

/** FNV-1a: a cell's shard depends on its id alone, so adding cells never moves others. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function shardCells(cells: Cell[], shard: Shard): Cell[] {
  return cells.filter((c) => hash(c.id) % shard.total === shard.index - 1);
}
