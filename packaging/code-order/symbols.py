#!/usr/bin/env python3
"""The functions a run of the stripped release binary executed, in the order first seen.

    symbols.py MAP CALLGRIND_OUT... > symbols.txt

MAP is LLD's link map of that very binary (`-Wl,-Map=`), CALLGRIND_OUT are valgrind
callgrind files written with `--dump-instr=yes --compress-pos=no --compress-strings=no`.
Valgrind names a function of a stripped binary by its address; every executed address is
mapped to the `.text.<symbol>` input section holding it, which gives the linker's own name
for it (what `--symbol-ordering-file` takes; LLVM puts cold functions in `.text.unlikely.`
and the like, a prefix that is not part of the name). Counts go to stderr."""
import bisect
import re
import sys

SECTION = re.compile(
    r"^\s*([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+\s+\S.*:\(\.text\."
    r"(?:(?:unlikely|hot|startup|exit|split)\.)?(\S+)\)$"
)


def sections(map_path):
    rows = []
    with open(map_path) as f:
        for line in f:
            m = SECTION.match(line)
            if m and int(m.group(2), 16):
                start = int(m.group(1), 16)
                rows.append((start, start + int(m.group(2), 16), m.group(3)))
    rows.sort()
    return rows


def address(field):
    # "0x00000000005c37a0'2" names the second function valgrind saw at one address.
    return int(field.split("'")[0], 16)


def main():
    rows = sections(sys.argv[1])
    starts = [r[0] for r in rows]
    seen, order = set(), []

    def hit(addr):
        i = bisect.bisect_right(starts, addr) - 1
        if i >= 0 and addr < rows[i][1] and rows[i][2] not in seen:
            seen.add(rows[i][2])
            order.append(rows[i][2])

    for path in sys.argv[2:]:
        ob = cob = ""
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith("ob="):
                    ob = line
                elif line.startswith("cob="):
                    cob = line
                elif line.startswith("fn=0x") and "cutover" in ob:
                    hit(address(line[3:].strip()))
                elif line.startswith("cfn=0x") and "cutover" in (cob or ob):
                    hit(address(line[4:].strip()))
                    cob = ""
                elif line.startswith("0x") and "cutover" in ob:
                    hit(address(line.split()[0]))
    size = sum(r[1] - r[0] for r in rows if r[2] in seen)
    total = sum(r[1] - r[0] for r in rows)
    print(
        f"{len(order)} of {len(rows)} functions executed, {size} of {total} bytes",
        file=sys.stderr,
    )
    print("\n".join(order))


if __name__ == "__main__":
    main()
