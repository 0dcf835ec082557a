// Measurement without sending behaviour: recommendation ids, the A/B holdout arm, local counters
// and the clicks that conversions are attributed to. The package sends none of it anywhere: the
// page's hooks (onImpression, onClick, onConversion) hand it to the shop's own analytics
// (docs/measuring.md). It is kept with the session's state (persist.js's record, below), so the
// arm, the counts and the attribution survive page loads exactly as long as the state does.

const ARMS = ['tandem', 'holdout'];
const COUNTS = ['impressions', 'clicks', 'conversions'];
/** Clicks on recommendations remembered for attributing a later add-to-cart or purchase. */
const CLICKS_KEPT = 50;
/** How long a click on a recommendation can earn a conversion: GA4's default lookback window. */
const ATTRIBUTION_MS = 30 * 24 * 3600 * 1000;

/** Uniform random 32-bit words: crypto where there is one (every browser, Node 19+), else Math.random. */
function randomWords(n) {
  const words = new Uint32Array(n);
  if (typeof globalThis.crypto?.getRandomValues === 'function') return globalThis.crypto.getRandomValues(words);
  for (let i = 0; i < n; i++) words[i] = Math.floor(Math.random() * 2 ** 32);
  return words;
}

// Random words for recommendation ids, drawn 256 at a time: one getRandomValues call costs about
// as much as the rest of a rerank's JavaScript (3 µs in Node), and every result needs an id.
let idWords = null, nextWord = 0;
const hexWord = (w) => w.toString(16).padStart(8, '0');

/** A recommendation id: 16 hex digits, unique enough to join hook calls in the shop's analytics. */
export function newRecommendationId() {
  if (idWords === null || nextWord + 2 > idWords.length) {
    idWords = randomWords(256);
    nextWord = 0;
  }
  const id = hexWord(idWords[nextWord]) + hexWord(idWords[nextWord + 1]);
  nextWord += 2;
  return id;
}

const zero = () => ({ impressions: 0, clicks: 0, conversions: 0 });
const isCount = (n) => Number.isSafeInteger(n) && n >= 0;

/**
 * One session's measurement: the seed that fixes its arm (arm = seed < holdout ? holdout : tandem,
 * so raising the holdout share only moves browsers from tandem to holdout), counts per arm, and
 * the recent clicks on recommendations [row, recommendationId, position, list, time ms], newest last.
 */
export class Measure {
  constructor(seed = randomWords(1)[0] / 2 ** 32, counts = { tandem: zero(), holdout: zero() }, clicks = []) {
    this.seed = seed;
    this.counts = counts;
    this.clicks = clicks;
  }

  arm(holdout) {
    return this.seed < holdout ? 'holdout' : 'tandem';
  }

  count(arm, what) {
    this.counts[arm][what]++;
  }

  /** Remembers a click on a recommended item (one per item, the latest), for attribution. */
  clicked(row, recommendationId, position, list, time) {
    this.clicks = this.clicks.filter((c) => c[0] !== row);
    this.clicks.push([row, recommendationId, position, list, time]);
    if (this.clicks.length > CLICKS_KEPT) this.clicks.shift();
  }

  /** The latest click on a recommendation of this item within the window before `time`, or null. */
  attribution(row, time) {
    const click = this.clicks.find((c) => c[0] === row);
    if (!click || time - click[4] > ATTRIBUTION_MS || time < click[4]) return null;
    return { recommendationId: click[1], position: click[2], list: click[3] };
  }

  /** After forget(): nothing counted or remembered, the arm kept so the page does not change arms. */
  forgotten() {
    return new Measure(this.seed);
  }

  /**
   * This measurement on top of a restored one (the page worked before the saved record was read:
   * an asynchronous storage, or consent given later): the saved seed keeps the browser's arm,
   * counts add up, and clicks made since come after the saved ones.
   */
  onTopOf(saved) {
    const counts = {};
    for (const arm of ARMS) counts[arm] = Object.fromEntries(COUNTS.map((k) => [k, saved.counts[arm][k] + this.counts[arm][k]]));
    const merged = new Measure(saved.seed, counts, saved.clicks.slice());
    for (const c of this.clicks) merged.clicked(...c);
    return merged;
  }

  toJSON() {
    return { seed: this.seed, counts: this.counts, clicks: this.clicks };
  }

  /** A Measure from its JSON; throws an Error saying what is wrong. */
  static from(value) {
    if (value === null || typeof value !== 'object') throw new Error('the measurement is not an object');
    const { seed, counts, clicks } = value;
    if (typeof seed !== 'number' || !(seed >= 0 && seed < 1)) throw new Error('the measurement seed is not a number in [0, 1)');
    if (counts === null || typeof counts !== 'object') throw new Error('the measurement counts are not an object');
    const checked = {};
    for (const arm of ARMS) {
      const c = counts[arm];
      if (c === null || typeof c !== 'object' || !COUNTS.every((k) => isCount(c[k]))) throw new Error(`the ${arm} counts are not ${COUNTS.join(', ')} as whole numbers`);
      checked[arm] = Object.fromEntries(COUNTS.map((k) => [k, c[k]]));
    }
    const ok = (c) =>
      Array.isArray(c) && c.length === 5 && isCount(c[0]) && typeof c[1] === 'string' && c[1].length <= 64 &&
      (c[2] === null || isCount(c[2])) && (c[3] === null || (typeof c[3] === 'string' && c[3].length <= 200)) && Number.isFinite(c[4]);
    if (!Array.isArray(clicks) || clicks.length > CLICKS_KEPT || !clicks.every(ok)) throw new Error('the remembered clicks are malformed');
    return new Measure(seed, checked, clicks.map((c) => c.slice()));
  }
}

/**
 * The text a session saves: the engine's state (base64) and the measurement, as one JSON record;
 * with `items` ([row, id] pairs), the ids of rows that addItems appended, which the state names.
 */
export function recordText(stateBase64, measure, items) {
  return JSON.stringify(items && items.length > 0 ? { tandem: 1, state: stateBase64, measure, items } : { tandem: 1, state: stateBase64, measure });
}

/** The most [row, id] pairs a record names: the remembered clicks' rows, and in records saved by earlier builds also the engine's window (at most 4096 events). */
const ITEMS_KEPT = 4096 + CLICKS_KEPT;

/**
 * A saved text -> { state (base64), measure (Measure or null), items ([row, id] pairs) }; throws an Error saying what is
 * wrong. Text that is not a JSON record is a state saved by tandem-rec 0.1 (base64 alone).
 */
export function parseRecord(text) {
  if (!text.startsWith('{')) return { state: text, measure: null, items: [] };
  let record;
  try {
    record = JSON.parse(text);
  } catch {
    throw new Error('the saved record is not JSON');
  }
  if (record === null || record.tandem !== 1 || typeof record.state !== 'string') throw new Error('not a tandem-rec session record');
  const { items = [] } = record;
  const pair = (p) => Array.isArray(p) && p.length === 2 && isCount(p[0]) && typeof p[1] === 'string';
  if (!Array.isArray(items) || items.length > ITEMS_KEPT || !items.every(pair)) throw new Error('the saved item ids are malformed');
  return { state: record.state, measure: Measure.from(record.measure), items };
}
