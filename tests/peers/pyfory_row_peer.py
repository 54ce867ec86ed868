"""Row-format peer for tests/tests/pyfory_row.rs: pyfory 1.7.7's `pyfory.format` row encoder.

Reads one JSON request on stdin and writes one JSON answer on stdout:

    {"types": {name: TYPE}, "cases": [{"op": "encode", "type": name, "value": V},
                                      {"op": "decode", "type": name, "hex": "..."}]}
                                      {"op": "infer_order", "names": [...]},
                                      {"op": "encode_inferred" | "decode_inferred", ...}]}
    -> {"pyfory": version, "results": [{"hex": "..."} | {"value": V} | {"names": [...]}
                                       | {"error": "..."}, ...]}

TYPE is {"kind": K} for bool, int8, int16, int32, int64, float32, float64, string, bytes, date,
timestamp; {"kind": "list", "elem": TYPE}; {"kind": "map", "key": TYPE, "value": TYPE};
{"kind": "struct", "fields": [{"name": N, "type": TYPE, "nullable": B}]}. The row schema is
built explicitly (`pyfory.format.schema`) in the given field order, so it is the writer's
declaration order, not the name order `pyfory.format.infer_schema` gives a dataclass; the
`*_inferred` ops use that inferred schema instead (`pyfory.format.encoder(dataclass)`).

V mirrors TYPE: null, JSON bools/ints/strings, floats as {"f32"|"f64": little-endian hex bits},
bytes as hex text, dates as days, timestamps as microseconds since the epoch (UTC), lists as
arrays, maps as arrays of [key, value] pairs, structs as objects by field name.
"""

import datetime
import json
import struct
import sys

import pyfory
import pyfory.format as F

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
EPOCH_DAY = datetime.date(1970, 1, 1)
SIMPLE = {
    "bool": F.boolean,
    "int8": F.int8,
    "int16": F.int16,
    "int32": F.int32,
    "int64": F.int64,
    "float32": F.float32,
    "float64": F.float64,
    "string": F.utf8,
    "bytes": F.binary,
    "date": F.date32,
    "timestamp": F.timestamp,
}


def dtype(t):
    k = t["kind"]
    if k in SIMPLE:
        return SIMPLE[k]()
    if k == "list":
        return F.list_(dtype(t["elem"]))
    if k == "map":
        return F.map_(dtype(t["key"]), dtype(t["value"]))
    if k == "struct":
        return F.struct([F.field(f["name"], dtype(f["type"])) for f in t["fields"]])
    raise ValueError(f"unknown kind {k}")


def annotation(t, nullable=False):
    """The Python type hint `pyfory.format.infer_schema` maps to TYPE."""
    import typing

    k = t["kind"]
    hints = {
        "bool": bool,
        "int8": pyfory.Int8,
        "int16": pyfory.Int16,
        "int32": pyfory.Int32,
        "int64": int,
        "float32": pyfory.Float32,
        "float64": float,
        "string": str,
        "bytes": bytes,
        "date": datetime.date,
        "timestamp": datetime.datetime,
    }
    if k in hints:
        hint = hints[k]
    elif k == "list":
        hint = typing.List[annotation(t["elem"])]
    elif k == "map":
        hint = typing.Dict[annotation(t["key"]), annotation(t["value"])]
    else:
        hint = dataclass_for(t)
    return typing.Optional[hint] if nullable else hint


def dataclass_for(t):
    """A dataclass declaring TYPE's fields in the given (declaration) order."""
    import dataclasses

    dataclass_for.count = getattr(dataclass_for, "count", 0) + 1
    fields = [(f["name"], annotation(f["type"], f.get("nullable", False))) for f in t["fields"]]
    return dataclasses.make_dataclass(f"Row{dataclass_for.count}", fields)


def to_py(t, v):
    if v is None:
        return None
    k = t["kind"]
    if k == "float32":
        return struct.unpack("<f", bytes.fromhex(v["f32"]))[0]
    if k == "float64":
        return struct.unpack("<d", bytes.fromhex(v["f64"]))[0]
    if k == "bytes":
        return bytes.fromhex(v)
    if k == "date":
        return EPOCH_DAY + datetime.timedelta(days=v)
    if k == "timestamp":
        return EPOCH + datetime.timedelta(microseconds=v)
    if k == "list":
        return [to_py(t["elem"], x) for x in v]
    if k == "map":
        return {to_py(t["key"], a): to_py(t["value"], b) for a, b in v}
    if k == "struct":
        return {f["name"]: to_py(f["type"], v.get(f["name"])) for f in t["fields"]}
    return v


def to_json(t, v):
    if v is None:
        return None
    k = t["kind"]
    if k == "float32":
        return {"f32": struct.pack("<f", v).hex()}
    if k == "float64":
        return {"f64": struct.pack("<d", v).hex()}
    if k == "bytes":
        return bytes(v).hex()
    if k == "date":
        return (v - EPOCH_DAY).days
    if k == "timestamp":
        # pyfory returns a naive local datetime; the peer runs with TZ=UTC.
        return (v.replace(tzinfo=datetime.timezone.utc) - EPOCH) // datetime.timedelta(microseconds=1)
    if k == "list":
        return [to_json(t["elem"], x) for x in v]
    if k == "map":
        return [[to_json(t["key"], a), to_json(t["value"], b)] for a, b in v.items()]
    if k == "struct":
        return {f["name"]: to_json(f["type"], getattr(v, f["name"])) for f in t["fields"]}
    return v


def main():
    req = json.load(sys.stdin)
    encoders = {}
    for name, t in req["types"].items():
        schema = F.schema([F.field(f["name"], dtype(f["type"])) for f in t["fields"]])
        encoders[name] = (t, schema, F.create_row_encoder(schema))
    out = []
    for case in req["cases"]:
        if case["op"] == "infer_order":
            # The field order pyfory infers for a dataclass declaring `names` in this order.
            import dataclasses
            cls = dataclasses.make_dataclass("Inferred", [(n, int) for n in case["names"]])
            schema = F.infer_schema(cls)
            out.append({"names": [schema.field(i).name for i in range(schema.num_fields)]})
            continue
        t, schema, enc = encoders[case["type"]]
        if case["op"].endswith("_inferred"):
            # The schema `pyfory.format.encoder(SomeDataclass)` uses: inferred from a dataclass
            # declaring the fields in declaration order (infer_schema sorts them). `encoder()`
            # itself then fails on a list nested in a list or map (its schema hash reads
            # `.value_type` off a plain DataType), so the row encoder is made directly.
            schema = F.infer_schema(dataclass_for(t))
            enc = F.create_row_encoder(schema)
        try:
            if case["op"].startswith("encode"):
                out.append({"hex": enc.to_row(to_py(t, case["value"])).to_bytes().hex()})
            else:
                row = F.RowData(schema, bytes.fromhex(case["hex"]))
                out.append({"value": to_json(t, enc.from_row(row))})
        except Exception as e:  # reported to the Rust side, which decides
            out.append({"error": f"{type(e).__name__}: {e}"})
    json.dump({"pyfory": pyfory.__version__, "results": out}, sys.stdout)


if __name__ == "__main__":
    main()
