#!/usr/bin/env python3
"""Regenerate tests/golden/vectors.json: xlang payloads written by pyfory 1.7.7.

Run it with the project's Python venv (pyfory==1.7.7 and fory-compiler==1.7.7):

    PY=$(bash scripts/setup-python.sh | tail -n 1)
    $PY scripts/make_golden.py                     # rewrite tests/golden/vectors.json
    $PY scripts/make_golden.py --out /tmp/v.json   # write elsewhere
    $PY scripts/make_golden.py --check             # compare with the checked-in file, write nothing

Steps:
  1. The FDL schemas below are written to a temporary directory and compiled with
     `python -m fory_compiler --python_out` (fory-compiler 1.7.7); the generated modules are
     imported and their `register_*_types` functions register every type.
  2. Each case's value is serialized by a fresh `pyfory.Fory(**config)`, and a second fresh
     instance must read the bytes back to the expected value (or satisfy the case's identity
     check for reference-tracking cases).
  3. The cases are written as JSON: name, fdl (the FDL definitions the case needs, or null),
     config, python_value_repr, hex, and notes when there are any.

The `rust_*` columns (bytes of the fory 1.7.7 Rust crate) cannot be
produced here. They are carried over from the previous vectors file (--previous, default: the
output file) for every case whose pyfory bytes did not change, and dropped otherwise.
"""
import argparse
import array
import dataclasses
import datetime
import decimal
import importlib.util
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import types
from typing import Callable, Optional

import pyfory

PYFORY_VERSION = "1.7.7"
if pyfory.__version__ != PYFORY_VERSION:
    sys.exit("make_golden.py needs pyfory %s, found %s" % (PYFORY_VERSION, pyfory.__version__))

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO, "tests", "golden", "vectors.json")

# ------------------------------------------------------------------------------------------------
# Schemas. The per-case `fdl` is cut out of these texts, so keep them byte-stable.

SCHEMA_GOLDEN = """package golden;

enum Color [id=100] {
    RED = 0;
    GREEN = 1;
    BLUE = 2;
}

message AllPrims [id=101] {
    bool b = 1;
    int8 i8 = 2;
    int16 i16 = 3;
    int32 i32 = 4;
    fixed int32 fi32 = 5;
    int64 i64 = 6;
    fixed int64 fi64 = 7;
    tagged int64 ti64 = 8;
    uint8 u8 = 9;
    uint16 u16 = 10;
    uint32 u32 = 11;
    fixed uint32 fu32 = 12;
    uint64 u64 = 13;
    fixed uint64 fu64 = 14;
    tagged uint64 tu64 = 15;
    float16 f16 = 16;
    bfloat16 bf16 = 17;
    float32 f32 = 18;
    float64 f64 = 19;
}

message Scalars [id=102] {
    string s = 1;
    bytes data = 2;
    date d = 3;
    timestamp ts = 4;
    duration dur = 5;
    decimal dec = 6;
}

message Point [id=103] {
    int32 x = 1;
    int32 y = 2;
}

message Line [id=104] {
    Point a = 1;
    Point b = 2;
    string label = 3;
}

message Optionals [id=105] {
    optional int32 oi = 1;
    optional string os = 2;
    optional float64 of = 3;
    optional list<int32> ol = 4;
    Point op = 5;
    int32 req = 6;
}

message Collections [id=106] {
    list<int32> ints = 1;
    list<string> strs = 2;
    list<optional string> maybe_strs = 3;
    map<string, int64> counts = 4;
    map<int32, string> names = 5;
    list<Point> points = 6;
    map<string, Point> point_map = 7;
}

message Arrays [id=107] {
    array<bool> bools = 1;
    array<int8> i8s = 2;
    array<int16> i16s = 3;
    array<int32> i32s = 4;
    array<int64> i64s = 5;
    array<uint8> u8s = 6;
    array<uint16> u16s = 7;
    array<uint32> u32s = 8;
    array<uint64> u64s = 9;
    array<float16> f16s = 10;
    array<bfloat16> bf16s = 11;
    array<float32> f32s = 12;
    array<float64> f64s = 13;
}

message WithEnum [id=108] {
    Color color = 1;
    optional Color maybe_color = 2;
    list<Color> colors = 3;
}

union Shape [id=109] {
    Point point = 0;
    string label = 1;
    int64 count = 2;
}

message Drawing [id=110] {
    Shape shape = 1;
    any extra = 2;
}

message TreeNode [id=111] {
    string name = 1;
    ref TreeNode parent = 2;
    list<ref TreeNode> children = 3;
}

message AutoId {
    int32 v = 1;
}
"""

SCHEMA_GOLDEN_NAMED = """package golden.named;
option enable_auto_type_id = false;

enum Level {
    LOW = 0;
    HIGH = 1;
}

message User {
    string name = 1;
    int32 age = 2;
    Level level = 3;
}

message Team {
    User lead = 1;
    list<User> members = 2;
}
"""

# The 1.7.7 compiler always turns field numbers into tag ids, so a struct whose fields are keyed
# by NAME cannot come from FDL. PlainPerson below is written by hand; this text only describes it
# (the Rust test loads it with the tags removed and registration by name).
SCHEMA_PLAIN = """// hand-written pyfory dataclass, registered by name "golden.plain.Person";
// NO field ids (not expressible in FDL 1.7.7): TypeDef carries field names,
// field order uses snake_case names.  Python attribute names in parentheses.
package golden.plain;
message Person {
    string name = 1;            // name
    int32 age = 2;              // age      (pyfory.Int32 -> VARINT32)
    optional string nick_name = 3;  // nickName (camelCase attr -> snake_case on wire)
    float64 score_2 = 4;        // score_2
}
"""

SCHEMAS = {"golden": SCHEMA_GOLDEN, "golden_named": SCHEMA_GOLDEN_NAMED, "plain": SCHEMA_PLAIN}


@dataclasses.dataclass
class PlainPerson:
    """Registered as "golden.plain.Person"; no pyfory.field ids, so fields go by name."""

    name: str
    age: pyfory.Int32
    nickName: Optional[str] = None
    score_2: pyfory.Float64 = 0.0


class FdlDefinitions:
    """The top-level definitions of one FDL text, to cut out the ones a case needs."""

    HEAD = re.compile(r"^(message|enum|union)\s+(\w+)")

    def __init__(self, text):
        self.header = "".join(line + "\n" for line in text.splitlines()
                              if line.startswith("package ") or line.startswith("option "))
        self.blocks = {}
        lines = text.splitlines(keepends=True)
        i = 0
        while i < len(lines):
            m = self.HEAD.match(lines[i])
            if not m:
                i += 1
                continue
            j = i
            while lines[j].rstrip("\n") != "}":
                j += 1
            self.blocks[m.group(2)] = "".join(lines[i:j + 1])
            i = j + 1

    def references(self, name):
        """Names of other definitions that `name`'s body mentions, in order of first mention."""
        body = self.blocks[name].split("{", 1)[1]
        seen = []
        for word in re.findall(r"\b[A-Z]\w*\b", body):
            if word in self.blocks and word != name and word not in seen:
                seen.append(word)
        return seen

    def slice(self, roots):
        """Header + the definitions reachable from `roots` (depth first, first mention first)."""
        order = []

        def visit(n):
            if n not in order:
                order.append(n)
                for r in self.references(n):
                    visit(r)

        for r in roots:
            visit(r)
        return self.header + "\n" + "\n".join(self.blocks[n] for n in order)


# ------------------------------------------------------------------------------------------------
# Compiling the schemas

def import_file(module_name, path):
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def compile_schemas(tmp):
    """Compile the FDL schemas with fory-compiler; return {schema key: generated module}."""
    src = os.path.join(tmp, "fdl")
    out = os.path.join(tmp, "generated")
    os.makedirs(src)
    files = {}
    for key in ("golden", "golden_named"):
        files[key] = os.path.join(src, key + ".fdl")
        with open(files[key], "w", encoding="utf-8") as f:
            f.write(SCHEMAS[key])
    proc = subprocess.run([sys.executable, "-m", "fory_compiler", "--python_out", out] + list(files.values()),
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit("fory_compiler failed:\n" + proc.stdout + proc.stderr)
    modules = {}
    for key in files:
        generated = os.path.join(out, key + ".py")
        if not os.path.exists(generated):
            sys.exit("fory_compiler did not write %s (got %s)" % (generated, sorted(os.listdir(out))))
        modules[key] = import_file(key, generated)
    return modules


def type_namespace(modules):
    """All generated classes plus the hand-written one, as attributes (T.Point, T.User, ...)."""
    ns = types.SimpleNamespace(PlainPerson=PlainPerson)
    for module in modules.values():
        for name, obj in vars(module).items():
            if isinstance(obj, type) and getattr(obj, "__module__", None) == module.__name__:
                setattr(ns, name, obj)
    return ns


def new_fory(config, modules):
    fory = pyfory.Fory(**config)
    for module in modules.values():
        registrars = [f for n, f in vars(module).items() if n.startswith("register_") and n.endswith("_types")]
        if len(registrars) != 1:
            sys.exit("%s: expected one register_*_types function, found %d" % (module.__name__, len(registrars)))
        registrars[0](fory)
    fory.register_type(PlainPerson, name="golden.plain.Person")
    return fory


# ------------------------------------------------------------------------------------------------
# The cases

def config(compatible, ref=False):
    return {"xlang": True, "ref": ref, "compatible": compatible}


COMPAT = config(True)          # pyfory 1.7.7's defaults: xlang=True, ref=False, compatible=True
SAME = config(False)           # same-schema mode: 4-byte schema hash per struct
REF_COMPAT = config(True, ref=True)
REF_SAME = config(False, ref=True)


@dataclasses.dataclass
class Case:
    name: str
    config: dict
    make: Callable            # (T) -> the value to serialize
    repr: str                 # python_value_repr
    schema: Optional[str] = None   # "golden" / "golden_named" / "plain"
    roots: tuple = ()         # FDL definitions the value needs (their dependencies follow)
    notes: str = ""
    expect: Optional[Callable] = None   # (T) -> value the bytes must read back as (default: make(T))
    check: Optional[Callable] = None    # (read-back) -> bool, for ref identity


def call_repr(prefix, fields):
    return prefix + "(" + ", ".join("%s=%r" % kv for kv in fields.items()) + ")"


UTC = datetime.timezone.utc
TS = datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
TS_REPR = "datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc)"

PRIMS_ZERO = dict(b=False, i8=0, i16=0, i32=0, fi32=0, i64=0, fi64=0, ti64=0, u8=0, u16=0, u32=0, fu32=0,
                  u64=0, fu64=0, tu64=0, f16=0.0, bf16=0.0, f32=0.0, f64=0.0)
U32_MAX, U64_MAX = 2 ** 32 - 1, 2 ** 64 - 1
PRIMS_NEG1 = dict(b=True, i8=-1, i16=-1, i32=-1, fi32=-1, i64=-1, fi64=-1, ti64=-1, u8=255, u16=65535,
                  u32=U32_MAX, fu32=U32_MAX, u64=U64_MAX, fu64=U64_MAX, tu64=U64_MAX,
                  f16=-1.0, bf16=-1.0, f32=-1.0, f64=-1.0)
PRIMS_MINMAX = dict(b=True, i8=-128, i16=32767, i32=-2 ** 31, fi32=2 ** 31 - 1, i64=-2 ** 63, fi64=2 ** 63 - 1,
                    ti64=2 ** 30, u8=128, u16=256, u32=2 ** 31, fu32=1, u64=2 ** 63, fu64=2 ** 63, tu64=2 ** 31,
                    f16=65504.0, bf16=1.5, f32=3.4028234663852886e38, f64=5e-324)
PRIMS_TAGGED = {**PRIMS_ZERO, "ti64": -2 ** 30, "tu64": 2 ** 31 - 1, "i32": 64, "u32": 128, "i64": -65,
                "u64": 2 ** 56, "f16": 0.1, "bf16": 0.1}
# float16/bfloat16 round 0.1 to the nearest representable value on write.
PRIMS_TAGGED_READ = {**PRIMS_TAGGED, "f16": 0.0999755859375, "bf16": 0.10009765625}

PRIM_ORDER_NOTE = ("field order: fixed-size first (8-byte: fi64 INT64(6), fu64 UINT64(13), f64 FLOAT64(20); "
                   "4-byte: fi32, fu32, f32; 2-byte: i16, u16, f16, bf16; 1-byte: b, i8, u8), each size group by "
                   "type id; then compressed: 8-byte i64 VARINT64(7), ti64 TAGGED_INT64(8), u64 VAR_UINT64(14), "
                   "tu64 TAGGED_UINT64(15); 4-byte i32, u32")

COLL_REPR = ("golden.Collections(ints=[1,-1], strs=['a'], maybe_strs=['x',None], counts={'k':5}, "
             "names={7:'seven'}, points=[Point(1,2)], point_map={'p':Point(3,4)})")
ARRAYS_REPR = ("golden.Arrays(bools=pyfory.BoolArray([True]), i8s=pyfory.Int8Array([-1]), "
               "i16s=pyfory.Int16Array([2]), i32s=pyfory.Int32Array([3]), i64s=pyfory.Int64Array([4]), "
               "u8s=pyfory.UInt8Array([5]), u16s=pyfory.UInt16Array([6]), u32s=pyfory.UInt32Array([7]), "
               "u64s=pyfory.UInt64Array([8]), f16s=pyfory.Float16Array([1.0]), "
               "bf16s=pyfory.BFloat16Array([1.0]), f32s=pyfory.Float32Array([1.0]), "
               "f64s=pyfory.Float64Array([1.0]))")
TEAM_REPR = "golden_named.Team(lead=User('a',1,LOW), members=[User('b',2,HIGH)])"
PERSON_REPR = "PlainPerson(name='Al', age=5, nickName='x', score_2=1.0)"
TREE_SHARED_REPR = "leaf=TreeNode('leaf'); TreeNode('root', children=[leaf, leaf])"


def make_collections(T):
    return T.Collections(ints=[1, -1], strs=["a"], maybe_strs=["x", None], counts={"k": 5}, names={7: "seven"},
                         points=[T.Point(x=1, y=2)], point_map={"p": T.Point(x=3, y=4)})


def make_arrays(T):
    return T.Arrays(bools=pyfory.BoolArray([True]), i8s=pyfory.Int8Array([-1]), i16s=pyfory.Int16Array([2]),
                    i32s=pyfory.Int32Array([3]), i64s=pyfory.Int64Array([4]), u8s=pyfory.UInt8Array([5]),
                    u16s=pyfory.UInt16Array([6]), u32s=pyfory.UInt32Array([7]), u64s=pyfory.UInt64Array([8]),
                    f16s=pyfory.Float16Array([1.0]), bf16s=pyfory.BFloat16Array([1.0]),
                    f32s=pyfory.Float32Array([1.0]), f64s=pyfory.Float64Array([1.0]))


def make_team(T):
    return T.Team(lead=T.User(name="a", age=1, level=T.Level.LOW),
                  members=[T.User(name="b", age=2, level=T.Level.HIGH)])


def make_shared_tree(T):
    leaf = T.TreeNode(name="leaf", parent=None, children=[])
    return T.TreeNode(name="root", parent=None, children=[leaf, leaf])


def make_cyclic_tree(T):
    root = T.TreeNode(name="root", parent=None, children=[])
    root.children.append(T.TreeNode(name="c", parent=root, children=[]))
    return root


def make_self_list(_T):
    c = []
    c.append(c)
    return c


def make_shared_list(_T):
    a = [1, 2]
    return [a, a]


def make_shared_points(T):
    p = T.Point(x=1, y=2)
    return [p, p]


def shares_children(out):
    return out.children[0] is out.children[1]


def root_cases():
    """Values at the root with no schema: what a dynamic Python value becomes on the wire."""
    D = decimal.Decimal
    rows = [
        # name, value, repr, notes
        ("null", None, "None", "header 01 | NULL flag fd; nothing else"),
        ("bool_true", True, "True", "01 | ff not-null | 01 BOOL | 01"),
        ("int_0", 0, "0", "Python int at root is always VARINT64 (07), zigzag varint"),
        ("int_neg1", -1, "-1", "zigzag(-1)=1"),
        ("int_64", 64, "64", "zigzag(64)=128 -> 2-byte varint 80 01"),
        ("int64_min", -2 ** 63, "-2**63",
         "zigzag=2^64-1 -> 9-byte PVL varint: 8 bytes of 7 bits + a 9th byte carrying 8 bits (ff)"),
        ("int64_max", 2 ** 63 - 1, "2**63-1", "zigzag=2^64-2 -> fe ff ff ff ff ff ff ff ff (9 bytes)"),
        ("float64_1_5", 1.5, "1.5", "Python float at root is FLOAT64 (0x14), 8 bytes LE"),
        ("float64_nan", math.nan, "float('nan')", "canonical quiet NaN 0x7ff8000000000000"),
        ("float64_neg_inf", -math.inf, "float('-inf')", ""),
        ("str_empty", "", "''", "STRING 0x15, header 00 (len 0, LATIN1). fory-rust writes 02 (UTF8) here"),
        ("str_ascii", "hello", "'hello'",
         "header (5<<2)|0=0x14 LATIN1; pyfory picks LATIN1 for any str whose chars are all <= U+00FF"),
        ("str_latin1", "caf\u00e9", "'caf\u00e9'", "LATIN1: e9 is one byte"),
        ("str_utf16", "\u4e2d\u6587", "'\u4e2d\u6587'",
         "BMP non-latin1 -> UTF16LE, header (byte_len<<2)|1 = (4<<2)|1 = 0x11"),
        ("str_emoji", "a\U0001f600", "'a\U0001f600'", "astral char present -> UTF8, header (5<<2)|2 = 0x16"),
        ("str_long_ascii", "x" * 40, "'x'*40", "header (40<<2)=160 -> varint a0 01"),
        ("binary_empty", b"", "b''", "BINARY 0x29, varuint32 length 0"),
        ("binary", b"\x00\x01\xff", "b'\\x00\\x01\\xff'", ""),
        ("list_ints", [1, 2, 3], "[1, 2, 3]",
         "LIST 0x16 | len 3 | elem header 08 (same type, not declared) | elem type 07 | varints"),
        ("list_empty", [], "[]", "empty list: ONLY the length 00, no element header byte"),
        ("list_strs", ["a", "b"], "['a', 'b']", ""),
        ("list_any_mixed", [1, "a", 2.5, True, b"x"], "[1, 'a', 2.5, True, b'x']",
         "header 00 (different types, no nulls): each element = type id + payload, NO ref flag"),
        ("list_with_nulls", [1, None, 3], "[1, None, 3]",
         "header 0a (same type + has_null), elem type 07 once, then per element ff+value or fd"),
        ("list_mixed_with_null", [1, "a", None], "[1, 'a', None]",
         "header 02 (has_null, different types): per element ff + type + value, or fd"),
        ("list_all_null", [None, None], "[None, None]",
         "pyfory writes header 0a with elem type NONE (0x24); fory-rust Vec<Option<i64>> writes elem type 07"),
        ("set_ints", {1, 2, 3}, "{1, 2, 3}", "SET 0x17, same element format as LIST"),
        ("map_str_int", {"a": 1, "b": 2}, "{'a': 1, 'b': 2}",
         "MAP 0x18 | size 2 | chunk: kv-header 00, chunk-size 02, key type 15, value type 07 | k v k v"),
        ("map_empty", {}, "{}", "size 0 and nothing else"),
        ("map_mixed", {"a": 1, 2: "b", "c": None, None: 5}, "{'a': 1, 2: 'b', 'c': None, None: 5}",
         "a new chunk whenever key/value type changes; null-value entry: header 0x11 (value null + key 'track' "
         "bit) then key as ff+type+value, no chunk-size byte; null-key entry: header 0x0a then value as "
         "ff+type+value"),
        ("nested_list_map", [[1, 2], {"k": [3]}], "[[1, 2], {'k': [3]}]", ""),
        ("date", datetime.date(2024, 1, 2), "datetime.date(2024, 1, 2)",
         "DATE 0x27, zigzag varint64 of days since epoch (19724)"),
        ("date_pre_epoch", datetime.date(1969, 12, 31), "datetime.date(1969, 12, 31)", ""),
        ("timestamp", TS, TS_REPR,
         "TIMESTAMP 0x26: int64 LE seconds + uint32 LE nanos (fixed 12 bytes). pyfory reads a naive datetime "
         "in the process local zone"),
        ("timestamp_pre_epoch", datetime.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
         "datetime.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=timezone.utc)",
         "seconds -1, nanos 500000000"),
        ("duration_neg_half_second", datetime.timedelta(seconds=-0.5), "datetime.timedelta(seconds=-0.5)",
         "DURATION 0x25: zigzag varint64 seconds (-1 -> 01) + int32 LE nanos 500000000"),
        ("decimal_3_14", D("3.14"), "Decimal('3.14')",
         "DECIMAL 0x28: zigzag varint32 scale (2 -> 04) + varuint64 (zigzag(314)<<1)"),
        ("decimal_zero", D("0"), "Decimal('0')", ""),
        ("decimal_big", D("123456789012345678901234567890.5"), "Decimal('123456789012345678901234567890.5')",
         "big form: header ((len<<1|sign)<<1)|1 then len magnitude bytes little-endian"),
        ("array_int8", array.array("b", [1, -1]), "array.array('b', [1, -1])",
         "INT8_ARRAY 0x2c | varuint32 BYTE length | raw bytes"),
        ("array_int32", array.array("i", [1, -2]), "array.array('i', [1, -2])",
         "INT32_ARRAY 0x2e, length is in BYTES (08), fixed-width LE elements"),
        ("array_uint8", array.array("B", [1, 255]), "array.array('B', [1, 255])",
         "UINT8_ARRAY 0x30 (fory-rust Vec<u8> is BINARY instead)"),
        ("array_float32", array.array("f", [1.0, -0.5]), "array.array('f', [1.0, -0.5])", ""),
        ("array_bool", pyfory.BoolArray([True, False]), "pyfory.BoolArray([True, False])",
         "BOOL_ARRAY 0x2b, one byte per element"),
        ("array_float16", pyfory.Float16Array([1.0, -2.0, 0.5]), "pyfory.Float16Array([1.0, -2.0, 0.5])",
         "FLOAT16_ARRAY 0x35, byte length 6, IEEE binary16 LE"),
        ("array_bfloat16", pyfory.BFloat16Array([1.0, -2.0, 0.5]), "pyfory.BFloat16Array([1.0, -2.0, 0.5])",
         "BFLOAT16_ARRAY 0x36, upper 16 bits of the float32"),
    ]
    # Neither serializing nor comparing mutates a value, so each case can hand out the same object.
    return [Case(name, COMPAT, (lambda _T, v=value: v), r, notes=notes) for name, value, r, notes in rows]


def schema_cases():
    G, N = "golden", "golden_named"
    return [
        # structs registered by id
        Case("point_sc", SAME, lambda T: T.Point(x=1, y=-1), "golden.Point(x=1, y=-1)", G, ("Point",),
             "ff | 1b STRUCT | 67 user id 103 | 4-byte schema hash LE | x zigzag | y zigzag"),
        Case("point_compat", COMPAT, lambda T: T.Point(x=1, y=-1), "golden.Point(x=1, y=-1)", G, ("Point",),
             "1c COMPATIBLE_STRUCT | 00 new-TypeDef marker | 8-byte TypeDef header | body c2 67 c4 05 c8 05 | "
             "values. No user id after 1c: it lives inside the TypeDef"),
        Case("autoid_sc", SAME, lambda T: T.AutoId(v=1), "golden.AutoId(v=1)", G, ("AutoId",),
             "no [id] in FDL -> compiler id = murmur3_x86_32('golden.AutoId', seed 0) = 2714443544, "
             "a 5-byte varuint"),
        Case("allprims_zero_sc", SAME, lambda T: T.AllPrims(**PRIMS_ZERO), call_repr("golden.AllPrims", PRIMS_ZERO),
             G, ("AllPrims",), PRIM_ORDER_NOTE),
        Case("allprims_neg1_umax_sc", SAME, lambda T: T.AllPrims(**PRIMS_NEG1),
             call_repr("golden.AllPrims", PRIMS_NEG1), G, ("AllPrims",),
             "tagged int64 -1 -> 4 bytes fe ff ff ff; tagged uint64 max -> 01 + 8 bytes; var_uint64 max -> "
             "9 bytes ff"),
        Case("allprims_min_max_sc", SAME, lambda T: T.AllPrims(**PRIMS_MINMAX),
             call_repr("golden.AllPrims", PRIMS_MINMAX), G, ("AllPrims",),
             "ti64=2^30 and tu64=2^31 are just outside the 4-byte tagged ranges -> 9-byte form"),
        Case("allprims_tagged_small_compat", COMPAT, lambda T: T.AllPrims(**PRIMS_TAGGED),
             call_repr("golden.AllPrims", PRIMS_TAGGED), G, ("AllPrims",),
             "ti64=-2^30 and tu64=2^31-1 use the 4-byte tagged form; 0.1 is rounded to nearest on write "
             "(f16 0x2e66 -> 0.0999755859375, bf16 0x3dcd -> 0.10009765625)",
             expect=lambda T: T.AllPrims(**PRIMS_TAGGED_READ)),
        Case("scalars_sc", SAME,
             lambda T: T.Scalars(s="hi", data=b"\x01\x02", d=datetime.date(2024, 1, 2), ts=TS,
                                 dur=datetime.timedelta(seconds=90, microseconds=5), dec=decimal.Decimal("1.50")),
             "golden.Scalars(s='hi', data=b'\\x01\\x02', d=date(2024,1,2), ts=datetime(2024,1,2,3,4,5,123456,utc), "
             "dur=timedelta(seconds=90, microseconds=5), dec=Decimal('1.50'))", G, ("Scalars",),
             "non-primitive fields sorted by tag id; none nullable so no ref/null flags"),
        Case("line_sc", SAME, lambda T: T.Line(a=T.Point(x=1, y=2), b=None, label="l"),
             "golden.Line(a=Point(1,2), b=None, label='l')", G, ("Line",),
             "message-typed fields are always nullable: ff + (no type info for id-registered struct) + hash + "
             "fields; fd for None"),
        Case("line_compat", COMPAT, lambda T: T.Line(a=T.Point(x=1, y=2), b=T.Point(x=3, y=4), label="l"),
             "golden.Line(a=Point(1,2), b=Point(3,4), label='l')", G, ("Line",),
             "compatible: nested struct field writes ff 1c + meta-share marker (02 = new TypeDef #1, then 03 = "
             "ref to #1)"),
        Case("optionals_null_sc", SAME, lambda T: T.Optionals(oi=None, os=None, of=None, ol=None, op=None, req=7),
             "golden.Optionals(oi=None, os=None, of=None, ol=None, op=None, req=7)", G, ("Optionals",),
             "group order: req (non-null primitive), then nullable primitives of, oi, then os, ol, op"),
        Case("optionals_set_sc", SAME,
             lambda T: T.Optionals(oi=-2, os="x", of=0.5, ol=[1], op=T.Point(x=0, y=0), req=0),
             "golden.Optionals(oi=-2, os='x', of=0.5, ol=[1], op=Point(0,0), req=0)", G, ("Optionals",)),
        Case("optionals_set_compat", COMPAT,
             lambda T: T.Optionals(oi=-2, os="x", of=0.5, ol=[1], op=T.Point(x=0, y=0), req=0),
             "golden.Optionals(oi=-2, os='x', of=0.5, ol=[1], op=Point(0,0), req=0)", G, ("Optionals",),
             "TypeDef field headers carry the nullable bit (bit 1)"),
        Case("collections_sc", SAME, make_collections, COLL_REPR, G, ("Collections",),
             "list<int32>: header 0c (declared+same), VARINT32 elements; list<Point>: header 08 + elem type 1b 67 "
             "(struct elements are never 'declared'); map<string,int64>: kv header 24"),
        Case("collections_compat", COMPAT, make_collections, COLL_REPR, G, ("Collections",)),
        Case("arrays_sc", SAME, make_arrays, ARRAYS_REPR, G, ("Arrays",),
             "array fields: varuint32 byte length + raw LE elements, no element header"),
        Case("withenum_sc", SAME,
             lambda T: T.WithEnum(color=T.Color.BLUE, maybe_color=None, colors=[T.Color.RED, T.Color.GREEN]),
             "golden.WithEnum(color=BLUE, maybe_color=None, colors=[RED, GREEN])", G, ("WithEnum",),
             "enum field = varuint32 ordinal only; list<Color>: header 0c (enums are 'declared')"),
        Case("enum_root_by_id", COMPAT, lambda T: T.Color.BLUE, "golden.Color.BLUE", G, ("Color",),
             "ff | 19 ENUM | 64 user id 100 | 02 ordinal. Same bytes in compatible and same-schema mode"),
        # unions and `any`
        Case("union_point_sc", SAME, lambda T: T.Shape.point(T.Point(x=1, y=2)), "golden.Shape.point(Point(1,2))",
             G, ("Shape",),
             "ff | 22 TYPED_UNION | 6d id 109 | case 00 | case value as full Any: ff 1b 67 hash x y. fory-rust "
             "writes the case value ref flag as 00 (REF_VALUE) instead of ff"),
        Case("union_label_sc", SAME, lambda T: T.Shape.label("hi"), "golden.Shape.label('hi')", G, ("Shape",)),
        Case("union_count_sc", SAME, lambda T: T.Shape.count(5), "golden.Shape.count(5)", G, ("Shape",),
             "case value int64 -> ff 07 0a (VARINT64)"),
        Case("drawing_sc", SAME, lambda T: T.Drawing(shape=T.Shape.label("hi"), extra="x"),
             "golden.Drawing(shape=Shape.label('hi'), extra='x')", G, ("Drawing",),
             "union field: no ref flag, no type id (UNION schema from the field), then case id + Any value; any "
             "field: ff + type + value"),
        Case("drawing_compat", COMPAT, lambda T: T.Drawing(shape=T.Shape.point(T.Point(x=1, y=2)), extra=T.Color.GREEN),
             "golden.Drawing(shape=Shape.point(Point(1,2)), extra=Color.GREEN)", G, ("Drawing", "Color"),
             "TypeDef field type for a union field is UNION (0x21)"),
        # reference tracking
        Case("tree_shared_ref_sc", REF_SAME, make_shared_tree, TREE_SHARED_REPR, G, ("TreeNode",),
             "root flag 00 (REF_VALUE, id 0); list<ref TreeNode> header 09 + elem type 1b 6f; 1st leaf 00 (id 1), "
             "2nd fe 01", check=shares_children),
        Case("tree_shared_ref_compat", REF_COMPAT, make_shared_tree, TREE_SHARED_REPR, G, ("TreeNode",),
             check=shares_children),
        Case("tree_cycle_ref_sc", REF_SAME, make_cyclic_tree,
             "root=TreeNode('root'); child=TreeNode('c', parent=root); root.children=[child]", G, ("TreeNode",),
             "child.parent is written as fe 00 (ref to id 0 = root)", check=lambda out: out.children[0].parent is out),
        Case("list_shared_ref", REF_COMPAT, make_shared_list, "a=[1, 2]; [a, a]",
             notes="root 00; outer header 09 (same type + track_ref), elem type 16; first inner list 00 (id 1), "
                   "second fe 01", check=lambda out: out[0] is out[1] and out[0] == [1, 2]),
        Case("list_cycle_ref", REF_COMPAT, make_self_list, "c=[]; c.append(c)", notes="01 00 16 01 09 16 fe 00",
             check=lambda out: len(out) == 1 and out[0] is out),
        Case("points_shared_ref", REF_SAME, make_shared_points, "p=Point(1,2); [p, p]", G, ("Point",),
             check=lambda out: out[0] is out[1] and (out[0].x, out[0].y) == (1, 2)),
        # types registered by name
        Case("named_user_sc", SAME, lambda T: T.User(name="Bob", age=3, level=T.Level.HIGH),
             "golden_named.User(name='Bob', age=3, level=HIGH)", N, ("User",),
             "1d NAMED_STRUCT | namespace meta string (10 01 ..: len 8, LOWER_SPECIAL) | type name (06 03 ..: "
             "len 3, FIRST_TO_LOWER) | hash | fields. fory-rust writes the namespace encoding byte as 04 "
             "(ALL_TO_LOWER_SPECIAL), same payload"),
        Case("named_user_compat", COMPAT, lambda T: T.User(name="Bob", age=3, level=T.Level.HIGH),
             "golden_named.User(name='Bob', age=3, level=HIGH)", N, ("User",),
             "1e NAMED_COMPATIBLE_STRUCT | 00 | TypeDef with REGISTER_BY_NAME bit, namespace/type name as "
             "6-bit-size meta strings"),
        Case("named_team_sc", SAME, make_team, TEAM_REPR, N, ("Team",),
             "pyfory writes full type info (1d + meta strings, deduped with 03/07 refs) for a NAMED struct field "
             "even in same-schema mode; fory-rust 1.7.7 does not -> the two cannot read each other's bytes here"),
        Case("named_team_compat", COMPAT, make_team, TEAM_REPR, N, ("Team",)),
        Case("named_enum_sc", SAME, lambda T: T.Level.HIGH, "golden_named.Level.HIGH", N, ("Level",),
             "1a NAMED_ENUM + namespace + type name meta strings + ordinal"),
        Case("named_enum_compat", COMPAT, lambda T: T.Level.HIGH, "golden_named.Level.HIGH", N, ("Level",),
             "compatible: 1a + 00 + non-struct TypeDef (kind byte 01 = NAMED_ENUM, namespace, type name) + "
             "ordinal"),
        # fields keyed by name (hand-written dataclass)
        Case("plain_fields_by_name_sc", SAME, lambda T: T.PlainPerson(name="Al", age=5, nickName="x", score_2=1.0),
             PERSON_REPR, "plain", (),
             "sorted: score_2 (FLOAT64), age (VARINT32), then name, nick_name by snake_case name"),
        Case("plain_fields_by_name_compat", COMPAT,
             lambda T: T.PlainPerson(name="Al", age=5, nickName="x", score_2=1.0), PERSON_REPR, "plain", (),
             "TypeDef field names: 'score_2' LOWER_UPPER_DIGIT_SPECIAL (enc 2), 'age','name' and the attribute "
             "name 'nickName' (as 'nick|name') ALL_TO_LOWER_SPECIAL (enc 1); size bits = encoded_len-1; type "
             "info BEFORE the name bytes"),
    ]


def all_cases():
    cases = root_cases() + schema_cases()
    names = [c.name for c in cases]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        sys.exit("duplicate case names: %s" % sorted(dupes))
    return cases


# ------------------------------------------------------------------------------------------------
# Read-back comparison

def same_value(want, got):
    """Structural equality of a written value and pyfory's read-back (NaN-, -0.0- and zone-aware)."""
    if isinstance(want, float) or isinstance(got, float):
        if not (isinstance(want, float) and isinstance(got, float)):
            return False
        if isinstance(want, float) and math.isnan(want):
            return isinstance(got, float) and math.isnan(got)
        return want == got and math.copysign(1.0, want) == math.copysign(1.0, got)
    if isinstance(want, datetime.datetime):
        if not isinstance(got, datetime.datetime):
            return False
        # A naive read-back is in the process's local zone; compare instants.
        return want.timestamp() == got.timestamp() and want.microsecond == got.microsecond
    if dataclasses.is_dataclass(want) and not isinstance(want, type):
        return type(want) is type(got) and all(
            same_value(getattr(want, f.name), getattr(got, f.name)) for f in dataclasses.fields(want))
    if isinstance(want, dict):
        return (isinstance(got, dict) and len(want) == len(got)
                and all(k in got and same_value(v, got[k]) for k, v in want.items()))
    if isinstance(want, (set, frozenset)):
        return isinstance(got, (set, frozenset)) and set(want) == set(got)
    if isinstance(want, (list, tuple, array.array)) or type(want).__name__.endswith("Array"):
        try:
            w, g = list(want), list(got)
        except TypeError:
            return False
        return len(w) == len(g) and all(same_value(a, b) for a, b in zip(w, g))
    if isinstance(want, (bool, bytes, str)) or type(want) is int:
        # 1 == True and b"" == "" are not the same value on the wire.
        if type(want) is not type(got):
            return False
    return want == got


# ------------------------------------------------------------------------------------------------
# Output

RUST_KEYS = ("rust_hex", "rust_match", "rust_diff", "python_reads_rust", "rust_reads_python")


def build_document(modules, previous):
    T = type_namespace(modules)
    fdl = {key: FdlDefinitions(SCHEMAS[key]) for key in ("golden", "golden_named")}
    prev_by_name = {c["name"]: c for c in (previous or {}).get("cases", [])}
    out = []
    for case in all_cases():
        value = case.make(T)
        data = new_fory(case.config, modules).serialize(value)
        back = new_fory(case.config, modules).deserialize(data)
        if case.check is not None:
            ok = case.check(back)
        else:
            ok = same_value(case.expect(T) if case.expect else case.make(T), back)
        if not ok:
            sys.exit("%s: pyfory does not read its own bytes %s back: got %r" % (case.name, data.hex(), back))
        if case.schema == "plain":
            case_fdl = SCHEMA_PLAIN
        elif case.schema:
            case_fdl = fdl[case.schema].slice(case.roots)
        else:
            case_fdl = None
        entry = {"name": case.name, "fdl": case_fdl, "config": dict(case.config),
                 "python_value_repr": case.repr, "hex": data.hex()}
        if case.notes:
            entry["notes"] = case.notes
        prev = prev_by_name.get(case.name)
        if prev and prev.get("hex") == entry["hex"]:
            for key in prev:
                if key in RUST_KEYS:
                    entry[key] = prev[key]
        out.append(entry)
    return {
        "generator": "scripts/make_golden.py with pyfory %s + fory-compiler 1.7.7" % pyfory.__version__,
        "byte_layout": "hex of the full root payload: 1-byte header bitmap, then ref flag, type meta, value",
        "config_keys": "pyfory.Fory(xlang=..., ref=..., compatible=...); Rust: "
                       "Fory::builder().xlang(x).track_ref(ref).compatible(c)",
        "rust_fields": "rust_hex/rust_match: bytes emitted by the fory 1.7.7 crate for the equivalent Rust value "
                       "(compiler-generated structs); absent = not cross-checked",
        "schemas": dict(SCHEMAS),
        "cases": out,
    }


def dump(doc):
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def compare(new, old):
    """Print how `new` differs from `old`; return the number of cases whose hex differs."""
    old_cases = {c["name"]: c for c in old.get("cases", [])}
    new_cases = {c["name"]: c for c in new["cases"]}
    hex_diffs = 0
    for name in old_cases.keys() - new_cases.keys():
        print("only in the old file: %s" % name)
        hex_diffs += 1
    for name, c in new_cases.items():
        o = old_cases.get(name)
        if o is None:
            print("only in the new file: %s" % name)
            hex_diffs += 1
            continue
        for key in sorted(set(c) | set(o)):
            if c.get(key) != o.get(key):
                if key == "hex":
                    hex_diffs += 1
                    print("%s: hex differs\n  old %s\n  new %s" % (name, o.get("hex"), c.get("hex")))
                else:
                    print("%s: field %s differs" % (name, key))
    for key in sorted(set(new) | set(old)):
        if key != "cases" and new.get(key) != old.get(key):
            print("top-level %s differs" % key)
    if [c["name"] for c in new["cases"]] != [c["name"] for c in old.get("cases", [])]:
        print("case order differs")
    return hex_diffs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT, help="where to write (default: %(default)s)")
    ap.add_argument("--previous", default=None,
                    help="vectors file to carry rust_* columns over from (default: the --out file if it exists)")
    ap.add_argument("--check", action="store_true",
                    help="compare with --out instead of writing it; exit 1 if any case's hex differs")
    args = ap.parse_args()

    prev_path = args.previous or (args.out if os.path.exists(args.out) else None)
    previous = None
    if prev_path:
        with open(prev_path, encoding="utf-8") as f:
            previous = json.load(f)

    with tempfile.TemporaryDirectory(prefix="make_golden_") as tmp:
        modules = compile_schemas(tmp)
        doc = build_document(modules, previous)

    if args.check:
        if previous is None:
            sys.exit("--check: %s does not exist" % args.out)
        n = compare(doc, previous)
        print("%d cases, %d with different hex" % (len(doc["cases"]), n))
        sys.exit(1 if n else 0)

    with open(args.out, "w", encoding="utf-8") as f:
        f.write(dump(doc))
    kept = sum(1 for c in doc["cases"] if "rust_hex" in c)
    print("wrote %d cases to %s (rust columns kept for %d)" % (len(doc["cases"]), args.out, kept))


if __name__ == "__main__":
    main()
