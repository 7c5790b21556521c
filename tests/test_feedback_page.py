"""feedback.html in a real headless browser, at a phone's and a laptop's width
(issue 17): long tracebacks and wide tables wrap, the result column stays on
the page."""

import pytest

from workbook.exercises.build import notebook_text
from workbook.grading.batch import grade_class

from browser import browser  # noqa: F401  (the fixture)
from test_grader import MINI, _with

# One unbroken 400-character token in a check's message, in its result and in
# a traceback line: nothing to break at but the browser's own wrapping.
LONG = "x" * 400
WIDE = {
    "ch99_double": "# exercise: ch99.double\ndef double(x):\n"
                   f"    raise ValueError('{LONG}')\n",
    "ch99_negate": "# exercise: ch99.negate\ndef negate(x):\n"
                   f"    return [{', '.join(['123456789'] * 60)}]  # {LONG}\n",
}


@pytest.fixture(scope="module")
def feedback_page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    out = tmp_path_factory.mktemp("graded")
    (folder / "wide.ipynb").write_text(notebook_text(_with(**WIDE)))
    (result,) = grade_class([folder], MINI, out, jobs=1, seed="tests", log=lambda *a: None).results
    assert result.error == "" and result.score < result.max_score, result.to_dict()
    page = out / "wide" / "feedback.html"
    assert LONG in page.read_text()  # the long text is there to be wrapped
    return page


# The last cell of each check's row is its result.
MEASURE = """
const view = window.innerWidth;
const cells = [...document.querySelectorAll('tr > td:last-child')];
return {
  view: view,
  scroll: document.documentElement.scrollWidth,
  cells: cells.length,
  cut: cells.filter(c => { const r = c.getBoundingClientRect();
                           return r.left < 0 || r.right > view + 0.5 || r.width < 40; }).length,
};
"""


@pytest.mark.slow
@pytest.mark.parametrize("width", [375, 1366])
def test_feedback_page_fits_the_width(feedback_page, browser, width, tmp_path):
    browser.load(feedback_page, width=width)
    browser.screenshot(tmp_path / f"feedback-{width}.png")
    found = browser.js(MEASURE)
    # A page without a viewport tag is laid out 980 px wide on a phone and shrunk.
    assert found["view"] == width, found
    assert found["scroll"] <= found["view"], f"the page scrolls sideways: {found}"
    assert found["cells"] > 0 and found["cut"] == 0, f"result column off the page: {found}"
    assert browser.console_errors() == []
