"""The D2L book's house-price tables (Kaggle's "House Prices" competition)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbook.datasets.cache import RemoteFile, fetch
from workbook.datasets.mock import announce, mock_enabled

D2L_DATA_URL = "https://d2l-data.s3-accelerate.amazonaws.com/"  # s3 serves https too
HOUSE_TRAIN = RemoteFile(
    "kaggle_house_pred_train.csv", (D2L_DATA_URL + "kaggle_house_pred_train.csv",),
    "585e9cc93e70b39160e7921475f9bcd7d31219ce", "sha1",
)
HOUSE_TEST = RemoteFile(
    "kaggle_house_pred_test.csv", (D2L_DATA_URL + "kaggle_house_pred_test.csv",),
    "fa19780a7b011d9b009e8bff8e99922a8ee2eb90", "sha1",
)
SUBDIR = "house_prices"


def load_house_prices() -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(train, test)`` DataFrames: 1460 x 81 (with SalePrice) and 1459 x 80."""
    if mock_enabled():
        announce("the house-price tables")
        return mock_house_prices()
    hint = "workbook data download house_prices"
    train = pd.read_csv(fetch(HOUSE_TRAIN, SUBDIR, hint))
    test = pd.read_csv(fetch(HOUSE_TEST, SUBDIR, hint))
    return train, test


def mock_house_prices(num_train: int = 300, num_test: int = 100, seed: int = 0):
    """Generated tables with the real set's kinds of columns: numbers with
    gaps, categories with gaps, an Id, and a log-normal SalePrice."""
    rng = np.random.default_rng(seed)

    def table(n, first_id):
        area = rng.lognormal(9, 0.4, n).round()
        quality = rng.integers(1, 11, n)
        year = rng.integers(1880, 2011, n)
        frontage = rng.normal(70, 20, n).round().clip(20, None)
        frontage[rng.random(n) < 0.15] = np.nan
        zoning = rng.choice(["RL", "RM", "FV", "RH"], n).astype(object)
        zoning[rng.random(n) < 0.05] = np.nan
        frame = pd.DataFrame({
            "Id": np.arange(first_id, first_id + n), "MSSubClass": rng.choice([20, 60, 120], n),
            "MSZoning": zoning, "LotFrontage": frontage, "LotArea": area,
            "OverallQual": quality, "YearBuilt": year,
            "Street": rng.choice(["Pave", "Grvl"], n, p=[0.95, 0.05]),
        })
        log_price = 10 + 0.1 * quality + 0.3 * np.log(area) / 9 + 0.002 * (year - 1880)
        return frame, np.exp(log_price + rng.normal(0, 0.1, n)).round()

    train, price = table(num_train, 1)
    train["SalePrice"] = price
    test, _ = table(num_test, num_train + 1)
    return train, test
