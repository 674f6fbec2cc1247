#!/bin/sh
# Generates N small, valid, distinct Sigma rules into DIR (one file each, 100 per sub-folder), for
# measuring how `sigmaforge check` scales with the number of files:
#   scripts/gen-many-rules.sh 100000 /tmp/many && /usr/bin/time -v sigmaforge check /tmp/many >/dev/null
set -eu
if [ $# -ne 2 ]; then
    echo "usage: $0 N DIR" >&2
    exit 2
fi
n=$1
dir=$2
mkdir -p "$dir"
awk -v n="$n" -v dir="$dir" 'BEGIN {
    for (i = 0; i < n; i++) {
        sub_dir = sprintf("%s/g%04d", dir, int(i / 100))
        if (i % 100 == 0) system("mkdir -p " sub_dir)
        f = sprintf("%s/proc_creation_win_generated_rule_%07d.yml", sub_dir, i)
        printf "title: Generated Rule Number %07d\n", i > f
        printf "id: %08x-0000-4000-8000-%012x\n", i, i > f
        printf "status: test\n" > f
        printf "description: Detects generated process number %d, for scaling measurements.\n", i > f
        printf "references:\n    - https://example.com/rules/%d\n", i > f
        printf "author: sigmaforge scale test\n" > f
        printf "date: 2026-01-01\n" > f
        printf "tags:\n    - attack.execution\n    - attack.t1059\n" > f
        printf "logsource:\n    category: process_creation\n    product: windows\n" > f
        printf "detection:\n    selection:\n        Image|endswith: \047\\generated%d.exe\047\n", i > f
        printf "        CommandLine|contains:\n            - \047 -run %d\047\n            - \047 /job %d\047\n", i, i > f
        printf "    condition: selection\n" > f
        printf "falsepositives:\n    - Unknown\n" > f
        printf "level: medium\n" > f
        close(f)
    }
}'
