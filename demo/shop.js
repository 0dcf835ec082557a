// The demo storefront's page logic: renders the catalog, lets tandem-rec track the visitor's
// clicks, add-to-carts and purchases on the device, and re-ranks the "Recommended for you" strip
// and the category grid after every event. Tiles in view are impressions, not interest: they are
// counted for measurement only, so the strip does not feed on itself. The session persists in
// localStorage; a persona signs in (the demo's toy sign-in: a cookie with its user id) and loads its
// long-term profile from GET /profile, which the server answers for the signed-in shopper only
// (tandem-rec/server, demo/serve.mjs): the URL names the model, never the shopper. The panel shows this browser's A/B arm, its
// counts, and what the measurement hooks would hand the shop's analytics (docs/measuring.md).
// The back office bar is the shop's side: it adds a new arrival to the catalog or puts a product on
// sale with rec.addItems, on this page, without retraining (the model scores a new product by its
// category, brand, price and collection); its changes are kept in localStorage and made again on
// the next page load, before the shopper's session is restored.
// URL knobs (for demos and tests): ?dwell=MS how long a tile must be visible to be an impression;
// ?holdout=SHARE the share of browsers in the holdout arm (default 0.1).
import { Recommender } from '/tandem-rec/index.js';

const $ = (id) => document.getElementById(id);
const STRIP_SIZE = 8;
const PERSONA_KEY = 'tandem-demo-persona';
const USER_COOKIE = 'tandem-demo-user';
// The signed-in shopper's profile for the model this page runs: a profile of another model (the
// shop retrained meanwhile) is never served for it (404: the population prior).
const PROFILE_URL = (fingerprint) => `/profile?model=${fingerprint}`;

/** The demo's toy sign-in: the persona's user id in a cookie (a guest has none). */
function signIn(persona) {
  document.cookie = persona
    ? `${USER_COOKIE}=${encodeURIComponent(persona.userId)}; path=/; SameSite=Strict`
    : `${USER_COOKIE}=; path=/; SameSite=Strict; max-age=0`;
}
const SHOP_KEY = 'tandem-demo-shop'; // the back office's changes: { arrivals: [ids], sales: { id: discount } }
const DISCOUNTS = [0, 10, 20, 30, 40, 50];
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

const offPercent = (product) => Math.round(100 * (1 - product.price / product.listPrice));

/** The price, and on sale the list price struck through. */
function priceTag(product) {
  const tag = h('span', { class: 'price' }, money.format(product.price));
  return product.price < product.listPrice ? h('span', { class: 'prices' }, tag, ' ', h('s', { class: 'list-price' }, money.format(product.listPrice))) : tag;
}

function card(product, categoryName, extraClass = '') {
  const badges = [];
  if (product.collection === 'new') badges.push(h('span', { class: 'badge new' }, 'New'));
  if (product.price < product.listPrice) badges.push(h('span', { class: 'badge sale' }, `\u2212${offPercent(product)} %`));
  return h(
    'article',
    { class: `card ${extraClass}`, 'data-tandem-item': product.id, 'data-category': product.category, tabindex: '0' },
    h('div', { class: 'badges' }, ...badges),
    h('img', { src: pictureUrl(product), alt: product.name, loading: 'lazy', width: '200', height: '200' }),
    h('p', { class: 'card-category' }, `${categoryName} \u00b7 ${product.brand}`),
    h('h3', {}, product.name),
    h('div', { class: 'card-foot' }, priceTag(product), h('span', { class: 'reason' })),
  );
}

/** The back office's changes kept from earlier page loads (a demo's stand-in for the shop's own catalog feed). */
function loadShop() {
  try {
    const saved = JSON.parse(localStorage.getItem(SHOP_KEY) ?? 'null');
    if (saved && Array.isArray(saved.arrivals) && saved.sales && typeof saved.sales === 'object') return saved;
  } catch {
    // a broken copy: start from the catalog as trained
  }
  return { arrivals: [], sales: {} };
}

/** A product as the engine's catalog takes it (rec.addItems). */
const catalogItem = (p) => ({ id: p.id, category: p.path, brand: p.brand, price: p.price, listPrice: p.listPrice, collection: p.collection });
/** A product's price at a discount (0..1) off its list price. */
const salePrice = (p, discount) => (discount > 0 ? Math.round(p.listPrice * (1 - discount) * 100) / 100 : p.listPrice);

async function main() {
  const [catalog, personas] = await Promise.all(['/catalog.json', '/personas.json'].map((u) => fetch(u).then((r) => r.json())));
  const products = new Map(catalog.products.map((p) => [p.id, p]));
  const arrivals = new Map(catalog.arrivals.map((p) => [p.id, p]));
  const listed = catalog.products.slice(); // the grid's products, in the catalog's order, then the arrivals added
  const categoryName = new Map(catalog.categories.map((c) => [c.id, c.name]));
  let category = ''; // '' = all
  let query = '';
  let cartCount = 0;

  // The grid's cards are made once (again after a price change) and moved on every re-rank, so
  // tracking and focus survive.
  const gridCards = new Map(catalog.products.map((p) => [p.id, card(p, categoryName.get(p.category))]));

  const nav = $('categories');
  for (const c of [{ id: '', name: 'All' }, ...catalog.categories]) {
    nav.append(h('button', { type: 'button', 'data-category': c.id, onclick: () => selectCategory(c.id) }, c.name));
  }

  for (const p of personas) {
    const label = p.hasProfile ? `${p.name} · ${p.blurb}` : `${p.name} · ${p.blurb} (no profile trained yet)`;
    const option = h('option', { value: p.id }, label);
    if (!p.hasProfile) option.disabled = true;
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
  const trainedItems = rec.itemCount;
  const showModel = () => {
    $('model-info').textContent = `${trainedItems} items trained${rec.itemCount > trainedItems ? ` + ${rec.itemCount - trainedItems} added` : ''}, dim ${rec.dim}, fingerprint ${rec.fingerprint.slice(0, 8)}`;
    document.body.dataset.items = String(rec.itemCount);
  };

  // The back office: arrivals and sales made on earlier page loads are made again first, so that a
  // session restored below finds the items it names (rows added with addItems are this page's).
  const shop = loadShop();
  const addArrival = (id) => {
    const p = arrivals.get(id);
    rec.addItems([catalogItem(p)]);
    arrivals.delete(id);
    products.set(id, p);
    listed.push(p);
    gridCards.set(id, card(p, categoryName.get(p.category)));
    return p;
  };
  const putOnSale = (id, discount) => {
    const p = products.get(id);
    p.price = salePrice(p, discount);
    rec.addItems([{ id, price: p.price, discount }]);
    const old = gridCards.get(id), fresh = card(p, categoryName.get(p.category));
    gridCards.set(id, fresh);
    if (old.isConnected) old.replaceWith(fresh);
    return p;
  };
  const saveShop = () => localStorage.setItem(SHOP_KEY, JSON.stringify(shop));
  try {
    for (const id of shop.arrivals) if (arrivals.has(id)) addArrival(id);
    for (const [id, discount] of Object.entries(shop.sales)) if (products.has(id)) putOnSale(id, discount);
  } catch (e) {
    console.warn(`the back office's saved changes do not apply (${e.message}); starting from the catalog as trained`);
    localStorage.removeItem(SHOP_KEY);
  }
  showModel();

  const savedPersona = personas.find((p) => p.id === localStorage.getItem(PERSONA_KEY) && p.hasProfile);
  $('persona').value = savedPersona?.id ?? '';
  if (savedPersona || document.cookie.includes(`${USER_COOKIE}=`)) signIn(savedPersona);
  const session = rec.session({ persist: 'localStorage', storageKey: 'tandem-demo', profile: savedPersona ? PROFILE_URL : undefined });
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
    // The back office offers this category's new arrival first.
    const arrival = [...arrivals.values()].find((p) => p.category === id);
    if (arrival) $('arrival').value = arrival.id;
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

    const candidates = listed
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
    $('product-price').replaceChildren(priceTag(p));
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
      signIn(persona);
      if (persona) await session.setProfile(PROFILE_URL);
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
    signIn(null);
    $('persona').value = '';
    cartCount = 0;
    $('cart-count').textContent = '0';
    $('status').textContent = 'Forgotten: this browser keeps nothing about you now.';
    refresh();
  });

  // The back office bar.
  const showBackOffice = () => {
    $('arrival').replaceChildren(
      ...[...arrivals.values()].map((p) => h('option', { value: p.id }, `${categoryName.get(p.category)} \u00b7 ${p.name} (${p.brand}, ${money.format(p.price)})`)),
    );
    $('add-arrival').disabled = arrivals.size === 0;
    const current = $('sale-item').value;
    const byName = [...products.values()].sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name));
    $('sale-item').replaceChildren(
      ...byName.map((p) => h('option', { value: p.id }, `${categoryName.get(p.category)} \u00b7 ${p.name} (${money.format(p.price)}${p.price < p.listPrice ? `, ${offPercent(p)} % off` : ''})`)),
    );
    if (current) $('sale-item').value = current;
    document.body.dataset.shopChanges = String(shop.arrivals.length + Object.keys(shop.sales).length);
  };
  $('sale-discount').replaceChildren(...DISCOUNTS.map((d) => h('option', { value: String(d) }, d ? `${d} % off` : 'no sale')));
  $('add-arrival').addEventListener('click', () => {
    const p = addArrival($('arrival').value);
    shop.arrivals.push(p.id);
    saveShop();
    $('status').textContent = `New arrival: ${p.name}. Scored by its category, brand, price and collection; no retraining.`;
    showModel();
    showBackOffice();
    refresh();
  });
  $('apply-sale').addEventListener('click', () => {
    const id = $('sale-item').value, discount = Number($('sale-discount').value) / 100;
    const p = putOnSale(id, discount);
    shop.sales[id] = discount;
    saveShop();
    $('status').textContent = discount ? `${p.name} is ${Math.round(discount * 100)} % off: ${money.format(p.price)}.` : `${p.name} is back at ${money.format(p.price)}.`;
    showBackOffice();
    refresh();
  });
  $('reset-shop').addEventListener('click', () => {
    localStorage.removeItem(SHOP_KEY);
    location.reload();
  });
  showBackOffice();

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
