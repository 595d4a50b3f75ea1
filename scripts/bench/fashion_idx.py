"""Reading the gzipped IDX files Fashion-MNIST ships in, for the Python peers of the benchmarks."""
import gzip

import numpy as np


def read_idx(path):
    """The array in an IDX file (MNIST family, unsigned bytes), as numpy reads it: N x H x W or N."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
