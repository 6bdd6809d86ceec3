#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ (npm cannot run TypeScript).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
