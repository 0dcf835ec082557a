// The side-by-side workload, the same in Node and in the browser page (bench/compare.mjs drives
// both): a fixed sequence of events, then the correctness check (every runtime's top-10 ids of
// rerank K=1000 and of the full catalog must equal tandem's), then per-call and tight-loop timings,
// and the cold start. Times with performance.now() (Chromium: 5 µs steps on a cross-origin
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
  // Four lists of each size, reranked in turn by the string-id timings, so that no runtime can reuse
  // the previous call's id lookups (for n = 1000, K = 1000 lists are the catalog in four orders).
  const offsets = [29, 31, 37, 41];
  return {
    c100: spread(100, 17), c1000: spread(1000, 29), events, lastTime: time,
    lists100: offsets.map((a) => spread(100, a - 12)), lists1000: offsets.map((a) => spread(1000, a)),
  };
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
    const p1000 = s.prepare(wl.c1000);
    results[key] = {
      'rerank K=1000': await norm(s.rerank(wl.c1000, 10)),
      'rerank K=1000, ids resolved once': await norm(s.rerankPrepared(p1000, 10)),
      'rerank K=100': await norm(s.rerank(wl.c100, 10)),
      'full-catalog top 10': await norm(s.recommend(10)),
    };
    loaded[key] = { mod, engine, s, p1000 };
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
    const { s, p1000, engine } = loaded[key];
    let time = wl.lastTime;
    const observeItems = wl.c1000;
    const k1000 = wl.c1000.length;
    const ops = [
      ['observe', 'observe (one LSTM step)', (i) => s.observe(observeItems[i % observeItems.length], i & 1 ? 'click' : 'view', (time += 5000))],
      ['rerank100', 'rerank K=100, top 10, string ids (4 lists in turn)', (i) => s.rerank(wl.lists100[i & 3], 10)],
      ['rerank1000', `rerank K=${k1000}, top 10, string ids (4 lists in turn)`, (i) => s.rerank(wl.lists1000[i & 3], 10)],
      ['rerank1000resolved', `rerank K=${k1000}, top 10, the same list again (ids resolved once)`, () => s.rerankPrepared(p1000, 10)],
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
