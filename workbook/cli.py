"""The ``workbook`` command: build, release, grade, check, validate, mutants, demo."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbook.profiles import NAMES as PROFILE_NAMES
from workbook.profiles import current_profile
from workbook.project import ProjectNotFound, find_project, installed_in_bundle

SAMPLE_CLASS = Path("samples") / "ch03_class"


def _chapter_keys(project, names: list[str]) -> list[str]:
    keys = []
    for name in names:
        key = name.split("_", 1)[0].split(".", 1)[0].lower()
        project.chapter_file(key)  # raises a clear ValueError for unknown chapters
        keys.append(key)
    return keys


def cmd_build(args) -> int:
    from workbook.exercises.build import build

    project = find_project()
    written = build(project, Path(args.out), _chapter_keys(project, args.chapters) or None)
    for path in written:
        print(path)
    print(f"built {len(written)} notebook(s) in {args.out}/ (student/ and solved/)")
    return 0


def cmd_release(args) -> int:
    from workbook.exercises.release import release

    project = find_project()
    book_profile = (args.book_profile or current_profile().name) if args.with_book else None
    out = release(project, Path(args.out), _chapter_keys(project, args.chapters) or None,
                  book_profile=book_profile)
    site = f", the book in {out}/book/ ({book_profile} profile)" if book_profile else ""
    print(f"student bundle written to {out}/ (notebooks, workbook package, visible checks{site})")
    return 0


def cmd_book(args) -> int:
    from workbook.book import build_book

    project = find_project()
    run = build_book(project, Path(args.out), _chapter_keys(project, args.chapters) or None,
                     profile=args.profile or current_profile().name, solved=args.solved)
    edition = "solved edition (instructors only)" if args.solved else "student edition"
    print(f"book written to {run.out / 'index.html'} ({edition}): {len(run.executed)} chapter(s) "
          f"executed, {len(run.cached)} reused from the cache, {run.seconds:.0f} s; "
          "open it in a browser")
    return 0


def _print_grades(run, out: Path) -> None:
    from workbook.grading.report import gradebook_table, timing_summary
    from workbook.grading.sandbox import LEVEL_DESCRIPTIONS

    print()
    print(gradebook_table(run.results))
    print()
    print(f"gradebook: {out / 'gradebook.csv'}")
    print(f"feedback:  {out}/<submission>/feedback.md, feedback.html and results.json")
    print(f"isolation: {run.isolation} -- {LEVEL_DESCRIPTIONS[run.isolation]}")
    print(timing_summary(run))


def cmd_grade(args) -> int:
    from workbook.grading.batch import grade_class

    project = find_project()
    out = Path(args.out)
    run = grade_class([Path(p) for p in args.paths], project, out, jobs=args.jobs,
                      seed=_seed(args), isolation=args.isolation, limits=_limits(args),
                      use_cache=not args.no_cache,
                      chapter=args.chapter, max_file_mb=args.max_file_mb)
    return _grading_status(run, out, "grade")


def _grading_status(run, out: Path, command: str) -> int:
    """Print the grades; the exit status: 130 after Ctrl-C, 1 when nothing
    could be graded, else 0."""
    from workbook.grading.batch import INTERRUPTED

    _print_grades(run, out)
    if run.interrupted:
        left = sum(1 for result in run.results if result.error == INTERRUPTED)
        print(f"workbook {command}: interrupted: {left} submission(s) not graded (marked "
              f"'{INTERRUPTED}' in the gradebook); run the same command again to grade them, "
              "the others are reused from the cache", file=sys.stderr)
        return 130
    if all(result.error for result in run.results):
        print(f"workbook {command}: nothing could be graded: all {len(run.results)} submission(s) "
              "were rejected (see 'not graded' above)", file=sys.stderr)
        return 1
    return 0


def _limits(args):
    from workbook.grading.sandbox import GIB, Limits

    return Limits(memory_bytes=int(args.memory_limit * GIB), processes=args.max_processes,
                  submission_seconds=args.submission_budget)


def _seed(args) -> str | None:
    """The hidden-input secret from --seed-file (never from the command line,
    which any process can read in /proc/<pid>/cmdline)."""
    if args.seed_file is None:
        return None
    try:
        seed = Path(args.seed_file).read_text().strip()
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read the seed file {args.seed_file}: {error}") from None
    if not seed:
        raise ValueError(f"the seed file {args.seed_file} is empty")
    return seed


def _refuse_seed_on_command_line(text: str) -> str:
    raise argparse.ArgumentTypeError(
        "a secret on the command line is readable by every process (/proc/<pid>/cmdline): "
        "put it in a file and pass --seed-file FILE")


def _add_isolation_and_limits(p, seed_help: str, seed_required: bool = False) -> None:
    """The options of `grade` and `gradescope` that decide how workers run."""
    p.add_argument("--seed", type=_refuse_seed_on_command_line, help=argparse.SUPPRESS)
    p.add_argument("--seed-file", required=seed_required, metavar="FILE", help=seed_help)
    p.add_argument("--isolation", choices=["auto", "bubblewrap", "process"], default="auto",
                   help="auto (default): the bubblewrap sandbox, or process only where bwrap is "
                        "not installed; a sandbox that is installed but broken is an error")
    p.add_argument("--memory-limit", type=positive(float), default=4.0, metavar="GIB",
                   help="memory a worker and all it starts may allocate (default 4 GiB)")
    p.add_argument("--max-processes", type=positive(int), default=64,
                   help="processes and threads a worker may start (default 64)")
    p.add_argument("--submission-budget", type=positive(float), default=None, metavar="SECONDS",
                   help="total wall time per submission; exercises not reached get 0 (default: "
                        "the setup budget plus twice the exercise budgets, at most an hour)")


def cmd_gradescope(args) -> int:
    """Grade one submission and write Gradescope's results.json."""
    import json
    import shutil
    import tempfile

    from workbook.grading.batch import grade_class
    from workbook.grading.gradescope import gradescope_results

    project = find_project()
    submissions = [p for p in Path(args.submission).glob("*.ipynb")] if Path(args.submission).is_dir() \
        else [Path(args.submission)]
    if len(submissions) != 1:
        raise ValueError(f"expected one notebook in {args.submission}, found {len(submissions)}")
    scratch = Path(tempfile.mkdtemp(prefix="workbook-gradescope-"))
    try:
        run = grade_class(submissions, project, scratch, jobs=1, seed=_seed(args),
                          isolation=args.isolation, limits=_limits(args), use_cache=False,
                          chapter=args.chapter, max_file_mb=args.max_file_mb)
        results = gradescope_results(run.results[0])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"score {results['score']:g}; Gradescope results written to {out}")
    return 0


def cmd_check(args) -> int:
    from workbook.grading.selfcheck import self_check_file

    path = Path(args.notebook)
    print(f"running {path.name} (visible checks only)...")
    run = self_check_file(path)
    print(run.report())
    return 0 if run.earned == run.total else 1


def cmd_validate(args) -> int:
    from workbook.grading.validate import findings_table, validate

    project = find_project()
    findings = validate(project, _chapter_keys(project, args.chapters) or None, jobs=args.jobs)
    print()
    print(findings_table(findings))
    failed = [f for f in findings if not f.ok]
    print(f"\n{'FAILED' if failed else 'OK'}: {len(findings) - len(failed)}/{len(findings)} requirements met")
    return 1 if failed else 0


def cmd_mutants(args) -> int:
    from workbook.mutants.run import run_mutants

    project = find_project()
    chapters = _chapter_keys(project, args.chapters)
    if not chapters and not args.exercise:
        chapters = list(project.chapter_files())
    run = run_mutants(project, chapters, args.exercise, Path(args.out), jobs=args.jobs,
                      limit=args.limit, seed=args.seed, isolation=args.isolation)
    return 1 if run.failed else 0


def cmd_demo(args) -> int:
    from workbook.exercises.build import build
    from workbook.grading.batch import grade_class

    project = find_project()
    written = build(project, Path(args.build))
    print(f"built {len(written)} notebooks in {args.build}/ (student/ and solved/)")
    sample = project.root / SAMPLE_CLASS
    out = Path(args.out)
    print(f"grading the sample class in {sample.relative_to(project.root)}/ ...")
    run = grade_class([sample], project, out, jobs=args.jobs, seed="demo")
    return _grading_status(run, out, "demo")


DATASETS = ("fashion_mnist", "mnist", "house_prices", "time_machine", "fra_eng")


def cmd_data(args) -> int:
    from workbook import datasets

    print(f"data cache: {datasets.data_dir()} (set WORKBOOK_DATA to share a prepared folder)")
    if args.action == "info":
        from workbook.datasets.status import cache_status

        if args.names:
            raise ValueError("`workbook data info` takes no data set names")
        status = cache_status()
        for name in DATASETS:
            print(f"  {name:14} {'ready' if status[name] else 'missing'}")
        missing = [name for name in DATASETS if not status[name]]
        if missing:
            print(f"prepare the missing ones with: workbook data download {' '.join(missing)}")
        return 0
    loaders = {
        "fashion_mnist": lambda: datasets.load_fashion_mnist(num_train=60000, num_test=10000),
        "mnist": lambda: datasets.load_mnist(num_train=60000, num_test=10000),
        "house_prices": datasets.load_house_prices,
        "time_machine": datasets.load_time_machine,
        "fra_eng": datasets.load_fra_eng,
    }
    names = args.names or DATASETS
    unknown = [name for name in names if name not in loaders]
    if unknown:
        raise ValueError(f"unknown data set {unknown[0]!r}; choose from {', '.join(DATASETS)}")
    failed = []
    for name in names:  # one set that fails does not stop the others
        print(f"preparing {name} ...")
        try:
            loaders[name]()
        except datasets.DatasetUnavailable as error:
            failed.append(name)
            print(f"{name}: FAILED: {error.summary}", file=sys.stderr)
            continue
        print(f"{name}: ready")
    if failed:
        print(f"workbook data: {len(failed)} of {len(names)} data sets could not be prepared; "
              f"when you are online, run: workbook data download {' '.join(failed)}",
              file=sys.stderr)
        return 1
    return 0


def positive(kind: type):
    """An argparse type: a number of ``kind`` (int or float) above zero."""
    noun = "whole number" if kind is int else "number"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {noun}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
        return value

    return parse


def output_folder(text: str) -> str:
    """A folder to write into: it may not exist yet, but it may not be a file."""
    path = Path(text)
    for part in (path, *path.parents):
        try:
            exists = part.exists()
        except OSError:  # a name too long: the command says so when it creates the folder
            continue
        if exists:
            if not part.is_dir():
                raise argparse.ArgumentTypeError(
                    f"{part} is a file, not a folder; choose another output folder")
            break
    return text


def _add_max_file_mb(p) -> None:
    from workbook.grading.intake import DEFAULT_MAX_FILE_MB

    p.add_argument("--max-file-mb", type=positive(float), default=DEFAULT_MAX_FILE_MB, metavar="MB",
                   help=f"larger submission files are not read (default {DEFAULT_MAX_FILE_MB:g} MB)")


STUDENT_COMMANDS = ("check", "data")


class _StudentCommands:
    """A student bundle's parser gets only the commands that work there; the
    others (grade, validate, demo, ...) need chapters and hidden checks."""

    def __init__(self, subparsers):
        self.subparsers = subparsers

    def add_parser(self, name: str, **kwargs) -> argparse.ArgumentParser:
        if name in STUDENT_COMMANDS:
            return self.subparsers.add_parser(name, **kwargs)
        return argparse.ArgumentParser(prog=name)  # configured, then dropped


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="workbook",
        description="Keras Workbook: build chapter notebooks, release them, grade submissions.",
    )
    sub = root.add_subparsers(dest="command", required=True)
    if installed_in_bundle():
        root.description = "Keras Workbook (student bundle): self-check notebooks, get the data."
        sub = _StudentCommands(sub)

    p = sub.add_parser("build", help="build student and solved notebooks from chapters/")
    p.add_argument("chapters", nargs="*", help="chapters to build, e.g. ch03 (default: all)")
    p.add_argument("--out", default="build", type=output_folder,
                   help="output folder (default: build)")
    p.set_defaults(run=cmd_build)

    p = sub.add_parser("release", help="write the student bundle (no solutions, no hidden checks)")
    p.add_argument("chapters", nargs="*", help="chapters to include (default: all)")
    p.add_argument("--out", required=True, type=output_folder, help="output folder for the bundle")
    p.add_argument("--with-book", action="store_true",
                   help="include the rendered book (student edition) in book/")
    p.add_argument("--book-profile", choices=PROFILE_NAMES, default=None,
                   help="the profile the book's chapters run in (default: $WORKBOOK_PROFILE)")
    p.set_defaults(run=cmd_release)

    p = sub.add_parser("book", help="build the chapters into an executed, searchable HTML site")
    p.add_argument("--out", default="build/book", type=output_folder,
                   help="output folder (default: build/book)")
    p.add_argument("--profile", choices=PROFILE_NAMES, default=None,
                   help="the profile the chapters run in (default: $WORKBOOK_PROFILE)")
    p.add_argument("--chapters", nargs="+", default=[], metavar="chNN",
                   help="chapters to include, e.g. ch02 ch06 (default: all)")
    p.add_argument("--solved", action="store_true",
                   help="the instructor edition, with the reference solutions (never for students)")
    p.set_defaults(run=cmd_book)

    p = sub.add_parser("grade", help="grade submissions (.ipynb or percent .py files, or folders)")
    p.add_argument("paths", nargs="+", help="submission files or folders of them")
    p.add_argument("--out", required=True, type=output_folder,
                   help="where to write gradebook.csv and feedback")
    p.add_argument("--jobs", type=positive(int), default=None,
                   help="submissions graded at once (default: cores)")
    _add_isolation_and_limits(p, "a file holding the secret of the hidden-check inputs "
                                 "(default: a secret kept in the output folder)")
    p.add_argument("--no-cache", action="store_true", help="regrade even unchanged submissions")
    p.add_argument("--chapter", default=None, metavar="chNN",
                   help="the chapter the class hands in; other chapters' notebooks are not graded "
                        "(default: per class folder, the chapter most of its notebooks are)")
    _add_max_file_mb(p)
    p.set_defaults(run=cmd_grade)

    p = sub.add_parser("gradescope", help="grade one submission, write Gradescope's results.json")
    p.add_argument("submission", help="the notebook, or Gradescope's submission folder")
    p.add_argument("--out", default="/autograder/results/results.json")
    _add_isolation_and_limits(p, "a file holding the course's secret for hidden inputs "
                                 "(keep it out of the student bundle)", seed_required=True)
    p.add_argument("--chapter", required=True, metavar="chNN",
                   help="the assignment's chapter; a notebook of another chapter is not graded")
    _add_max_file_mb(p)
    p.set_defaults(run=cmd_gradescope)

    p = sub.add_parser("check", help="self-check a notebook with the visible checks")
    p.add_argument("notebook")
    p.set_defaults(run=cmd_check)

    p = sub.add_parser("validate", help="every exercise has a solution and checks; solved=full, stub=0")
    p.add_argument("chapters", nargs="*", help="e.g. ch02 ch03 (default: all)")
    p.add_argument("--jobs", type=positive(int), default=2)
    p.set_defaults(run=cmd_validate)

    p = sub.add_parser("mutants", help="grade small wrong variants of each solution; "
                                       "report those that earn full marks")
    p.add_argument("chapters", nargs="*", help="e.g. ch02 ch03 (default: all)")
    p.add_argument("--exercise", action="append", default=[], metavar="ID",
                   help="only this exercise, e.g. ch02.slicing (repeatable)")
    p.add_argument("--jobs", type=positive(int), default=2,
                   help="mutants graded at once (default 2)")
    p.add_argument("--limit", type=positive(int), default=None, metavar="N",
                   help="grade at most N sampled mutants per exercise (default: all)")
    p.add_argument("--seed", default=None,
                   help="the grading secret of the hidden inputs (default: a fixed one)")
    p.add_argument("--isolation", choices=["auto", "bubblewrap", "process"], default="auto")
    p.add_argument("--out", default="build/mutants", type=output_folder,
                   help="where to write report.json (default: build/mutants)")
    p.set_defaults(run=cmd_mutants)

    p = sub.add_parser("data", help="download and prepare data sets into the shared cache")
    p.add_argument("action", nargs="?", choices=["download", "info"], default="info",
                   help="download: fetch and prepare; info (default): what the cache holds")
    p.add_argument("names", nargs="*", help=f"data sets (default: all of {', '.join(DATASETS)})")
    p.set_defaults(run=cmd_data)

    p = sub.add_parser("demo", help="build the notebooks and grade the bundled sample class")
    p.add_argument("--build", default="build", type=output_folder)
    p.add_argument("--out", default="out/demo", type=output_folder)
    p.add_argument("--jobs", type=positive(int), default=None)
    p.set_defaults(run=cmd_demo)
    return root


def main(argv=None) -> int:
    for stream in (sys.stdout, sys.stderr):  # never fail on printing a student's odd text
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = parser().parse_args(argv)
    try:
        current_profile()  # a bad WORKBOOK_PROFILE: one clear line, before any work
        return args.run(args)
    except (ValueError, FileNotFoundError, ProjectNotFound) as error:
        print(f"workbook {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C outside the grading proper: one line, no traceback
        print(f"\nworkbook {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
