"""``workbook mutants``: find weak checks by grading small wrong variants of
each reference solution (generate: make them; grade: run them through the
real grader; equivalents: the ones recorded as harmless; report: say what
survived)."""
