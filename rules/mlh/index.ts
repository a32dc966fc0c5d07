import type { EngineRule } from '../../server/src/engine/rule';
import MLH001 from './MLH001-invalid-config/rule';
import MLH002 from './MLH002-unreadable-file/rule';
import MLH003 from './MLH003-syntax-error/rule';

/** Findings the engine raises itself; listed with the rules so they have docs and ids. */
export const MLH_RULES: readonly EngineRule[] = [MLH001, MLH002, MLH003];
