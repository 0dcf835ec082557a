// The demo storefront's page logic: renders the catalog, lets tandem-rec track the visitor's
// clicks, add-to-carts and purchases on the device, and re-ranks the "Recommended for you" strip
// and the category grid after every event. Tiles in view are impressions, not interest: they are
// counted for measurement only, so the strip does not feed on itself. The session persists in
// localStorage; a persona loads a long-term profile. The panel shows this browser's A/B arm, its
// counts, and what the measurement hooks would hand the shop's analytics (docs/measuring.md).
// URL knobs (for demos and tests): ?dwell=MS how long a tile must be visible to be an impression;
// ?holdout=SHARE the share of browsers in the holdout arm (default 0.1).
import { Recommender } from '/tandem-rec/index.js';

const $ = (id) => document.getElementById(id);
const STRIP_SIZE = 8;
const PERSONA_KEY = 'tandem-demo-persona';
const params = new URLSearchParams(location.search);
const dwellMs = params.has('dwell') ? Number(params.get('dwell')) : 1000;
const holdout = params.has('holdout') ? Number(params.get('holdout')) : 0.1;
const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
// The panel speaks the shop's words whatever the model's event names are (Taobao: pv, fav, cart, buy).
const LABELS = { pv: 'view', fav: 'saved', buy: 'purchase' };

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v);
  }
  el.append(...children);
  return el;
}

const pictureUrl = (product) => `data:image/svg+xml,${encodeURIComponent(product.picture)}`;

function card(product, categoryName, extraClass = '') {
  return h(
    'article',
    { class: `card ${extraClass}`, 'data-tandem-item': product.id, 'data-category': product.category, tabindex: '0' },
    h('img', { src: pictureUrl(product), alt: product.name, loading: 'lazy', width: '200', height: '200' }),
    h('p', { class: 'card-category' }, categoryName),
    h('h3', {}, product.name),
    h('div', { class: 'card-foot' }, h('span', { class: 'price' }, money.format(product.price)), h('span', { class: 'reason' })),
  );
}

async function main() {
  const [catalog, personas] = await Promise.all(['/catalog.json', '/personas.json'].map((u) => fetch(u).then((r) => r.json())));
  const products = new Map(catalog.products.map((p) => [p.id, p]));
  const categoryName = new Map(catalog.categories.map((c) => [c.id, c.name]));
  let category = ''; // '' = all
  let query = '';
  let cartCount = 0;

  // The grid's cards are made once and moved on every re-rank, so tracking and focus survive.
  const gridCards = new Map(catalog.products.map((p) => [p.id, card(p, categoryName.get(p.category))]));

  const nav = $('categories');
  for (const c of [{ id: '', name: 'All' }, ...catalog.categories]) {
    nav.append(h('button', { type: 'button', 'data-category': c.id, onclick: () => selectCategory(c.id) }, c.name));
  }

  for (const p of personas) {
    const label = p.profileUrl ? `${p.name} · ${p.blurb}` : `${p.name} · ${p.blurb} (no profile trained yet)`;
    const option = h('option', { value: p.id }, label);
    if (!p.profileUrl) option.disabled = true;
    $('persona').append(option);
  }

  // What a shop would hand to its analytics (gtag, a data layer...); the demo lists it instead.
  const sent = [];
  const hook = (what) => (e) => {
    const name = products.get(e.item)?.name ?? e.item;
    const where = e.recommendationId ? `${e.list} #${e.position + 1}` : 'not from a recommendation';
    sent.unshift(h('li', {}, h('b', {}, what === 'conversion' ? e.kind : what), ` ${name} · ${where} · ${e.arm}`));
    sent.length = Math.min(sent.length, 6);
    showMeasurement();
  };
  const rec = await Recommender.create({ modelUrl: '/demo.tandem' }, {
    holdout,
    onImpression: hook('impression'),
    onClick: hook('click'),
    onConversion: hook('conversion'),
    onProgress: ({ what, loaded, total }) => {
      $('status').textContent = `Loading the ${what}… ${total ? Math.round((100 * loaded) / total) + '%' : `${Math.round(loaded / 1024)} KB`}`;
    },
  });
  $('model-info').textContent = `${rec.itemCount} items, dim ${rec.dim}, fingerprint ${rec.fingerprint.slice(0, 8)}`;

  const savedPersona = personas.find((p) => p.id === localStorage.getItem(PERSONA_KEY) && p.profileUrl);
  $('persona').value = savedPersona?.id ?? '';
  const session = rec.session({ persist: 'localStorage', storageKey: 'tandem-demo', profile: savedPersona?.profileUrl ?? undefined });
  await session.ready.catch((e) => ($('status').textContent = e.message));

  function showMeasurement() {
    const { arm, counts } = session.measurement;
    $('arm').textContent = arm;
    $('arm').classList.toggle('holdout', arm === 'holdout');
    $('arm-why').textContent = arm === 'holdout'
      ? `This browser is in the holdout (${Math.round(holdout * 100)}% of browsers): the shop's own order and its best sellers, to measure what tandem adds.`
      : `This browser gets tandem's rankings; ${Math.round(holdout * 100)}% of browsers are held out for comparison.`;
    for (const k of ['impressions', 'clicks', 'conversions']) {
      $(`count-${k}`).textContent = String(counts[arm][k]);
      document.body.dataset[k] = String(counts[arm][k]);
    }
    document.body.dataset.arm = arm;
    $('hooks').replaceChildren(...(sent.length ? sent : [h('li', { class: 'empty' }, 'Nothing yet.')]));
  }

  function selectCategory(id) {
    category = id;
    for (const b of nav.children) b.classList.toggle('active', b.dataset.category === id);
    $('grid-title').textContent = id ? categoryName.get(id) : 'All products';
    refresh();
  }

  // Re-ranks on deliberate events only (clicks, cart, purchase, filters): tiles merely seen are no
  // events, so nothing moves while the shopper looks.
  function refresh() {
    // Asked for now: a shopper back after the session timeout gets a new visit's ranking.
    const strip = session.recommend({ k: STRIP_SIZE, exclude: 'purchased', time: Date.now(), list: 'for-you' }).filter((r) => products.has(r.item));
    // Explanations come from rerank: how much each item's score came from the long-term profile.
    const explained = new Map(session.rerank(strip.map((r) => r.item)).map((r) => [r.item, r]));
    // The result's id on the strip: autoTrack reports its tiles' impressions and clicks with it.
    $('strip').dataset.tandemRec = strip[0]?.recommendationId ?? '';
    $('strip').replaceChildren(
      ...strip.map((r) => {
        const el = card(products.get(r.item), categoryName.get(products.get(r.item).category), 'strip-card');
        if (r.arm === 'holdout') return el; // best sellers: nothing personal to explain
        const longTerm = explained.get(r.item).longTerm;
        el.querySelector('.reason').textContent = longTerm >= 0.5 ? 'your taste' : 'this visit';
        el.querySelector('.reason').classList.add(longTerm >= 0.5 ? 'long' : 'short');
        return el;
      }),
    );

    const candidates = catalog.products
      .filter((p) => (!category || p.category === category) && (!query || p.name.toLowerCase().includes(query)))
      .map((p) => p.id);
    const grid = $('grid');
    const shown = new Set(candidates);
    for (const el of [...grid.children]) if (!shown.has(el.dataset.tandemItem)) el.remove();
    const ranked = session.rerank(candidates, { list: 'grid' });
    grid.dataset.tandemRec = ranked[0]?.recommendationId ?? '';
    for (const r of ranked) grid.append(gridCards.get(r.item));

    const gate = session.gate;
    $('gate-long').textContent = `${Math.round(gate * 100)}%`;
    $('gate-short').textContent = `${Math.round((1 - gate) * 100)}%`;
    $('gate-fill').style.width = `${(gate * 100).toFixed(1)}%`;
    const recent = session.recentEvents().reverse();
    $('recent').replaceChildren(
      ...recent.slice(0, 8).map((e) =>
        h('li', {}, h('span', { class: `type type-${LABELS[e.type] ?? e.type}` }, LABELS[e.type] ?? e.type), ' ', products.get(e.item)?.name ?? e.item),
      ),
    );
    if (!recent.length) $('recent').append(h('li', { class: 'empty' }, 'Nothing yet: browse a little.'));
    $('event-count').textContent = String(session.counters.events);
    $('strip-why').textContent = session.measurement.arm === 'holdout'
      ? 'best sellers (holdout)'
      : recent.length ? 'updated as you browse' : $('persona').value ? 'from your shopping history' : 'popular right now';
    document.body.dataset.events = String(session.counters.events);
    showMeasurement();
  }

  // Product detail: a click on a card opens it; the buttons carry the item for autoTrack.
  const dialog = $('product');
  $('shop').addEventListener('click', (event) => {
    const el = event.target.closest('[data-tandem-item]');
    if (!el) return;
    const p = products.get(el.dataset.tandemItem);
    $('product-img').src = pictureUrl(p);
    $('product-img').alt = p.name;
    $('product-name').textContent = p.name;
    $('product-category').textContent = categoryName.get(p.category);
    $('product-price').textContent = money.format(p.price);
    $('add-to-cart').dataset.tandemItem = p.id;
    $('buy-now').dataset.tandemItem = p.id;
    if (!dialog.open) dialog.showModal();
  });
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog || event.target.hasAttribute('data-close')) dialog.close();
  });
  $('add-to-cart').addEventListener('click', () => {
    $('cart-count').textContent = String(++cartCount);
    dialog.close();
  });
  $('buy-now').addEventListener('click', () => dialog.close());

  $('search').addEventListener('input', (e) => {
    query = e.target.value.trim().toLowerCase();
    refresh();
  });

  $('persona').addEventListener('change', async (e) => {
    const persona = personas.find((p) => p.id === e.target.value);
    localStorage.setItem(PERSONA_KEY, persona?.id ?? '');
    try {
      if (persona) await session.setProfile(persona.profileUrl);
      else session.setProfile(null);
      $('status').textContent = persona ? `Loaded ${persona.name}'s long-term profile.` : 'Shopping as a guest.';
    } catch (err) {
      $('status').textContent = err.message;
    }
    refresh();
  });

  $('forget').addEventListener('click', async () => {
    await session.forget();
    localStorage.removeItem(PERSONA_KEY);
    $('persona').value = '';
    cartCount = 0;
    $('cart-count').textContent = '0';
    $('status').textContent = 'Forgotten: this browser keeps nothing about you now.';
    refresh();
  });

  // A tile click opens the product's quick view here, so the click is the product view (a Taobao
  // model has no click type: 'click' is recorded as its pv). A shop with product pages would mark
  // them data-tandem-detail instead.
  rec.autoTrack(document.body, { session, dwellMs, onEvent: () => refresh() });
  selectCategory('');
  $('status').textContent = savedPersona ? `Welcome back, ${savedPersona.name}.` : 'Ready. Browse and watch the page adapt.';
  document.body.dataset.ready = 'true';
}

main().catch((e) => {
  $('status').textContent = `Something went wrong: ${e.message}`;
  document.body.dataset.error = e.message;
  console.error(e);
});
