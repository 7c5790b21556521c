"""The dataset layer, without the network: fake downloads served from
``file://`` URLs, corrupt and partial downloads, a missing cache, mock data."""

import hashlib
import subprocess
import sys

import numpy as np
import pytest

from workbook.datasets import DatasetUnavailable, load_fashion_mnist, load_house_prices
from workbook.datasets import builders, cache, tables
from workbook.datasets.idx import read_idx, write_idx
from workbook.datasets.status import cache_status


def _md5(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


def _serve_fake_fashion_mnist(folder, monkeypatch, num_train=30, num_test=12, corrupt=None):
    """Write small IDX files and point the builder at them; returns the arrays."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    arrays = {
        "train_images": rng.integers(0, 256, (num_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, num_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, (num_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, num_test, dtype=np.uint8),
    }
    remote = {}
    for key, name in builders.IDX_NAMES.items():
        path = folder / name
        write_idx(path, arrays[key])
        checksum = _md5(path)
        if key == corrupt:
            path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
        remote[key] = cache.RemoteFile(name, (path.as_uri(),), checksum, "md5")
    monkeypatch.setattr(builders.WorkbookFashionMnist, "REMOTE", remote)
    return arrays


def test_idx_roundtrip_and_truncation(tmp_path):
    data = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    write_idx(tmp_path / "x.gz", data)
    np.testing.assert_array_equal(read_idx(tmp_path / "x.gz"), data)
    import gzip

    raw = gzip.decompress((tmp_path / "x.gz").read_bytes())
    (tmp_path / "cut").write_bytes(raw[:-10])
    with pytest.raises(ValueError, match="truncated"):
        read_idx(tmp_path / "cut")


@pytest.mark.slow
def test_builder_prepares_from_fake_download(cache_dir, tmp_path, monkeypatch):
    arrays = _serve_fake_fashion_mnist(tmp_path / "served", monkeypatch)
    assert cache_status()["fashion_mnist"] is False
    train, test = load_fashion_mnist(batch_size=8, num_train=100, num_test=100)
    assert cache_status()["fashion_mnist"] is True and cache_status()["mnist"] is False
    assert len(train.images) == 30 and len(test.images) == 12
    # TFDS shuffles at preparation: compare as multisets of (image, label).
    def rows(images, labels):
        return sorted((int(l), images[i].tobytes()) for i, l in enumerate(labels))

    assert rows(train.images[..., 0], train.labels) == rows(arrays["train_images"], arrays["train_labels"])
    x, y = train[0]
    assert x.dtype == np.float32 and x.shape == (8, 28, 28, 1) and 0 <= x.min() and x.max() <= 1
    assert len(train) == 4
    # The prepared cache is reused offline: break the URLs, load again.
    monkeypatch.setattr(builders.WorkbookFashionMnist, "REMOTE", {})
    again, _ = load_fashion_mnist(num_train=30, num_test=12)
    np.testing.assert_array_equal(again.labels, train.labels)


def test_corrupt_download_leaves_nothing_behind(cache_dir, tmp_path, monkeypatch):
    _serve_fake_fashion_mnist(tmp_path / "served", monkeypatch, corrupt="train_images")
    with pytest.raises(DatasetUnavailable, match="checksum mismatch"):
        load_fashion_mnist(num_train=30, num_test=12)
    leftovers = [p.name for p in (cache_dir / "workbook_fashion_mnist").iterdir()]
    assert "train-images-idx3-ubyte.gz" not in leftovers
    assert not [n for n in leftovers if n.endswith(".part")]


def test_interrupted_download_leaves_nothing_behind(cache_dir, tmp_path, monkeypatch):
    served = tmp_path / "big.bin"
    served.write_bytes(b"x" * (3 << 20))
    remote = cache.RemoteFile("big.bin", (served.as_uri(),), "0" * 64)
    real_urlopen = cache.urllib.request.urlopen

    class Dying:
        def __init__(self, response):
            self.response, self.calls = response, 0
            self.headers = response.headers

        def read(self, size):
            self.calls += 1
            if self.calls == 2:
                raise OSError("connection reset by peer")
            return self.response.read(size)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.response.close()

    monkeypatch.setattr(cache.urllib.request, "urlopen", lambda url, timeout: Dying(real_urlopen(url)))
    with pytest.raises(DatasetUnavailable, match="connection reset"):
        cache.fetch(remote, "sub", "workbook data download x")
    assert list((cache_dir / "sub").iterdir()) == []


def test_missing_cache_offline_says_what_to_run(cache_dir, tmp_path, monkeypatch):
    remote = {k: cache.RemoteFile(n, ((tmp_path / "nowhere" / n).as_uri(),), "0", "md5")
              for k, n in builders.IDX_NAMES.items()}
    monkeypatch.setattr(builders.WorkbookFashionMnist, "REMOTE", remote)
    with pytest.raises(DatasetUnavailable) as error:
        load_fashion_mnist()
    message = str(error.value)
    assert "workbook data download fashion_mnist" in message
    assert str(cache_dir) in message and "WORKBOOK_MOCK_DATA" in message


def test_house_prices_fetched_with_checksum_and_cached(cache_dir, tmp_path, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    frames = {}
    for attr, rows in (("HOUSE_TRAIN", 5), ("HOUSE_TEST", 4)):
        path = served / getattr(tables, attr).name
        path.write_text("Id,LotArea\n" + "".join(f"{i},{100 * i}\n" for i in range(rows)))
        sha1 = hashlib.sha1(path.read_bytes()).hexdigest()
        monkeypatch.setattr(tables, attr, cache.RemoteFile(path.name, (path.as_uri(),), sha1, "sha1"))
        frames[attr] = rows
    assert cache_status()["house_prices"] is False
    train, test = load_house_prices()
    assert len(train) == 5 and len(test) == 4
    assert cache_status()["house_prices"] is True
    assert (cache_dir / "house_prices" / "kaggle_house_pred_train.csv").is_file()


def test_mock_data_is_announced(cache_dir, monkeypatch, capsys):
    monkeypatch.setenv("WORKBOOK_MOCK_DATA", "1")
    train, test = load_house_prices()
    assert "SalePrice" in train and "SalePrice" not in test
    assert train.isna().any().any(), "mock tables keep missing values to handle"
    assert "MOCK DATA" in capsys.readouterr().out


def test_mock_test_split_is_new_data_and_chance_level(cache_dir, monkeypatch):
    monkeypatch.setenv("WORKBOOK_MOCK_DATA", "1")
    train, test = load_fashion_mnist(num_train=2000, num_test=1000)
    train_x, train_y = train.arrays()
    test_x, test_y = test.arrays()
    seen = {image.tobytes() for image in train.images}
    assert not any(image.tobytes() in seen for image in test.images), "test images copied from train"
    # a classifier that memorizes the training set perfectly (1-nearest neighbour)
    flat_train, flat_test = train_x.reshape(2000, -1), test_x.reshape(1000, -1)
    distances = (flat_test ** 2).sum(1)[:, None] - 2 * flat_test @ flat_train.T \
        + (flat_train ** 2).sum(1)[None]
    accuracy = (train_y[distances.argmin(axis=1)] == test_y).mean()
    assert abs(accuracy - 0.1) < 4 * np.sqrt(0.09 / 1000), accuracy  # chance, within 4 s.e.
    assert np.bincount(test_y, minlength=10).min() > 60  # every class appears


@pytest.mark.slow
def test_mock_images_without_tensorflow(tmp_path):
    code = (
        "import sys, workbook\n"
        "from workbook.datasets import load_fashion_mnist\n"
        "train, test = load_fashion_mnist(batch_size=16, num_train=40, num_test=20)\n"
        "x, y = train[0]\n"
        "print(x.shape, int(y.max()) < 10, len(test.images))\n"
        "assert 'tensorflow' not in sys.modules, 'TensorFlow was imported'\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "WORKBOOK_MOCK_DATA": "1",
           "WORKBOOK_DATA": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "MOCK DATA: Fashion-MNIST" in out.stdout
    assert "(16, 28, 28, 1) True 20" in out.stdout
