// A React storefront component using tandem-rec/react (built by tests/browser/react.test.mjs with
// esbuild, React from the devDependencies): useTandem loads the model and opens a session,
// useRecommendations re-renders the strip after every event. window.app lets the test click,
// unmount, and check that unmounting closed the session.
import { StrictMode, createElement as h, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { useRecommendations, useTandem } from 'tandem-rec/react';

let current = null; // the session the component last rendered with

function Strip() {
  const { session, error } = useTandem({ modelUrl: '/demo.tandem' }, { session: {} });
  const strip = useRecommendations(session, { k: 6, list: 'react-strip' });
  useEffect(() => {
    current = session;
  }, [session]);
  if (error) return h('p', { id: 'error' }, error.message);
  if (!session) return h('p', { id: 'loading' }, 'Loading…');
  return h(
    'ol',
    { id: 'strip', 'data-tandem-rec': strip[0]?.recommendationId ?? '' },
    strip.map((r) => h('li', { key: r.item, 'data-tandem-item': r.item }, r.item)),
  );
}

const root = createRoot(document.getElementById('root'));
root.render(h(StrictMode, null, h(Strip)));
window.app = {
  click: (items) => items.forEach((item) => current.observe({ item, type: 'click', time: Date.now() })),
  unmount: () => {
    const session = current;
    root.unmount();
    try {
      session.observe({ item: 'SKU-100001', time: Date.now() });
      return 'still open';
    } catch (e) {
      return e.message;
    }
  },
};
