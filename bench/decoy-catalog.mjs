// A catalog for the Taobao sample with a shop's share of untouched products: every item of the log
// with its category, plus, for each category, as many products no event names ("decoy-CAT-J") as
// the log has items in it. Trained with `--catalog`, the model must tell the next item among
// never-seen products that are not all held-out events (bench/README.md, "Taobao with untouched
// products in the catalog").
// Usage: node bench/decoy-catalog.mjs [DATA_DIR] > build/bench/taobao-decoys.jsonl
// (DATA_DIR defaults to ../shared/data; reads taobao-userbehavior-sample/UserBehavior.csv)
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const data = process.argv[2] ?? '../shared/data';
const categoryOf = new Map();
const lines = createInterface({ input: createReadStream(join(data, 'taobao-userbehavior-sample/UserBehavior.csv')) });
for await (const line of lines) {
  const [, item, category] = line.split(',');
  if (item !== undefined && category !== undefined && !categoryOf.has(item)) categoryOf.set(item, category);
}
const perCategory = new Map();
const out = [];
for (const [id, category] of categoryOf) {
  out.push(JSON.stringify({ id, category }));
  perCategory.set(category, (perCategory.get(category) ?? 0) + 1);
}
for (const category of [...perCategory.keys()].sort()) {
  for (let j = 0; j < perCategory.get(category); j++) out.push(JSON.stringify({ id: `decoy-${category}-${j}`, category }));
}
process.stdout.write(out.join('\n') + '\n');
process.stderr.write(`${categoryOf.size} items of the log, ${out.length - categoryOf.size} untouched products\n`);
