"""The text layer: tokens, Vocab, LM windows, the translation arrays, the
generated corpora, and the two text data sets served from fake downloads."""

import hashlib
import io
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from workbook import synthetic_text, text
from workbook.datasets import DatasetUnavailable, cache, load_fra_eng, load_time_machine
from workbook.datasets import text as text_sets
from workbook.datasets.status import cache_status

FIXTURES = Path(__file__).parent / "fixtures" / "text"
_FRENCH_NOUN = {"cat": "chat", "dog": "chien", "book": "livre", "car": "voiture",
                "house": "maison", "apple": "pomme"}


def _serve(monkeypatch, attr, path: Path, checksum: str | None = None):
    checksum = checksum or hashlib.sha1(path.read_bytes()).hexdigest()
    remote = cache.RemoteFile(getattr(text_sets, attr).name, (path.as_uri(),), checksum, "sha1")
    monkeypatch.setattr(text_sets, attr, remote)


def test_preprocess_and_tokenize_like_the_book():
    raw = (FIXTURES / "short_story.txt").read_text()
    clean = text.preprocess_time_machine(raw)
    assert clean.startswith("the lighthouse keeper s clock written for the keras workbook")
    assert set(clean) <= set("abcdefghijklmnopqrstuvwxyz ")
    assert "  " not in clean
    assert text.tokenize("ab c")[:4] == ["a", "b", " ", "c"]
    assert text.tokenize("the time  machine", "word") == ["the", "time", "machine"]
    with pytest.raises(ValueError, match="'char' or 'word'"):
        text.tokenize("x", "sentence")


def test_vocab_uses_the_books_sorted_index_order():
    tokens = text.tokenize(text.preprocess_time_machine((FIXTURES / "short_story.txt").read_text()))
    vocab = text.Vocab(tokens)
    # sorted strings: ' ' < '<unk>' < 'a' < 'b' ... as in the book's Time Machine vocabulary
    assert vocab.idx_to_token[:3] == [" ", "<unk>", "a"]
    assert vocab[" "] == 0 and vocab.unk == 1 and vocab["a"] == 2
    assert vocab["#"] == vocab.unk and "#" not in vocab
    counts = Counter(tokens)
    assert vocab.token_freqs[0] == counts.most_common(1)[0]
    assert [n for _, n in vocab.token_freqs] == sorted(counts.values(), reverse=True)
    indices = vocab[list("the time")]
    assert vocab.to_tokens(indices) == list("the time")
    assert vocab.decode(vocab.encode(list("clock"))) == "clock"
    assert vocab.encode(["a"]).dtype == np.int32


def test_vocab_min_freq_reserved_and_ties_in_text_order():
    vocab = text.Vocab([["b", "a", "b"], ["c", "a", "d"]], min_freq=2, reserved_tokens=["<pad>"])
    assert vocab.idx_to_token == ["<pad>", "<unk>", "a", "b"]
    assert vocab["c"] == vocab.unk  # seen once, below min_freq
    assert vocab.token_freqs == [("b", 2), ("a", 2), ("c", 1), ("d", 1)]  # ties keep text order


def test_lm_windows_shift_targets_by_one():
    X, Y = text.lm_windows(np.arange(10), 3)
    assert X.shape == Y.shape == (7, 3) and X.dtype == np.int32
    np.testing.assert_array_equal(X[0], [0, 1, 2])
    np.testing.assert_array_equal(Y[0], [1, 2, 3])
    np.testing.assert_array_equal(Y[-1], [7, 8, 9])
    np.testing.assert_array_equal(X[:, 1:], Y[:, :-1])
    Xt, Yt, Xv, Yv = text.lm_split(np.arange(10), 3, 4, 2)
    assert len(Xt) == 4 and len(Xv) == 2
    np.testing.assert_array_equal(Xv[0], [4, 5, 6])
    with pytest.raises(ValueError, match="has 7"):
        text.lm_split(np.arange(10), 3, 6, 2)
    with pytest.raises(ValueError, match="no window"):
        text.lm_windows([1, 2], 5)


def test_translation_preprocessing_and_tokens():
    raw = (FIXTURES / "fra_eng_sample.txt").read_text(encoding="utf-8")
    clean = text.preprocess_translation(raw)
    assert "\u202f" not in clean and "\xa0" not in clean
    assert clean.startswith("go .\tva !\nhi .\tsalut !\nrun !\tcours !")
    source, target = text.tokenize_translation(clean)
    assert len(source) == len(target) == 10  # the line without a tab is skipped
    assert source[0] == ["go", ".", "<eos>"] and target[0] == ["va", "!", "<eos>"]
    assert source[8] == ["stop", ",please", "!", "<eos>"]  # the book adds no space after a comma
    assert target[8] == ["arrête", ",", "s'il", "te", "plaît", "!", "<eos>"]
    assert target[-1] == ["merci", ".", "<eos>"]  # the attribution column is ignored
    assert len(text.tokenize_translation(clean, max_examples=3)[0]) == 3


def test_translation_arrays_match_the_books_layout():
    raw = (FIXTURES / "fra_eng_sample.txt").read_text(encoding="utf-8")
    source, target = text.tokenize_translation(text.preprocess_translation(raw))
    data = text.translation_arrays(source, target, num_steps=9, min_freq=1)
    assert data.src.shape == data.tgt_in.shape == data.tgt_out.shape == (10, 9)
    src_v, tgt_v = data.src_vocab, data.tgt_vocab
    # sorted reserved tokens: <bos> < <eos> < <pad> < <unk>, as in the book's printout
    assert tgt_v["<bos>"] < tgt_v["<eos>"] < tgt_v["<pad>"] < tgt_v.unk
    np.testing.assert_array_equal(data.tgt_in[:, 0], tgt_v["<bos>"])
    np.testing.assert_array_equal(data.tgt_in[:, 1:], data.tgt_out[:, :-1])
    np.testing.assert_array_equal(data.src_valid_len[:2], [3, 3])
    assert data.tgt_valid_len[0] == 3  # "va ! <eos>"
    # the book's build(["hi ."], ["salut ."]) example
    built = data.encode_pairs(["hi ."], ["salut ."])
    assert src_v.to_tokens(built.src[0]) == ["hi", ".", "<eos>"] + ["<pad>"] * 6
    assert tgt_v.to_tokens(built.tgt_in[0]) == ["<bos>", "salut", ".", "<eos>"] + ["<pad>"] * 5
    src, valid = data.encode_source(["I lost."])
    assert src_v.to_tokens(src[0][:4]) == ["i", "lost", ".", "<eos>"] and valid[0] == 4
    long = text.translation_arrays([["a"] * 20], [["b"] * 20], num_steps=5, min_freq=1)
    assert long.src_valid_len[0] == 5 and long.src.shape == (1, 5)  # trimmed, no <eos> left


def test_translation_dataset_splits_in_order():
    train, val = text.translation_dataset(synthetic_text.toy_translation_pairs(300), 9, 200, 50)
    assert len(train) == 200 and len(val) == 50
    assert train.src_vocab is val.src_vocab
    assert "<unk>" in train.src_vocab and train.src_vocab["chat"] == train.src_vocab.unk
    assert train.tgt_vocab["chat"] != train.tgt_vocab.unk
    with pytest.raises(ValueError, match="the text has 300"):
        text.translation_dataset(synthetic_text.toy_translation_pairs(300), 9, 290, 50)


def test_markov_text_reaches_its_true_perplexity():
    transition = synthetic_text.markov_chain(6, seed=3)
    np.testing.assert_allclose(transition.sum(axis=1), 1.0)
    truth = synthetic_text.markov_perplexity(transition)
    assert 1.0 < truth < 6.0
    sample = synthetic_text.markov_text(transition, 60000, seed=1)
    states = np.array(["abcdef".index(c) for c in sample])
    counts = np.zeros((6, 6))
    np.add.at(counts, (states[:-1], states[1:]), 1)
    estimate = counts / counts.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(estimate, transition, atol=0.03)
    log_likelihood = np.log(transition[states[:-1], states[1:]]).mean()
    assert abs(np.exp(-log_likelihood) - truth) < 0.03 * truth
    uniform = np.full((4, 4), 0.25)
    assert synthetic_text.markov_perplexity(uniform) == pytest.approx(4.0)


def test_zipf_and_pseudo_english():
    words = synthetic_text.zipf_tokens(50000, vocab_size=500, exponent=1.0, seed=0)
    counts = Counter(words)
    # P(rank 1) / P(rank 10) = 10 for exponent 1
    assert 8 < counts["w1"] / counts["w10"] < 12.5
    novel = synthetic_text.pseudo_english(2000, seed=1)
    assert novel[0].isupper() and "\n" in novel
    assert len(text.preprocess_time_machine(novel).split()) == 2000


def test_toy_pairs_are_raw_fra_lines_with_a_learnable_grammar():
    raw = synthetic_text.toy_translation_pairs(400, seed=2)
    assert raw == synthetic_text.toy_translation_pairs(400, seed=2)
    lines = raw.strip().split("\n")
    assert len(lines) == 400 and all(line.count("\t") == 1 for line in lines)
    assert any("\u202f!" in line for line in lines)
    source, target = text.tokenize_translation(text.preprocess_translation(raw))
    colour = {"red": "rouge", "black": ("noir", "noire"), "green": ("vert", "verte")}
    for english, french in zip(source, target):
        assert len(english) <= 8 and len(french) <= 8
        for word in set(english) & set(colour):  # English adjective-noun, French noun-adjective
            noun_at = english.index(word) + 1
            assert french[french.index(_FRENCH_NOUN[english[noun_at]]) + 1] in colour[word]
    assert "j'ai" in {t for sentence in target for t in sentence}  # elision before a vowel


def test_text_sets_fetched_from_fake_downloads(cache_dir, tmp_path, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    (served / "timemachine.txt").write_text((FIXTURES / "short_story.txt").read_text())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("fra-eng/fra.txt", (FIXTURES / "fra_eng_sample.txt").read_text())
    (served / "fra-eng.zip").write_bytes(buffer.getvalue())
    _serve(monkeypatch, "TIME_MACHINE", served / "timemachine.txt")
    _serve(monkeypatch, "FRA_ENG", served / "fra-eng.zip")
    assert cache_status()["time_machine"] is False and cache_status()["fra_eng"] is False
    assert load_time_machine().startswith("The Lighthouse Keeper's Clock")
    assert load_fra_eng().startswith("Go.\tVa !")
    assert cache_status()["time_machine"] is True and cache_status()["fra_eng"] is True
    (served / "timemachine.txt").unlink()  # cached now: no second download
    assert "Mara" in load_time_machine()


def test_checksum_mismatch_keeps_nothing(cache_dir, tmp_path, monkeypatch):
    served = tmp_path / "timemachine.txt"
    served.write_text("tampered")
    _serve(monkeypatch, "TIME_MACHINE", served, checksum="0" * 40)
    with pytest.raises(DatasetUnavailable, match="checksum mismatch") as error:
        load_time_machine()
    assert "workbook data download time_machine" in str(error.value)
    assert not any((cache_dir / "time_machine").iterdir())


def test_partial_download_keeps_nothing(cache_dir, tmp_path, monkeypatch):
    served = tmp_path / "fra-eng.zip"
    served.write_bytes(b"PK" + b"x" * 5000)
    _serve(monkeypatch, "FRA_ENG", served)
    real_urlopen = cache.urllib.request.urlopen

    class Dying:
        def __init__(self, response):
            self.response, self.headers, self.sent = response, response.headers, 0

        def read(self, size):
            if self.sent:
                raise OSError("connection reset")
            self.sent += 1
            return self.response.read(100)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.response.close()

    monkeypatch.setattr(cache.urllib.request, "urlopen",
                        lambda url, timeout: Dying(real_urlopen(url)))
    with pytest.raises(DatasetUnavailable, match="connection reset"):
        load_fra_eng()
    assert list((cache_dir / "fra_eng").iterdir()) == []


def test_missing_cache_offline_says_what_to_run(cache_dir, tmp_path, monkeypatch):
    nowhere = (tmp_path / "nowhere.zip").as_uri()
    monkeypatch.setattr(text_sets, "FRA_ENG", cache.RemoteFile("fra-eng.zip", (nowhere,), "0", "sha1"))
    with pytest.raises(DatasetUnavailable) as error:
        load_fra_eng()
    message = str(error.value)
    assert "workbook data download fra_eng" in message and str(cache_dir / "fra_eng") in message
    assert "WORKBOOK_MOCK_DATA=1" in message


def test_mock_text_sets_are_announced_and_never_download(cache_dir, monkeypatch, capsys):
    monkeypatch.setenv("WORKBOOK_MOCK_DATA", "1")
    monkeypatch.setattr(cache.urllib.request, "urlopen", None)  # any download would crash
    assert len(text.preprocess_time_machine(load_time_machine()).split()) > 1000
    assert load_fra_eng().count("\n") == 2000
    out = capsys.readouterr().out
    assert "MOCK DATA: The Time Machine" in out and "MOCK DATA: the English-French pairs" in out
    assert not cache_dir.exists()
