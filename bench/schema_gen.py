#!/usr/bin/python3
"""schema_gen.py - the bench's data (bench/schema.sh): a metadata schema of a tensile
test (2020-12: $defs and $ref, required, enums, patterns, formats as annotations,
numeric limits, additionalProperties false, uniqueItems), one 25 MB record with its
measured curve, and 100,000 small records, one a line. Fixed seed.
    schema_gen.py DIR [BIG_MB] [SMALL_COUNT]"""
import json
import random
import sys

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.org/schemas/tensile-test.json",
    "title": "Tensile test metadata",
    "type": "object",
    "required": ["title", "creator", "date", "specimen", "machine", "measurements"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "creator": {
            "type": "object", "required": ["name"], "additionalProperties": False,
            "properties": {"name": {"type": "string", "minLength": 1},
                           "orcid": {"type": "string", "pattern": "^\\d{4}-\\d{4}-\\d{4}-\\d{3}[\\dX]$"},
                           "email": {"type": "string", "format": "email"}},
        },
        "date": {"type": "string", "format": "date-time"},
        "keywords": {"type": "array", "items": {"type": "string"}, "uniqueItems": True, "maxItems": 20},
        "license": {"enum": ["CC-BY-4.0", "CC0-1.0", "MIT", "proprietary"]},
        "specimen": {
            "type": "object", "required": ["id", "material", "width", "thickness", "gauge_length"],
            "additionalProperties": False,
            "properties": {"id": {"type": "string", "pattern": "^[A-Z]{2}-\\d+$"},
                           "material": {"enum": ["steel", "aluminium", "titanium", "polymer", "composite"]},
                           "width": {"$ref": "#/$defs/length"}, "thickness": {"$ref": "#/$defs/length"},
                           "gauge_length": {"$ref": "#/$defs/length"}},
        },
        "machine": {
            "type": "object", "required": ["manufacturer", "model"], "additionalProperties": False,
            "properties": {"manufacturer": {"type": "string"}, "model": {"type": "string"},
                           "serial": {"type": "string"}, "load_cell_kN": {"type": "number", "exclusiveMinimum": 0}},
        },
        "measurements": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/point"}},
    },
    "$defs": {
        "length": {"type": "object", "required": ["value", "unit"], "additionalProperties": False,
                   "properties": {"value": {"type": "number", "exclusiveMinimum": 0},
                                  "unit": {"enum": ["mm", "cm", "m"]}}},
        "point": {"type": "object", "required": ["t", "force_kN", "extension_mm"], "additionalProperties": False,
                  "properties": {"t": {"type": "number", "minimum": 0}, "force_kN": {"type": "number"},
                                 "extension_mm": {"type": "number", "minimum": 0},
                                 "strain": {"type": "number", "minimum": 0, "maximum": 1}}},
    },
}


def record(r, points):
    return {
        "title": "Tensile test %d" % r.randrange(10**6),
        "creator": {"name": "A. Researcher", "orcid": "0000-0002-1825-0097", "email": "a@example.org"},
        "date": "2026-12-07T10:%02d:00Z" % r.randrange(60),
        "keywords": ["tensile", "steel", "ISO 6892-1"],
        "license": "CC-BY-4.0",
        "specimen": {"id": "ST-%d" % r.randrange(1000), "material": "steel",
                     "width": {"value": 10.0, "unit": "mm"}, "thickness": {"value": 2.0, "unit": "mm"},
                     "gauge_length": {"value": 50.0, "unit": "mm"}},
        "machine": {"manufacturer": "Zwick", "model": "Z100", "serial": "Z-4711", "load_cell_kN": 100},
        "measurements": [{"t": round(i * 0.01, 2), "force_kN": round(r.uniform(0, 40), 3),
                          "extension_mm": round(i * 0.001, 4), "strain": round(i / points / 4, 6)} for i in range(points)],
    }


def main():
    out = sys.argv[1]
    big_mb = float(sys.argv[2]) if len(sys.argv) > 2 else 25
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
    r = random.Random(7)
    with open(out + "/schema.json", "w") as f:
        json.dump(SCHEMA, f, indent=1)
    # the number of points: guessed from a sample, then corrected once by the size
    sample = len(json.dumps(record(random.Random(1), 1000), separators=(",", ":"))) / 1000
    points = int(big_mb * 1e6 / sample)
    text = json.dumps(record(random.Random(2), points), separators=(",", ":"))
    points = int(points * big_mb * 1e6 / len(text))
    with open(out + "/big.json", "w") as f:
        json.dump(record(r, points), f, separators=(",", ":"))
    with open(out + "/small.jsonl", "w") as f:
        for _ in range(count):
            f.write(json.dumps(record(r, 5), separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
