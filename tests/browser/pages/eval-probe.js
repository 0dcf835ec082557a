// Added to the shop page by the CSP test: tries eval in the page's own realm (DevTools-evaluated
// code is exempt from CSP, a script from the origin is not). Under the demo's policy it must fail.
try {
  globalThis.__evalProbe = String(eval('1 + 1'));
} catch (e) {
  globalThis.__evalProbe = e.name;
}
