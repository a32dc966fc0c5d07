import type { Rule } from '../../server/src/engine/rule';
import LEAK001 from './LEAK001-preprocessing-before-split/rule';
import LEAK002 from './LEAK002-oversampling-before-split/rule';
import LEAK003 from './LEAK003-feature-selection-before-split/rule';
import LEAK004 from './LEAK004-fit-on-test-data/rule';
import LEAK005 from './LEAK005-preprocessing-outside-cv-pipeline/rule';
import LEAK006 from './LEAK006-shuffled-split-of-time-series/rule';
import LEAK007 from './LEAK007-test-set-reused-for-selection/rule';
import LEAK008 from './LEAK008-group-overlap-in-split/rule';

/** P5: no information from evaluation data reaches training. */
export const LEAK_RULES: readonly Rule[] = [LEAK001, LEAK002, LEAK003, LEAK004, LEAK005, LEAK006, LEAK007, LEAK008];
