#!/usr/bin/env node
'use strict';
// The CLI is bundled by `npm run build`; say so instead of a stack trace when it is missing.
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('ml-hygiene: dist/cli.js is missing; run `npm run build` (or `npm ci`) first\n');
  process.exit(2);
}
require(cli).runFromProcess();
