#!/usr/bin/python3
"""schema_py.py - the same measurements as bench/schema_bench.c with Debian's
python3-jsonschema: DIR holds schema.json, big.json, small.jsonl (schema_gen.py).
Prints the figures as schema_bench does."""
import json
import resource
import sys
import time

import jsonschema


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 1e6


def main():
    d = sys.argv[1]
    schema = json.load(open(d + "/schema.json"))
    v = jsonschema.Draft202012Validator(schema)
    before = rss_mb()
    t = time.perf_counter()
    big = json.load(open(d + "/big.json"))
    parse = time.perf_counter() - t
    doc_mb = rss_mb() - before
    t = time.perf_counter()
    ok = v.is_valid(big)
    val = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(f"big: valid={ok} parse {parse:.3f} s, validate {val:.3f} s, document in memory {doc_mb:.1f} MB, peak RSS {peak:.1f} MB")
    del big
    n = 0
    parse = val = 0.0
    valid = 0
    with open(d + "/small.jsonl") as f:
        for line in f:
            t0 = time.perf_counter()
            doc = json.loads(line)
            t1 = time.perf_counter()
            valid += v.is_valid(doc)
            t2 = time.perf_counter()
            parse += t1 - t0
            val += t2 - t1
            n += 1
    print(f"small: {n} documents, {valid} valid; parse {parse:.3f} s, validate {val:.3f} s ({n / val:.0f} documents/s)")


if __name__ == "__main__":
    main()
