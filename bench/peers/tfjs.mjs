// TensorFlow.js (tfjs-core + the wasm backend, SIMD, one thread) running the tandem model with tf
// ops on tensors made from the model file's weights. The shopper bookkeeping (gap buckets,
// timeout, window, repeat term) is the shared JS of model.mjs.
//
// Driven as a tuned page would (each choice measured, bench/README.md "Side by side"): every call
// in tf.tidy, results read with dataSync (synchronous: no await per call); the fused interest u
// kept between calls and made again after an event (as tandem's session refreshes it); the full
// catalog scored against a transposed copy of the table made once; and a rerank of K candidates
// either gathers their K rows or, when the catalog is at most FULL_SCAN_PER_CANDIDATE × K rows,
// scores the whole catalog and gathers the K scores: the wasm backend's Gather costs about 5 µs
// per gathered row of 64 (K = 1,000 of 50,000: 4.7 ms gathering rows, 1.2 ms scoring all).
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { ShopperState, candidateBonus, readModel, rowsOf } from './model.mjs';

export const name = 'TensorFlow.js wasm';
/** Node 20, 50,000 items: K = 1,000 faster by scoring all (1.2 vs 4.7 ms), K = 100 by gathering rows (0.5 vs 0.8 ms). */
const FULL_SCAN_PER_CANDIDATE = 200;
export const version = () => `tfjs ${tf.version_core}, simd ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}, threads ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')}`;

/** source: { bytes: Uint8Array } or { url }; wasmDir: where the backend's .wasm files are served (browser). */
export async function load(source, { wasmDir } = {}) {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // one thread
  if (wasmDir) setWasmPaths(wasmDir);
  if (tf.getBackend() !== 'wasm') {
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend did not initialise');
  }
  await tf.ready();
  if (!tf.env().getBool('WASM_HAS_SIMD_SUPPORT')) throw new Error('tfjs: wasm SIMD is not available');
  const bytes = source.bytes ?? new Uint8Array(await (await fetch(source.url)).arrayBuffer());
  const model = readModel(bytes);
  const { d, n, tensors: w, layout } = model;
  const t = (name) => tf.tensor(w[name], layout[name].shape, 'float32');
  const W = {
    itemVec: t('item_vec'), itemBias: t('item_bias'), typeEmb: t('type_emb'), gapEmb: t('gap_emb'),
    lstmW: t('lstm_w'), lstmB: t('lstm_b'), gateW: t('gate_w'), gateB: t('gate_b'),
    p: tf.tensor(model.p, [1, d]),
  };
  // The full-catalog product against a [d, N] copy: the wasm backend's matMul with transposeB
  // re-lays the [N, d] table out on every call (about 3× slower at 50,000 items).
  W.itemVecT = tf.transpose(W.itemVec);
  const one = tf.scalar(1);
  const fuse = (h) => {
    const gate = tf.sigmoid(tf.add(tf.matMul(tf.concat([W.p, h], 1), W.gateW, false, true), W.gateB));
    return tf.add(tf.mul(gate, W.p), tf.mul(tf.sub(one, gate), h));
  };
  const read = ([values, indices], ids) => {
    const v = values.dataSync(), idx = indices.dataSync();
    values.dispose();
    indices.dispose();
    const outIds = new Array(idx.length);
    for (let i = 0; i < idx.length; i++) outIds[i] = ids[idx[i]];
    return { ids: outIds, scores: v };
  };

  return {
    model,
    session() {
      const state = new ShopperState(model);
      let h = tf.zeros([1, d]), c = tf.zeros([1, d]);
      let u = null, uVersion = -1;
      const interest = () => {
        if (uVersion !== state.version) {
          if (u) u.dispose();
          u = tf.tidy(() => fuse(h));
          uVersion = state.version;
        }
        return u;
      };
      const rerankRows = (rows, ids, top) => {
        const extra = candidateBonus(state, rows);
        const u = interest();
        return read(
          tf.tidy(() => {
            const r = tf.tensor1d(rows, 'int32');
            const base = n <= FULL_SCAN_PER_CANDIDATE * rows.length
              ? tf.gather(tf.add(tf.reshape(tf.matMul(u, W.itemVecT), [n]), W.itemBias), r)
              : tf.add(tf.reshape(tf.matMul(u, tf.gather(W.itemVec, r), false, true), [rows.length]), tf.gather(W.itemBias, r));
            const s = tf.add(base, tf.tensor1d(extra));
            const { values, indices } = tf.topk(s, Math.min(top, rows.length), true);
            return [values, indices];
          }),
          ids,
        );
      };
      return {
        observe(item, type, time) {
          const e = state.event(item, type, time);
          if (!e) return;
          if (e.reset) {
            h.dispose();
            c.dispose();
            h = tf.zeros([1, d]);
            c = tf.zeros([1, d]);
          }
          const [h2, c2] = tf.tidy(() => {
            // gather, not slice: the wasm backend's slice of a row reads the whole table (10 ms at 50,000 items)
            const row = (table, i) => tf.gather(table, tf.tensor1d([i], 'int32'));
            const x = tf.add(tf.add(row(W.itemVec, e.row), row(W.typeEmb, e.type)), row(W.gapEmb, e.gap));
            const z = tf.add(tf.matMul(tf.concat([x, h], 1), W.lstmW, false, true), W.lstmB);
            const [zi, zf, zg, zo] = tf.split(z, 4, 1);
            const c2 = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zg)));
            return [tf.mul(tf.sigmoid(zo), tf.tanh(c2)), c2];
          });
          h.dispose();
          c.dispose();
          h = h2;
          c = c2;
        },
        rerank: (ids, top) => rerankRows(rowsOf(model, ids), ids, top),
        prepare: (ids) => ({ ids, rows: rowsOf(model, ids) }),
        rerankPrepared: (p, top) => rerankRows(p.rows, p.ids, top),
        recommend(k) {
          const { rows, values } = state.repeatArrays();
          const u = interest(); // outside the tidy below, which would dispose it
          return read(
            tf.tidy(() => {
              let s = tf.add(tf.reshape(tf.matMul(u, W.itemVecT), [n]), W.itemBias);
              if (rows.length) s = tf.add(s, tf.scatterND(tf.tensor2d(rows, [rows.length, 1], 'int32'), tf.tensor1d(values), [n]));
              const { values: v, indices } = tf.topk(s, k, true);
              return [v, indices];
            }),
            model.ids,
          );
        },
      };
    },
    normalize: (r) => r,
    close() {
      for (const x of Object.values(W)) x.dispose();
      one.dispose();
    },
  };
}
