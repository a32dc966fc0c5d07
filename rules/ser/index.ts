import type { Rule } from '../../server/src/engine/rule';
import SER001 from './SER001-pickle-deserialization/rule';
import SER002 from './SER002-pickle-serialization/rule';
import SER003 from './SER003-joblib-persistence/rule';
import SER004 from './SER004-torch-save-whole-module/rule';
import SER005 from './SER005-torch-load-pickle/rule';
import SER006 from './SER006-numpy-allow-pickle/rule';
import SER007 from './SER007-pandas-pickle/rule';
import SER008 from './SER008-yaml-unsafe-load/rule';
import SER009 from './SER009-keras-unsafe-mode/rule';
import SER010 from './SER010-remote-code-trust/rule';
import SER011 from './SER011-unpinned-model-revision/rule';
import SER012 from './SER012-pickle-file/rule';
import SER013 from './SER013-dangerous-pickle-file/rule';

/** P1: model weights in a secure, portable format. */
export const SER_RULES: readonly Rule[] = [SER001, SER002, SER003, SER004, SER005, SER006, SER007, SER008, SER009, SER010, SER011, SER012, SER013];
