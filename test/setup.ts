// Runs in every test file (vitest setupFiles), so the hook is registered for each file even when test
// files share one process and the helpers module is evaluated once (isolate: false).
import { afterEach } from 'vitest';
import { runCleanups } from './helpers.ts';

afterEach(runCleanups);
