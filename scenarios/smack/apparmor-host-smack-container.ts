// Source: lsm-stacking-containers-guide.txt, "Docker / apparmor host, smack
// container" (????): the container would need its own Smack policy.
import type { Requirements, Support } from '../../harness/scenario/api.ts';
import { containerRuleTests } from './_container-rule.ts';

export const requirements: Requirements = { lsm: ['smack'], tools: ['docker'] };
// Smack's missing namespaces show on any kernel where Smack is active.
export const support: Support = { technology: 'Docker', situation: 'apparmor host, smack container', needs: ['smack'] };

containerRuleTests('lsmm_aasc');
