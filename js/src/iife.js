// Entry of the classic-script build (tandem.iife.js): the package's API on the global `tandem`
// (window.tandem.Recommender), for pages without a bundler or module scripts (themes, tag managers).
export * from './index.js';
