"""Text to numbers: tokens, vocabularies, language-model windows and the
machine-translation arrays of D2L chapters 9–11.

Plain Python and numpy on purpose: Keras' text layers (``TextVectorization``,
``StringLookup``) need TensorFlow, which the workbook never imports.
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

UNK = "<unk>"
PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"


def preprocess_time_machine(text: str) -> str:
    """The book's cleaning: every run of non-letters becomes one space, then lower case."""
    return re.sub("[^A-Za-z]+", " ", text).lower()


def tokenize(text: str, level: str = "char") -> list[str]:
    """Characters (``level="char"``, spaces included) or words (split on whitespace)."""
    if level == "char":
        return list(text)
    if level == "word":
        return text.split()
    raise ValueError(f"level must be 'char' or 'word', got {level!r}")


def _flatten(tokens) -> list[str]:
    tokens = list(tokens)
    if tokens and isinstance(tokens[0], (list, tuple)):
        return [token for line in tokens for token in line]
    return tokens


class Vocab:
    """Tokens to indices and back, in the D2L book's index order.

    Indices follow ``sorted(set(["<unk>"] + reserved + frequent tokens))``: the
    book sorts the token strings, so for the Time Machine characters ``' '`` is
    0, ``'<unk>'`` is 1 and ``'a'`` is 2. Tokens seen fewer than ``min_freq``
    times map to ``<unk>``, as does any token never seen.
    """

    def __init__(self, tokens: Iterable = (), min_freq: int = 0,
                 reserved_tokens: Sequence[str] = ()):
        counter = collections.Counter(_flatten(tokens))
        # sorted() is stable and Counter keeps first-seen order: ties stay in text order
        self.token_freqs: list[tuple[str, int]] = sorted(
            counter.items(), key=lambda item: item[1], reverse=True)
        frequent = [token for token, count in self.token_freqs if count >= min_freq]
        self.idx_to_token: list[str] = sorted(set([UNK, *reserved_tokens, *frequent]))
        self.token_to_idx: dict[str, int] = {t: i for i, t in enumerate(self.idx_to_token)}

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        if isinstance(tokens, (list, tuple)):
            return [self[token] for token in tokens]
        return self.token_to_idx.get(tokens, self.unk)

    def __contains__(self, token) -> bool:
        return token in self.token_to_idx

    def to_tokens(self, indices):
        """One token for one index, a list for a list (or array) of indices."""
        if isinstance(indices, (list, tuple, np.ndarray)):
            return [self.idx_to_token[int(index)] for index in indices]
        return self.idx_to_token[int(indices)]

    @property
    def unk(self) -> int:
        return self.token_to_idx[UNK]

    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        return np.asarray(self[list(tokens)], dtype=np.int32)

    def decode(self, indices, sep: str = "") -> str:
        return sep.join(self.to_tokens(list(np.asarray(indices).reshape(-1))))

    def __repr__(self) -> str:
        head = ", ".join(repr(t) for t in self.idx_to_token[:8])
        return f"Vocab({len(self)} tokens: {head}{', ...' if len(self) > 8 else ''})"


def lm_windows(indices, num_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Every overlapping window of ``num_steps + 1`` tokens, split into the
    inputs ``X = w[:-1]`` and the targets ``Y = w[1:]`` (shifted by one)."""
    indices = np.asarray(indices, dtype=np.int32).reshape(-1)
    if num_steps < 1:
        raise ValueError(f"num_steps must be >= 1, got {num_steps}")
    count = len(indices) - num_steps
    if count < 1:
        raise ValueError(f"a corpus of {len(indices)} tokens has no window of "
                         f"{num_steps + 1} tokens")
    windows = np.lib.stride_tricks.sliding_window_view(indices, num_steps + 1)[:count]
    return windows[:, :-1].copy(), windows[:, 1:].copy()


def lm_split(indices, num_steps: int, num_train: int, num_val: int):
    """``(X_train, Y_train, X_val, Y_val)``: the first ``num_train`` windows
    for training, the next ``num_val`` for validation (the book's split)."""
    X, Y = lm_windows(indices, num_steps)
    if num_train + num_val > len(X):
        raise ValueError(f"asked for {num_train} + {num_val} windows, the corpus has {len(X)}")
    end = num_train + num_val
    return X[:num_train], Y[:num_train], X[num_train:end], Y[num_train:end]


# --- machine translation (D2L 10.5) -------------------------------------------

def preprocess_translation(text: str) -> str:
    """Narrow and plain no-break spaces become spaces, a space goes before
    ``, . ! ?`` where there is none, and everything is lower-cased."""
    text = text.replace("\u202f", " ").replace("\xa0", " ").lower()
    return re.sub(r"(?<=[^ ])([,.!?])", r" \1", text)


def tokenize_translation(text: str, max_examples: int | None = None):
    """``(source, target)`` token lists, one pair per tab-separated line,
    each sentence split on spaces and ended with ``<eos>``. Lines without a
    tab are skipped; a third column (Tatoeba's attribution) is ignored."""
    source, target = [], []
    for line in text.split("\n"):
        if max_examples is not None and len(source) >= max_examples:
            break
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        source.append([token for token in parts[0].split(" ") if token] + [EOS])
        target.append([token for token in parts[1].split(" ") if token] + [EOS])
    return source, target


def pad_or_trim(tokens: Sequence[str], num_steps: int, pad: str = PAD) -> list[str]:
    tokens = list(tokens)
    return tokens[:num_steps] if len(tokens) > num_steps else tokens + [pad] * (num_steps - len(tokens))


@dataclass
class TranslationData:
    """Arrays for a sequence-to-sequence model (all int32, ``T = num_steps``).

    ``src`` (N, T) source indices, padded or trimmed; ``tgt_in`` (N, T) the
    decoder input, ``<bos>`` followed by the target; ``tgt_out`` (N, T) the
    labels, the target shifted by one; ``src_valid_len`` / ``tgt_valid_len``
    (N,) the number of tokens that are not ``<pad>``.
    """

    src: np.ndarray
    tgt_in: np.ndarray
    src_valid_len: np.ndarray
    tgt_out: np.ndarray
    tgt_valid_len: np.ndarray
    src_vocab: Vocab
    tgt_vocab: Vocab
    num_steps: int

    def __len__(self) -> int:
        return len(self.src)

    def subset(self, rows) -> "TranslationData":
        pick = lambda array: array[rows]  # noqa: E731
        return TranslationData(pick(self.src), pick(self.tgt_in), pick(self.src_valid_len),
                               pick(self.tgt_out), pick(self.tgt_valid_len),
                               self.src_vocab, self.tgt_vocab, self.num_steps)

    def inputs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What a teacher-forced model reads: ``(src, tgt_in, src_valid_len)``."""
        return self.src, self.tgt_in, self.src_valid_len

    def encode_pairs(self, sources: Sequence[str], targets: Sequence[str]) -> "TranslationData":
        """New sentence pairs as arrays with this data's vocabularies (the book's ``build``)."""
        raw = "\n".join(f"{s}\t{t}" for s, t in zip(sources, targets, strict=True))
        src, tgt = tokenize_translation(preprocess_translation(raw))
        return translation_arrays(src, tgt, self.num_steps, self.src_vocab, self.tgt_vocab)

    def encode_source(self, sentences: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``(src, src_valid_len)`` for new source sentences, to translate them."""
        data = self.encode_pairs(sentences, [""] * len(sentences))
        return data.src, data.src_valid_len


def _index_array(sentences, vocab: Vocab) -> tuple[np.ndarray, np.ndarray]:
    array = np.asarray([vocab[sentence] for sentence in sentences], dtype=np.int32)
    array = array.reshape(len(sentences), -1)
    return array, (array != vocab[PAD]).sum(axis=1).astype(np.int32)


def translation_arrays(source, target, num_steps: int, src_vocab: Vocab | None = None,
                       tgt_vocab: Vocab | None = None, min_freq: int = 2) -> TranslationData:
    """The book's ``_build_arrays``: pad or trim every sentence to ``num_steps``,
    put ``<bos>`` before each target, and build the vocabularies (tokens seen
    fewer than ``min_freq`` times become ``<unk>``) unless they are given."""
    if len(source) != len(target):
        raise ValueError(f"{len(source)} source sentences but {len(target)} targets")
    reserved = (PAD, BOS, EOS)
    src = [pad_or_trim(sentence, num_steps) for sentence in source]
    tgt = [[BOS] + pad_or_trim(sentence, num_steps) for sentence in target]
    src_vocab = src_vocab or Vocab(src, min_freq=min_freq, reserved_tokens=reserved)
    tgt_vocab = tgt_vocab or Vocab(tgt, min_freq=min_freq, reserved_tokens=reserved)
    src_array, src_valid = _index_array(src, src_vocab)
    tgt_array, _ = _index_array(tgt, tgt_vocab)
    tgt_out = tgt_array[:, 1:]
    return TranslationData(src_array, tgt_array[:, :-1], src_valid, tgt_out,
                           (tgt_out != tgt_vocab[PAD]).sum(axis=1).astype(np.int32),
                           src_vocab, tgt_vocab, num_steps)


def translation_dataset(raw_text: str, num_steps: int = 9, num_train: int = 512,
                        num_val: int = 128, min_freq: int = 2):
    """``(train, val)`` TranslationData from raw ``source\\ttarget`` lines.

    As in the book, the vocabularies are built on the first
    ``num_train + num_val`` pairs and those pairs are split in order."""
    source, target = tokenize_translation(preprocess_translation(raw_text), num_train + num_val)
    if len(source) < num_train + num_val:
        raise ValueError(f"asked for {num_train} + {num_val} pairs, the text has {len(source)}")
    data = translation_arrays(source, target, num_steps, min_freq=min_freq)
    return data.subset(slice(0, num_train)), data.subset(slice(num_train, num_train + num_val))
