#!/usr/bin/env node
// The harness is TypeScript; tsx lets it (and users' scenario and config
// files) run without a build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../harness/cli.ts');
process.exitCode = await main(process.argv.slice(2));
