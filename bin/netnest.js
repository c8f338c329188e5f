#!/usr/bin/env node
// Launcher of the netnest command; the CLI is compiled TypeScript (npm run build writes dist/).
import { run } from '../dist/src/cli/main.js';

await run(process.argv);
