"""The D2L book's two text corpora: *The Time Machine* and the Tatoeba
English-French pairs, fetched once through the checksummed cache."""

from __future__ import annotations

import zipfile

from workbook.datasets.cache import DatasetUnavailable, RemoteFile, fetch
from workbook.datasets.mock import announce, mock_enabled
from workbook.datasets.tables import D2L_DATA_URL

TIME_MACHINE = RemoteFile(
    "timemachine.txt", (D2L_DATA_URL + "timemachine.txt",),
    "090b5e7e70c295757f55df93cb0a180b9691891a", "sha1",
)
FRA_ENG = RemoteFile(
    "fra-eng.zip", (D2L_DATA_URL + "fra-eng.zip",),
    "94646ad1522d915e7b0f9296181140edcf86a4f5", "sha1",
)
TIME_MACHINE_SUBDIR = "time_machine"
FRA_ENG_SUBDIR = "fra_eng"


def load_time_machine() -> str:
    """The raw text of H. G. Wells' *The Time Machine* (the book's copy).

    With ``WORKBOOK_MOCK_DATA=1``: made-up words with Zipf frequencies, in
    lines shaped like a novel's (``workbook.synthetic_text.pseudo_english``)."""
    if mock_enabled():
        from workbook.synthetic_text import pseudo_english

        announce("The Time Machine")
        return pseudo_english()
    path = fetch(TIME_MACHINE, TIME_MACHINE_SUBDIR, "workbook data download time_machine")
    return path.read_text(encoding="utf-8")


def load_fra_eng() -> str:
    """The raw ``english\\tfrench`` lines of ``fra.txt`` inside ``fra-eng.zip``.

    With ``WORKBOOK_MOCK_DATA=1``: pairs generated from a small grammar
    (``workbook.synthetic_text.toy_translation_pairs``)."""
    if mock_enabled():
        from workbook.synthetic_text import toy_translation_pairs

        announce("the English-French pairs")
        return toy_translation_pairs(2000)
    path = fetch(FRA_ENG, FRA_ENG_SUBDIR, "workbook data download fra_eng")
    with zipfile.ZipFile(path) as archive:
        members = [name for name in archive.namelist() if name.endswith("fra.txt")]
        if not members:
            raise DatasetUnavailable(f"{path} holds no fra.txt; delete it and run: "
                                     "workbook data download fra_eng")
        return archive.read(members[0]).decode("utf-8")
