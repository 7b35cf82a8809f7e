"""A name taken from a lazy_loader package loads the submodule its table or stub names.

scikit-image's subpackages are lazy through lazy_loader's `attach_stub` (names in a
`.pyi`) or `attach(__name__, submod_attrs={...})`. `from ..transform import warp` in
skimage.filters._window loads skimage.transform._warps, which imports most of what
scipy.signal does; review followed such names only from TYPE_CHECKING imports, and
where the tree walk had loaded `_warps` earlier the load graph had no edge to it: it
said deferring `from scipy.signal import get_window` saves 701 modules (a process
importing the module with that import deferred loads 340 fewer). tests/fixtures/review/
lazyattach has that shape: `_presets` loads both lazy names before `filters` is walked.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from importaudit import api
from importaudit.review.context import ReviewContext

LAZYATTACH = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "lazyattach"


def test_a_deferral_saves_only_what_the_lazily_served_names_do_not_load() -> None:
    report = api.review([str(LAZYATTACH / "lazyattach")],
                        api.ReviewOptions(measure=api.Measure(repeat=1)))
    ctx = ReviewContext(report)
    assert ctx.served_lazily("lazyattach.transform") == {"warp": "lazyattach.transform._warps"}
    assert ctx.served_lazily("lazyattach.measure") == {"label": "lazyattach.measure._label"}
    (window,) = [f for f in report.findings if f.module == "lazyattach.filters._window"]
    # What Python says: the modules `from sci.signal import get_window` adds once the
    # module's other imports ran.
    done = subprocess.run(
        [sys.executable, "-c", "import sys, lazyattach.filters\n"
         "from lazyattach.measure import label\nfrom lazyattach.transform import warp\n"
         "before = set(sys.modules)\nfrom sci.signal import get_window\n"
         "print(len(set(sys.modules) - before))"],
        cwd=LAZYATTACH, capture_output=True, text=True, check=True)
    assert window.impact.modules == int(done.stdout) == 23
    assert "deferring it saves 23 module(s)" in window.message
