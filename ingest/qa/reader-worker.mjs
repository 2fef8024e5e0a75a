// Worker threads start without the main thread's TypeScript loader (tsx under the CLI, Vite under
// vitest): register tsx here, then load the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./reader-worker.ts');
