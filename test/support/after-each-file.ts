import { afterAll } from 'vitest';
import { stopStartedServers } from './process.js';

// A test file that failed or timed out before stopping its servers leaves none running.
afterAll(async () => {
  await stopStartedServers();
}, 30_000);
