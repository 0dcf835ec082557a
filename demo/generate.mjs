// The demo shop's data, generated deterministically (seeded PRNG, no Math.random): a catalog of
// 300 products in 10 categories (paths under 5 departments) with brands, list prices, sales that
// start and end over the simulated month, and SVG pictures; a few new arrivals the log never saw
// (the shop adds them at runtime with addItems); named personas; and an interaction log in the
// Taobao UserBehavior CSV layout (user_id,item_id,category_id,behavior_type,timestamp; pv, cart,
// fav, buy; unix seconds) that the trainer learns the demo model from, with the catalog the trainer
// reads beside it (--catalog: today's prices and list prices, and which products are new). Shoppers have long-term tastes (two
// favourite categories) and short-term intents that often differ (a gift, a one-off need), and
// sessions run view -> cart -> purchase funnels. Bargain hunters (a fifth of the shoppers, and the
// persona Nina) pick what is on sale on the day they shop far more often than the others do, and
// products launched during the month draw more views while they are new.
// Usage: node demo/generate.mjs [out dir, default build/demo]
//   writes catalog.json (the shop's), catalog.jsonl (the trainer's), personas.json, demo-log.csv
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'build/demo'));

/** mulberry32: a small, fast, well-mixed 32-bit PRNG. */
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)); // inclusive
  const pick = (list) => list[Math.floor(next() * list.length)];
  const weighted = (weights) => {
    let r = next() * weights.reduce((s, w) => s + w, 0);
    for (let i = 0; i < weights.length; i++) if ((r -= weights[i]) < 0) return i;
    return weights.length - 1;
  };
  return { next, int, pick, weighted };
}

// Each category: its path (department/category: the model's category feature has a row for each
// level), display name, hue, price range, brands, the glyph its pictures draw, and name parts.
export const CATEGORIES = [
  { id: 'running', path: 'sport/running', name: 'Running', hue: 12, price: [19, 160], brands: ['Stride', 'Kinetic', 'Pacer', 'Trailhead'], glyph: 'shoe', adj: ['Trail', 'Road', 'Tempo', 'Marathon', 'Featherlight', 'Cushioned'], noun: ['Running Shoe', 'Racing Flat', 'Running Socks', 'Hydration Vest', 'Split Shorts'] },
  { id: 'outdoor', path: 'sport/outdoor', name: 'Outdoor', hue: 140, price: [15, 320], brands: ['Northwall', 'Cairn', 'Ember', 'Trailhead'], glyph: 'tent', adj: ['Alpine', 'Ridge', 'Basecamp', 'Summit', 'Backcountry', 'Pathfinder'], noun: ['Tent', 'Sleeping Bag', 'Headlamp', 'Trekking Poles', 'Daypack'] },
  { id: 'kitchen', path: 'home/kitchen', name: 'Kitchen', hue: 28, price: [9, 220], brands: ['Forge & Co', 'Cuisina', 'Hearth', 'Plain Goods'], glyph: 'pan', adj: ['Cast-Iron', 'Copper', 'Chef\u2019s', 'Nonstick', 'Carbon-Steel', 'Everyday'], noun: ['Skillet', 'Saucepan', 'Knife', 'Dutch Oven', 'Cutting Board'] },
  { id: 'coffee', path: 'food/coffee', name: 'Coffee & Tea', hue: 30, price: [6, 180], brands: ['Roastery 9', 'Leaf & Bean', 'Crema', 'Plain Goods'], glyph: 'mug', adj: ['Single-Origin', 'Ceramic', 'Pour-Over', 'Espresso', 'Matcha', 'Cold-Brew'], noun: ['Beans', 'Mug', 'Grinder', 'Kettle', 'Tea Set'] },
  { id: 'books', path: 'media/books', name: 'Books', hue: 220, price: [8, 45], brands: ['Quarto Press', 'Lantern Books', 'Margin', 'Fieldnote'], glyph: 'books', adj: ['Illustrated', 'Collected', 'Pocket', 'Annotated', 'First-Edition', 'Paperback'], noun: ['Novel', 'Cookbook', 'Field Guide', 'Poetry', 'Atlas'] },
  { id: 'audio', path: 'media/audio', name: 'Audio', hue: 265, price: [25, 400], brands: ['Sonora', 'Fidelio', 'Bassline', 'Echo Lab'], glyph: 'headphones', adj: ['Studio', 'Wireless', 'Noise-Cancelling', 'Hi-Fi', 'Portable', 'Vintage'], noun: ['Headphones', 'Earbuds', 'Speaker', 'Turntable', 'DAC'] },
  { id: 'toys', path: 'family/toys', name: 'Toys & Baby', hue: 48, price: [7, 90], brands: ['Little Oak', 'Hoppy', 'Nestling', 'Plain Goods'], glyph: 'blocks', adj: ['Wooden', 'Soft', 'Stacking', 'Rainbow', 'Musical', 'Montessori'], noun: ['Blocks', 'Plush Bear', 'Rattle', 'Puzzle', 'Play Mat'] },
  { id: 'beauty', path: 'family/beauty', name: 'Beauty', hue: 330, price: [8, 120], brands: ['Rosewater', 'Dermaline', 'Glow Lab', 'Bloom'], glyph: 'bottle', adj: ['Rose', 'Hydrating', 'Vitamin C', 'Botanical', 'Mineral', 'Overnight'], noun: ['Serum', 'Face Cream', 'Cleanser', 'Lip Balm', 'Sunscreen'] },
  { id: 'garden', path: 'home/garden', name: 'Garden', hue: 100, price: [5, 150], brands: ['Greenhand', 'Terra', 'Sprout', 'Plain Goods'], glyph: 'plant', adj: ['Terracotta', 'Heirloom', 'Self-Watering', 'Hanging', 'Raised', 'Herb'], noun: ['Planter', 'Seed Kit', 'Pruning Shears', 'Watering Can', 'Trellis'] },
  { id: 'home', path: 'home/decor', name: 'Home Decor', hue: 190, price: [12, 260], brands: ['Nordhem', 'Linen Row', 'Brass & Oak', 'Plain Goods'], glyph: 'lamp', adj: ['Linen', 'Walnut', 'Brass', 'Woven', 'Nordic', 'Marble'], noun: ['Table Lamp', 'Throw Pillow', 'Vase', 'Wall Clock', 'Rug'] },
];

export const PERSONAS = [
  { id: 'maya', userId: '1001', name: 'Maya', blurb: 'Trail runner who camps on weekends', tastes: ['running', 'outdoor'] },
  { id: 'leo', userId: '1002', name: 'Leo', blurb: 'Home cook and coffee nerd', tastes: ['kitchen', 'coffee'] },
  { id: 'ava', userId: '1003', name: 'Ava', blurb: 'New parent nesting at home', tastes: ['toys', 'home'] },
  { id: 'sam', userId: '1004', name: 'Sam', blurb: 'Audiophile and reader', tastes: ['audio', 'books'] },
  { id: 'nina', userId: '1005', name: 'Nina', blurb: 'Bargain hunter furnishing her flat', tastes: ['home', 'kitchen'], bargain: true },
];

const PER_CATEGORY = 30;
const FIRST_SKU = 100000;
const FIRST_ARRIVAL = 200000;
const SHOPPERS = 800;
const BARGAIN_SHARE = 0.2; // of the shoppers, who favour what is on sale that day
const NEW_DAYS = 12; // a product launched this many days ago or less is in the "new" collection
const NOVELTY_DAYS = 10, NOVELTY = 6; // how long and how much more a launched product is looked at
const BRAND_APPEAL = [1.8, 1, 0.7, 0.5]; // a category's brands, leading brand first
const CATEGORY_OF = new Map(CATEGORIES.map((c) => [c.id, c]));
const START = Date.UTC(2026, 9, 1) / 1000; // the log covers October 2026
export const DAYS = 30; // days 0..29 are the log; day 30 is "today", the shop's catalog now

const GLYPHS = {
  shoe: '<path d="M40 120 q10 -40 40 -40 l20 20 q30 10 60 12 q16 2 16 18 v10 H40z" fill="FG"/><rect x="40" y="140" width="136" height="10" rx="4" fill="#fff" opacity=".85"/>',
  tent: '<path d="M100 50 L165 150 H35z" fill="FG"/><path d="M100 50 L118 150 H82z" fill="#fff" opacity=".35"/>',
  pan: '<circle cx="85" cy="105" r="48" fill="FG"/><circle cx="85" cy="105" r="36" fill="#000" opacity=".18"/><rect x="128" y="98" width="52" height="14" rx="7" fill="FG"/>',
  mug: '<rect x="55" y="65" width="70" height="85" rx="10" fill="FG"/><circle cx="135" cy="105" r="20" fill="none" stroke="FG" stroke-width="10"/><path d="M75 40 q8 10 0 20 M100 40 q8 10 0 20" stroke="#fff" stroke-width="5" fill="none" opacity=".7"/>',
  books: '<rect x="45" y="120" width="110" height="22" rx="3" fill="FG"/><rect x="55" y="96" width="100" height="22" rx="3" fill="FG" opacity=".8"/><rect x="50" y="72" width="95" height="22" rx="3" fill="FG" opacity=".6"/>',
  headphones: '<path d="M55 120 v-20 a45 45 0 0 1 90 0 v20" stroke="FG" stroke-width="12" fill="none"/><rect x="42" y="110" width="28" height="45" rx="10" fill="FG"/><rect x="130" y="110" width="28" height="45" rx="10" fill="FG"/>',
  blocks: '<rect x="45" y="105" width="50" height="50" rx="6" fill="FG"/><rect x="105" y="105" width="50" height="50" rx="6" fill="FG" opacity=".7"/><rect x="75" y="52" width="50" height="50" rx="6" fill="FG" opacity=".85"/>',
  bottle: '<rect x="72" y="75" width="56" height="85" rx="14" fill="FG"/><rect x="86" y="45" width="28" height="32" rx="5" fill="FG" opacity=".7"/><rect x="80" y="100" width="40" height="26" rx="4" fill="#fff" opacity=".6"/>',
  plant: '<path d="M70 120 h60 l-8 40 h-44z" fill="FG"/><ellipse cx="85" cy="90" rx="14" ry="30" fill="FG" opacity=".75" transform="rotate(-25 85 90)"/><ellipse cx="115" cy="88" rx="14" ry="32" fill="FG" opacity=".75" transform="rotate(25 115 88)"/>',
  lamp: '<path d="M70 60 h60 l18 50 h-96z" fill="FG"/><rect x="96" y="110" width="8" height="40" fill="FG" opacity=".8"/><rect x="70" y="150" width="60" height="10" rx="4" fill="FG"/>',
};

function picture(category, variant) {
  const hue = (category.hue + (variant % 5) * 9 - 18 + 360) % 360;
  const bg = `hsl(${hue},55%,${86 - (variant % 3) * 5}%)`;
  const fg = `hsl(${hue},60%,${34 + (variant % 4) * 6}%)`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200"><rect width="200" height="200" fill="${bg}"/>${GLYPHS[category.glyph].replaceAll('FG', fg)}</svg>`;
}

// Prices end in .99; a sale price too.
const shopPrice = (x) => Number((Math.max(1, Math.round(x)) - 0.01).toFixed(2));

/** A product's price on a day: the price of the sale running that day, else the list price. */
export function priceOn(product, day) {
  const sale = product.sales.find((x) => day >= x.from && (x.to === null || day < x.to));
  return sale ? sale.price : product.listPrice;
}

/** The share off the list price on a day (0 without a sale). */
export const discountOn = (product, day) => 1 - priceOn(product, day) / product.listPrice;

/**
 * The catalog: 300 products (id, name, category, path, brand, listPrice, sales, today's price, the
 * launch day and the collection), and the new arrivals (the same fields, launched today) that no
 * log row names. A sale { from, to, price } runs on days from <= day < to (to null: still on);
 * those running today (day 30) are today's discounts.
 */
export function makeCatalog() {
  const rng = prng(7);
  const market = prng(13); // brands and sales: the names and list prices stay those of the first demo
  const products = [];
  const product = (id, name, category, listPrice, variant) => {
    const p = { id, name, category: category.id, path: category.path, brand: market.pick(category.brands), listPrice, sales: [], price: listPrice, launch: 0, collection: 'core', picture: picture(category, variant) };
    // One product in eight is launched during the month: not in the shop before, much looked at
    // in its first days; those of the last twelve days are still the "new" collection today.
    if (market.next() < 0.125) {
      p.launch = market.int(6, DAYS - 1);
      if (p.launch >= DAYS - NEW_DAYS) p.collection = 'new';
    }
    // Prices change over the month: one product in six had a flash sale of a few days that is over,
    // one in four went on sale on some day and still is (10-50 % off).
    const off = () => shopPrice(listPrice * (1 - market.int(1, 5) / 10));
    if (market.next() < 1 / 6) {
      const from = market.int(0, DAYS - 8);
      p.sales.push({ from, to: from + market.int(2, 5), price: off() });
    }
    if (market.next() < 0.25) p.sales.push({ from: market.int(0, DAYS - 1), to: null, price: off() });
    p.sales = p.sales.filter((x) => x.price < listPrice);
    p.price = priceOn(p, DAYS);
    return p;
  };
  for (const [c, category] of CATEGORIES.entries()) {
    const names = new Set();
    for (let k = 0; k < PER_CATEGORY; k++) {
      let name;
      do name = `${rng.pick(category.adj)} ${rng.pick(category.noun)}`;
      while (names.has(name) && names.size < category.adj.length * category.noun.length);
      if (names.has(name)) name = `${name} ${k}`;
      names.add(name);
      const [lo, hi] = category.price;
      // Cheaper items are more common.
      const listPrice = shopPrice(lo + (hi - lo) * rng.next() ** 1.6);
      products.push(product(`SKU-${FIRST_SKU + c * PER_CATEGORY + k}`, name, category, listPrice, k));
    }
  }
  // New arrivals: one per category, named from the category's parts, never in the log.
  const arrivals = CATEGORIES.map((category, c) => {
    const [lo, hi] = category.price;
    const p = product(`SKU-${FIRST_ARRIVAL + c}`, `New ${category.adj[c % category.adj.length]} ${category.noun[(c + 2) % category.noun.length]}`, category, shopPrice((lo + hi) / 3), 7);
    p.brand = category.brands[0]; // the category's leading brand
    p.sales = [];
    p.price = p.listPrice;
    p.launch = DAYS;
    p.collection = 'new';
    return p;
  });
  return { categories: CATEGORIES.map(({ id, name, path }) => ({ id, name, path })), products, arrivals };
}

/**
 * The catalog the trainer reads (tandem train --catalog, JSON lines; docs/data.md): every product
 * as the shop lists it today, its category path, brand, price and list price (the discount is
 * 1 - price / list_price), and a label column, its collection ('new' for the last twelve days'
 * launches, else 'core'). The trainer takes one row per item: the sales that ended during the
 * month are in the log (the bargain hunters' clicks), not in this file.
 */
export function trainerCatalog(catalog) {
  return catalog.products.map((p) => ({ id: p.id, category: p.path, brand: p.brand, price: p.price, list_price: p.listPrice, collection: p.collection }));
}

/** How much more than its popularity a product draws on a day: 0 before its launch, more while new, more on sale. */
function appeal(product, day, saleWeight) {
  if (day < product.launch) return 0;
  const novelty = product.launch > 0 && day - product.launch < NOVELTY_DAYS ? NOVELTY : 1;
  const brand = BRAND_APPEAL[CATEGORY_OF.get(product.category).brands.indexOf(product.brand)];
  return brand * novelty * (1 + saleWeight * discountOn(product, day));
}

/**
 * The log rows of one shopper: [user, item, category path, behaviour, time]. `loyalty` is the share
 * of sessions whose intent is one of the long-term tastes; a bargain hunter picks an item on sale
 * that day (40 % off) about six times as often as at its list price, other shoppers 1.2 times.
 */
function shopperRows(rng, userId, tastes, byCategory, sessions, loyalty, bargain = false) {
  const rows = [];
  const categoryIds = CATEGORIES.map((c) => c.id);
  const others = categoryIds.filter((c) => !tastes.includes(c));
  // Session start times: distinct days across the month, in shopping hours.
  const days = new Set();
  while (days.size < sessions) days.add(rng.int(0, DAYS - 1));
  for (const day of [...days].sort((a, b) => a - b)) {
    let t = START + day * 86400 + rng.int(8 * 3600, 22 * 3600);
    // Long-term tastes drive most sessions; the rest are short-term intents elsewhere.
    const intent = rng.next() < loyalty ? tastes[rng.weighted([0.65, 0.35])] : rng.pick(others);
    const length = rng.int(2, 8);
    const saleWeight = bargain ? 12 : 0.5;
    const viewed = [], carted = [];
    let category = intent;
    for (let e = 0; e < length; e++) {
      if (e === Math.floor(length / 2) && rng.next() < 0.2) category = rng.pick(categoryIds); // a detour
      const items = byCategory.get(category);
      let item;
      if (viewed.length && rng.next() < 0.25) item = rng.pick(viewed); // revisits, as in real logs
      else item = items[rng.weighted(items.map((p, r) => appeal(p, day, saleWeight) / (r + 2) ** 0.8))];
      let behaviour = 'pv';
      const r = rng.next();
      if (carted.length && r < 0.12) {
        item = carted.shift(); // the funnel's last step: buy what was put in the cart
        behaviour = 'buy';
      } else if (viewed.includes(item) && r < 0.3) {
        behaviour = 'cart';
        carted.push(item);
      } else if (r > 0.97) {
        behaviour = 'fav';
      }
      if (behaviour === 'pv' || behaviour === 'fav') viewed.push(item);
      rows.push([userId, item.id, item.path, behaviour, t]);
      t += rng.int(15, 180);
    }
  }
  return rows;
}

export function makeLog(catalog) {
  const rng = prng(11);
  const byCategory = new Map(CATEGORIES.map((c) => [c.id, []]));
  for (const p of catalog.products) byCategory.get(p.category).push(p);
  // Popularity order within each category differs from catalog order.
  for (const items of byCategory.values()) {
    for (let i = items.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [items[i], items[j]] = [items[j], items[i]];
    }
  }
  const rows = [];
  // Clear-cut tastes: a demo should show them.
  for (const persona of PERSONAS) rows.push(...shopperRows(rng, persona.userId, persona.tastes, byCategory, 24, 0.95, persona.bargain));
  const ids = CATEGORIES.map((c) => c.id);
  for (let u = 0; u < SHOPPERS; u++) {
    const first = rng.pick(ids);
    let second;
    do second = rng.pick(ids);
    while (second === first);
    const bargain = rng.next() < BARGAIN_SHARE;
    rows.push(...shopperRows(rng, String(2001 + u), [first, second], byCategory, rng.int(6, 14), 0.8, bargain));
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const catalog = makeCatalog();
  const rows = makeLog(catalog);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'catalog.json'), JSON.stringify(catalog));
  await writeFile(join(out, 'catalog.jsonl'), trainerCatalog(catalog).map((r) => JSON.stringify(r)).join('\n') + '\n');
  await writeFile(join(out, 'personas.json'), JSON.stringify(PERSONAS, null, 2));
  await writeFile(join(out, 'demo-log.csv'), rows.map((r) => r.join(',')).join('\n') + '\n');
  const behaviours = {};
  for (const r of rows) behaviours[r[3]] = (behaviours[r[3]] ?? 0) + 1;
  const onSale = catalog.products.filter((p) => p.price < p.listPrice).length;
  console.log(`demo data in ${out}: ${catalog.products.length} products (${onSale} on sale today), ${catalog.arrivals.length} new arrivals, ${rows.length} log rows (${Object.entries(behaviours).map(([k, v]) => `${k} ${v}`).join(', ')})`);
}
