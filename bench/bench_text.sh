#!/usr/bin/env bash
# Text normalisation throughput (vs plain utf8proc NFKC_Casefold) and 1M
# posts vs a 100k-text near-dup bank (target < 60 s), with a brute-force
# exact-Jaccard sample giving the LSH recall. Needs the shared Fifth Tribe
# tweets (skipped when absent). POSTS=n BANK=n override the sizes.
set -euo pipefail
data=${VIGIL_SHARED_DATA:-../shared/data}/fifthtribe/tweets.csv
if [ ! -r "$data" ]; then echo "SKIP: $data is absent"; exit 0; fi
"${VIGIL_BUILD:-build}/bench_text" "$data" "${POSTS:-1000000}" "${BANK:-100000}"
