// A classic script using the global of tandem.iife.js. ?wasmPath=/folder: the wasm from a hosted
// folder instead of beside the script.
(function () {
  var wasmPath = new URLSearchParams(location.search).get('wasmPath');
  var report = function (result) {
    document.body.dataset.result = JSON.stringify(result);
  };
  tandem.Recommender.create({ modelUrl: '/demo.tandem' }, wasmPath ? { wasmPath: wasmPath } : {})
    .then(function (rec) {
      var shopper = rec.session();
      shopper.observe({ item: 'SKU-100020', type: 'click', time: Date.now() });
      var ranked = shopper.rerank(['SKU-100001', 'SKU-100020', 'SKU-100150']);
      report({
        itemCount: rec.itemCount,
        ranked: ranked.map(function (r) { return r.item; }).sort(),
        arm: ranked[0].arm,
        global: Object.keys(tandem).sort(),
      });
    })
    .catch(function (e) {
      report({ error: e.message });
    });
})();
