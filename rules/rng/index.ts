import type { Rule } from '../../server/src/engine/rule';
import RNG001 from './RNG001-unseeded-python-random/rule';
import RNG002 from './RNG002-unseeded-numpy-global-rng/rule';
import RNG003 from './RNG003-unseeded-generator/rule';
import RNG004 from './RNG004-unseeded-torch-rng/rule';
import RNG005 from './RNG005-unseeded-tensorflow-rng/rule';
import RNG006 from './RNG006-nondeterministic-seed/rule';
import RNG007 from './RNG007-missing-random-state/rule';
import RNG008 from './RNG008-partial-seeding/rule';
import RNG009 from './RNG009-nondeterministic-cudnn/rule';
import RNG010 from './RNG010-legacy-numpy-seed/rule';

/** P4: randomness is seeded. */
export const RNG_RULES: readonly Rule[] = [RNG001, RNG002, RNG003, RNG004, RNG005, RNG006, RNG007, RNG008, RNG009, RNG010];
