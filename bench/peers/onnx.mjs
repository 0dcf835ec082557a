// Bench-only: the ONNX graphs of the tandem model for ONNX Runtime Web, written with a minimal
// protobuf encoder (onnx.proto field numbers; IR version 8, opset 17). The weights are not copied
// into the graphs: every weight initializer is ONNX "external data" pointing at its bytes inside
// the tandem model file itself (tensors are little-endian, row-major, 64-byte aligned there), so
// an ORT page downloads the same model file as the other runtimes plus four graphs of a few
// hundred bytes, which the bench builds in the page from the file's header.
//
//   observe: (item, type, gap: int32[1], h, c: f32[1,d]) -> (h', c')   one LSTM step, gates i,f,g,o
//   fuse:    (h: f32[1,d]) -> u: f32[1,d]                             once per state (the driver
//            runs it at the first rerank after an event, as tandem's session refreshes u lazily)
//   rerank:  (u: f32[1,d], rows: int32[K], extra: f32[K], k: int64[1]) -> TopK (values, indices)
//            scores = u · item_vec[rows] + item_bias[rows] + extra (the repeat term of each row)
//   full:    (u, rep_rows: int32[1,M], rep_vals: f32[1,M], k) -> TopK over the whole catalog
//            scores = u · item_vec + item_bias, then the repeat term as a sparse add (ScatterElements)
// with u = g ⊙ p + (1 - g) ⊙ h, g = σ(gate_w [p; h] + gate_b), p the no-profile long-term interest.
// Measured and not kept (Node, 50,000 items, full top 10): the table as a constant-folded
// Transpose and MatMul(u, table^T) (within noise of Gemm with transB), MatMul(table, u^T) (5×
// slower); for rerank, MatMul of the gathered rows by u^T instead of Gemm (1.4× slower).

export const EXTERNAL_FILE = 'model.tandem';

// ---- protobuf ------------------------------------------------------------------------------------

class Writer {
  constructor() {
    this.parts = [];
    this.length = 0;
  }
  bytes(u8) {
    this.parts.push(u8);
    this.length += u8.length;
  }
  varint(value) {
    let v = BigInt.asUintN(64, BigInt(value));
    const out = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v) b |= 0x80;
      out.push(b);
    } while (v);
    this.bytes(Uint8Array.from(out));
  }
  tag(field, wire) {
    this.varint((field << 3) | wire);
  }
  int(field, value) {
    this.tag(field, 0);
    this.varint(value);
  }
  float(field, value) {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.bytes(b);
  }
  len(field, u8) {
    this.tag(field, 2);
    this.varint(u8.length);
    this.bytes(u8);
  }
  string(field, s) {
    this.len(field, new TextEncoder().encode(s));
  }
  message(field, build) {
    const w = new Writer();
    build(w);
    this.len(field, w.finish());
  }
  finish() {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

export const FLOAT = 1, INT32 = 6, INT64 = 7;

// TensorProto: dims 1, data_type 2, name 8, raw_data 9, external_data 13, data_location 14
function inlineTensor(w, name, type, dims, typed) {
  for (const d of dims) w.int(1, d);
  w.int(2, type);
  w.string(8, name);
  w.len(9, new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
}

function externalTensor(w, name, dims, offset, length) {
  for (const d of dims) w.int(1, d);
  w.int(2, FLOAT);
  w.string(8, name);
  for (const [k, v] of [['location', EXTERNAL_FILE], ['offset', String(offset)], ['length', String(length)]]) {
    w.message(13, (e) => {
      e.string(1, k);
      e.string(2, v);
    });
  }
  w.int(14, 1);
}

// ValueInfoProto: name 1, type 2 -> TypeProto.tensor_type 1 -> elem_type 1, shape 2 -> dim 1 -> dim_value 1 | dim_param 2
function valueInfo(w, name, type, dims) {
  w.string(1, name);
  w.message(2, (t) =>
    t.message(1, (tt) => {
      tt.int(1, type);
      tt.message(2, (s) => {
        for (const d of dims) s.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

// AttributeProto: name 1, f 2, i 3, s 4, type 20 (FLOAT 1, INT 2, STRING 3)
function attribute(w, name, value) {
  w.string(1, name);
  if (typeof value === 'string') {
    w.string(4, value);
    w.int(20, 3);
  } else if (Number.isInteger(value)) {
    w.int(3, value);
    w.int(20, 2);
  } else {
    w.float(2, value);
    w.int(20, 1);
  }
}

/** A ModelProto from { nodes: [[op, inputs, outputs, attrs]], inputs, outputs: [[name, type, dims]], external, inline }. */
export function modelProto(name, { nodes, inputs, outputs, external = [], inline = [] }) {
  const m = new Writer();
  m.int(1, 8); // ir_version
  m.string(2, 'tandem-bench');
  m.message(8, (o) => {
    o.string(1, '');
    o.int(2, 17);
  });
  m.message(7, (g) => {
    nodes.forEach(([op, ins, outs, attrs = {}], i) =>
      g.message(1, (n) => {
        for (const x of ins) n.string(1, x);
        for (const x of outs) n.string(2, x);
        n.string(3, `${op}_${i}`);
        n.string(4, op);
        for (const [k, v] of Object.entries(attrs)) n.message(5, (a) => attribute(a, k, v));
      }),
    );
    g.string(2, name);
    for (const t of external) g.message(5, (w) => externalTensor(w, ...t));
    for (const t of inline) g.message(5, (w) => inlineTensor(w, ...t));
    for (const v of inputs) g.message(11, (w) => valueInfo(w, ...v));
    for (const v of outputs) g.message(12, (w) => valueInfo(w, ...v));
  });
  return m.finish();
}

// ---- the tandem graphs ---------------------------------------------------------------------------

/** The four graphs of a model read by readModel(): { observe, fuse, rerank, full } as .onnx bytes. */
export function tandemGraphs(model) {
  const { d, layout } = model;
  const ext = (name) => [name, layout[name].shape, layout[name].offset, layout[name].size];

  const observe = modelProto('tandem_observe', {
    external: [ext('item_vec'), ext('type_emb'), ext('gap_emb'), ext('lstm_w'), ext('lstm_b')],
    inline: [['split4', INT64, [4], BigInt64Array.from([d, d, d, d], BigInt)]],
    inputs: [['item', INT32, [1]], ['type', INT32, [1]], ['gap', INT32, [1]], ['h', FLOAT, [1, d]], ['c', FLOAT, [1, d]]],
    outputs: [['h_out', FLOAT, [1, d]], ['c_out', FLOAT, [1, d]]],
    nodes: [
      ['Gather', ['item_vec', 'item'], ['xi']],
      ['Gather', ['type_emb', 'type'], ['xt']],
      ['Gather', ['gap_emb', 'gap'], ['xg']],
      ['Add', ['xi', 'xt'], ['x1']],
      ['Add', ['x1', 'xg'], ['x']],
      ['Concat', ['x', 'h'], ['xh'], { axis: 1 }],
      ['Gemm', ['xh', 'lstm_w', 'lstm_b'], ['z'], { transB: 1 }],
      ['Split', ['z', 'split4'], ['zi', 'zf', 'zg', 'zo'], { axis: 1 }],
      ['Sigmoid', ['zi'], ['i']],
      ['Sigmoid', ['zf'], ['f']],
      ['Tanh', ['zg'], ['g']],
      ['Sigmoid', ['zo'], ['o']],
      ['Mul', ['f', 'c'], ['fc']],
      ['Mul', ['i', 'g'], ['ig']],
      ['Add', ['fc', 'ig'], ['c_out']],
      ['Tanh', ['c_out'], ['tc']],
      ['Mul', ['o', 'tc'], ['h_out']],
    ],
  });

  // u = g ⊙ p + (1 - g) ⊙ h with g = σ(gate_w [p; h] + gate_b)
  const fusionInline = [['p', FLOAT, [1, d], model.p], ['one', FLOAT, [1], Float32Array.of(1)]];
  const fusion = [
    ['Concat', ['p', 'h'], ['ph'], { axis: 1 }],
    ['Gemm', ['ph', 'gate_w', 'gate_b'], ['gz'], { transB: 1 }],
    ['Sigmoid', ['gz'], ['gate']],
    ['Mul', ['gate', 'p'], ['gp']],
    ['Sub', ['one', 'gate'], ['omg']],
    ['Mul', ['omg', 'h'], ['gh']],
    ['Add', ['gp', 'gh'], ['u']],
  ];
  const topk = [['TopK', ['s', 'k'], ['values', 'indices'], { axis: 1, largest: 1, sorted: 1 }]];
  const topkOutputs = [['values', FLOAT, [1, 'top']], ['indices', INT64, [1, 'top']]];

  const fuse = modelProto('tandem_fuse', {
    external: [ext('gate_w'), ext('gate_b')],
    inline: fusionInline,
    inputs: [['h', FLOAT, [1, d]]],
    outputs: [['u', FLOAT, [1, d]]],
    nodes: fusion,
  });

  const rerank = modelProto('tandem_rerank', {
    external: [ext('item_vec'), ext('item_bias')],
    inputs: [['u', FLOAT, [1, d]], ['rows', INT32, ['K']], ['extra', FLOAT, ['K']], ['k', INT64, [1]]],
    outputs: topkOutputs,
    nodes: [
      ['Gather', ['item_vec', 'rows'], ['V']],
      ['Gemm', ['u', 'V'], ['s0'], { transB: 1 }],
      ['Gather', ['item_bias', 'rows'], ['b']],
      ['Add', ['s0', 'b'], ['s1']],
      ['Add', ['s1', 'extra'], ['s']],
      ...topk,
    ],
  });

  const full = modelProto('tandem_full', {
    external: [ext('item_vec'), ext('item_bias')],
    inputs: [['u', FLOAT, [1, d]], ['rep_rows', INT32, [1, 'M']], ['rep_vals', FLOAT, [1, 'M']], ['k', INT64, [1]]],
    outputs: topkOutputs,
    nodes: [
      ['Gemm', ['u', 'item_vec', 'item_bias'], ['s0'], { transB: 1 }],
      ['ScatterElements', ['s0', 'rep_rows', 'rep_vals'], ['s'], { axis: 1, reduction: 'add' }],
      ...topk,
    ],
  });
  return { observe, fuse, rerank, full };
}
