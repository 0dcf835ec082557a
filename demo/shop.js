// The demo storefront's page logic: renders the catalog, lets tandem-rec track the visitor's
// views and clicks on the device, and re-ranks the "Recommended for you" strip and the category
// grid after every event. The session persists in localStorage; a persona loads a long-term profile.
// URL knobs (for demos and tests): ?dwell=MS how long a product must be visible to count as viewed.
import { Recommender } from '/tandem-rec/index.js';

const $ = (id) => document.getElementById(id);
const STRIP_SIZE = 8;
const PERSONA_KEY = 'tandem-demo-persona';
const params = new URLSearchParams(location.search);
const dwellMs = params.has('dwell') ? Number(params.get('dwell')) : 1000;
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

  const rec = await Recommender.create({ modelUrl: '/demo.tandem' }, {
    onProgress: ({ what, loaded, total }) => {
      $('status').textContent = `Loading the ${what}… ${total ? Math.round((100 * loaded) / total) + '%' : `${Math.round(loaded / 1024)} KB`}`;
    },
  });
  $('model-info').textContent = `${rec.itemCount} items, dim ${rec.dim}, fingerprint ${rec.fingerprint.slice(0, 8)}`;

  const savedPersona = personas.find((p) => p.id === localStorage.getItem(PERSONA_KEY) && p.profileUrl);
  $('persona').value = savedPersona?.id ?? '';
  const session = rec.session({ persist: 'localStorage', storageKey: 'tandem-demo', profile: savedPersona?.profileUrl ?? undefined });
  await session.ready.catch((e) => ($('status').textContent = e.message));

  function selectCategory(id) {
    category = id;
    for (const b of nav.children) b.classList.toggle('active', b.dataset.category === id);
    $('grid-title').textContent = id ? categoryName.get(id) : 'All products';
    refresh();
  }

  // The grid re-ranks on deliberate events (clicks, cart, purchase, filters) but not on passive
  // views: moving what the shopper is looking at while they look would be disorienting, and each
  // move would bring new products into view.
  function refresh({ grid: rerankGrid = true } = {}) {
    // Asked for now: a shopper back after the session timeout gets a new visit's ranking.
    const strip = session.recommend({ k: STRIP_SIZE, exclude: 'purchased', time: Date.now() }).filter((r) => products.has(r.item));
    // Explanations come from rerank: how much each item's score came from the long-term profile.
    const explained = new Map(session.rerank(strip.map((r) => r.item)).map((r) => [r.item, r]));
    $('strip').replaceChildren(
      ...strip.map((r) => {
        const el = card(products.get(r.item), categoryName.get(products.get(r.item).category), 'strip-card');
        const longTerm = explained.get(r.item).longTerm;
        el.querySelector('.reason').textContent = longTerm >= 0.5 ? 'your taste' : 'this visit';
        el.querySelector('.reason').classList.add(longTerm >= 0.5 ? 'long' : 'short');
        return el;
      }),
    );

    if (rerankGrid) {
      const candidates = catalog.products
        .filter((p) => (!category || p.category === category) && (!query || p.name.toLowerCase().includes(query)))
        .map((p) => p.id);
      const grid = $('grid');
      const shown = new Set(candidates);
      for (const el of [...grid.children]) if (!shown.has(el.dataset.tandemItem)) el.remove();
      for (const r of session.rerank(candidates)) grid.append(gridCards.get(r.item));
    }

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
    $('strip-why').textContent = recent.length ? 'updated as you browse' : $('persona').value ? 'from your shopping history' : 'popular right now';
    document.body.dataset.events = String(session.counters.events);
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

  rec.autoTrack(document.body, { session, dwellMs, onEvent: (e) => refresh({ grid: e.kind !== 'view' }) });
  selectCategory('');
  $('status').textContent = savedPersona ? `Welcome back, ${savedPersona.name}.` : 'Ready. Browse and watch the page adapt.';
  document.body.dataset.ready = 'true';
}

main().catch((e) => {
  $('status').textContent = `Something went wrong: ${e.message}`;
  document.body.dataset.error = e.message;
  console.error(e);
});
