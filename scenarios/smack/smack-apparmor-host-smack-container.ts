// Source: lsm-stacking-containers-guide.txt, "Docker / smack & apparmor host,
// smack container" (????).
import type { Requirements, Support } from '../../harness/scenario/api.ts';
import { containerRuleTests } from './_container-rule.ts';

export const requirements: Requirements = { lsm: ['smack'], tools: ['docker'] };
export const support: Support = { technology: 'Docker', situation: 'smack & apparmor host, smack container', needs: ['smack'] };

containerRuleTests('lsmm_sasc');
