// ONNX Runtime Web (wasm execution provider, one thread, SIMD) running the tandem model as four
// ONNX graphs (onnx.mjs) whose weights are external data inside the tandem model file. The shopper
// bookkeeping (gap buckets, timeout, window, repeat term) is the shared JS of model.mjs.
//
// Driven as a tuned page would (each choice measured, bench/README.md "Side by side"): the fused
// interest u is computed once per state, by its own graph at the first ranking after an event (as
// tandem's session refreshes it), so rerank and full-catalog runs take u; the candidates' repeat
// bonuses are one typed-array load each (model.mjs repeatDense); the TopK k tensors are made once
// per k; rows are Int32Arrays fed as they are. The wasm build ORT Web ships has no IO binding
// (no preferredOutputLocation, no pre-allocated outputs): every run copies its inputs in and its
// outputs out.
import * as ort from 'onnxruntime-web';
import { EXTERNAL_FILE, tandemGraphs } from './onnx.mjs';
import { ShopperState, candidateBonus, readModel, rowsOf } from './model.mjs';

export const name = 'ONNX Runtime Web';
export const version = () => `onnxruntime-web ${ort.env.versions?.web ?? ''}`.trim();

/** source: { bytes: Uint8Array } or { url }. */
export async function load(source) {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  ort.env.wasm.proxy = false;
  const bytes = source.bytes ?? new Uint8Array(await (await fetch(source.url)).arrayBuffer());
  const model = readModel(bytes);
  const graphs = tandemGraphs(model);
  const options = {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    externalData: [{ path: EXTERNAL_FILE, data: bytes }],
  };
  const observe = await ort.InferenceSession.create(graphs.observe, options);
  const fuse = await ort.InferenceSession.create(graphs.fuse, options);
  const rerank = await ort.InferenceSession.create(graphs.rerank, options);
  const full = await ort.InferenceSession.create(graphs.full, options);
  const d = model.d;
  const zeros = () => new ort.Tensor('float32', new Float32Array(d), [1, d]);
  const int1 = (v) => new ort.Tensor('int32', Int32Array.of(v), [1]);
  const kTensors = new Map();
  const kTensor = (k) => {
    let t = kTensors.get(k);
    if (!t) kTensors.set(k, (t = new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1])));
    return t;
  };
  const topIds = (out, ids) => {
    const idx = out.indices.data, n = idx.length;
    const outIds = new Array(n);
    for (let i = 0; i < n; i++) outIds[i] = ids[Number(idx[i])];
    return { ids: outIds, scores: out.values.data };
  };

  return {
    model,
    session() {
      const state = new ShopperState(model);
      let h = zeros(), c = zeros();
      let u = null, uVersion = -1;
      const interest = async () => {
        if (uVersion !== state.version) {
          u = (await fuse.run({ h })).u;
          uVersion = state.version;
        }
        return u;
      };
      const rerankRows = async (rows, ids, top) => {
        const extra = candidateBonus(state, rows);
        const out = await rerank.run({
          u: await interest(), rows: new ort.Tensor('int32', rows, [rows.length]), extra: new ort.Tensor('float32', extra, [rows.length]), k: kTensor(Math.min(top, rows.length)),
        });
        return topIds(out, ids);
      };
      return {
        async observe(item, type, time) {
          const e = state.event(item, type, time);
          if (!e) return;
          if (e.reset) {
            h = zeros();
            c = zeros();
          }
          const out = await observe.run({ item: int1(e.row), type: int1(e.type), gap: int1(e.gap), h, c });
          h = out.h_out;
          c = out.c_out;
        },
        rerank: (ids, top) => rerankRows(rowsOf(model, ids), ids, top),
        prepare: (ids) => ({ ids, rows: rowsOf(model, ids) }),
        rerankPrepared: (p, top) => rerankRows(p.rows, p.ids, top),
        async recommend(k) {
          const { rows, values } = state.repeatArrays();
          const out = await full.run({
            u: await interest(), rep_rows: new ort.Tensor('int32', rows, [1, rows.length]), rep_vals: new ort.Tensor('float32', values, [1, values.length]), k: kTensor(k),
          });
          return topIds(out, model.ids);
        },
      };
    },
    normalize: (r) => r,
    async close() {
      await Promise.all([observe.release(), fuse.release(), rerank.release(), full.release()]);
    },
  };
}
