// The example the README's main command runs: loads a model into the npm package (real wasm, in
// Node), observes a few events and prints a rerank.
// Usage: node scripts/example.mjs [MODEL_FILE]   (default: the shipped demo model, models/demo.tandem)
import { readFile } from 'node:fs/promises';
import { Recommender } from '../build/package/index.js';

const path = process.argv[2] ?? new URL('../models/demo.tandem', import.meta.url).pathname;
const rec = await Recommender.create({ modelBuffer: await readFile(path) });
console.log(`model ${path}: ${rec.itemCount} items, dim ${rec.dim}, events ${rec.eventTypes.join('/')}, fingerprint ${rec.fingerprint}`);
const shopper = rec.session();
const catalog = rec.session().recommend({ k: rec.itemCount, exclude: 'none' }).map((r) => r.item);
const start = Date.now();
const browsed = [catalog[40], catalog[41], catalog[7]];
browsed.forEach((item, i) => shopper.observe({ item, type: i === 2 ? rec.eventTypes.at(-2) : rec.eventTypes[0], time: start + i * 20_000 }));
console.log(`observed: ${browsed.join(', ')}`);
const onPage = [catalog[3], catalog[7], catalog[41], catalog[100], 'SKU-new-arrival', catalog[12]];
console.log(`rerank of the page's products (long-term share ${shopper.gate.toFixed(2)}):`);
for (const [i, r] of shopper.rerank(onPage).entries()) console.log(`  ${i + 1}. ${r.item.padEnd(18)} ${r.score.toFixed(4)}`);
console.log(`recommended: ${shopper.recommend({ k: 5 }).map((r) => r.item).join(', ')}`);
rec.close();
