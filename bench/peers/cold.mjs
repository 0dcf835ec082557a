// One cold start in a fresh Node process (bench/compare.mjs spawns it): nothing of the runtime is
// loaded; the clock starts after the model bytes are read (mode bytes) or before they are fetched
// from 127.0.0.1 (mode url), and stops at the first rerank result. Prints { ms, ids } as JSON.
import { readFileSync } from 'node:fs';
import { coldStart } from './run.mjs';

const { runtime, mode, path, url, c100, options } = JSON.parse(process.argv[2]);
const source = mode === 'bytes' ? { bytes: new Uint8Array(readFileSync(path)) } : { url };
const result = await coldStart({ runtime, source, c100, options });
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(0);
