"""Readers of the scripts' sequence inputs: FASTA, its one-hot encoding
(docs/scoring.md: rows A, C, G, T; any other letter an all-zero column) and
MEME minimal-format motifs (https://meme-suite.org/meme/doc/meme-format.html).
These are lenient readers for files the project itself wrote; the C++ readers
(src/io/fasta_reader.cpp, src/motifs/pwm.cpp) are the ones that check input.
"""
import numpy as np


def read_meme(path):
    """{name: (w, 4) array of probabilities, rows A C G T} in file order."""
    motifs, rows, in_matrix = {}, None, False
    with open(path) as handle:
        for line in handle:
            words = line.split()
            if line.startswith("MOTIF"):
                rows, in_matrix = [], False
                motifs[words[1]] = rows
            elif line.startswith("letter-probability matrix"):
                in_matrix = True
            elif in_matrix and len(words) == 4:
                rows.append([float(w) for w in words])
            elif in_matrix and rows:
                in_matrix = False
    return {name: np.array(r, dtype=np.float64) for name, r in motifs.items()}


def read_fasta(path):
    names, seqs = [], []
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if line.startswith(">"):
                names.append(line[1:].split()[0])
                seqs.append([])
            elif line:
                seqs[-1].append(line)
    return names, ["".join(s).upper() for s in seqs]


def one_hot(seqs):
    """(N, 4, L) float64, rows A C G T; any other letter is all zero."""
    table = np.full(256, 4, dtype=np.int64)
    for i, c in enumerate(b"ACGT"):
        table[c] = i
    codes = table[np.frombuffer("".join(seqs).encode("ascii"), dtype=np.uint8)].reshape(len(seqs), -1)
    out = np.zeros((len(seqs), 5, codes.shape[1]))
    np.put_along_axis(out, codes[:, None, :], 1.0, axis=1)
    return out[:, :4, :]
