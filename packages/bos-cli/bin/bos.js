#!/usr/bin/env node
// The CLI is written in TypeScript and lives in the repository's src/cli. tsx's loader is
// registered here so `npx bos` runs it without a separate build step.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register();
const main = new URL('../../../src/cli/main.ts', import.meta.url);
await import(fileURLToPath(main));
