import type { Rule } from '../../server/src/engine/rule';
import CFG001 from './CFG001-hardcoded-hyperparameter/rule';
import CFG002 from './CFG002-machine-specific-path/rule';
import CFG003 from './CFG003-hardcoded-secret/rule';
import CFG004 from './CFG004-model-saved-without-config/rule';
import CFG005 from './CFG005-config-key-drift/rule';

/** P2 and P8: every parameter in a saved config file, no machine-specific or secret values in code. */
export const CFG_RULES: readonly Rule[] = [CFG001, CFG002, CFG003, CFG004, CFG005];
