// A session that keeps nothing until the shopper consents (persist: 'afterConsent'), in the
// browser's real localStorage. ?consent=granted: the consent platform answers yes as the page
// loads (a returning shopper who agreed before); ?holdout=S: the Recommender's holdout share.
// window.shop lets the test browse, grant, revoke and read the session.
import { Recommender } from '/tandem-rec/index.js';

const params = new URLSearchParams(location.search);
try {
  const rec = await Recommender.create({ modelUrl: '/demo.tandem' }, { holdout: Number(params.get('holdout') ?? 0) });
  const session = rec.session({ persist: 'afterConsent', storageKey: 'tandem-consent' });
  if (params.get('consent') === 'granted') await session.grantConsent();
  const items = Array.from({ length: 300 }, (_, i) => `SKU-${100000 + i}`);
  let next = 0;
  window.shop = {
    browse(count) {
      for (let i = 0; i < count; i++) session.observe({ item: items[(next++ * 7) % 300], type: 'click', time: Date.now() });
    },
    grant: () => session.grantConsent(),
    revoke: () => session.revokeConsent(),
    state: () => ({
      recent: session.recentEvents().map((e) => e.item),
      arm: session.measurement.arm,
      stored: Object.keys(localStorage).sort(),
    }),
  };
  document.body.dataset.ready = 'true';
} catch (e) {
  document.body.dataset.error = e.message;
}
