"""workbook.seq2seq: masks, the GRU encoder-decoder, the masked loss, decoding, BLEU."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

import workbook  # noqa: F401  (selects the torch backend)
import keras
from keras import ops

from workbook import seq2seq

A, B, C, EOS = 0, 1, 2, 3
# D2L 10.8's figures: the greedy path A B C <eos> and the better A C B <eos>.
BOOK_TABLE = {(): [.5, .2, .2, .1], (A,): [.1, .4, .3, .2], (A, B): [.2, .2, .4, .2],
              (A, B, C): [.1, .1, .2, .6], (A, C): [.1, .6, .2, .1], (A, C, B): [.1, .2, .1, .6]}


def full_table(vocab, depth, seed):
    """A random next-token distribution after every prefix up to ``depth`` tokens."""
    rng = np.random.default_rng(seed)
    table, frontier = {(): rng.dirichlet(np.ones(vocab))}, [()]
    for _ in range(depth - 1):
        frontier = [p + (t,) for p in frontier for t in range(vocab)]
        table.update({p: rng.dirichlet(np.ones(vocab)) for p in frontier})
    return table


def test_sequence_mask_and_valid_lengths():
    mask = ops.convert_to_numpy(seq2seq.sequence_mask(np.array([0, 2, 4]), 4))
    assert mask.tolist() == [[False] * 4, [True, True, False, False], [True] * 4]
    assert seq2seq.valid_lengths([[5, 6, 1, 1], [5, 1, 1, 1]], pad_id=1).tolist() == [2, 1]


def test_gather_last_valid_reads_the_last_real_step():
    outputs = np.arange(2 * 5 * 3, dtype="float32").reshape(2, 5, 3)
    got = ops.convert_to_numpy(seq2seq.gather_last_valid(outputs, np.array([5, 2])))
    np.testing.assert_array_equal(got, outputs[[0, 1], [4, 1]])


@pytest.fixture(scope="module")
def small_model():
    keras.utils.set_random_seed(0)
    return seq2seq.build_seq2seq(10, 11, 8, 16, 2, dropout=0.2)


def test_encoder_state_ignores_the_padding_after_the_sentence(small_model):
    rng = np.random.default_rng(1)
    src = rng.integers(0, 10, (4, 9)).astype("int32")
    valid = np.array([9, 3, 1, 5], "int32")
    other = src.copy()
    for row, n in enumerate(valid):
        other[row, n:] = rng.integers(0, 10, 9 - n)  # different tokens after the real ones
    outputs, *states = (ops.convert_to_numpy(t) for t in small_model.encoder([src, valid]))
    _, *other_states = (ops.convert_to_numpy(t) for t in small_model.encoder([other, valid]))
    assert outputs.shape == (4, 9, 16) and [s.shape for s in states] == [(4, 16)] * 2
    np.testing.assert_allclose(states[-1], outputs[np.arange(4), valid - 1], atol=1e-6)
    for state, other_state in zip(states, other_states):
        np.testing.assert_allclose(state, other_state, atol=1e-6)
    # the book's enc_output[-1] (the last padded step) does depend on the padding
    assert not np.allclose(outputs[1, -1], ops.convert_to_numpy(
        small_model.encoder([other, valid])[0])[1, -1], atol=1e-4)


def test_stepwise_decoding_equals_the_teacher_forced_model(small_model):
    rng = np.random.default_rng(2)
    src = rng.integers(0, 10, (3, 6)).astype("int32")
    valid = np.array([6, 2, 4], "int32")
    tgt_in = rng.integers(0, 11, (3, 5)).astype("int32")
    full = ops.convert_to_numpy(small_model.model([src, valid, tgt_in], training=False))
    assert full.shape == (3, 5, 11)
    state = small_model.initial_state(src, valid)
    for t in range(5):
        logits, state = small_model.step(tgt_in[:, t], state)
        np.testing.assert_allclose(logits, full[:, t], rtol=1e-4, atol=1e-5)


def test_masked_cross_entropy_averages_over_real_tokens_only():
    rng = np.random.default_rng(3)
    labels = np.array([[4, 5, 1, 1], [6, 1, 1, 1]])  # pad = 1
    logits = rng.normal(size=(2, 4, 7)).astype("float32")
    log_p = seq2seq.log_softmax(logits)
    ce = -np.take_along_axis(log_p, labels[..., None], -1)[..., 0]
    mask = labels != 1
    got = float(seq2seq.masked_cross_entropy(labels, logits, pad_id=1))
    assert got == pytest.approx(ce[mask].mean(), rel=1e-5)
    assert got != pytest.approx(ce.mean(), rel=1e-3)  # averaging over padding differs
    changed = logits.copy()
    changed[~mask] = rng.normal(size=(int((~mask).sum()), 7)) * 50
    assert float(seq2seq.masked_cross_entropy(labels, changed, 1)) == pytest.approx(got, rel=1e-6)
    loss = seq2seq.MaskedSequenceLoss(pad_id=1)
    assert float(loss(labels, logits)) == pytest.approx(got, rel=1e-6)


def test_greedy_decode_stops_each_row_at_its_own_eos():
    table = seq2seq.TableDecoder({(): [.1, .2, .7, 0], (2,): [.1, .1, .1, .7]})  # C, then <eos>
    state = table.initial_state(2)
    assert seq2seq.greedy_decode(table, state, bos=9, eos=EOS, max_len=5) == [[C], [C]]
    book = seq2seq.TableDecoder(BOOK_TABLE)
    assert seq2seq.greedy_decode(book, book.initial_state(), 9, EOS, 4) == [[A, B, C]]
    assert seq2seq.greedy_decode(book, book.initial_state(), 9, EOS, 2) == [[A, B]]


def test_book_beam_search_probabilities():
    book = seq2seq.TableDecoder(BOOK_TABLE)
    assert seq2seq.sequence_probability(book, [A, B, C, EOS]) == pytest.approx(0.048)
    assert seq2seq.sequence_probability(book, [A, C, B, EOS]) == pytest.approx(0.054)
    greedy = seq2seq.beam_search(book, book.initial_state(), 9, EOS, 1, 4)
    assert greedy[0][0] == [A, B, C, EOS]
    assert greedy[0][1] == pytest.approx(math.log(0.048))
    with pytest.raises(KeyError, match="no distribution"):  # B after the first step is not listed
        seq2seq.beam_search(book, book.initial_state(), 9, EOS, 2, 4)
    filled = seq2seq.TableDecoder(BOOK_TABLE, default=[.25] * 4)
    beam = seq2seq.beam_search(filled, filled.initial_state(), 9, EOS, 2, 4)
    assert [seq for seq, _, _ in beam] == [[A, C, B, EOS], [A, B, C, EOS]]
    assert beam[0][2] == pytest.approx(math.log(0.054) / 4 ** 0.75)


def test_beam_search_with_a_wide_beam_is_exhaustive():
    vocab, depth = 4, 3
    table = seq2seq.TableDecoder(full_table(vocab, depth, seed=4))
    ranked = seq2seq.beam_search(table, table.initial_state(), 9, EOS, vocab ** depth, depth, alpha=0.75)
    paths = []  # every sequence up to depth tokens that ends at <eos> or at depth
    for length in range(1, depth + 1):
        for seq in np.ndindex(*(vocab,) * length):
            seq = list(seq)
            if EOS in seq[:-1] or (length < depth and seq[-1] != EOS):
                continue
            lp = math.log(seq2seq.sequence_probability(table, seq))
            paths.append((seq, seq2seq.length_normalized(lp, length, 0.75)))
    best = max(paths, key=lambda p: p[1])
    assert ranked[0][0] == best[0] and ranked[0][2] == pytest.approx(best[1])
    assert len(ranked) == len(paths)


def test_length_normalization_changes_the_winner():
    # a short sequence with the higher probability, a long one with the higher per-token score
    table = seq2seq.TableDecoder({(): [.5, 0, 0, .5], (A,): [.9, 0, 0, .1], (A, A): [0, 0, 0, 1.]})
    plain = seq2seq.beam_search(table, table.initial_state(), 9, EOS, 2, 3, alpha=0.0)
    normalized = seq2seq.beam_search(table, table.initial_state(), 9, EOS, 2, 3, alpha=0.75)
    assert plain[0][0] == [EOS] and normalized[0][0] == [A, A, EOS]


def test_bleu_reproduces_the_book_and_clips_counts():
    pairs = [("va !", "va !"), ("j'ai perdu .", "j'ai perdu ."), ("elle court .", "il est calme ."),
             ("je suis chez moi .", "je suis chez moi .")]
    assert [round(seq2seq.bleu(p, t, 2), 3) for p, t in pairs] == [1.0, 1.0, 0.0, 1.0]
    assert seq2seq.bleu("il est calme", "il est calme .", 2) == pytest.approx(math.exp(-1 / 3))
    # "a a a" against "a b": one "a" can match once; bigrams never match
    assert seq2seq.bleu("a a a", "a b", 1) == pytest.approx((1 / 3) ** 0.5)
    assert seq2seq.bleu([], ["a"], 2) == 0.0
    assert seq2seq.bleu("", "a b", 2) == 0.0
    assert seq2seq.mean_bleu(["a b", "c"], ["a b", "d"], 2) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        seq2seq.mean_bleu(["a"], [], 2)


def test_train_seq2seq_learns_a_copy_task():
    keras.utils.set_random_seed(5)
    rng = np.random.default_rng(5)
    pad, bos, eos = 0, 1, 2
    n, steps = 256, 5
    body = rng.integers(3, 8, (n, 3))
    src = np.hstack([body, np.full((n, 1), eos), np.full((n, 1), pad)]).astype("int32")
    tgt = np.hstack([body, np.full((n, 1), eos), np.full((n, 1), pad)]).astype("int32")
    data = SimpleNamespace(src=src, src_valid_len=np.full(n, 4, "int32"), tgt_out=tgt,
                           tgt_in=np.hstack([np.full((n, 1), bos), tgt[:, :-1]]).astype("int32"),
                           tgt_vocab={"<pad>": pad})
    model = seq2seq.build_seq2seq(8, 8, 16, 32, 1)
    history = seq2seq.train_seq2seq(model.model, data, epochs=15, batch_size=32, learning_rate=0.01,
                                    verbose=0)
    assert model.model.last_fit_path == "fast", model.model.last_fit_reason
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    decoded = seq2seq.greedy_decode(model, model.initial_state(src[:32], data.src_valid_len[:32]),
                                    bos, eos, steps)
    assert np.mean([d == list(b) for d, b in zip(decoded, body[:32])]) > 0.8
