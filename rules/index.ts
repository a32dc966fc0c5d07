/**
 * The rule registry. Every rule folder under rules/ must be listed here; a test fails
 * when one is missing, and docs/rules/*.md and the README's rule table are generated
 * from these rules' metadata.
 */
import type { Rule } from '../server/src/engine/rule';
import { MLH_RULES } from './mlh';
import { SER_RULES } from './ser';
import { CFG_RULES } from './cfg';
import { RNG_RULES } from './rng';
import { LEAK_RULES } from './leak';
import { modelRules } from './model';

/** The rules the engine runs (engine-raised MLH rules are added by the engine itself). */
export const LINT_RULES: readonly Rule[] = [...SER_RULES, ...CFG_RULES, ...RNG_RULES, ...LEAK_RULES, ...modelRules];

/** Every rule with metadata, engine rules included: for docs, SARIF and config validation. */
export const ALL_RULES: readonly Rule[] = [...MLH_RULES, ...LINT_RULES];
