#!/usr/bin/env python3
"""Reading and writing safetensors files with the standard library only (no numpy, no torch).

tandem imports weights trained elsewhere as three files (`tandem import --help`, and
docs/model-format.md "Weights from other frameworks"): W.safetensors with the tensors named as
the model file names them, W.config.json with the model's configuration, and W.ids.txt with the
item ids. train_torch.py --export writes them from a PyTorch model; this module is the part that
needs no PyTorch, so it is tested without it:

    python3 bench/safetensors_io.py roundtrip IN.safetensors OUT.safetensors

reads a file and writes it again through this module (the CLI tests check that tandem imports
the result as the same model).
"""
import json
import struct
import sys

# safetensors dtype -> (struct code of one element, bytes)
DTYPES = {"F32": ("f", 4), "I32": ("i", 4), "I8": ("b", 1), "F64": ("d", 8), "I64": ("q", 8)}


def write_safetensors(path, tensors, metadata=None):
    """tensors: {name: (dtype, shape, raw little-endian bytes)}, written in the given order."""
    header, offset, blobs = {}, 0, []
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, (dtype, shape, raw) in tensors.items():
        count = 1
        for extent in shape:
            count *= extent
        if len(raw) != count * DTYPES[dtype][1]:
            raise ValueError(f"{name}: {len(raw)} bytes for shape {shape} of {dtype}")
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def read_safetensors(path):
    """-> ({name: (dtype, shape, raw bytes)}, metadata), tensors in file order of their offsets."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    body = data[8 + n:]
    tensors = {}
    for name, t in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, end = t["data_offsets"]
        tensors[name] = (t["dtype"], t["shape"], body[begin:end])
    return tensors, metadata


def floats(values):
    """A flat list of Python floats as little-endian float32 bytes."""
    return struct.pack(f"<{len(values)}f", *values)


def main(argv):
    if len(argv) == 4 and argv[1] == "roundtrip":
        tensors, metadata = read_safetensors(argv[2])
        write_safetensors(argv[3], tensors, metadata)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
