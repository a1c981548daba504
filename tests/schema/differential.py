#!/usr/bin/python3
"""differential.py - the validator (src/schema/) against Debian's python3-jsonschema
on generated (schema, instance) pairs: both must say the same valid/invalid.

    differential.py BATCH_BINARY [COUNT] [SEED]

Schemas are drawn from the keywords both drafts' validation and applicator
vocabularies share with 2020-12's (type, enum, const, the numeric and string and
array and object limits, properties, patternProperties, additionalProperties,
prefixItems/items, contains, dependentRequired/Schemas, allOf/anyOf/oneOf/not,
if/then/else, $ref to $defs, unevaluatedProperties/Items), a third of them as
draft-07. Instances are drawn near the schema (its constants, its limits +- 1) and
at random. The seed is fixed: the same pairs every run.

A disagreement fails the run unless it is one of python3-jsonschema's documented
bugs (docs/schema.md, "Differential check"), each recognised by re-validating the
pair with that one keyword corrected in python3-jsonschema:
  - multipleOf by a decimal: python divides in binary floating point, so 0.0075 is
    no multiple of 0.0001 there (corrected: exact decimal arithmetic).
  - unevaluatedProperties: python does not count the properties that an
    additionalProperties evaluated (beside it, or in a subschema)
    (corrected: that additionalProperties written as patternProperties {"": S}).
  - crashes (TypeError) on valid input: unevaluatedItems/unevaluatedProperties
    failing on values of mixed types (python sorts them for its message), and
    draft-07's additionalItems beside a boolean "items"; such pairs have no python
    verdict and are counted apart.
Prints the figures and every unexplained disagreement; exit 1 when there is one.
Runs on Debian's python3 (/usr/bin/python3), whose jsonschema is the package's.
"""
import json
import random
import subprocess
import sys
from decimal import Decimal

import jsonschema

PATTERNS = ["^a", "b$", "^[a-c]+$", "\\d", "^\\d{2,3}$", "x|y", "^$", "[A-Z]", "^.{2}$", "é"]
NAMES = ["a", "b", "c", "id", "é", "x/y", "~t"]
STRINGS = ["", "a", "ab", "abc", "b", "ba", "12", "123", "xyz", "A", "é", "éé", "x/y", "2024-01-31", "aaa"]
D2020 = "https://json-schema.org/draft/2020-12/schema"
# TypeErrors python3-jsonschema 4.10 raises on valid input: sorting mixed-type
# unevaluated items/properties for its message; len() of a boolean "items" beside
# draft-07's additionalItems.
KNOWN_CRASHES = ("not supported between instances", "object of type 'bool' has no len()")
D7 = "http://json-schema.org/draft-07/schema#"


def rnum(r):
    return r.choice([0, 1, -1, 2, 3, 5, 7, 10, 0.5, 1.5, 2.5, -2.5, 0.1, 0.3, 0.0075, 0.01, 100, 1e3, 4.0])


def rvalue(r, depth=0):
    k = r.randrange(8 if depth < 2 else 5)
    if k == 0:
        return None
    if k == 1:
        return r.choice([True, False])
    if k == 2:
        return rnum(r)
    if k == 3:
        return r.choice(STRINGS)
    if k == 4:
        return r.randrange(-3, 12)
    if k == 5:
        return [rvalue(r, depth + 1) for _ in range(r.randrange(4))]
    return {r.choice(NAMES): rvalue(r, depth + 1) for _ in range(r.randrange(4))}


def rschema(r, draft7, depth=0, defs=None):
    if depth > 2 or r.random() < 0.12:
        return r.choice([True, False, {}]) if r.random() < 0.3 else {"type": r.choice(["string", "integer", "number", "object", "array", "boolean", "null"])}
    s = {}
    for _ in range(r.randrange(1, 4)):
        k = r.randrange(24)
        if k == 0:
            s["type"] = r.choice(["string", "integer", "number", "object", "array", ["string", "null"], ["integer", "boolean"]])
        elif k == 1:
            s["enum"] = [rvalue(r, 2) for _ in range(r.randrange(1, 4))]
        elif k == 2:
            s["const"] = rvalue(r, 1)
        elif k == 3:
            s[r.choice(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"])] = rnum(r)
        elif k == 4:
            s["multipleOf"] = r.choice([1, 2, 3, 0.5, 0.1, 0.01, 0.0001, 1.5, 2.5])
        elif k == 5:
            s[r.choice(["minLength", "maxLength"])] = r.randrange(4)
        elif k == 6:
            s["pattern"] = r.choice(PATTERNS)
        elif k == 7:
            s[r.choice(["minItems", "maxItems"])] = r.randrange(4)
        elif k == 8:
            s["uniqueItems"] = r.choice([True, False])
        elif k == 9:
            if draft7:
                if r.random() < 0.5:
                    s["items"] = [rschema(r, draft7, depth + 1, defs) for _ in range(r.randrange(1, 3))]
                    s["additionalItems"] = rschema(r, draft7, depth + 1, defs)
                else:
                    s["items"] = rschema(r, draft7, depth + 1, defs)
            else:
                if r.random() < 0.5:
                    s["prefixItems"] = [rschema(r, draft7, depth + 1, defs) for _ in range(r.randrange(1, 3))]
                s["items"] = rschema(r, draft7, depth + 1, defs)
        elif k == 10:
            s["contains"] = rschema(r, draft7, depth + 1, defs)
            if not draft7 and r.random() < 0.5:
                s[r.choice(["minContains", "maxContains"])] = r.randrange(3)
        elif k == 11:
            s["properties"] = {r.choice(NAMES): rschema(r, draft7, depth + 1, defs) for _ in range(r.randrange(1, 3))}
        elif k == 12:
            s["required"] = sorted({r.choice(NAMES) for _ in range(r.randrange(1, 3))})
        elif k == 13:
            s["additionalProperties"] = rschema(r, draft7, depth + 1, defs)
        elif k == 14:
            s["patternProperties"] = {r.choice(PATTERNS): rschema(r, draft7, depth + 1, defs)}
        elif k == 15:
            s["propertyNames"] = {"maxLength": r.randrange(1, 3)} if r.random() < 0.5 else {"pattern": r.choice(PATTERNS)}
        elif k == 16:
            s[r.choice(["minProperties", "maxProperties"])] = r.randrange(3)
        elif k == 17:
            name = r.choice(NAMES)
            if draft7:
                s["dependencies"] = {name: [r.choice(NAMES)] if r.random() < 0.5 else rschema(r, draft7, depth + 1, defs)}
            elif r.random() < 0.5:
                s["dependentRequired"] = {name: [r.choice(NAMES)]}
            else:
                s["dependentSchemas"] = {name: rschema(r, draft7, depth + 1, defs)}
        elif k in (18, 19):
            s[r.choice(["allOf", "anyOf", "oneOf"])] = [rschema(r, draft7, depth + 1, defs) for _ in range(r.randrange(1, 4))]
        elif k == 20:
            s["not"] = rschema(r, draft7, depth + 1, defs)
        elif k == 21:
            s["if"] = rschema(r, draft7, depth + 1, defs)
            if r.random() < 0.8:
                s["then"] = rschema(r, draft7, depth + 1, defs)
            if r.random() < 0.8:
                s["else"] = rschema(r, draft7, depth + 1, defs)
        elif k == 22 and defs is not None:
            s["$ref"] = ("#/definitions/" if draft7 else "#/$defs/") + r.choice(list(defs))
        elif k == 23 and not draft7:
            s[r.choice(["unevaluatedProperties", "unevaluatedItems"])] = rschema(r, draft7, depth + 2, defs)
    return s


def near(r, schema):
    """An instance drawn from the schema's own values, or at random."""
    if not isinstance(schema, dict) or r.random() < 0.3:
        return rvalue(r)
    for key in ("const", "enum"):
        if key in schema and r.random() < 0.5:
            return schema[key] if key == "const" else r.choice(schema[key])
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
        if key in schema and r.random() < 0.6:
            v = schema[key]
            return r.choice([v, v + 1, v - 1, v * 2, v * 3, 0.0075, 19.99, 0.3])
    if "properties" in schema or "required" in schema or "additionalProperties" in schema:
        names = list(schema.get("properties", {})) + schema.get("required", []) + NAMES
        return {r.choice(names): rvalue(r, 1) for _ in range(r.randrange(4))}
    if any(k in schema for k in ("items", "prefixItems", "contains", "minItems", "maxItems", "uniqueItems")):
        return [rvalue(r, 2) for _ in range(r.randrange(5))]
    return rvalue(r)


def exact_multiple_of(validator, dB, instance, schema):
    if not validator.is_type(instance, "number"):
        return
    q = Decimal(repr(instance)) / Decimal(repr(dB))
    if q != q.to_integral_value():
        yield jsonschema.ValidationError(f"{instance!r} is not a multiple of {dB}")


def additional_as_pattern(schema):
    """The schema with each additionalProperties S, in a schema with neither
    properties nor patternProperties, written as the equivalent patternProperties
    {"": S}: python3-jsonschema 4.10 does see those as evaluated by a subschema."""
    if isinstance(schema, list):
        return [additional_as_pattern(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: additional_as_pattern(v) for k, v in schema.items()}
    if "additionalProperties" in out and "properties" not in out and "patternProperties" not in out:
        out["patternProperties"] = {"": out.pop("additionalProperties")}
    return out


def python_valid(cls, schema, instance):
    return cls(schema).is_valid(instance)


def main():
    binary = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261207
    r = random.Random(seed)
    pairs = []
    for i in range(count):
        draft7 = i % 3 == 0
        defs = {n: rschema(r, draft7, 2) for n in ("p", "q")}
        schema = rschema(r, draft7, 0, defs)
        if not isinstance(schema, dict):
            schema = {"allOf": [schema]}
        schema["$schema"] = D7 if draft7 else D2020
        schema["definitions" if draft7 else "$defs"] = defs
        pairs.append((draft7, schema, near(r, schema)))
    lines = "".join(json.dumps({"schema": s, "instance": inst}) + "\n" for _, s, inst in pairs)
    out = subprocess.run([binary], input=lines, capture_output=True, text=True, check=False)
    ours = out.stdout.splitlines()
    if out.returncode != 0 or len(ours) != len(pairs):
        print(f"the batch validator failed (exit {out.returncode}, {len(ours)} answers for {len(pairs)} pairs)")
        print(out.stderr[-3000:])
        return 1
    # The correction is put in the validator classes' own keyword tables for the
    # re-check (validators.extend would do, but in 4.10 it loses draft-07's rule
    # that $ref hides its siblings).
    fixed = {"multipleOf": exact_multiple_of}
    agree = explained = 0
    unexplained = []
    nvalid = 0
    crashed = 0
    for (draft7, schema, inst), answer in zip(pairs, ours):
        cls = jsonschema.Draft7Validator if draft7 else jsonschema.Draft202012Validator
        try:
            theirs = python_valid(cls, schema, inst)
        except TypeError as e:
            # python3-jsonschema 4.10 raises on some valid schemas and instances
            # (docs/schema.md): no verdict to compare with.
            if any(known in str(e) for known in KNOWN_CRASHES):
                crashed += 1
                continue
            raise
        nvalid += theirs
        if answer.startswith("error"):
            unexplained.append((schema, inst, answer, theirs))
            continue
        mine = answer == "valid"
        if mine == theirs:
            agree += 1
            continue
        why = None
        for keyword, corrected in fixed.items():
            saved = cls.VALIDATORS[keyword]
            cls.VALIDATORS[keyword] = corrected
            try:
                if python_valid(cls, schema, inst) == mine:
                    why = keyword
            finally:
                cls.VALIDATORS[keyword] = saved
            if why:
                break
        if not why and "unevaluatedProperties" in json.dumps(schema):
            if python_valid(cls, additional_as_pattern(schema), inst) == mine:
                why = "unevaluatedProperties"
        if why:
            explained += 1
        else:
            unexplained.append((schema, inst, answer, theirs))
    print(f"differential: {len(pairs)} pairs ({nvalid} valid by python3-jsonschema {jsonschema.__version__ if hasattr(jsonschema, '__version__') else ''}), "
          f"{agree} agree, {explained} disagree by a documented python3-jsonschema bug, {crashed} have no python3-jsonschema verdict "
          f"(a documented crash), {len(unexplained)} disagree")
    for schema, inst, answer, theirs in unexplained[:20]:
        print(f"  ours: {answer}, python3-jsonschema: {'valid' if theirs else 'invalid'}")
        print(f"    schema:   {json.dumps(schema)}")
        print(f"    instance: {json.dumps(inst)}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
