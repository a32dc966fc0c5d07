import type { Rule } from '../../server/src/engine/rule';
import SER001 from './SER001-pickle-deserialization/rule';

/** P1: model weights in a secure, portable format. */
export const SER_RULES: readonly Rule[] = [SER001];
