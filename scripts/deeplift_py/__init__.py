"""Python helpers shared by the production scripts and the tests.

  model_file  the model file of docs/model-format.md: architecture checks,
              random weights, safetensors bytes, the atomic write, the header read
  forward     a float64 numpy forward pass of that model (the logits), for
              the test vectors that write-model.py and convert-model embed
  sequences   FASTA, one-hot and MEME readers for the scripts

Production scripts (scripts/convert-model, scripts/write-model.py,
scripts/benchmark-methods, scripts/deeplift_convert) import from here and
never from tests/; tests may import from here. The test oracle
tests/tools/reference_deeplift.py does not: it stays an independent reading
of docs/model-format.md and docs/scoring.md, so that the converter's and the
writer's forward pass are checked against code they do not share.
Needs only numpy.
"""
