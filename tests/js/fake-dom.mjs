// A minimal DOM for the autoTrack tests in Node: elements with attributes, closest() and
// querySelectorAll() over attribute selectors ('[a]' or '[a], [b]'), clicks that bubble to the
// root's listener, and fake IntersectionObserver / MutationObserver whose callbacks the tests call
// by hand, with mocked timers for the dwell time.
import { mock } from 'node:test';

const names = (selector) => selector.split(',').map((s) => s.trim().slice(1, -1));

export class FakeElement {
  constructor(attrs = {}, children = []) {
    this.nodeType = 1;
    this.attrs = attrs;
    this.children = children;
    this.parent = null;
    this.listeners = new Map();
    for (const c of children) c.parent = this;
  }
  get isConnected() {
    return true;
  }
  getAttribute(name) {
    return this.attrs[name] ?? null;
  }
  hasAttribute(name) {
    return name in this.attrs;
  }
  setAttribute(name, value) {
    this.attrs[name] = String(value);
  }
  closest(selector) {
    const wanted = names(selector);
    for (let e = this; e; e = e.parent) if (wanted.some((n) => e.hasAttribute(n))) return e;
    return null;
  }
  contains(other) {
    for (let e = other; e; e = e.parent) if (e === this) return true;
    return false;
  }
  querySelectorAll(selector) {
    const wanted = names(selector);
    const out = [];
    const walk = (e) => e.children.forEach((c) => (wanted.some((n) => c.hasAttribute(n)) && out.push(c), walk(c)));
    walk(this);
    return out;
  }
  addEventListener(type, fn) {
    this.listeners.set(type, fn);
  }
  removeEventListener(type, fn) {
    if (this.listeners.get(type) === fn) this.listeners.delete(type);
  }
  /** Dispatches a click that bubbles to the root's listener. */
  click() {
    let top = this;
    while (top.parent) top = top.parent;
    top.listeners.get('click')?.({ target: this });
  }
}

/** Two product tiles (A with a cart button), a purchase button naming B, a wishlist button naming B. */
export function page() {
  const img = new FakeElement();
  const cartButton = new FakeElement({ 'data-tandem-event': 'cart' });
  const cardA = new FakeElement({ 'data-tandem-item': 'A' }, [img, cartButton]);
  const cardC = new FakeElement({ 'data-tandem-item': 'C' });
  const buyB = new FakeElement({ 'data-tandem-event': 'purchase', 'data-tandem-item': 'B' });
  const wish = new FakeElement({ 'data-tandem-event': 'wishlist', 'data-tandem-item': 'B' });
  const root = new FakeElement({}, [cardA, cardC, buyB, wish]);
  return { root, img, cartButton, cardA, cardC, buyB, wish };
}

/**
 * Runs fn(observers, mutations) with fake observers installed and setTimeout mocked (and Date,
 * starting at `now`, when given): `observers` collects the IntersectionObservers made, `mutations`
 * the MutationObservers.
 */
export function withObservers(...args) {
  const [{ now } = {}, fn] = args.length === 2 ? args : [{}, args[0]];
  const made = [], mutations = [];
  globalThis.IntersectionObserver = class {
    constructor(callback, options) {
      this.callback = callback;
      this.options = options;
      this.targets = new Set();
      made.push(this);
    }
    observe(el) {
      this.targets.add(el);
    }
    unobserve(el) {
      this.targets.delete(el);
    }
    disconnect() {
      this.targets.clear();
      this.disconnected = true;
    }
  };
  globalThis.MutationObserver = class {
    constructor(callback) {
      this.callback = callback;
      mutations.push(this);
    }
    observe(target, options) {
      this.options = options;
    }
    disconnect() {}
  };
  mock.timers.enable(now === undefined ? { apis: ['setTimeout'] } : { apis: ['setTimeout', 'Date'], now });
  try {
    return fn(made, mutations);
  } finally {
    mock.timers.reset();
    delete globalThis.IntersectionObserver;
    delete globalThis.MutationObserver;
  }
}
