"""The book's landing page (MyST Markdown): the chapters, the profiles, how
to install the workbook and how to self-check an exercise."""

from __future__ import annotations

PROFILE_ROWS = (
    ("tiny", "tests and CI", "a chapter in well under a minute; the numbers mean little"),
    ("default", "a laptop CPU", "a few minutes a chapter, meaningful results"),
    ("full", "a GPU", "the D2L book's hyperparameters"),
)

TEMPLATE = """\
# Keras Workbook

A deep-learning textbook in the tradition of *Dive into Deep Learning*,
written for **Keras 3 on the torch backend**, with exercises that check
themselves. Every page shows the outputs of a run of its chapter in the
**{profile}** profile{edition_note}. Each page links to its chapter's
notebook ("Open as notebook"); the notebooks are also in the `notebooks/`
folder beside this site.

```{{toctree}}
:caption: Chapters
:maxdepth: 2

{toc}
```

## Profiles

One variable, `WORKBOOK_PROFILE`, sets how big every run is:

| `WORKBOOK_PROFILE` | for | size |
|---|---|---|
{profile_rows}

This site was built with `workbook book --profile {profile}`.

## Install

In the folder your instructor gave you (the student bundle):

```bash
python3 -m venv .venv && source .venv/bin/activate
pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
pip install -e ".[lab]"
workbook data download       # once, online; or export WORKBOOK_DATA=<your class's shared folder>
jupyter lab notebooks/
```

## Self-check

Complete each exercise cell in the notebook (keep its first line,
`# exercise: chNN.name`) and run the `check("chNN.name")` cell after it: it
runs the visible checks and says which pass and why the others fail. To
check a whole notebook at once:

```bash
workbook check notebooks/ch03_linear_regression.ipynb
```

Hand in the `.ipynb`; the grader also runs hidden checks on fresh inputs.
"""


def landing_page(pages: list[str], profile: str, solved: bool) -> str:
    rows = "\n".join(f"| `{name}` | {use} | {size} |" for name, use, size in PROFILE_ROWS)
    note = (", with the reference solutions in place of the exercise stubs "
            "(instructor edition: do not give it to students)") if solved else \
        ", with the exercise stubs you complete (the pages never show a solution)"
    return TEMPLATE.format(profile=profile, edition_note=note, toc="\n".join(pages),
                           profile_rows=rows)
