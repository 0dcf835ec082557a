// The side-by-side workload, the same in Node and in the browser page (bench/compare.mjs drives
// both): a fixed sequence of events, then the correctness check (every runtime's top-10 ids of
// rerank K=1000 and K=100, of a random list by string ids and by rows resolved once, and of the
// full catalog must equal tandem's), then per-call and tight-loop timings, and the cold start. Times with performance.now() (Chromium: 5 µs steps on a cross-origin
// isolated page, which the bench server makes it).

export const RUNTIMES = ['tandem', 'tfjs', 'ort'];
const modules = {
  tandem: () => import('./tandem.mjs'),
  tfjs: () => import('./tfjs.mjs'),
  ort: () => import('./ort.mjs'),
};

const EVENT_TYPES = ['view', 'click', 'cart', 'purchase'];

/**
 * The workload for a catalog (its ids in row order): candidates of K = 100 and K = 1000 (distinct
 * rows spread over the catalog), and 24 events with repeats (the repeat term), every event type,
 * gaps across the buckets and one gap past the 30-minute session timeout (an LSTM reset).
 */
export function workloadFor(ids) {
  const n = ids.length;
  const spread = (k, add) => Array.from({ length: Math.min(k, n) }, (_, i) => ids[(i * 7919 + add) % n]);
  const gaps = [0, 3, 12, 40, 2, 300, 7, 65, 3700, 1, 5, 20, 9, 150, 4, 30, 2, 11, 600, 6, 3, 45, 8, 15];
  const events = [];
  let time = 1_700_500_000_000;
  const rows = gaps.map((_, i) => (i * 104729 + 5) % n);
  rows[9] = rows[2]; // revisits: the window holds repeats
  rows[15] = rows[5];
  rows[20] = rows[2];
  gaps.forEach((gap, i) => {
    time += gap * 1000;
    events.push({ item: ids[rows[i]], type: EVENT_TYPES[(i * 3 + (i >> 2)) % 4], time });
  });
  return {
    c100: spread(100, 17), c1000: spread(1000, 29), events, lastTime: time,
    lists100: randomLists(ids, 100, 1), lists1000: randomLists(ids, 1000, 2),
  };
}

/** How many random candidate lists of each size the reranks take in turn. */
export const LISTS = 64;

/**
 * LISTS random lists of k distinct catalog ids (a seeded partial shuffle: the same lists in Node and
 * in the page, in every run; for n = k = 1,000 each is the catalog in a random order). Each id is a
 * new string, built as (' ' + id).slice(1) as bench/engine-node.mjs does, not the catalog's own
 * string object: a runtime's id lookup must hash it and compare it by content, as for ids a page
 * reads from its DOM or a JSON response. Reranked in turn, no list is the previous call's, so no
 * runtime can reuse the last call's lookups, and the lists' rows (256 bytes each of a 12.8 MB
 * table at 50,000 items) are not all in cache.
 */
function randomLists(ids, k, stream) {
  const n = ids.length, m = Math.min(k, n);
  let seed = 12345 + stream;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: LISTS }, () => {
    for (let i = 0; i < m; i++) {
      const j = i + Math.floor(random() * (n - i));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return Array.from(order.subarray(0, m), (row) => (' ' + ids[row]).slice(1));
  });
}

const settle = async (r) => (r && typeof r.then === 'function' ? await r : r);

/** Per-call median and p95 and a tight-loop mean (µs) of fn(i), spending about budgetMs. */
export async function measure(fn, budgetMs = 1500) {
  const now = () => performance.now();
  let i = 0;
  const w0 = now();
  while (i < 20 || now() - w0 < budgetMs * 0.1) {
    await settle(fn(i++));
    if (i >= 200000) break;
  }
  const perCall = (now() - w0) / i;
  const calls = Math.max(30, Math.min(20000, Math.round((budgetMs * 0.45) / perCall)));
  const samples = new Float64Array(calls);
  for (let c = 0; c < calls; c++) {
    const t = now();
    await settle(fn(i++));
    samples[c] = now() - t;
  }
  samples.sort();
  const t = now();
  for (let c = 0; c < calls; c++) await settle(fn(i++));
  const mean = (now() - t) / calls;
  return {
    median: samples[Math.floor(calls / 2)] * 1000,
    p95: samples[Math.min(calls - 1, Math.floor(calls * 0.95))] * 1000,
    mean: mean * 1000,
    calls,
  };
}

async function loadRuntime(key, source, options) {
  const mod = await modules[key]();
  const engine = await mod.load(source, options[key] ?? {});
  return { mod, engine };
}

/**
 * Loads every runtime from the same model bytes, runs the fixed events, checks the top 10s against
 * tandem's, then times each operation. `ids`: the catalog's ids in row order.
 * Returns { versions, check: [{runtime, operation, same, ids, maxScoreDiff}], timings: [...] }.
 */
export async function runEnv({ modelBytes, ids, runtimes = RUNTIMES, options = {}, budgetMs = 1500, log = () => {} }) {
  const wl = workloadFor(ids);
  const loaded = {};
  const results = {};
  for (const key of runtimes) {
    const { mod, engine } = await loadRuntime(key, { bytes: modelBytes }, options);
    const s = engine.session();
    for (const e of wl.events) await settle(s.observe(e.item, e.type, e.time));
    const norm = async (r) => engine.normalize(await settle(r));
    // every list resolved once (as a page does when it gets a list), for the rows timings
    const prepared = wl.lists1000.map((list) => s.prepare(list));
    results[key] = {
      'rerank K=1000': await norm(s.rerank(wl.c1000, 10)),
      'rerank K=1000, a random list of fresh ids': await norm(s.rerank(wl.lists1000[0], 10)),
      'rerank K=1000, ids resolved once': await norm(s.rerankPrepared(prepared[1], 10)),
      'rerank K=100': await norm(s.rerank(wl.c100, 10)),
      'rerank K=100, a random list of fresh ids': await norm(s.rerank(wl.lists100[0], 10)),
      'full-catalog top 10': await norm(s.recommend(10)),
    };
    loaded[key] = { mod, engine, s, prepared };
    log(`${key}: loaded, ${wl.events.length} events observed`);
  }
  const check = [];
  const ref = results.tandem;
  for (const key of runtimes) {
    for (const [operation, r] of Object.entries(results[key])) {
      const same = ref !== undefined && r.ids.length === ref[operation].ids.length && r.ids.every((id, i) => id === ref[operation].ids[i]);
      let maxScoreDiff = 0;
      if (ref) r.ids.forEach((_, i) => (maxScoreDiff = Math.max(maxScoreDiff, Math.abs(r.scores[i] - ref[operation].scores[i]))));
      check.push({ runtime: key, operation, same, ids: r.ids, maxScoreDiff });
    }
  }
  const versions = Object.fromEntries(runtimes.map((k) => [k, loaded[k].mod.version()]));
  if (check.some((c) => !c.same)) return { versions, check, timings: [] };

  const timings = [];
  for (const key of runtimes) {
    const { s, prepared, engine } = loaded[key];
    let time = wl.lastTime;
    const observeItems = wl.c1000;
    const k1000 = wl.c1000.length;
    const ops = [
      ['observe', 'observe (one LSTM step)', (i) => s.observe(observeItems[i % observeItems.length], i & 1 ? 'click' : 'view', (time += 5000))],
      ['rerank100', `rerank K=100, top 10, string ids (${LISTS} random lists of fresh ids in turn)`, (i) => s.rerank(wl.lists100[i % LISTS], 10)],
      ['rerank1000', `rerank K=${k1000}, top 10, string ids (${LISTS} random lists of fresh ids in turn)`, (i) => s.rerank(wl.lists1000[i % LISTS], 10)],
      ['resolve1000', `ids -> rows of K=${k1000} fresh ids (the same ${LISTS} lists in turn)`, (i) => s.prepare(wl.lists1000[i % LISTS])],
      ['rerank1000resolved', `rerank K=${k1000}, top 10, by rows resolved once per list (the same ${LISTS} lists in turn)`, (i) => s.rerankPrepared(prepared[i % LISTS], 10)],
      ['full', `full-catalog top 10 of ${ids.length}`, () => s.recommend(10)],
    ];
    // observe last: the reranks run on the checked state
    for (const [op, operation, fn] of [...ops.slice(1), ops[0]]) {
      const m = await measure(fn, budgetMs);
      timings.push({ runtime: key, op, operation, ...m });
      log(`${key}: ${operation}: median ${m.median.toFixed(1)} µs, mean ${m.mean.toFixed(1)} µs (${m.calls} calls)`);
    }
    await settle(engine.close());
  }
  return { versions, check, timings };
}

/** Nothing loaded -> the first rerank result: import the runtime, load the model, one session, rerank K=100. */
export async function coldStart({ runtime, source, c100, options = {} }) {
  const t0 = performance.now();
  const { engine } = await loadRuntime(runtime, source, options);
  const s = engine.session();
  const first = engine.normalize(await settle(s.rerank(c100, 10)));
  const ms = performance.now() - t0;
  return { ms, ids: first.ids };
}
