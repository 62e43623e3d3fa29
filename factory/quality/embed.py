"""Sentence embedders for the quality steps: `embed(texts) -> float32 [n, d]`, rows L2-normalized,
so a dot product is a cosine.

- `WordLlamaEmbedder` (the default): wordllama's `l2_supercat` weights, 16 MB, shipped inside the
  PyPI wheel; numpy only, no torch, no model hub. wordllama 0.4.0 looks for the tokenizer file in
  a `tokenizer/` folder while its wheel has `tokenizers/`, so the package folder is passed as the
  cache folder (`weights/` and `tokenizers/` both resolve) with downloads off. License: the package
  is MIT (PyPI metadata); its README says the weights were trained from the token-embedding
  codebooks of Llama 2 70B and phi-3 medium, so the Llama 2 Community License may also reach them.
- `SentenceTransformerEmbedder`: a sentence-transformers model from a local folder (torch).

Texts are embedded once each per process (a cache by embedder and text): rounds re-read the rows
kept before, and every run of a process (a sweep's, a test suite's) shares the benchmarks'.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

_CACHES: dict[str, dict[str, np.ndarray]] = {}


class _Cached:
    name = ""

    @property
    def _cache(self) -> dict[str, np.ndarray]:
        return _CACHES.setdefault(self.name, {})

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            for text, row in zip(missing, self._encode(missing)):
                self._cache[text] = row
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    dim: int = 0


def _unit(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


@lru_cache(maxsize=4)
def _wordllama(dim: int):
    import wordllama
    from wordllama import WordLlama

    return WordLlama.load(dim=dim, cache_dir=Path(wordllama.__file__).parent, disable_download=True)


class WordLlamaEmbedder(_Cached):
    def __init__(self, dim: int = 256, batch_size: int = 64):  # a batch pads to its longest text
        self._model = _wordllama(dim)
        self.dim, self._batch = dim, batch_size
        self.name = f"wordllama-l2_supercat-{dim}"

    def _encode(self, texts: list[str]) -> np.ndarray:
        return _unit(self._model.embed(texts, batch_size=self._batch))


class SentenceTransformerEmbedder(_Cached):
    def __init__(self, path: str, device: str = "cpu"):
        if not Path(path).is_dir():
            raise FileNotFoundError(f"embedder: {path!r} is not a local sentence-transformers folder")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(path, device=device)
        self.dim = self._model.get_sentence_embedding_dimension()
        self.name = f"sentence-transformers:{Path(path).name}"

    def _encode(self, texts: list[str]) -> np.ndarray:
        return _unit(self._model.encode(texts, convert_to_numpy=True))


def embed_cached(embedder, texts: Sequence[str], cache_dir: Path | None) -> np.ndarray:
    """`embedder.embed(texts)`, kept on disk under `cache_dir` (the benchmarks' ~7,000 texts take
    seconds to embed, and every run of every process needs them); no cache_dir: in memory only."""
    if cache_dir is None:
        return embedder.embed(list(texts))
    key = hashlib.sha256("\0".join([embedder.name, *texts]).encode()).hexdigest()[:16]
    path = Path(cache_dir) / f"{embedder.name}-{key}.npy"
    if path.is_file():
        return np.load(path)
    matrix = embedder.embed(list(texts))
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(scratch, matrix)
    os.replace(scratch, path)
    return matrix
