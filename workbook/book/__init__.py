"""`workbook book`: the chapters as an executed, searchable, offline HTML site."""

from workbook.book.execute import ChapterFailed
from workbook.book.site import DEFAULT_OUT, BookError, BookRun, build_book, copy_site

__all__ = ["BookError", "BookRun", "ChapterFailed", "DEFAULT_OUT", "build_book", "copy_site"]
