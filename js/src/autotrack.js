// DOM auto-tracking: turns what a shopper does with a page's product elements into session events.
//   <article data-tandem-item="SKU-1">            a product: viewed when visible enough for long enough, clicked
//   <button data-tandem-event="cart">             an action on the product it sits in
//   <button data-tandem-event="purchase" data-tandem-item="SKU-1">   or on the product it names
// Events stay on the device: the tracker only calls session.observe().

/** The names a page may use in data-tandem-event, and the model event types each may mean, in order of preference. */
const ALIASES = {
  view: ['view', 'pv', 'click'],
  click: ['click', 'view', 'pv'],
  cart: ['cart', 'addtocart', 'add_to_cart'],
  fav: ['fav', 'favorite', 'wishlist'],
  purchase: ['purchase', 'buy', 'transaction'],
};

/**
 * The model event type for a page-level event kind: the kind itself when the model knows it, the
 * model's purchase event for 'purchase', else the first alias the model knows; undefined if none.
 */
export function resolveEventType(eventTypes, purchaseEvent, kind) {
  if (eventTypes.includes(kind)) return kind;
  if (kind === 'purchase' && purchaseEvent) return purchaseEvent;
  return (ALIASES[kind] ?? []).find((t) => eventTypes.includes(t));
}

/**
 * Starts tracking under `root`; returns the stop function. `observe(item, kind)` records one event
 * and returns false when tracking should end (the session was closed).
 */
export function startTracking(root, { visibleFraction, dwellMs }, observe) {
  const viewed = new Set(); // an item's view counts once per tracker: re-renders and scrolling back are not new interest
  const timers = new Map(); // element -> pending dwell timer
  let stopped = false;

  const record = (item, kind) => {
    if (!stopped && !observe(item, kind)) stop();
  };

  const onClick = (event) => {
    const target = event.target;
    if (!target || typeof target.closest !== 'function') return;
    const action = target.closest('[data-tandem-event]');
    if (action && root.contains(action)) {
      const owner = action.hasAttribute('data-tandem-item') ? action : action.closest('[data-tandem-item]');
      const item = owner?.getAttribute('data-tandem-item');
      if (item) record(item, action.getAttribute('data-tandem-event'));
      return;
    }
    const product = target.closest('[data-tandem-item]');
    if (product && root.contains(product)) record(product.getAttribute('data-tandem-item'), 'click');
  };
  root.addEventListener('click', onClick);

  // Views need IntersectionObserver (browsers, not workers or Node); clicks work without it.
  let intersections = null, mutations = null;
  if (typeof IntersectionObserver === 'function') {
    const cancel = (element) => {
      clearTimeout(timers.get(element));
      timers.delete(element);
    };
    intersections = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const element = entry.target;
          if (entry.isIntersecting && entry.intersectionRatio >= visibleFraction) {
            if (timers.has(element)) continue;
            timers.set(
              element,
              setTimeout(() => {
                timers.delete(element);
                const item = element.getAttribute('data-tandem-item');
                if (item && !viewed.has(item) && element.isConnected) {
                  viewed.add(item);
                  record(item, 'view');
                }
              }, dwellMs),
            );
          } else {
            cancel(element);
          }
        }
      },
      { root: null, threshold: [visibleFraction] },
    );
    const isProduct = (el) => el.hasAttribute('data-tandem-item') && !el.hasAttribute('data-tandem-event');
    // Elements (1), and as the root also a document (9) or shadow root / fragment (11).
    const each = (node, fn) => {
      if (node.nodeType === 1 && isProduct(node)) fn(node);
      if (node.nodeType === 1 || node.nodeType === 9 || node.nodeType === 11) {
        for (const el of node.querySelectorAll('[data-tandem-item]')) if (isProduct(el)) fn(el);
      }
    };
    each(root, (el) => intersections.observe(el));
    // Pages render products after load and re-render on filters: follow the DOM.
    mutations = new MutationObserver((records) => {
      for (const r of records) {
        for (const node of r.addedNodes) each(node, (el) => intersections.observe(el));
        for (const node of r.removedNodes) {
          each(node, (el) => {
            // A moved node is removed and added in one batch: keep it if it is still in the page.
            if (el.isConnected) return;
            intersections.unobserve(el);
            cancel(el);
          });
        }
      }
    });
    mutations.observe(root, { childList: true, subtree: true });
  }

  function stop() {
    if (stopped) return;
    stopped = true;
    root.removeEventListener('click', onClick);
    intersections?.disconnect();
    mutations?.disconnect();
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
  }
  return stop;
}
