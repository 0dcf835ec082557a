// Event names: what a page, a tag manager or a log calls an event, and the event types a model
// was trained with. Three layers, tried in order for a name:
//   1. the model's own type names (whatever the training log used: 'pv', 'buy', 'view'...);
//   2. an event map: names -> kinds, or null for events that are not interest in an item
//      (GA4's page_view); the same JSON the trainer reads (`tandem train --event-map FILE`), GA4's
//      shipped as presets/ga4.json;
//   3. the kinds every storefront has (view, click, cart, fav, purchase), each tried as the model's
//      names for it (a Taobao model says pv for view and buy for purchase).
import PRESETS from './presets.js';

/** The kinds, and the model type names each may go by, in order of preference. */
const ALIASES = {
  view: ['view', 'pv', 'click'],
  click: ['click', 'view', 'pv'],
  cart: ['cart', 'addtocart', 'add_to_cart'],
  fav: ['fav', 'favorite', 'wishlist'],
  purchase: ['purchase', 'buy', 'transaction'],
};

/**
 * The model type for a kind or alias: the name itself when the model knows it, the model's
 * purchase event for 'purchase', else the first of the kind's names the model knows; undefined if none.
 */
export function resolveKind(eventTypes, purchaseEvent, kind) {
  if (eventTypes.includes(kind)) return kind;
  if (kind === 'purchase' && purchaseEvent) return purchaseEvent;
  return (Object.hasOwn(ALIASES, kind) ? ALIASES[kind] : []).find((t) => eventTypes.includes(t));
}

/**
 * The `eventMap` option checked and copied: a preset's name ('ga4') or an object of event names
 * to kinds or model type names (strings), or null. Returns a Map (empty without a map).
 */
export function checkEventMap(eventMap) {
  if (eventMap === undefined) return new Map();
  if (typeof eventMap === 'string') {
    if (!Object.hasOwn(PRESETS, eventMap)) throw new TypeError(`tandem: eventMap ${JSON.stringify(eventMap)} is not a preset (presets: ${Object.keys(PRESETS).join(', ')})`);
    return new Map(Object.entries(PRESETS[eventMap]));
  }
  if (eventMap === null || typeof eventMap !== 'object' || Array.isArray(eventMap)) {
    throw new TypeError("tandem: eventMap must be a preset's name ('ga4') or an object of event names to event kinds or null");
  }
  const map = new Map();
  for (const [name, target] of Object.entries(eventMap)) {
    if (target !== null && (typeof target !== 'string' || target.length === 0)) {
      throw new TypeError(`tandem: eventMap[${JSON.stringify(name)}] must be an event kind (a non-empty string) or null, got ${target === '' ? '""' : typeof target}`);
    }
    map.set(name, target);
  }
  return map;
}

/**
 * What an event name means for a model: { type } (one of its types), { ignored: true } (the map
 * says it is no interest in an item), { missing: kind } (mapped to a kind this model was not
 * trained with) or null (nothing knows the name).
 */
export function resolveEvent(model, name) {
  const { eventTypes, purchaseEvent, eventMap } = model;
  if (eventTypes.includes(name)) return { type: name };
  if (eventMap.has(name)) {
    const kind = eventMap.get(name);
    if (kind === null) return { ignored: true };
    const type = resolveKind(eventTypes, purchaseEvent, kind);
    return type === undefined ? { missing: kind } : { type };
  }
  const type = resolveKind(eventTypes, purchaseEvent, name);
  return type === undefined ? null : { type };
}
