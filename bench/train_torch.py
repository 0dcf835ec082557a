#!/usr/bin/env python3
"""PyTorch CPU reference for tandem's trainer speed (bench/train-speed.sh runs it).

The same model and the same training step as `tandem train` (src/train/trainer.cpp,
sequence.cpp, loss.cpp), on a log in the `sequences` format (Amazon Beauty):

  data      users and items in first-seen order, time = position in the user's line, leave-one-out
            split (last event test, second-last validation, earlier ones train)
  examples  one per shopper: the most recent --max-length training targets, each predicted from
            everything before it; events before the window feed the long-term profile (detached)
            and the repeat term
  batches   --batch-size shoppers per step, shuffled per epoch with tandem's own generator
            (splitmix64, Fisher-Yates, seed mixing), so step k of epoch e holds the same shoppers
            as tandem's step k of epoch e
  model     v_j = E_item[j] (Beauty has no categories); LSTM over x = v + type_emb + gap_emb (dropout on x),
            zero state at the window start and at every session reset; long-term attention pooling
            a_k = q.r_k / sqrt(d) + decay * days_k over r_k = v + lt_type_emb (prefix + window,
            in float64 as tandem does), MLP p = W2 relu(W1 pooled + b1) + b2; dropout on p and h;
            gate g = sigmoid(Wg [p; h] + bg), u = g p + (1 - g) h; scores u.v_j + b_j + repeat
            bonuses of the last --window events; full-softmax cross-entropy over the catalog, mean
            over the batch's targets; global-norm clipping (5); Adam (lr, 0.9, 0.999, 1e-8)
  init      tandem's init_params, value for value (same generator, same order)

With --export W.safetensors it then writes the weights for `tandem import` (the model file's tensor
names, via bench/safetensors_io.py). It times --steps training steps (default: one whole epoch, i.e. the same batches tandem trains
on in its epoch 2) after --warmup untimed steps, and prints training targets per second. It
does not train to convergence. `--check` instead runs epoch 1 without dropout and prints the mean
training loss, to compare with `tandem train --epochs 1 --dropout 0` (same init, same batches).

What differs from tandem (also in bench/README.md, "Trainer speed"):
  - dropout masks come from PyTorch's generator (same rate and scaling, other draws);
  - clip_grad_norm_ scales by 5 / (norm + 1e-6), tandem by 5 / norm;
  - the pooling logit's dot product q.r is float64 here, float32 in tandem (the rest is float64
    in both);
  - order of work: the LSTM steps all of a batch's shoppers at once (one addmm per time step
    over the windows still running, --lstm loop; nn.LSTM on a PackedSequence is slower on CPU,
    --lstm packed), tandem one mat-vec per shopper and step; float32 sums round differently;
  - only what the `sequences` format needs: one event type, no categories, time = position.
With dropout off, epoch 1's mean training loss agrees with tandem's to about 5e-6 (relative).
"""

import argparse
import struct
import json
import math
import os
import sys
import time

import numpy as np

GOLDEN = 0x9E3779B97F4A7C15
MASK64 = (1 << 64) - 1


# ---------------------------------------------------------------- tandem's generator (core/random.h)

def splitmix_next(state):
    """Returns (new_state, output)."""
    state = (state + GOLDEN) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


def mix(a, b):
    _, out = splitmix_next(((a * GOLDEN) & MASK64) ^ b)
    return out


def shuffled_order(n, seed, epoch):
    """Trainer::train_epoch's Fisher-Yates shuffle with Rng(mix(seed, epoch))."""
    state = mix(seed, epoch)
    order = list(range(n))
    for i in range(n, 1, -1):
        state, r = splitmix_next(state)
        j = r % i
        order[i - 1], order[j] = order[j], order[i - 1]
    return order


class UniformStream:
    """Rng::uniform(lo, hi) values in float32, vectorised (splitmix64 is a counter-based stream)."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def uniform(self, count, lo, hi):
        with np.errstate(over="ignore"):
            k = np.arange(1, count + 1, dtype=np.uint64)
            z = np.uint64(self.state) + k * np.uint64(GOLDEN)
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            z = z ^ (z >> np.uint64(31))
        self.state = (self.state + count * GOLDEN) & MASK64
        u = (z >> np.uint64(40)).astype(np.float32) * np.float32(1.0 / 16777216.0)
        lo, hi = np.float32(lo), np.float32(hi)
        return lo + (hi - lo) * u


def log2_bucket(x, buckets):
    if not (x > 0):
        return 0
    b = math.floor(math.log2(1.0 + x))
    return buckets - 1 if b >= buckets - 1 else int(b)


# ---------------------------------------------------------------- data (log_reader, preprocess, split)

def read_sequences(path):
    """`user i1 i2 ...` lines -> per-user (items, types, times); ids in first-seen order."""
    user_index, item_index, users = {}, {}, []
    with open(path) as f:
        for line in f:
            tokens = line.split()
            if not tokens:
                continue
            if len(tokens) < 2:
                continue  # tandem rejects such a line as malformed (not strict: skipped)
            u = user_index.setdefault(tokens[0], len(user_index))
            if u == len(users):
                users.append([])
            for tok in tokens[1:]:
                users[u].append(item_index.setdefault(tok, len(item_index)))
    # One event type ("purchase"), time = position in the user's sequence; already sorted by time,
    # and no exact duplicates are possible (times are distinct).
    events = [(np.array(items, dtype=np.int64), np.zeros(len(items), dtype=np.int64),
               np.arange(len(items), dtype=np.float64)) for items in users]
    return events, len(item_index), list(item_index)


def build_examples(events, max_length, window, gap_buckets, repeat_buckets, session_timeout, time_origin):
    """Trainer's constructor (leave-one-out train targets, truncated windows) plus everything
    sequence_forward derives from the log alone (gap buckets, resets, repeat hits)."""
    examples, targets = [], 0
    for items, types, times in events:
        n = len(items)
        last_target = n - 1 if n < 3 else n - 3  # split.cpp: targets begin+1 .. end-3 (or end-1)
        if last_target < 1:
            continue
        window_end = last_target + 1
        window_begin = window_end - max_length - 1 if window_end > max_length + 1 else 0
        T = window_end - window_begin - 1
        if T <= 0:
            continue
        ws = window_begin
        gaps = np.zeros(T, dtype=np.int64)
        resets = []
        for k in range(T):
            gi = ws + k
            reset = k == 0
            bucket = 0
            if gi > 0:
                dt = times[gi] - times[gi - 1]
                if dt > session_timeout:
                    reset = True
                else:
                    bucket = 1 + log2_bucket(dt, gap_buckets - 1)
            gaps[k] = bucket
            if reset:
                resets.append(k)
        seg_starts = np.array(resets, dtype=np.int64)
        seg_lens = np.diff(np.append(seg_starts, T))
        hit_row, hit_item, hit_bucket, hit_type = [], [], [], []
        for k in range(T):
            last = ws + k
            first = last + 1 - window if last + 1 >= window else 0
            for o in range(first, last + 1):
                hit_row.append(k)
                hit_item.append(items[o])
                hit_bucket.append(log2_bucket(float(last - o), repeat_buckets))
                hit_type.append(types[o])
        examples.append({
            "T": T,
            "in_items": items[ws:ws + T], "in_types": types[ws:ws + T], "gaps": gaps,
            "targets": items[ws + 1:ws + 1 + T],
            "days": (times[ws:ws + T] - time_origin) / 86400.0,
            "seg_starts": seg_starts, "seg_lens": seg_lens,
            "hit_row": np.array(hit_row, dtype=np.int64), "hit_item": np.array(hit_item, dtype=np.int64),
            "hit_bucket": np.array(hit_bucket, dtype=np.int64), "hit_type": np.array(hit_type, dtype=np.int64),
            "prefix_items": items[:ws], "prefix_types": types[:ws],
            "prefix_days": (times[:ws] - time_origin) / 86400.0,
        })
        targets += T
    return examples, targets


def assemble(examples, idx):
    """One step's batch, flattened shopper by shopper; the LSTM's packed (time-major) order."""
    exs = [examples[i] for i in idx]
    Ts = np.array([e["T"] for e in exs], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(Ts)))
    cat = lambda key: np.concatenate([e[key] for e in exs])
    b = {k: cat(k) for k in ("in_items", "in_types", "gaps", "targets", "days",
                             "hit_item", "hit_bucket", "hit_type")}
    b["hit_row"] = np.concatenate([e["hit_row"] + offsets[i] for i, e in enumerate(exs)])
    b["row_example"] = np.repeat(np.arange(len(exs)), Ts)
    b["example_start"] = offsets[:-1]
    # LSTM segments (a shopper's window, split at session resets), longest first (stable).
    seg_start = np.concatenate([e["seg_starts"] + offsets[i] for i, e in enumerate(exs)])
    seg_len = np.concatenate([e["seg_lens"] for e in exs])
    order = np.argsort(-seg_len, kind="stable")
    seg_start, seg_len = seg_start[order], seg_len[order]
    max_len = int(seg_len[0])
    batch_sizes = np.array([(seg_len > t).sum() for t in range(max_len)], dtype=np.int64)
    step_offset = np.concatenate(([0], np.cumsum(batch_sizes)))
    rank = np.repeat(np.arange(len(seg_len)), seg_len)
    t = np.arange(len(rank)) - np.repeat(np.concatenate(([0], np.cumsum(seg_len)))[:-1], seg_len)
    packed_to_flat = np.empty(len(rank), dtype=np.int64)
    packed_to_flat[step_offset[t] + rank] = seg_start[rank] + t
    b["packed_to_flat"] = packed_to_flat
    b["flat_to_packed"] = np.argsort(packed_to_flat)
    b["batch_sizes"] = batch_sizes
    b["prefix"] = [(i, e["prefix_items"], e["prefix_types"], e["prefix_days"])
                   for i, e in enumerate(exs) if len(e["prefix_items"])]
    b["examples"] = len(exs)
    b["m"] = int(offsets[-1])
    return b


# ---------------------------------------------------------------- the model

def build_model(torch, nn, n_items, n_categories, n_types, d, gap_buckets, repeat_buckets, seed):
    """tandem's init_params, value for value, in PyTorch modules."""
    rng = UniformStream(seed)
    emb = np.float32(1.0) / np.sqrt(np.float32(d))
    fan_2d = np.float32(1.0) / np.sqrt(np.float32(2.0) * np.float32(d))
    fan_d = np.float32(1.0) / np.sqrt(np.float32(d))

    def fill(rows, cols, scale):
        return torch.from_numpy(rng.uniform(rows * cols, -scale, scale).reshape(rows, cols))

    m = nn.Module()
    P = lambda t: nn.Parameter(t.contiguous())
    m.item_emb = P(fill(n_items, d, emb))
    m.cat_emb = P(fill(max(1, n_categories), d, emb * np.float32(0.5)))
    m.item_bias = P(torch.zeros(n_items))
    m.type_emb = P(fill(n_types, d, emb))
    m.gap_emb = P(fill(gap_buckets, d, emb))
    lstm_w = fill(4 * d, 2 * d, fan_2d)
    m.lstm = nn.LSTM(d, d, batch_first=False)
    with torch.no_grad():
        m.lstm.weight_ih_l0.copy_(lstm_w[:, :d])
        m.lstm.weight_hh_l0.copy_(lstm_w[:, d:])
        m.lstm.bias_ih_l0.zero_()
        m.lstm.bias_ih_l0[d:2 * d] = 1.0  # forget gate starts open
        m.lstm.bias_hh_l0.zero_()
    m.lstm.bias_hh_l0.requires_grad_(False)  # tandem has one LSTM bias; PyTorch's second stays 0
    m.lt_type_emb = P(fill(n_types, d, emb))
    m.lt_query = P(fill(d, 1, fan_d)[:, 0])
    m.lt_decay = P(torch.zeros(()))
    m.mlp1 = nn.Linear(d, d)
    m.mlp2 = nn.Linear(d, d)
    m.gate = nn.Linear(2 * d, d)
    with torch.no_grad():
        m.mlp1.weight.copy_(fill(d, d, fan_d))
        m.mlp1.bias.zero_()
        m.mlp2.weight.copy_(fill(d, d, fan_d))
        m.mlp2.bias.zero_()
        m.gate.weight.copy_(fill(d, 2 * d, fan_2d))
        m.gate.bias.zero_()
    m.repeat_recency = P(torch.zeros(repeat_buckets))
    m.repeat_type = P(torch.zeros(n_types))
    return m


def lstm_forward(torch, lstm, x, b, mode):
    """h for every row of x (the batch's flat rows), zero state at each segment start.

    packed: nn.LSTM on a PackedSequence (the idiomatic way; its CPU backward narrows the packed
            input projection once per time step, each narrow's gradient a full-size buffer);
    loop:   the same packed layout, one addmm per time step over the segments still running,
            input projection as one GEMM, per-step slices by torch.split (one cat backward);
    padded: nn.LSTM on a [longest segment x segments] zero-padded batch.
    """
    p2f = torch.from_numpy(b["packed_to_flat"])
    f2p = torch.from_numpy(b["flat_to_packed"])
    if mode == "packed":
        from torch.nn.utils.rnn import PackedSequence
        return lstm(PackedSequence(x[p2f], torch.from_numpy(b["batch_sizes"])))[0].data[f2p]
    if mode == "loop":
        w_ih, w_hh, b_ih = lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0
        xw = torch.addmm(b_ih, x[p2f], w_ih.t())  # bias_hh is 0 and frozen
        w_hh_t = w_hh.t()
        sizes = b["batch_sizes"].tolist()
        h = c = None
        outs = []
        for xt in torch.split(xw, sizes):
            bs = xt.shape[0]
            if h is None:
                z = xt
            else:
                h, c = h[:bs], c[:bs]
                z = torch.addmm(xt, h, w_hh_t)
            i, f, g, o = z.chunk(4, 1)
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = i * g if c is None else f * c + i * g
            h = o * torch.tanh(c)
            outs.append(h)
        return torch.cat(outs)[f2p]
    # padded: segment rank s, time t at [t, s]
    sizes = b["batch_sizes"]
    n_seg, max_len = int(sizes[0]), len(sizes)
    rank = np.concatenate([np.arange(k) for k in sizes])
    step = np.repeat(np.arange(max_len), sizes)
    pos = torch.from_numpy(step * n_seg + rank)
    padded = x.new_zeros(max_len * n_seg, x.shape[1]).index_copy(0, pos, x[p2f])
    out = lstm(padded.view(max_len, n_seg, -1))[0].reshape(max_len * n_seg, -1)
    return out[pos][f2p]


def train_step(torch, F, model, opt, b, d, dropout, fusion, clip, lstm_mode="loop", loss_block=256):
    t = lambda a: torch.from_numpy(a)
    in_items, in_types = t(b["in_items"]), t(b["in_types"])
    items = model.item_emb  # Beauty has no categories: v_j = E_item[j] (see main())

    # LSTM over x = v + type_emb + gap_emb, dropout on x, packed over the batch's segments.
    x = items[in_items] + model.type_emb[in_types] + model.gap_emb[t(b["gaps"])]
    if dropout > 0:
        x = F.dropout(x, dropout, True)
    h = lstm_forward(torch, model.lstm, x, b, lstm_mode)

    # Long-term attention pooling over the detached prefix and the window, in float64.
    r = (items[in_items] + model.lt_type_emb[in_types]).double()
    q = model.lt_query.double()
    a = r @ q / math.sqrt(d) + model.lt_decay.double() * t(b["days"])
    ne = b["examples"]
    row_ex = t(b["row_example"])
    prefix_mass = torch.full((ne,), -math.inf, dtype=torch.float64)
    prefix_pooled = torch.zeros(ne, d, dtype=torch.float64)
    if b["prefix"]:
        with torch.no_grad():
            for i, p_items, p_types, p_days in b["prefix"]:
                pr = (items[t(p_items)] + model.lt_type_emb[t(p_types)]).double()
                pa = pr @ q / math.sqrt(d) + model.lt_decay.double() * t(p_days)
                prefix_mass[i] = torch.logsumexp(pa, 0)
                prefix_pooled[i] = torch.softmax(pa, 0) @ pr
    with torch.no_grad():
        ex_max = torch.full((ne,), -math.inf, dtype=torch.float64).scatter_reduce(0, row_ex, a, "amax")
        ex_max = torch.maximum(ex_max, prefix_mass)
    w = torch.exp(a - ex_max[row_ex])
    start = t(b["example_start"])
    cw = torch.cumsum(w, 0)
    cwr = torch.cumsum(w[:, None] * r, 0)
    cw0 = torch.cat((cw.new_zeros(1), cw))[start][row_ex]
    cwr0 = torch.cat((cwr.new_zeros(1, d), cwr))[start][row_ex]
    pw = torch.exp(prefix_mass - ex_max)  # 0 without a prefix
    den = cw - cw0 + pw[row_ex]
    num = cwr - cwr0 + (pw[:, None] * prefix_pooled)[row_ex]
    pooled = (num / den[:, None]).float()

    # MLP, dropout on both fusion inputs, gate.
    p = model.mlp2(torch.relu(model.mlp1(pooled)))
    pin = F.dropout(p, dropout, True) if dropout > 0 else p
    hin = F.dropout(h, dropout, True) if dropout > 0 else h
    if fusion == "gate":
        g = torch.sigmoid(model.gate(torch.cat((pin, hin), 1)))
        u = g * pin + (1 - g) * hin
    elif fusion == "long":
        u = pin
    else:
        u = hin

    # Scores over the whole catalog plus repeat bonuses; mean cross-entropy.
    # In blocks of loss_block rows as tandem's loss does (0: one block), so that no logits buffer
    # passes glibc's 32 MB mmap threshold (each such buffer is mapped and faulted in anew).
    bonus = model.repeat_recency[t(b["hit_bucket"])] + model.repeat_type[t(b["hit_type"])]
    m, hit_row, hit_item = b["m"], b["hit_row"], b["hit_item"]
    block = loss_block if loss_block > 0 else m
    targets = t(b["targets"])
    loss = 0
    for first in range(0, m, block):
        last = min(m, first + block)
        logits = torch.addmm(model.item_bias, u[first:last], items.t())
        h0, h1 = np.searchsorted(hit_row, [first, last])  # hits are sorted by row
        logits.index_put_((t(hit_row[h0:h1] - first), t(hit_item[h0:h1])), bonus[h0:h1], accumulate=True)
        loss = loss + F.cross_entropy(logits, targets[first:last], reduction="sum")
    opt.zero_grad(set_to_none=True)
    (loss / b["m"]).backward()
    if clip > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return float(loss)


def export_for_tandem(torch, model, args, item_ids, time_origin):
    """The trained weights as `tandem import` reads them: the model file's tensor names and shapes
    (src/core/tensors.h), the configuration and the item ids (bench/safetensors_io.py)."""
    from safetensors_io import write_safetensors, floats
    d = args.dim
    with torch.no_grad():
        as_bytes = lambda t: floats(t.detach().float().contiguous().view(-1).tolist())
        lstm_w = torch.cat([model.lstm.weight_ih_l0, model.lstm.weight_hh_l0], dim=1)  # gates i, f, g, o over [x; h]
        tensors = {
            "item_vec": ("F32", [len(item_ids), d], as_bytes(model.item_emb)),  # Beauty: no categories to add
            "item_category": ("I32", [len(item_ids)], struct.pack(f"<{len(item_ids)}i", *([-1] * len(item_ids)))),
            "item_bias": ("F32", [len(item_ids)], as_bytes(model.item_bias)),
            "type_emb": ("F32", [1, d], as_bytes(model.type_emb)),
            "gap_emb": ("F32", [args.gap_buckets, d], as_bytes(model.gap_emb)),
            "lstm_w": ("F32", [4 * d, 2 * d], as_bytes(lstm_w)),
            "lstm_b": ("F32", [4 * d], as_bytes(model.lstm.bias_ih_l0 + model.lstm.bias_hh_l0)),
            "lt_type_emb": ("F32", [1, d], as_bytes(model.lt_type_emb)),
            "lt_query": ("F32", [d], as_bytes(model.lt_query)),
            "lt_decay": ("F32", [], as_bytes(model.lt_decay)),
            "mlp_w1": ("F32", [d, d], as_bytes(model.mlp1.weight)),
            "mlp_b1": ("F32", [d], as_bytes(model.mlp1.bias)),
            "mlp_w2": ("F32", [d, d], as_bytes(model.mlp2.weight)),
            "mlp_b2": ("F32", [d], as_bytes(model.mlp2.bias)),
            "gate_w": ("F32", [d, 2 * d], as_bytes(model.gate.weight)),
            "gate_b": ("F32", [d], as_bytes(model.gate.bias)),
            "repeat_recency": ("F32", [args.repeat_buckets], as_bytes(model.repeat_recency)),
            "repeat_type": ("F32", [1], as_bytes(model.repeat_type)),
        }
    stem = args.export[:-len(".safetensors")] if args.export.endswith(".safetensors") else args.export
    write_safetensors(args.export, tensors, {"format": "tandem", "trained_with": "pytorch"})
    config = {"dim": d, "event_types": ["purchase"], "gap_buckets": args.gap_buckets, "window": args.window,
              "repeat_buckets": args.repeat_buckets, "session_timeout_s": args.session_timeout,
              "time_origin_s": time_origin, "fusion": args.fusion, "purchase_event": "purchase", "categories": []}
    with open(stem + ".config.json", "w") as f:
        json.dump(config, f, indent=2)
    with open(stem + ".ids.txt", "w") as f:
        f.write("".join(i + "\n" for i in item_ids))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data",
                                                     "amazon-beauty", "Beauty.txt"))
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--max-length", type=int, default=200)
    ap.add_argument("--window", type=int, default=50)
    ap.add_argument("--gap-buckets", type=int, default=16)
    ap.add_argument("--repeat-buckets", type=int, default=6)
    ap.add_argument("--session-timeout", type=float, default=1800)
    ap.add_argument("--dropout", type=float, default=0.3)
    ap.add_argument("--lr", type=float, default=0.005)
    ap.add_argument("--clip", type=float, default=5.0)
    ap.add_argument("--fusion", choices=["gate", "long", "short"], default="gate")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--blas-threads", type=int, default=0,
                    help="OpenBLAS threads (pthread build) when not --threads, e.g. --threads 1 --blas-threads 2")
    ap.add_argument("--warmup", type=int, default=5, help="untimed steps (epoch 1) before timing")
    ap.add_argument("--steps", type=int, default=0, help="timed steps (epoch 2 onwards); 0: one whole epoch")
    ap.add_argument("--lstm", choices=["packed", "loop", "padded"], default="loop",
                    help="how the LSTM runs over the batch's variable-length windows (see lstm_forward)")
    ap.add_argument("--loss-block", type=int, default=256, help="rows of logits per block (0: all at once)")
    ap.add_argument("--no-foreach", dest="foreach", action="store_false",
                    help="Adam's per-tensor loop instead of its multi-tensor implementation")
    ap.add_argument("--check", action="store_true", help="epoch 1 without dropout: print the mean training loss")
    ap.add_argument("--json", action="store_true", help="print one JSON line instead of text")
    ap.add_argument("--export", metavar="W.safetensors",
                    help="after training, write the model for `tandem import` (W.safetensors, W.config.json, W.ids.txt)")
    args = ap.parse_args()

    # Before torch loads: OpenMP (intra-op) and OpenBLAS (GEMMs) thread counts.
    blas_threads = args.blas_threads or args.threads
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(args.threads)
    os.environ["OPENBLAS_NUM_THREADS"] = str(blas_threads)
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    t0 = time.perf_counter()
    events, n_items, item_ids = read_sequences(args.data)
    time_origin = max(float(times[-1]) for _, _, times in events if len(times))
    examples, targets = build_examples(events, args.max_length, args.window, args.gap_buckets,
                                       args.repeat_buckets, args.session_timeout, time_origin)
    # Beauty: one event type, no categories (cat_emb is a 1 x d tensor tandem never reads).
    model = build_model(torch, nn, n_items, 0, 1, args.dim, args.gap_buckets, args.repeat_buckets, args.seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=args.lr, betas=(0.9, 0.999), eps=1e-8, foreach=args.foreach)
    batch = args.batch_size
    steps_per_epoch = (len(examples) + batch - 1) // batch
    setup_s = time.perf_counter() - t0
    torch.ones(8, 8) @ torch.ones(8, 8)  # loads the BLAS: which OpenBLAS build (pthread or OpenMP) served it
    with open("/proc/self/maps") as f:
        blas = sorted({os.path.basename(os.path.dirname(line.split()[-1])) for line in f
                       if "libopenblas" in line.split()[-1]}) or ["not OpenBLAS"]
    info = {"implementation": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
            "blas": ",".join(blas), "blas_threads": blas_threads,
            "lstm": args.lstm, "loss_block": args.loss_block, "foreach": args.foreach,
            "batch": batch, "max_length": args.max_length, "window": args.window, "dim": args.dim,
            "items": n_items, "examples": len(examples), "targets_per_epoch": targets,
            "steps_per_epoch": steps_per_epoch, "setup_s": round(setup_s, 2)}

    def batches(epoch):
        order = shuffled_order(len(examples), args.seed, epoch)
        for s in range(steps_per_epoch):
            yield assemble(examples, order[s * batch:(s + 1) * batch])

    dropout = 0.0 if args.check else args.dropout
    if args.check:
        loss_sum, done, t1 = 0.0, 0, time.perf_counter()
        for b in batches(1):
            loss_sum += train_step(torch, F, model, opt, b, args.dim, dropout, args.fusion, args.clip, args.lstm, args.loss_block)
            done += b["m"]
        info.update({"check": "epoch 1, dropout 0", "mean_loss": loss_sum / done, "targets": done,
                     "seconds": round(time.perf_counter() - t1, 2)})
        print(json.dumps(info) if args.json else
              f"pytorch epoch 1 (dropout 0): mean training loss {info['mean_loss']:.6f} over {done} targets")
        return

    it = batches(1)
    for _ in range(min(args.warmup, steps_per_epoch)):
        train_step(torch, F, model, opt, next(it), args.dim, dropout, args.fusion, args.clip, args.lstm, args.loss_block)
    want = args.steps if args.steps > 0 else steps_per_epoch
    done_steps, done_targets, epoch = 0, 0, 2
    step_times = []
    t1 = time.perf_counter()  # the whole loop: shuffling and batch assembly count, as in tandem's epoch
    while done_steps < want:
        for b in batches(epoch):
            ts = time.perf_counter()
            train_step(torch, F, model, opt, b, args.dim, dropout, args.fusion, args.clip, args.lstm, args.loss_block)
            step_times.append(time.perf_counter() - ts)
            done_targets += b["m"]
            done_steps += 1
            if done_steps == want:
                break
        epoch += 1
    elapsed = time.perf_counter() - t1
    info.update({"timed_steps": done_steps, "timed_targets": done_targets, "seconds": round(elapsed, 3),
                 "targets_per_s": round(done_targets / elapsed, 1),
                 "step_only_targets_per_s": round(done_targets / sum(step_times), 1),
                 "median_step_ms": round(1000 * float(np.median(step_times)), 2)})
    if args.export:
        export_for_tandem(torch, model, args, item_ids, time_origin)
    if args.json:
        print(json.dumps(info))
    else:
        print(f"pytorch {info['torch']}, {info['threads']} threads ({info['blas']}, {blas_threads}): {done_steps} steps, {done_targets} targets in "
              f"{elapsed:.2f} s = {info['targets_per_s']:.0f} targets/s ({info['step_only_targets_per_s']:.0f} without batch "
              f"assembly; median step {info['median_step_ms']} ms)")


if __name__ == "__main__":
    sys.exit(main())
