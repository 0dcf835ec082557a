// DOM auto-tracking: what a shopper does with a page's product elements.
//   <article data-tandem-item="SKU-1">        a product tile: an impression when visible enough for
//                                             long enough, a click when clicked
//   <main data-tandem-detail="SKU-1">         the product's own page or quick view: a product view
//                                             when visible for as long
//   <button data-tandem-event="cart">         an action on the tile it sits in
//   <button data-tandem-event="purchase" data-tandem-item="SKU-1">   or on the product it names
//   <section data-tandem-rec="…">             tiles of a tandem result (its recommendationId), on
//                                             the tile or any element around it
// This file only watches the DOM and reports what it saw; index.js decides what each sighting
// means (Recommender.autoTrack: model events, impressions, hooks). Nothing leaves the device.

/**
 * Starts tracking under `root`; returns the stop function. `report(what, element, item, name)` is
 * called for what = 'impression' (a tile in view), 'click' (on a tile), 'detail' (a detail element
 * in view) and 'action' (a data-tandem-event button; `name` is its value), and returns false when
 * tracking should end (its session was closed).
 */
export function startTracking(root, { visibleFraction, dwellMs }, report) {
  const timers = new Map(); // element -> pending dwell timer
  const shown = new Set(); // elements whose current sighting was reported, until they leave the view
  let stopped = false;

  const send = (what, element, item, name) => {
    if (!stopped && !report(what, element, item, name)) stop();
  };

  const onClick = (event) => {
    const target = event.target;
    if (!target || typeof target.closest !== 'function') return;
    const action = target.closest('[data-tandem-event]');
    if (action && root.contains(action)) {
      const owner = action.hasAttribute('data-tandem-item') ? action : action.closest('[data-tandem-item]');
      const item = owner?.getAttribute('data-tandem-item');
      if (item) send('action', owner, item, action.getAttribute('data-tandem-event'));
      return;
    }
    const tile = target.closest('[data-tandem-item]');
    if (tile && root.contains(tile)) send('click', tile, tile.getAttribute('data-tandem-item'));
  };
  root.addEventListener('click', onClick);

  // Sightings need IntersectionObserver (browsers, not workers or Node); clicks work without it.
  let intersections = null, mutations = null;
  if (typeof IntersectionObserver === 'function') {
    const cancel = (element) => {
      clearTimeout(timers.get(element));
      timers.delete(element);
    };
    const sighting = (element) =>
      element.hasAttribute('data-tandem-detail')
        ? ['detail', element.getAttribute('data-tandem-detail')]
        : ['impression', element.getAttribute('data-tandem-item')];
    intersections = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const element = entry.target;
          if (entry.isIntersecting && entry.intersectionRatio >= visibleFraction) {
            if (timers.has(element) || shown.has(element)) continue;
            timers.set(
              element,
              setTimeout(() => {
                timers.delete(element);
                const [what, item] = sighting(element);
                if (!item || !element.isConnected) return;
                shown.add(element);
                send(what, element, item);
              }, dwellMs),
            );
          } else {
            // Out of view: the next time it is seen is a new sighting.
            cancel(element);
            shown.delete(element);
          }
        }
      },
      { root: null, threshold: [visibleFraction] },
    );
    const watched = (el) => el.hasAttribute('data-tandem-detail') || (el.hasAttribute('data-tandem-item') && !el.hasAttribute('data-tandem-event'));
    // Elements (1), and as the root also a document (9) or shadow root / fragment (11).
    const each = (node, fn) => {
      if (node.nodeType === 1 && watched(node)) fn(node);
      if (node.nodeType === 1 || node.nodeType === 9 || node.nodeType === 11) {
        for (const el of node.querySelectorAll('[data-tandem-item], [data-tandem-detail]')) if (watched(el)) fn(el);
      }
    };
    const forget = (el) => {
      intersections.unobserve(el);
      cancel(el);
      shown.delete(el);
    };
    each(root, (el) => intersections.observe(el));
    // Pages render products after load, re-render on filters, and reuse one element for another
    // product (a quick view): follow the DOM. Observing an element again makes the observer report
    // it afresh, so a reused element's new product is a new sighting.
    mutations = new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === 'attributes') {
          forget(r.target);
          if (r.target.isConnected && watched(r.target)) intersections.observe(r.target);
          continue;
        }
        for (const node of r.addedNodes) each(node, (el) => intersections.observe(el));
        for (const node of r.removedNodes) {
          // A moved node is removed and added in one batch: keep it if it is still in the page.
          each(node, (el) => el.isConnected || forget(el));
        }
      }
    });
    mutations.observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-tandem-item', 'data-tandem-detail'] });
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

/** The recommendation a tile was shown in: data-tandem-rec on the tile or around it, or null. */
export function recommendationOf(element) {
  const holder = typeof element.closest === 'function' ? element.closest('[data-tandem-rec]') : null;
  return holder?.getAttribute('data-tandem-rec') || null;
}
