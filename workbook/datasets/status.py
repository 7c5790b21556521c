"""What the shared cache holds: for ``workbook data info``."""

from __future__ import annotations

from workbook.datasets.cache import data_dir, is_cached


def image_set_prepared(builder_cls) -> bool:
    # TFDS writes dataset_info.json last, once preparation has succeeded.
    # Looking for it (rather than building a builder) keeps `info` free of
    # side effects on the cache and of TFDS's log noise.
    variant = data_dir() / "tfds" / builder_cls.name / str(builder_cls.VERSION)
    return (variant / "dataset_info.json").is_file()


def house_prices_cached() -> bool:
    from workbook.datasets.tables import HOUSE_TEST, HOUSE_TRAIN, SUBDIR

    return all(is_cached(remote, SUBDIR) for remote in (HOUSE_TRAIN, HOUSE_TEST))


def text_sets_cached() -> dict[str, bool]:
    from workbook.datasets.text import (FRA_ENG, FRA_ENG_SUBDIR, TIME_MACHINE,
                                        TIME_MACHINE_SUBDIR)

    return {"time_machine": is_cached(TIME_MACHINE, TIME_MACHINE_SUBDIR),
            "fra_eng": is_cached(FRA_ENG, FRA_ENG_SUBDIR)}


def cache_status() -> dict[str, bool]:
    """Each data set the workbook knows, and whether it is ready to load offline."""
    from workbook.datasets.builders import WorkbookFashionMnist, WorkbookMnist

    return {
        "fashion_mnist": image_set_prepared(WorkbookFashionMnist),
        "mnist": image_set_prepared(WorkbookMnist),
        "house_prices": house_prices_cached(),
        **text_sets_cached(),
    }
