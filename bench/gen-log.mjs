#!/usr/bin/env node
// A synthetic interaction log in the Taobao layout (user,item,category,behavior,seconds), for scale
// tests: deterministic for a seed, with the skew of real shop logs.
//
//   node bench/gen-log.mjs --out FILE [--users N | --bytes B] [--items N] [--days D] [--seed S]
//                          [--first-user U]
//
// - Categories have power-law sizes and popularity; within a category, items are power-law
//   popular, so a few items take most events (as in the Taobao sample).
// - Each shopper has a geometric number of visits (mean 3) spread over the days, each visit a
//   geometric number of events (mean 6) mostly in one or two categories, and a quarter of the
//   events look again at an item seen earlier in the visit.
// - Behaviours: pv 89 %, cart 5.5 %, fav 3 %, buy 2.5 %; rows are in user order, times increasing.
// --users stops after that many shoppers, --bytes once the file has that many bytes (the shopper
// being written is finished). --first-user numbers the shoppers from U (a second day's log of the
// same shoppers: the same U and a later --start-day).
import { openSync, writeSync, closeSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = args[i + 1];
  if (v === undefined) throw new Error(`--${name} needs a value`);
  return v;
};
const number = (name, fallback) => {
  const v = Number(opt(name, fallback));
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a non-negative number`);
  return v;
};
const out = opt('out', null);
if (!out) {
  console.error('usage: node bench/gen-log.mjs --out FILE [--users N | --bytes B] [--items N] [--days D] [--seed S] [--first-user U] [--start-day K]');
  process.exit(2);
}
const bytesWanted = number('bytes', 0);
const users = bytesWanted > 0 ? Infinity : number('users', 10_000);
const items = Math.max(100, Math.floor(number('items', 1_000_000)));
const days = Math.max(1, number('days', 9));
const firstUser = Math.floor(number('first-user', 1));
const startDay = number('start-day', 0);
// xoshiro128** seeded by splitmix32: uniform in [0, 1) from 32-bit integer arithmetic.
const seed = Math.floor(number('seed', 1));
let s0, s1, s2, s3;
{
  let x = seed >>> 0;
  const next = () => {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  [s0, s1, s2, s3] = [next(), next(), next(), next()];
}
function random() {
  const r = Math.imul(((Math.imul(s1, 5) << 7) | (Math.imul(s1, 5) >>> 25)), 9) >>> 0;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = (s3 << 11) | (s3 >>> 21);
  return r / 4294967296;
}
const geometric = (mean) => Math.floor(Math.log(1 - random()) / Math.log(1 - 1 / mean));
// A rank in [0, n) with density falling as a power of the rank (u^3: about r^(-2/3)).
const skewed = (n) => Math.min(n - 1, Math.floor(n * random() ** 3));

// Categories: about 50 items each on average, sizes power-law; items numbered category by category.
const categories = Math.max(1, Math.floor(items / 50));
const size = new Float64Array(categories);
let total = 0;
for (let c = 0; c < categories; c++) total += size[c] = 1 / (c + 1) ** 0.7;
const start = new Int32Array(categories + 1);
for (let c = 0, at = 0; c < categories; c++) {
  start[c] = at;
  at += c === categories - 1 ? items - at : Math.max(1, Math.round((size[c] / total) * items));
  start[c + 1] = Math.min(at, items);
}
const itemIn = (c) => start[c] + skewed(Math.max(1, start[c + 1] - start[c]));
const behavior = () => {
  const u = random();
  return u < 0.89 ? 'pv' : u < 0.945 ? 'cart' : u < 0.975 ? 'fav' : 'buy';
};

const fd = openSync(out, 'w');
let buffer = '', written = 0, rows = 0;
const flush = () => {
  written += writeSync(fd, buffer);
  buffer = '';
};
const t0 = 1511539200 + startDay * 86400; // 2017-11-25, as the Taobao sample
for (let n = 0; n < users && (bytesWanted === 0 || written + buffer.length < bytesWanted); n++) {
  const user = firstUser + n;
  const visits = 1 + geometric(3);
  const starts = Array.from({ length: visits }, () => Math.floor(random() * days * 86400)).sort((a, b) => a - b);
  let last = -1;
  for (const s of starts) {
    let t = Math.max(t0 + s, last + 1800);
    const focus = [skewed(categories), skewed(categories)];
    const seen = [];
    const events = 1 + geometric(6);
    for (let e = 0; e < events; e++) {
      let item, category;
      if (seen.length > 0 && random() < 0.25) {
        [item, category] = seen[Math.floor(random() * seen.length)];
      } else {
        category = random() < 0.85 ? focus[random() < 0.7 ? 0 : 1] : skewed(categories);
        item = itemIn(category);
        seen.push([item, category]);
      }
      buffer += `${user},${item + 1},${category + 1},${behavior()},${t}\n`;
      rows++;
      t += 10 + Math.floor(random() * 290);
    }
    last = t;
  }
  if (buffer.length > 1 << 20) flush();
}
flush();
closeSync(fd);
console.log(`wrote ${out}: ${rows} rows, ${written} bytes, ${items} items in ${categories} categories`);
