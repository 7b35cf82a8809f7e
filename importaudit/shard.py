"""Splitting a module list into N shards, for runtime measurement across CI machines.

Pure and standard-library only: `--shard I/N` parses here, and `split` decides which
modules shard I measures. The split has to come out the same on every machine of a
CI matrix, so nothing in it depends on the process: a module's place comes from a
unkeyed BLAKE2 digest of its name (Python's `hash()` is salted per process), or
from the per-module cost a previous report measured (`--shard-weights REPORT`).

- By name: the modules ordered by the digest of their name are dealt round-robin, so
  shard sizes differ by at most one and a module's shard does not depend on the order
  discovery listed the modules in.
- By weight: greedy longest-processing-time (the costliest module first, each to the
  shard with the least cost so far; ties to the lowest index, then by name digest).
  Modules the report did not measure weigh the median of those it did.

Each shard keeps its modules in the order of the list it was given (parents first, as
discovery lists them), since a `--tree` child imports them in that order.
"""

from __future__ import annotations

import hashlib
import heapq
import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from importaudit.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from importaudit.model import Report, ShardInfo


def parse_shard(text: str) -> tuple[int, int]:
    """`"I/N"` -> (I, N) with 1 <= I <= N; anything else is a UsageError (exit 2)."""
    index, sep, count = text.partition("/")
    if not sep or not index.strip().isdigit() or not count.strip().isdigit():
        raise UsageError(f"--shard {text!r}: expected I/N, e.g. 1/4")
    i, n = int(index), int(count)
    if n < 1 or not 1 <= i <= n:
        raise UsageError(f"--shard {text!r}: I must be between 1 and N (N >= 1)")
    return i, n


def empty_shard_note(shard: ShardInfo) -> str:
    """What an empty shard's report says: it measured nothing, and that is no failure."""
    return (f"shard {shard.index}/{shard.count} got none of the {shard.total} modules of "
            "the split: nothing was measured (`report merge` takes its empty report)")


def name_key(name: str) -> int:
    """A module name's place in the name split: the same on every machine and process."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big")


def split(modules: Sequence[str], count: int,
          weights: Mapping[str, int] | None = None) -> tuple[tuple[str, ...], ...]:
    """`modules` in `count` parts (by `weights` when given, else by name), list order kept."""
    unique = list(dict.fromkeys(modules))
    owner: dict[str, int] = {}
    if weights is None:
        for place, name in enumerate(sorted(unique, key=lambda n: (name_key(n), n))):
            owner[name] = place % count
    else:
        known = [weights[n] for n in unique if n in weights] or list(weights.values())
        fallback = int(statistics.median(known)) if known else 1
        cost = {n: weights.get(n, fallback) for n in unique}
        # (load so far, shard index): the least loaded shard first, ties to the lowest.
        loads = [(0, i) for i in range(count)]
        for name in sorted(unique, key=lambda n: (-cost[n], name_key(n), n)):
            load, index = heapq.heappop(loads)
            owner[name] = index
            heapq.heappush(loads, (load + cost[name], index))
    return tuple(tuple(n for n in unique if owner[n] == i) for i in range(count))


def with_ancestors(part: Sequence[str], modules: Sequence[str]) -> tuple[str, ...]:
    """`part` and the packages of `modules` above its members, in the order of `modules`.

    Python imports a module's packages first anyway; a `--tree` child that imports
    them itself sees a package fail and leaves its submodules alone, as the unsharded
    walk does (otherwise each submodule fails on its own and is reported again).
    """
    wanted = set(part)
    for name in part:
        parts = name.split(".")
        wanted.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return tuple(n for n in dict.fromkeys(modules) if n in wanted)


def report_weights(report: Report) -> dict[str, int]:
    """Per-module cost a sharded run will pay, as `report` measured it (nanoseconds).

    An isolated run pays each module's standalone (cumulative) import; a tree run each
    module's own body once (its self time). Modules loaded before measuring, or put
    into `sys.modules` by another module's import, cost nothing of their own.
    """
    isolated = report.meta is not None and report.meta.mode == "isolated"
    return {m.name: max(1, m.cumulative_ns if isolated else m.self_ns)
            for m in report.modules if not m.preloaded and m.via is None}


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """Which shard of how many to measure, and the weights that balance the split."""

    index: int  # 1-based, as the user writes it
    count: int
    weights: Mapping[str, int] | None = field(default=None, compare=False)
    weights_from: str | None = None  # a digest of the weights report, when one was given

    @property
    def basis(self) -> str:
        """How the split was balanced: `name`, or `weights <digest of the report>`."""
        return "name" if self.weights is None else f"weights {self.weights_from}"

    def split_id(self, modules: Sequence[str]) -> str:
        """Equal for every shard of one split: the same list, count and basis."""
        digest = hashlib.sha256()
        for part in (*sorted(set(modules)), str(self.count), self.basis):
            digest.update(part.encode() + b"\n")
        return digest.hexdigest()[:16]

    def take(self, modules: Sequence[str]) -> tuple[str, ...]:
        """The part of `modules` that falls to this shard."""
        return split(modules, self.count, self.weights)[self.index - 1]

    def info(self, modules: Sequence[str]) -> ShardInfo:
        """The shard identity its report's metadata holds: its part of `modules` and more."""
        import platform

        from importaudit.model import ShardInfo

        return ShardInfo(index=self.index, count=self.count, split=self.split_id(modules),
                         basis=self.basis, total=len(set(modules)),
                         modules=self.take(modules), machine=platform.node())
