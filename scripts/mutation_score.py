"""Reads `mutmut results --all true` on stdin; prints the survivors and a killed/total score per module.

Usage: mutmut results --all true | python scripts/mutation_score.py [module ...]
"""

import re
import sys
from collections import Counter, defaultdict

KILLED = {"killed", "timeout"}  # a mutant that hangs the tests is caught too
LINE = re.compile(r"^\s*(?P<name>[\w.]+)__mutmut_\d+: (?P<status>[\w ]+?)\s*$")

wanted = sys.argv[1:]
by_module: dict[str, Counter] = defaultdict(Counter)
survivors = []
for raw in sys.stdin:
    match = LINE.match(raw)
    if not match:
        continue
    function = match["name"]
    module = function.rsplit(".", 1)[0]
    if wanted and module not in wanted:
        continue
    status = match["status"]
    if status == "not checked":  # not run this time (another module, or outside the pattern asked for)
        continue
    by_module[module][status] += 1
    if status in {"survived", "no tests"}:
        survivors.append(f"{raw.strip()}")

if survivors:
    print("Survivors (see one with: .venv/bin/mutmut show <name>):")
    print("\n".join(f"  {s}" for s in survivors))
print(f"\n{'module':32} {'killed':>6} {'total':>6} {'score':>6}  other")
for module, counts in sorted(by_module.items()):
    killed = sum(counts[s] for s in KILLED)
    total = sum(counts.values())
    other = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if s not in KILLED)
    print(f"{module:32} {killed:6} {total:6} {killed / total:6.0%}  {other}")
