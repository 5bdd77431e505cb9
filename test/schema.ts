// Validates run.json files against the schema in the repo (used by unit and e2e tests).
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';

const schema = JSON.parse(readFileSync(new URL('../harness/report/run.schema.json', import.meta.url), 'utf8'));
const ajv = new (Ajv2020 as any)({ allErrors: true, validateFormats: false });
const validate = ajv.compile(schema);

/** Errors as readable lines; empty when valid. */
export function schemaErrors(run: unknown): string[] {
  if (validate(run)) return [];
  return (validate.errors ?? []).map((e: any) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}
