// Bad model files through the JS API: each one is a thrown Error naming the problem, never a wasm
// abort, and the module stays usable afterwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Recommender, fixtureBytes, seal, tensor, unseal, xxh64 } from './helpers.mjs';

const good = () => fixtureBytes();

async function rejects(bytes, message) {
  await assert.rejects(Recommender.create({ modelBuffer: bytes }), (e) => {
    assert.ok(e instanceof Error, 'an Error');
    assert.ok(!(e instanceof WebAssembly.RuntimeError), 'not a wasm abort');
    if (message instanceof RegExp) assert.match(e.message, message);
    else assert.equal(e.message, message);
    return true;
  });
}

function edited(edit) {
  const { header, data } = unseal(good());
  edit(header, data);
  return seal(header, data);
}

test('the independent XXH64 agrees with the file checksum (so re-sealed files are valid)', () => {
  const bytes = good();
  const stored = new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(bytes.length - 8, true);
  assert.equal(xxh64(bytes.subarray(0, bytes.length - 8)), stored);
});

test('empty and truncated files', async () => {
  const bytes = good();
  await rejects(new Uint8Array(0), 'tandem: model file is empty (0 bytes)');
  await rejects(bytes.slice(0, 12), 'tandem: model file is truncated: 12 bytes, shorter than the 16-byte preamble');
  await rejects(bytes.slice(0, 300), /^tandem: model file is truncated: the \d+-byte header at offset 16 runs past the end of the file \(300 bytes\)$/);
  for (const cut of [bytes.length >> 1, bytes.length - 100, bytes.length - 1]) {
    await rejects(bytes.slice(0, cut), new RegExp(`^tandem: model file is truncated: ${cut} bytes, the header describes ${bytes.length} `));
  }
});

test('bad magic, unknown version, checksum mismatch', async () => {
  let bytes = good();
  bytes[3] = 0;
  await rejects(bytes, 'tandem: not a tandem model file: bad magic bytes at offset 0 (found 89 54 44 00 0d 0a 1a 0a, expected 89 54 44 4d 0d 0a 1a 0a)');
  bytes = good();
  bytes[8] = 7;
  await rejects(bytes, 'tandem: unsupported model format version 7 at offset 8 (this build reads version 3)');
  bytes = good();
  bytes[bytes.length - 30] ^= 1;
  await rejects(bytes, /^tandem: model file checksum mismatch: stored [0-9a-f]{16}, computed [0-9a-f]{16} over bytes \[0, \d+\) \(the file is corrupt\)$/);
});

test('invalid header JSON', async () => {
  const { data } = unseal(good());
  await rejects(seal('{"format": "tandem-model", "version": 2,,}', data), /^tandem: model header JSON is invalid near byte 41 /);
});

test('a tensor shape that does not match the dimensions, and an offset past the end', async () => {
  await rejects(
    edited((h) => {
      tensor(h, 'lstm_w').shape = [64, 16];
      tensor(h, 'lstm_w').size = 64 * 16 * 4;
    }),
    'tandem: tensor lstm_w: shape [64, 16] does not match the dimensions (expected [64, 32])',
  );
  let end = 0;
  const past = edited((h, data) => {
    end = data.length;
    tensor(h, 'gate_b').offset = Math.ceil(data.length / 64) * 64 - 64 + 64;
  });
  await rejects(past, new RegExp(`^tandem: tensor gate_b: offset \\d+ \\+ size 64 runs past the end of the data section \\(${end} bytes\\)$`));
});

test('NaN and Inf weights, duplicate item ids, a failed self-test', async () => {
  await rejects(
    edited((h, data) => new DataView(data.buffer).setFloat32(tensor(h, 'mlp_w1').offset + 4 * 20, NaN, true)),
    'tandem: model rejected: tensor mlp_w1 holds a non-finite value (nan) at element 20 (row 1, column 4)',
  );
  await rejects(
    edited((h, data) => new DataView(data.buffer).setFloat32(tensor(h, 'item_bias').offset + 4 * 7, -Infinity, true)),
    'tandem: model rejected: tensor item_bias holds a non-finite value (-inf) at element 7',
  );
  await rejects(
    edited((h, data) => {
      // the ids are a string table: NUL-terminated, back to back; row 5 gets row 2's id
      const ids = tensor(h, 'item_ids').offset, text = new TextEncoder();
      const at = (id) => ids + Buffer.from(data.buffer, data.byteOffset).indexOf(`\0${id}\0`, ids) + 1;
      data.set(text.encode('SKU-100002'), at('SKU-100005'));
    }),
    "tandem: model rejected: duplicate item id 'SKU-100002' at rows 2 and 5",
  );
  const selftest = edited((h) => (h.selftest.scores[0] += 0.25));
  await rejects(selftest, /^tandem: self-test failed: candidate 'SKU-100000' scored [-\d.e]+, the file expects [-\d.e]+ \(tolerance 0.0001\)$/);
  // With verification off, the same weights load.
  const rec = await Recommender.create({ modelBuffer: selftest }, { verify: false });
  assert.equal(rec.itemCount, 300);
  rec.close();
});

test('after all those failures the module still loads a good model', async () => {
  const rec = await Recommender.create({ modelBuffer: good() });
  assert.equal(rec.session().rerank(['SKU-100001']).length, 1);
  rec.close();
});
