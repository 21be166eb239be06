#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make badinput: what upstream 6.12, the area-map base and the series do
# with bad input.  Each case of the percpu_bad_input suite (and the API
# suite's invalid requests) runs in a boot of its own on each tree, since a
# tree may crash on one; the table says whether it passed (live objects
# intact, nothing overlapping), whether the allocator WARNed, and how it
# failed otherwise.  Writes build/badinput/table.md.
. "$(dirname "$0")/common.sh"

out=$BUILD/badinput
mkdir -p "$out"
cases="percpu_api.pcpu_test_rejects_invalid_requests
percpu_bad_input.pcpu_bad_double_free
percpu_bad_input.pcpu_bad_free_inside_object
percpu_bad_input.pcpu_bad_free_misaligned
percpu_bad_input.pcpu_bad_free_in_free_space
percpu_bad_input.pcpu_bad_free_static_variable"
trees="upstream base series"

# REPORT_ONLY=1 remakes the table from the last runs' logs.
if [ "${REPORT_ONLY:-0}" != 1 ]; then
	for t in $trees; do
		for c in $cases; do
			log "$t: $c"
			KUNIT_FILTER=$c TIMEOUT=300 kunit_counts "$t" "$out/$t-${c#*.}.log"
			cp "$BUILD/kunit-Kconfig/test.log" "$out/$t-${c#*.}.console" 2>/dev/null || true
			echo "$KPASS $KFAIL" > "$out/$t-${c#*.}.counts"
		done
	done
fi

python3 - "$out" "$trees" "$(echo $cases)" <<'EOF'
import re, sys
out, trees, cases = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
what = {
    'pcpu_test_rejects_invalid_requests': 'size 0, size > 32 KiB, align not a power of 2 or > PAGE_SIZE',
    'pcpu_bad_double_free': 'double free',
    'pcpu_bad_free_inside_object': 'free of a pointer 8 bytes into an object',
    'pcpu_bad_free_misaligned': 'free of a pointer 1 byte into an object',
    'pcpu_bad_free_in_free_space': 'free of a pointer into free space',
    'pcpu_bad_free_static_variable': 'free of a static percpu variable',
}
rows, order = {}, [c.split('.', 1)[1] for c in cases]
for tree in trees:
  for case in order:
    try:
        passed, failed = open(f'{out}/{tree}-{case}.counts').read().split()
    except OSError:
        continue
    try:
        con = open(f'{out}/{tree}-{case}.console', errors='replace').read()
    except OSError:
        con = ''
    warned = bool(re.search(r'WARNING: CPU: \d+ PID: \d+ at \S*mm/percpu(-bitmap)?\.c', con))
    crashed = re.search(r'(BUG: [^\n]*|general protection fault[^\n]*|Oops[^\n]*)', con)
    if passed != '0' and failed == '0':
        if case == 'pcpu_test_rejects_invalid_requests':
            cell = 'NULL; objects intact'
        elif warned:
            cell = 'WARN, refused; objects intact'
        else:
            cell = 'no WARN; objects intact'
    elif crashed:
        rip = re.search(r'RIP: \d+:([A-Za-z0-9_.]+)\+', con)
        cell = ('crash: ' + crashed.group(1).split(',')[0].replace('BUG: ', '') +
                (' in ' + rip.group(1) if rip else ''))
    elif 'objects lost their contents' in con or 'pcpu_test_intact' in con:
        cell = 'objects corrupted' + (' (WARN)' if warned else '')
    else:
        m = re.search(r'Expected ([^\n]*)', con)
        cell = 'failed: ' + (m.group(1)[:60] if m else 'see log')
    rows[(tree, case)] = cell
lines = ['| bad input | ' + ' | '.join(trees) + ' |',
         '|---|' + '---|' * len(trees)]
for case in order:
    lines.append(f'| {what.get(case, case)} | ' +
                 ' | '.join(rows.get((t, case), '-') for t in trees) + ' |')
table = '\n'.join(lines) + '\n'
open(f'{out}/table.md', 'w').write(table)
print(table)
EOF
