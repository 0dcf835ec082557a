// Starts worker.js as a module Worker and publishes its answer on the page for the browser test.
const worker = new Worker('/test/worker.js', { type: 'module' });
worker.onmessage = (e) => {
  document.getElementById('out').textContent = JSON.stringify(e.data);
  document.body.dataset.result = JSON.stringify(e.data);
};
worker.onerror = (e) => {
  document.body.dataset.result = JSON.stringify({ error: e.message ?? 'worker failed to start' });
};
