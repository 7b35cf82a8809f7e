"""The one place each default of a measurement option is written.

`config` (the option objects), the command line's help texts and the runtime read them
from here. Standard library only and nothing imported, so `importaudit --help` can show
them without loading the configuration machinery.
"""

from __future__ import annotations

#: Measured runs after the warm-up; the gate and the reports use their medians.
REPEAT = 5
#: Seconds each child interpreter may take before its process tree is killed.
TIMEOUT_S = 120.0
# Seconds a review may spend proving IA101's lazy `__init__`s (`review.order`): each
# trial is a fresh import of the package, and a tree like torch's (5 s an import,
# hundreds of cycle members) would take hours.
PROVE_TIME_S = 300.0
#: Runs of a program (-m/--script/-c): once, since running it again may have side effects.
PROGRAM_REPEAT = 1
#: Runs of `why`: one, since chains, not times, are what it answers with.
#: Runs `review` measures a module again with when a time verdict (IA602) hangs on a
#: figure near its threshold: the median of 15 runs moves far less than that of 5.
SETTLE_REPEAT = 15
WHY_REPEAT = 1
#: Identical rounds `check --calibrate` measures.
CALIBRATION_ROUNDS = 5
#: Review-and-prove rounds `fix` runs at most: each reviews the copy the last one proved.
FIX_ROUNDS = 5
#: Heap a proven rewrite that loads no module less must save for `fix` to offer it:
#: less is the bindings it removed (markdown.util's one name under TYPE_CHECKING: 226 B),
#: not what importing the module builds.
FIX_MIN_HEAP_SAVING = 1024
#: Heap runs of each side `fix` judges a heap figure on where an offer (or "cost went
#: up") hangs on it alone: one run of the same import moves by kilobytes, and with 5
#: runs a side a full separation is chance once in 252 (`fix.heapnoise`).
FIX_HEAP_RUNS = 5
#: How `fix` writes a lazy `__init__` (importaudit.fix.styles), the default first.
FIX_STYLES = ("pep562", "lazy-loader", "pep810")
#: The baseline file, relative to the project root.
BASELINE = ".importaudit/baseline.json"
