#!/usr/bin/env python3
"""Seeded generator of broken inputs for tests/cli/bad_inputs.sh (and kill_writes.sh's good start).

First makes small GOOD artifacts with the real programs (a tiny model trained by sim-train on a
generated image folder, one on HDF5 vectors, embeddings from sim-embed, an HNSW and an exact index
from sim-index, a sim-eval --json baseline) and good datasets (image folder, IDX files, CSV, HDF5
vectors). Then derives BAD variants of each: truncated at several points, wrong magic, a newer
format version, wrong dimensions, a sidecar that does not match its hnswlib file, NaN/Inf vectors,
absurd sizes in headers (which readers must refuse before allocating), random bytes, an empty
file, a directory where a file is expected.

Usage: make_bad_files.py BIN_DIR OUT_DIR [--seed N]
  BIN_DIR holds sim-train, sim-embed, sim-index and sim-eval.
Writes OUT_DIR/good/... , OUT_DIR/bad/... and OUT_DIR/manifest.tsv, whose rows are
  path (relative to OUT_DIR) <TAB> kind <TAB> what is wrong <TAB> as_any_kind
with kind one of: model, embeddings, mismatch (files fine on their own that do not fit the good
image index: another dimension, model or distance, or a vector dataset where embeddings are read),
index, json, images, idx, csv, vectors; as_any_kind "bad", or "other" for a good artifact of another
kind (bad only where `kind` is expected, fine for a reader of any artifact such as sim-info). The
good files have fixed names (see GOOD below).

Python rather than the C++ fixture generator (tests/fixtures): the bad variants are byte surgery
and HDF5 files with crafted attributes and shapes, a few lines each with numpy + h5py (already a
test dependency), and the good artifacts come from running the real programs anyway.
"""
import argparse
import gzip
import os
import shutil
import struct
import subprocess
import sys
import zlib

import h5py
import numpy as np

GOOD = {
    "model": "good/model_images.sim",  # 12x12 grey images, cosine, dim 16
    "model_vectors": "good/model_vectors.sim",  # 8-d vectors
    "embeddings": "good/embeddings.h5",  # model_images over good/data/images
    "index": "good/hnsw.idx",  # HNSW over embeddings.h5 (+ hnsw.idx.g1.hnsw)
    "exact": "good/exact.idx",
    "vindex": "good/vectors.idx",  # HNSW over model_vectors' embeddings of vectors.h5
    "json": "good/baseline.json",  # sim-eval hnsw.idx -i embeddings.h5 --json
    "images": "good/data/images",
    "idx": "good/data/idx",
    "csv": "good/data/vectors.csv",
    "vectors": "good/data/vectors.h5",
}
CLASSES = ["circle", "square", "triangle"]


class Maker:
    def __init__(self, bin_dir, out, seed):
        self.bin, self.out = bin_dir, out
        self.rng = np.random.default_rng(seed)
        self.rows = []

    def path(self, rel):
        return os.path.join(self.out, rel)

    def run(self, prog, *args):
        cmd = [os.path.join(self.bin, prog), *args, "--threads", "1", "-q"]
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("make_bad_files: %s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stderr[-2000:]))

    def bad(self, kind, rel, what, any_kind=True):
        """any_kind=False: a good artifact of another kind, bad only where `kind` is expected."""
        assert "\t" not in what and os.path.lexists(self.path(rel)), rel
        self.rows.append((rel, kind, what, "bad" if any_kind else "other"))

    def write(self, rel, data):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def noise(self, n):
        return self.rng.integers(0, 256, n, dtype=np.uint8).tobytes()


def read(path):
    with open(path, "rb") as f:
        return f.read()


# --- Good data --------------------------------------------------------------------------------


def png_bytes(pixels):
    """A grey 8-bit PNG of a 2-D uint8 array (zlib + CRC by hand: no imaging library needed)."""

    def chunk(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    h, w = pixels.shape
    raw = b"".join(b"\0" + pixels[y].tobytes() for y in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def shape_image(rng, c, size=12):
    """A noisy circle, square or triangle: classes a tiny model can tell apart."""
    y, x = np.mgrid[0:size, 0:size]
    cx, cy = rng.uniform(4, size - 4, 2)
    if c == 0:
        mask = (x - cx) ** 2 + (y - cy) ** 2 < 9
    elif c == 1:
        mask = (abs(x - cx) < 3) & (abs(y - cy) < 3)
    else:
        mask = (y - cy > -3) & (y - cy < 3) & (abs(x - cx) < (y - cy + 3) / 2)
    img = mask * 200 + rng.normal(0, 20, (size, size))
    return np.clip(img, 0, 255).astype(np.uint8)


def write_image_folder(m, rel, per_class=6):
    for c, name in enumerate(CLASSES):
        for i in range(per_class):
            m.write("%s/%s/img%03d.png" % (rel, name, i), png_bytes(shape_image(m.rng, c)))


def idx_bytes(array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx_folder(m, rel, n=30, gz=True):
    labels = np.arange(n) % 3
    images = np.stack([shape_image(m.rng, int(c)) for c in labels])
    wrap = gzip.compress if gz else (lambda b: b)
    suffix = ".gz" if gz else ""
    m.write(rel + "/train-images-idx3-ubyte" + suffix, wrap(idx_bytes(images)))
    m.write(rel + "/train-labels-idx1-ubyte" + suffix, wrap(idx_bytes(labels)))


def vectors(m, n=30, d=8):
    labels = np.arange(n) % 3
    x = m.rng.normal(0, 0.3, (n, d)).astype(np.float32)
    x[np.arange(n), labels] += 2  # each class leans along its own axis
    return x, labels


def write_h5_vectors(m, rel, x, labels):
    with h5py.File(m.path(rel), "w") as f:
        f["features"] = x
        f["labels"] = labels.astype(np.int64)
        f["classes"] = np.array(["a", "b", "c"], dtype=h5py.string_dtype())


def csv_text(x, labels):
    lines = ["id,label," + ",".join("f%d" % j for j in range(x.shape[1]))]
    for i, (row, label) in enumerate(zip(x, labels)):
        lines.append("r%d,%s,%s" % (i, "abc"[label], ",".join("%.4f" % v for v in row)))
    return "\n".join(lines) + "\n"


def make_good(m):
    write_image_folder(m, GOOD["images"])
    write_idx_folder(m, GOOD["idx"])
    x, labels = vectors(m)
    write_h5_vectors(m, GOOD["vectors"], x, labels)
    m.write(GOOD["csv"], csv_text(x, labels).encode())

    g = m.path
    fast = ["--epochs", "2", "--dim", "16", "--seed", "1"]
    m.run("sim-train", g(GOOD["images"]), "-o", g(GOOD["model"]), *fast)
    m.run("sim-train", g(GOOD["images"]), "-o", g("good/model_images_seed2.sim"), "--epochs", "2", "--dim", "16",
          "--seed", "2")
    m.run("sim-train", g(GOOD["vectors"]), "-o", g(GOOD["model_vectors"]), *fast)
    m.run("sim-embed", "-m", g(GOOD["model"]), g(GOOD["images"]), "-o", g(GOOD["embeddings"]), "--no-provenance")
    m.run("sim-embed", "-m", g("good/model_images_seed2.sim"), g(GOOD["images"]), "-o", g("good/embeddings_seed2.h5"),
          "--no-provenance")
    m.run("sim-embed", "-m", g(GOOD["model_vectors"]), g(GOOD["vectors"]), "-o", g("good/vembeddings.h5"),
          "--no-provenance")
    m.run("sim-index", "-i", g(GOOD["embeddings"]), "-o", g(GOOD["index"]))
    m.run("sim-index", "-i", g(GOOD["embeddings"]), "-o", g(GOOD["exact"]), "--exact")
    m.run("sim-index", "-i", g("good/vembeddings.h5"), "-o", g(GOOD["vindex"]))
    m.run("sim-eval", g(GOOD["index"]), "-i", g(GOOD["embeddings"]), "--json", g(GOOD["json"]))


# --- Bad variants: shared byte surgery -----------------------------------------------------------


def truncations(m, kind, good_rel, bad_dir, ext, header_cut, only_header=False):
    """The good file cut inside its header, in the middle, one byte short (of its last byte that is
    not white space, which text formats may drop); empty; random bytes. only_header: for formats
    without a trailer (CSV), where a shorter file can be a good one."""
    data = read(m.path(good_rel))
    cuts = {"header": header_cut, "middle": len(data) // 2, "one_short": len(data.rstrip()) - 1}
    if only_header:
        cuts = {"header": header_cut}
    for name, keep in cuts.items():
        rel = "%s/cut_%s%s" % (bad_dir, name, ext)
        m.write(rel, data[:keep])
        m.bad(kind, rel, "truncated to %d of %d bytes (%s)" % (keep, len(data), name.replace("_", " ")))
    m.write(bad_dir + "/empty" + ext, b"")
    m.bad(kind, bad_dir + "/empty" + ext, "empty file")
    m.write(bad_dir + "/random" + ext, m.noise(len(data)))
    m.bad(kind, bad_dir + "/random" + ext, "random bytes")
    os.makedirs(m.path(bad_dir + "/directory" + ext), exist_ok=True)
    m.bad(kind, bad_dir + "/directory" + ext, "a directory where a file is expected")
    return data


# --- Model ---------------------------------------------------------------------------------------


def model_sections(data):
    at, sections = 12, []
    while True:
        tag = data[at:at + 4]
        (length,) = struct.unpack_from("<Q", data, at + 4)
        if tag == b"END ":
            return sections
        sections.append((tag, data[at + 12:at + 12 + length]))
        at += 12 + length


def model_file(sections, version=1):
    body = b"SIMMODEL" + struct.pack("<I", version)
    for tag, payload in sections:
        body += tag + struct.pack("<Q", len(payload)) + payload
    return body + b"END " + struct.pack("<QI", 4, zlib.crc32(body))


def fingerprint(sections):
    h = 0xCBF29CE484222325
    for tag in (b"WGHT", b"SCPT"):
        for payload in (p for t, p in sections if t == tag):
            for c in payload:
                h = ((h ^ c) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def make_bad_models(m):
    d = "bad/model"
    data = truncations(m, "model", GOOD["model"], d, ".sim", 10)
    sections = model_sections(data)

    def variant(name, what, payload):
        m.write("%s/%s.sim" % (d, name), payload)
        m.bad("model", "%s/%s.sim" % (d, name), what)

    variant("magic", "wrong magic", b"SIMMODEX" + data[8:])
    variant("version", "a newer format version (2)", model_file(sections, version=2))
    huge = bytearray(data)
    struct.pack_into("<Q", huge, 16, 1 << 60)  # HEAD's length
    variant("huge_section", "HEAD section length 2^60", bytes(huge))
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    variant("crc", "one byte flipped in the weights (CRC mismatch)", bytes(flipped))
    variant("trailing", "bytes after the END section", data + b"extra")
    # Valid CRC, damaged content: each reaches a deeper check.
    head = dict(sections)[b"HEAD"]
    others = [(t, p) for t, p in sections if t != b"HEAD"]
    variant("head_not_json", "HEAD is not JSON (valid CRC)", model_file([(b"HEAD", b"{not json")] + others))
    variant("head_huge_dim", "HEAD architecture dim 2^40 (valid CRC)",
            model_file([(b"HEAD", head.replace(b'"dim":16', b'"dim":1099511627776'))] + others))
    variant("no_weights", "no WGHT section (valid CRC)", model_file([(t, p) for t, p in sections if t != b"WGHT"]))
    noise_weights = [(t, m.noise(len(p)) if t == b"WGHT" else p) for t, p in sections]
    fp = fingerprint(noise_weights).encode()
    noise_weights = [(t, p.replace(b'"fingerprint":"' + fingerprint(sections).encode(), b'"fingerprint":"' + fp)
                      if t == b"HEAD" else p) for t, p in noise_weights]
    variant("weights_noise", "WGHT is random bytes (valid CRC and fingerprint)", model_file(noise_weights))
    variant("samples_noise", "SAMP is random bytes (valid CRC)",
            model_file([(t, m.noise(len(p)) if t == b"SAMP" else p) for t, p in sections]))


# --- Embeddings ----------------------------------------------------------------------------------


def h5_copy(m, good_rel, rel, edit):
    shutil.copyfile(m.path(good_rel), m.path(rel))
    with h5py.File(m.path(rel), "r+") as f:
        edit(f)


def rewrite_h5(m, good_rel, rel, edit):
    """A fresh file with every dataset and root attribute of good_rel, after edit(dict, attrs)."""
    with h5py.File(m.path(good_rel), "r") as f:
        sets = {k: f[k][()] for k in f.keys() if isinstance(f[k], h5py.Dataset)}
        attrs = dict(f.attrs)
    edit(sets, attrs)
    with h5py.File(m.path(rel), "w") as f:
        for k, v in sets.items():
            f.create_dataset(k, data=v, dtype=h5py.string_dtype() if v.dtype == object else v.dtype)
        for k, v in attrs.items():
            f.attrs[k] = v


def hdf5_corruptions(m, kind, good_rel, d, ext):
    """Byte-level damage to an HDF5 file: signature, superblock, bytes flipped inside."""
    data = truncations(m, kind, good_rel, d, ext, 40)
    m.write(d + "/magic" + ext, b"\x89HDX" + data[4:])
    m.bad(kind, d + "/magic" + ext, "wrong HDF5 signature")
    m.write(d + "/signature_then_noise" + ext, data[:8] + m.noise(len(data) - 8))
    m.bad(kind, d + "/signature_then_noise" + ext, "HDF5 signature, then random bytes")
    eof = bytearray(data)
    struct.pack_into("<Q", eof, 40, 1 << 60)  # superblock v0 end-of-file address
    m.write(d + "/superblock_eof" + ext, bytes(eof))
    m.bad(kind, d + "/superblock_eof" + ext, "superblock end-of-file address 2^60")


def make_bad_embeddings(m):
    d, g = "bad/embeddings", GOOD["embeddings"]
    os.makedirs(m.path(d), exist_ok=True)
    hdf5_corruptions(m, "embeddings", g, d, ".h5")
    # Left out on purpose: a global heap object whose u64 size field is made huge (e.g. the size of
    # an `ids` string, 0x3a, turned into 0x5600003a by one byte). HDF5 1.10.8 itself then crashes
    # (SIGSEGV in H5HG_read's memcpy, under H5Dread of the variable-length strings); h5py crashes
    # the same way on that file. The size is not visible through the HDF5 API before the read, so
    # sim's reader cannot refuse it first: a test would only test HDF5.

    def attr(name, what, key, value):
        def edit(f):
            if value is None:
                del f.attrs[key]
            else:
                f.attrs[key] = value

        h5_copy(m, g, "%s/%s.h5" % (d, name), edit)
        m.bad("embeddings", "%s/%s.h5" % (d, name), what)

    attr("format", "format attribute is sim-index", "format", "sim-index")
    attr("no_format", "no format attribute", "format", None)
    attr("version", "a newer format version (2)", "version", np.int64(2))
    attr("no_count", "no count trailer (unfinished writer)", "count", None)
    attr("count", "count is not the number of rows", "count", np.int64(17))
    attr("dim", "dim attribute is not the number of columns", "dim", np.int64(8))
    attr("distance", "unknown distance", "distance", "hamming")

    def data(name, what, edit):
        rewrite_h5(m, g, "%s/%s.h5" % (d, name), edit)
        m.bad("embeddings", "%s/%s.h5" % (d, name), what)

    def set_value(key, row, value):
        def edit(sets, attrs):
            sets[key] = sets[key].copy()
            sets[key][row] = value

        return edit

    data("nan", "a NaN in row 3", set_value("embeddings", (3, 1), np.nan))
    data("inf", "an infinity in row 5", set_value("embeddings", (5, 0), np.inf))
    data("label_range", "a label past the classes", set_value("labels", 2, 7))
    data("label_below", "a label below -1", set_value("labels", 2, -5))
    data("labels_short", "labels one shorter than the rows", lambda s, a: s.update(labels=s["labels"][:-1]))
    data("dup_classes", "a class name twice",
         lambda s, a: s.update(classes=np.array(["circle", "circle", "triangle"], dtype=object)))
    data("one_dim", "embeddings is 1-D", lambda s, a: s.update(embeddings=s["embeddings"].ravel()))
    data("strings", "embeddings holds strings",
         lambda s, a: s.update(embeddings=np.array([["x"] * 16] * 18, dtype=object)))
    data("no_ids", "no ids dataset", lambda s, a: s.pop("ids"))
    # Absurd sizes: chunked datasets claiming 2^31 rows with no data written (the file stays tiny).
    rel = d + "/huge_rows.h5"
    shutil.copyfile(m.path(g), m.path(rel))
    with h5py.File(m.path(rel), "r+") as f:
        for key in ("embeddings", "labels", "ids"):
            old = f[key]
            dtype, shape = old.dtype, old.shape
            del f[key]
            f.create_dataset(key, shape=((1 << 31),) + shape[1:], maxshape=(None,) + shape[1:], dtype=dtype,
                             chunks=(1024,) + shape[1:])
        f.attrs["count"] = np.int64(1 << 31)
    m.bad("embeddings", rel, "2^31 rows claimed (chunked, unwritten), count 2^31")
    rel = d + "/huge_labels.h5"
    shutil.copyfile(m.path(g), m.path(rel))
    with h5py.File(m.path(rel), "r+") as f:
        del f["labels"]
        f.create_dataset("labels", shape=(1 << 40,), maxshape=(None,), dtype=np.int64, chunks=(4096,))
    m.bad("embeddings", rel, "labels claims 2^40 entries")
    shutil.copyfile(m.path(GOOD["index"]), m.path(d + "/an_index.h5"))
    m.bad("embeddings", d + "/an_index.h5", "an index sidecar, not embeddings", any_kind=False)

    # Good embeddings that do not fit the good image index (dimension, model, distance).
    shutil.copyfile(m.path("good/vembeddings.h5"), m.path(d + "/mismatch_dim.h5"))
    m.bad("mismatch", d + "/mismatch_dim.h5", "8-d embeddings of another model, for a 16-d index", any_kind=False)
    shutil.copyfile(m.path("good/embeddings_seed2.h5"), m.path(d + "/mismatch_model.h5"))
    m.bad("mismatch", d + "/mismatch_model.h5", "embeddings of another model (fingerprint)", any_kind=False)
    # sim-index -i indexes a vector dataset's features as they are; the other readers refuse one.
    write_h5_vectors(m, d + "/mismatch_vector_dataset.h5", *vectors(m))
    m.bad("mismatch", d + "/mismatch_vector_dataset.h5", "an 8-d vector dataset (features/labels), not embeddings", any_kind=False)
    h5_copy(m, g, d + "/mismatch_distance.h5", lambda f: f.attrs.modify("distance", "euclidean"))
    m.bad("mismatch", d + "/mismatch_distance.h5", "euclidean embeddings for a cosine index", any_kind=False)


# --- Index ---------------------------------------------------------------------------------------


def make_bad_indices(m):
    d = "bad/index"
    os.makedirs(m.path(d), exist_ok=True)
    good_sidecar = m.path(GOOD["index"])
    good_hnsw = read(good_sidecar + ".g1.hnsw")

    def copy(name, sidecar=good_sidecar, hnsw=good_hnsw):
        rel = "%s/%s.idx" % (d, name)
        shutil.copyfile(sidecar, m.path(rel))
        with h5py.File(m.path(rel), "r+") as f:
            f.attrs.modify("hnsw_file", name + ".idx.g1.hnsw")
        if hnsw is not None:
            m.write(rel + ".g1.hnsw", hnsw)
        return rel

    def stamp(rel):
        """Makes the sidecar's record match its (altered) hnswlib file, so deeper checks run."""
        data = read(m.path(rel + ".g1.hnsw"))
        with h5py.File(m.path(rel), "r+") as f:
            f.attrs.modify("hnsw_file_size", np.int64(len(data)))
            f.attrs.modify("hnsw_file_crc32", np.int64(zlib.crc32(data)))

    # The sidecar itself.
    data = read(good_sidecar)
    cuts = {"header": 40, "middle": len(data) // 2, "one_short": len(data) - 1}
    for name, keep in cuts.items():
        rel = copy("sidecar_cut_" + name)
        m.write(rel, read(m.path(rel))[:keep])
        m.bad("index", rel, "sidecar truncated to %d of %d bytes" % (keep, len(data)))
    for name, what, payload in [("empty", "empty sidecar", b""), ("random", "random bytes", m.noise(len(data))),
                                ("magic", "wrong HDF5 signature", b"\x89HDX" + data[4:])]:
        rel = copy(name)
        m.write(rel, payload)
        m.bad("index", rel, what)
    os.makedirs(m.path(d + "/directory.idx"), exist_ok=True)
    m.bad("index", d + "/directory.idx", "a directory where a file is expected")
    shutil.copyfile(m.path(GOOD["embeddings"]), m.path(d + "/embeddings.idx"))
    m.bad("index", d + "/embeddings.idx", "an embeddings file, not an index", any_kind=False)

    def attr(name, what, key, value):
        rel = copy(name)
        with h5py.File(m.path(rel), "r+") as f:
            if value is None:
                del f.attrs[key]
            else:
                f.attrs[key] = value
        m.bad("index", rel, what)

    attr("version", "a newer format version (2)", "version", np.int64(2))
    attr("no_count", "no count trailer (unfinished writer)", "count", None)
    attr("count_huge", "count 2^40", "count", np.int64(1 << 40))
    attr("count_off", "count one more than the items", "count", np.int64(19))
    attr("dim", "dim 8, the hnswlib file holds 16", "dim", np.int64(8))
    attr("dim_zero", "dim 0", "dim", np.int64(0))
    attr("type", "unknown type", "type", "ivf")
    attr("m_huge", "M 2^40", "M", np.int64(1 << 40))
    attr("hnsw_escape", "hnsw_file names a path outside the folder", "hnsw_file", "../hnsw.idx.g1.hnsw")
    attr("deleted_count", "deleted_count disagrees with the flags", "deleted_count", np.int64(3))

    def sets(name, what, edit):
        rel = copy(name)
        with h5py.File(m.path(rel), "r+") as f:
            edit(f)
        m.bad("index", rel, what)

    def replace(key, values, **kw):
        def edit(f):
            del f[key]
            f.create_dataset(key, data=values, **kw)

        return edit

    with h5py.File(good_sidecar, "r") as f:
        ids = [s.decode() for s in f["ids"][()]]
        labels = f["labels"][()]
    sets("dup_ids", "an id twice", replace("ids", np.array([ids[0]] + ids[1:-1] + [ids[0]], dtype=object),
                                           dtype=h5py.string_dtype()))
    sets("label_range", "a label past the classes", replace("labels", np.where(np.arange(len(labels)) == 4, 9, labels)))
    sets("deleted_short", "deleted one shorter than the items", replace("deleted", np.zeros(len(ids) - 1, np.uint8)))
    sets("huge_ids", "ids claims 2^40 entries",
         replace("ids", None, shape=(1 << 40,), maxshape=(None,), dtype=h5py.string_dtype(), chunks=(1024,)))

    # The hnswlib file against its sidecar.
    rel = copy("hnsw_missing", hnsw=None)
    m.bad("index", rel, "the hnswlib file is missing")
    rel = copy("hnsw_directory", hnsw=None)
    os.makedirs(m.path(rel + ".g1.hnsw"))
    m.bad("index", rel, "the hnswlib file is a directory")
    for name, keep in {"header": 50, "middle": len(good_hnsw) // 2, "one_short": len(good_hnsw) - 1}.items():
        rel = copy("hnsw_cut_" + name, hnsw=good_hnsw[:keep])
        m.bad("index", rel, "hnswlib file truncated to %d of %d bytes" % (keep, len(good_hnsw)))
        rel = copy("hnsw_cut_stamped_" + name, hnsw=good_hnsw[:keep])
        stamp(rel)
        m.bad("index", rel, "hnswlib file truncated to %d bytes, sidecar size and CRC updated" % keep)
    other = read(m.path(GOOD["vindex"]) + ".g1.hnsw")
    rel = copy("hnsw_swapped", hnsw=other)
    m.bad("index", rel, "another index's hnswlib file")
    rel = copy("hnsw_random", hnsw=m.noise(len(good_hnsw)))
    m.bad("index", rel, "random bytes of the right size as the hnswlib file")
    vec = bytearray(good_hnsw)
    struct.pack_into("<f", vec, 96 + 4 * 32 + 4, 0.5)  # element 0's first value (M=16: L0 = 4*32 + 4)
    rel = copy("hnsw_changed_vector", hnsw=bytes(vec))
    m.bad("index", rel, "a vector changed in the hnswlib file (CRC mismatch)")

    def header(name, what, offset, fmt, value):
        h = bytearray(good_hnsw)
        struct.pack_into(fmt, h, offset, value)
        rel = copy(name, hnsw=bytes(h))
        stamp(rel)
        m.bad("index", rel, what + ", sidecar size and CRC updated")

    header("hnsw_huge_count", "hnswlib cur_element_count 2^40", 16, "<Q", 1 << 40)
    header("hnsw_huge_max_elements", "hnswlib max_elements 2^40", 8, "<Q", 1 << 40)
    header("hnsw_huge_size_per_element", "hnswlib size_data_per_element 2^40", 24, "<Q", 1 << 40)
    header("hnsw_bad_level", "hnswlib maxlevel 1000", 48, "<i", 1000)
    header("hnsw_bad_entry", "hnswlib enterpoint_node past the elements", 52, "<I", 1 << 30)
    header("hnsw_neighbour", "a level-0 neighbour id out of range", 96 + 4, "<I", 1 << 30)
    nan = bytearray(good_hnsw)
    struct.pack_into("<f", nan, 96 + 4 * 32 + 4, float("nan"))
    rel = copy("hnsw_nan", hnsw=bytes(nan))
    stamp(rel)
    m.bad("index", rel, "NaN in a vector of the hnswlib file, sidecar size and CRC updated")

    # Exact indices: the vectors live in the sidecar.
    def exact(name, what, edit):
        rel = "%s/%s.idx" % (d, name)
        shutil.copyfile(m.path(GOOD["exact"]), m.path(rel))
        with h5py.File(m.path(rel), "r+") as f:
            edit(f)
        m.bad("index", rel, what)

    def nan_vector(f):
        v = f["vectors"][()]
        v[2, 3] = np.nan
        f["vectors"][...] = v

    exact("exact_nan", "exact index with a NaN vector", nan_vector)
    exact("exact_shape", "exact index vectors one row short", replace("vectors", np.zeros((17, 16), np.float32)))
    exact("exact_huge", "exact index vectors claim 2^31 rows",
          replace("vectors", None, shape=(1 << 31, 16), maxshape=(None, 16), dtype=np.float32, chunks=(64, 16)))


# --- sim-eval --baseline JSON --------------------------------------------------------------------


def make_bad_json(m):
    d = "bad/json"
    data = truncations(m, "json", GOOD["json"], d, ".json", 1)
    for name, what, text in [("array", "a JSON array, not an object", b"[1, 2, 3]\n"),
                             ("strings", "figures that are strings", data.replace(b": 0.", b': "0.').replace(
                                 b",\n", b'",\n', 3))]:
        m.write("%s/%s.json" % (d, name), text)
        m.bad("json", "%s/%s.json" % (d, name), what)


# --- Datasets ------------------------------------------------------------------------------------


def make_bad_image_folders(m):
    d = "bad/images"
    png = png_bytes(shape_image(m.rng, 0))

    def folder(name, what, bad_name, payload):
        write_image_folder(m, "%s/%s" % (d, name), per_class=3)
        m.write("%s/%s/circle/%s" % (d, name, bad_name), payload)
        m.bad("images", "%s/%s" % (d, name), what)

    folder("cut_header", "a PNG cut inside its header", "bad.png", png[:20])
    folder("cut_middle", "a PNG cut in the middle", "bad.png", png[:len(png) // 2])
    # Not here: a PNG one byte short (stb_image ignores the IEND chunk's CRC, so the pixels are all
    # there) and a directory named x.png (folders inside a class folder are not read, by design).
    folder("random", "random bytes named .png", "bad.png", m.noise(200))
    folder("empty", "an empty .png", "bad.png", b"")
    huge = bytearray(png)
    struct.pack_into(">II", huge, 16, 1 << 30, 1 << 30)
    struct.pack_into(">I", huge, 29, zlib.crc32(bytes(huge[12:29])))  # keep IHDR's CRC valid
    folder("huge_png", "a PNG whose header claims 2^30 x 2^30 pixels", "bad.png", bytes(huge))
    wide = bytearray(png)
    struct.pack_into(">II", wide, 16, 40000, 40000)
    struct.pack_into(">I", wide, 29, zlib.crc32(bytes(wide[12:29])))
    folder("big_png", "a PNG whose header claims 40000 x 40000 pixels", "bad.png", bytes(wide))
    os.makedirs(m.path(d + "/no_classes"))
    m.bad("images", d + "/no_classes", "an empty folder")


def make_bad_idx_folders(m):
    d = "bad/idx"

    def folder(name, what, images=None, labels=None, gz=False):
        rel = "%s/%s" % (d, name)
        write_idx_folder(m, rel, gz=gz)
        suffix = ".gz" if gz else ""
        for role, payload in (("images-idx3", images), ("labels-idx1", labels)):
            if payload is not None:
                p = m.path("%s/train-%s-ubyte%s" % (rel, role, suffix))
                m.write(p, payload(read(p)))
        m.bad("idx", rel, what)

    folder("images_cut_header", "images cut inside the header", images=lambda b: b[:10])
    folder("images_cut_middle", "images cut in the middle", images=lambda b: b[:len(b) // 2])
    folder("images_one_short", "images one byte short", images=lambda b: b[:-1])
    folder("labels_one_short", "labels one byte short", labels=lambda b: b[:-1])
    folder("images_trailing", "images with a byte after the data", images=lambda b: b + b"\0")
    folder("gz_cut", "gzipped images cut in the middle", images=lambda b: b[:len(b) // 2], gz=True)
    folder("gz_noise", "gzip header, then random bytes", images=lambda b: b[:10] + m.noise(len(b) - 10), gz=True)
    folder("images_type_float", "images of type 0x0D (float)", images=lambda b: b[:2] + b"\x0d" + b[3:])
    folder("images_zero_dim", "an image dimension of 0", images=lambda b: b[:8] + struct.pack(">I", 0) + b[12:])
    folder("images_huge_count", "images header claims 2^31 images of 1x1",
           images=lambda b: bytes([0, 0, 8, 3]) + struct.pack(">III", 1 << 31, 1, 1) + b[16:])
    folder("images_huge", "images header claims 2^31 images of 12x12",
           images=lambda b: b[:4] + struct.pack(">I", 1 << 31) + b[8:])
    folder("labels_huge_count", "labels header claims 2^31 labels",
           labels=lambda b: b[:4] + struct.pack(">I", (1 << 31) - 1) + b[8:])
    folder("labels_count", "30 images, 29 labels", labels=lambda b: b[:4] + struct.pack(">I", 29) + b[8:-1])
    folder("images_rank", "images are 2-D", images=lambda b: bytes([0, 0, 8, 2]) + struct.pack(">II", 30, 144) + b[16:])
    rel = d + "/labels_directory"
    write_idx_folder(m, rel, gz=False)
    os.remove(m.path(rel + "/train-labels-idx1-ubyte"))
    os.makedirs(m.path(rel + "/train-labels-idx1-ubyte"))
    m.bad("idx", rel, "the labels file is a directory")


def make_bad_vector_files(m):
    x, labels = vectors(m)
    d = "bad/csv"
    good_csv = csv_text(x, labels)
    truncations(m, "csv", GOOD["csv"], d, ".csv", 5, only_header=True)
    def field(row, column, value):
        """good_csv with one field of one data row replaced."""
        lines = good_csv.split("\n")
        fields = lines[row + 1].split(",")
        fields[column] = value
        lines[row + 1] = ",".join(fields)
        return "\n".join(lines)

    for name, what, text in [
        ("header_only", "a header and no rows", good_csv.split("\n")[0] + "\n"),
        ("fields", "a row with a missing field", field(2, 3, "").replace(",,", ",", 1)),
        ("nan", "a NaN value", field(3, 2, "nan")),
        ("inf", "an infinite value", field(4, 5, "inf")),
        ("word", "a word where a number goes", field(5, 4, "seven")),
        ("binary", "NUL bytes in the text", good_csv[:50] + "\0\0" + good_csv[50:]),
        ("no_label", "no label column", good_csv.replace("id,label,", "id,kind,", 1)),
    ]:
        m.write("%s/%s.csv" % (d, name), text.encode())
        m.bad("csv", "%s/%s.csv" % (d, name), what)

    d = "bad/vectors"
    os.makedirs(m.path(d), exist_ok=True)
    hdf5_corruptions(m, "vectors", GOOD["vectors"], d, ".h5")

    def h5(name, what, features=None, lab=None, **extra):
        rel = "%s/%s.h5" % (d, name)
        with h5py.File(m.path(rel), "w") as f:
            if features is not None:
                f.create_dataset("features", data=features[0], **features[1])
            if lab is not None:
                f.create_dataset("labels", data=lab[0], **lab[1])
            for k, v in extra.items():
                f[k] = v
        m.bad("vectors", rel, what)

    lab = (labels.astype(np.int64), {})
    xn = x.copy()
    xn[3, 2] = np.nan
    h5("nan", "a NaN feature", (xn, {}), lab)
    xi = x.copy()
    xi[4, 0] = -np.inf
    h5("inf", "an infinite feature", (xi, {}), lab)
    h5("no_features", "no features dataset", None, lab)
    h5("no_labels", "no labels dataset", (x, {}), None)
    h5("labels_short", "labels one shorter than the rows", (x, {}), (labels[:-1].astype(np.int64), {}))
    h5("label_range", "a label past the classes", (x, {}), (np.where(labels == 2, 9, labels).astype(np.int64), {}),
       classes=np.array(["a", "b", "c"], dtype=h5py.string_dtype()))
    h5("features_3d", "features is 3-D", (x.reshape(30, 2, 4), {}), lab)
    h5("features_strings", "features holds strings", (np.array([["x"] * 8] * 30, dtype=object),
                                                       {"dtype": h5py.string_dtype()}), lab)
    unwritten = {"dtype": np.float32, "chunks": (1024, 8), "maxshape": (None, 8)}
    h5("huge_features", "features claims 2^28 x 8 values (chunked, unwritten)",
       (None, dict(unwritten, shape=(1 << 28, 8))), lab)
    h5("huge_features_rows", "features claims 2^31 x 8 values (chunked, unwritten)",
       (None, dict(unwritten, shape=(1 << 31, 8))), lab)
    h5("huge_labels", "labels claims 2^31 entries (chunked, unwritten)", (x, {}),
       (None, {"dtype": np.int64, "shape": (1 << 31,), "chunks": (4096,), "maxshape": (None,)}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("bin_dir")
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if os.path.exists(a.out_dir):
        shutil.rmtree(a.out_dir)  # a stale variant from an older generator must not linger
    os.makedirs(a.out_dir)
    m = Maker(a.bin_dir, os.path.abspath(a.out_dir), a.seed)  # ids are paths: make them absolute
    make_good(m)
    make_bad_models(m)
    make_bad_embeddings(m)
    make_bad_indices(m)
    make_bad_json(m)
    make_bad_image_folders(m)
    make_bad_idx_folders(m)
    make_bad_vector_files(m)
    with open(m.path("manifest.tsv"), "w") as f:
        f.write("path\tkind\twhat\tas_any_kind\n")
        for row in m.rows:
            f.write("\t".join(row) + "\n")
    print("make_bad_files: %d bad files in %s" % (len(m.rows), a.out_dir))


if __name__ == "__main__":
    main()
