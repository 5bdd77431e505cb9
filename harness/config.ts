import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError, messageOf } from './errors.ts';
import { parseStack, type Stack } from './stack.ts';
import { parseKernelSpec } from './kernels/spec.ts';
import { exists } from './cache.ts';
import { SCENARIOS_DIR } from './scenario/discover.ts';

/** What a user writes in lsm-matrix.config.ts. */
export interface UserConfig {
  kernels: string[];
  stacks: string[];
  /** Cells beyond kernels × stacks: a kernel with its own stacks (a Smack kernel with smack,apparmor, ...). */
  include?: { kernel: string; stacks: string[] }[];
  image?: string;
  /** Scenario globs under scenarios/, e.g. `apparmor/**`. Empty: probe only. */
  scenarios?: string[];
  /** Where scenario files live (default: the project's scenarios/). */
  scenariosDir?: string;
  /** Seconds a guest has from QEMU start to an SSH login. */
  bootTimeoutSeconds?: number;
  /** Seconds one scenario test (or hook) may take. */
  testTimeoutSeconds?: number;
  memoryMiB?: number;
  cpus?: number;
}

/** The validated config every later stage gets. */
export interface Config {
  kernels: string[];
  stacks: Stack[];
  include: { kernel: string; stacks: Stack[] }[];
  image: string;
  scenarios: string[];
  scenariosDir: string;
  bootTimeoutSeconds: number;
  testTimeoutSeconds: number;
  memoryMiB: number;
  cpus: number;
}

export function defineConfig(c: UserConfig): UserConfig {
  return c;
}

const stringList = (v: unknown, field: string): string[] => {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new UserError(`config: \`${field}\` must be a list of strings`);
  }
  return v;
};

const positive = (v: unknown, field: string, dflt: number): number => {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new UserError(`config: \`${field}\` must be a positive number, got ${JSON.stringify(v)}`);
  return v;
};

function includeList(v: unknown): Config['include'] {
  if (!Array.isArray(v)) throw new UserError('config: `include` must be a list of { kernel, stacks }');
  return v.map((e, i) => {
    if (!e || typeof e !== 'object' || typeof e.kernel !== 'string') throw new UserError(`config: \`include[${i}]\` must be { kernel: string, stacks: string[] }`);
    const extra = Object.keys(e).find((k) => k !== 'kernel' && k !== 'stacks');
    if (extra) throw new UserError(`config: \`include[${i}]\` has unknown field \`${extra}\`; known are kernel, stacks`);
    parseKernelSpec(e.kernel);
    const stacks = stringList(e.stacks, `include[${i}].stacks`);
    if (stacks.length === 0) throw new UserError(`config: \`include[${i}].stacks\` is empty`);
    return { kernel: e.kernel, stacks: stacks.map(parseStack) };
  });
}

/** Pure: check every field, parse kernels and stacks, fill defaults. */
export function validateConfig(raw: unknown): Config {
  if (!raw || typeof raw !== 'object') throw new UserError('config: must export an object (export default defineConfig({...}))');
  const r = raw as Record<string, unknown>;
  const known = ['kernels', 'stacks', 'include', 'image', 'scenarios', 'scenariosDir', 'bootTimeoutSeconds', 'testTimeoutSeconds', 'memoryMiB', 'cpus'];
  const extra = Object.keys(r).filter((k) => !known.includes(k));
  if (extra.length) throw new UserError(`config: unknown field \`${extra[0]}\`; known are ${known.join(', ')}`);
  const kernels = stringList(r.kernels, 'kernels');
  if (kernels.length === 0) throw new UserError('config: `kernels` is empty');
  for (const k of kernels) parseKernelSpec(k);
  const stackTexts = stringList(r.stacks, 'stacks');
  if (stackTexts.length === 0) throw new UserError('config: `stacks` is empty');
  const stacks = stackTexts.map(parseStack);
  const include = r.include === undefined ? [] : includeList(r.include);
  const image = r.image === undefined ? 'bookworm-containers' : r.image;
  if (typeof image !== 'string') throw new UserError('config: `image` must be a recipe name');
  return {
    kernels: [...new Set(kernels)],
    stacks: stacks.filter((s, i) => stacks.findIndex((t) => t.id === s.id) === i),
    include,
    image,
    scenarios: r.scenarios === undefined ? [] : stringList(r.scenarios, 'scenarios'),
    scenariosDir: typeof r.scenariosDir === 'string' ? r.scenariosDir : SCENARIOS_DIR,
    bootTimeoutSeconds: positive(r.bootTimeoutSeconds, 'bootTimeoutSeconds', 240),
    testTimeoutSeconds: positive(r.testTimeoutSeconds, 'testTimeoutSeconds', 300),
    memoryMiB: positive(r.memoryMiB, 'memoryMiB', 2048),
    cpus: positive(r.cpus, 'cpus', 2),
  };
}

export async function loadConfig(path: string): Promise<Config> {
  const abs = resolve(path);
  if (!(await exists(abs))) throw new UserError(`config \`${path}\` cannot be read: no such file`);
  let mod: any;
  try {
    mod = await import(pathToFileURL(abs).href);
  } catch (e) {
    throw new UserError(`config \`${path}\` cannot be read: ${messageOf(e).split('\n')[0]}`);
  }
  return validateConfig(mod.default ?? mod.config);
}
