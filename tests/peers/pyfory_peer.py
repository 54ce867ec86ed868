#!/usr/bin/env python3
"""pyfory peer for the foryjit cross-language tests.

A long-lived process driven over stdin/stdout, one JSON object per line each way.
Run it with the interpreter of the venv made by scripts/setup-python.sh (pyfory 1.7.7 and
fory-compiler 1.7.7). See tests/peers/README.md for the protocol.

Values cross the pipe as *canonical JSON* (docs/canonical-json.md): no type tags, the declared
type says what each position holds. This file converts canonical JSON to the Python objects that
the fory-compiler's generated code uses and back, driven by the generated classes' annotations,
and uses the FDL schema only for names (JSON keys are FDL field names, enum values are FDL value
names, type names are `package.Outer.Inner`).
"""

import base64
import dataclasses
import datetime
import decimal
import enum
import importlib.util
import json
import math
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import traceback
import typing
from pathlib import Path

# The protocol owns the real stdout. Anything else that prints (generated code, pyfory, a
# library warning) goes to stderr, so it cannot corrupt the response stream.
_PROTO_OUT = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
os.dup2(2, 1)
sys.stdout = sys.stderr

import pyfory  # noqa: E402
from pyfory.annotation import ArrayMeta, RefMeta  # noqa: E402
from pyfory.types import TypeId  # noqa: E402

try:  # generated unions derive from this
    from pyfory.union import Union as _ForyUnion  # noqa: E402
except Exception:  # pragma: no cover
    _ForyUnion = None

try:
    from pyfory.field import FORY_FIELD_METADATA_KEY  # noqa: E402
except Exception:  # pragma: no cover
    FORY_FIELD_METADATA_KEY = None

DEFAULT_CONFIG = {"xlang": True, "ref": False, "compatible": False}


class PeerError(Exception):
    """A request the peer cannot carry out (bad input, unsupported type, ...)."""


def _path(path):
    return path or "$"


# --------------------------------------------------------------------------------------------
# Floats at a given width


def _round_f32(x):
    try:
        return struct.unpack("<f", struct.pack("<f", x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


def _round_f16(x):
    try:
        return struct.unpack("<e", struct.pack("<e", x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


def _round_bf16(x):
    """Round to bfloat16 as the top 16 bits of the float32, round-to-nearest-even."""
    f = _round_f32(x)
    if math.isnan(f):
        return math.nan
    bits = struct.unpack("<I", struct.pack("<f", f))[0]
    if (bits & 0x7F800000) == 0x7F800000:  # infinity stays infinity
        return f
    bits = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) & 0xFFFF
    return struct.unpack("<f", struct.pack("<I", bits << 16))[0]


def _round_f64(x):
    return float(x)


def _same(a, b):
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def _shortest(value, rounder):
    """The float whose repr is the shortest decimal that reads back to `value` at this width."""
    for p in range(1, 18):
        s = "%.*g" % (p, value)
        f = float(s)
        if _same(rounder(f), value):
            return f
    return value


# --------------------------------------------------------------------------------------------
# Converters: one per annotation, each with to_py(json, path) and to_json(py, path).


class Conv:
    nullable = False

    def to_py(self, v, path):  # pragma: no cover
        raise NotImplementedError

    def to_json(self, v, path):  # pragma: no cover
        raise NotImplementedError


class NullableConv(Conv):
    nullable = True

    def __init__(self, inner):
        self.inner = inner

    def to_py(self, v, path):
        return None if v is None else self.inner.to_py(v, path)

    def to_json(self, v, path):
        return None if v is None else self.inner.to_json(v, path)


class BoolConv(Conv):
    def to_py(self, v, path):
        if type(v) is not bool:
            raise PeerError(f"{_path(path)}: expected a bool, got {json.dumps(v)[:80]}")
        return v

    def to_json(self, v, path):
        return bool(v)


_INT_RANGES = {
    TypeId.INT8: (-(1 << 7), (1 << 7) - 1, "int8"),
    TypeId.INT16: (-(1 << 15), (1 << 15) - 1, "int16"),
    TypeId.INT32: (-(1 << 31), (1 << 31) - 1, "fixed int32"),
    TypeId.VARINT32: (-(1 << 31), (1 << 31) - 1, "int32"),
    TypeId.INT64: (-(1 << 63), (1 << 63) - 1, "fixed int64"),
    TypeId.VARINT64: (-(1 << 63), (1 << 63) - 1, "int64"),
    TypeId.TAGGED_INT64: (-(1 << 63), (1 << 63) - 1, "tagged int64"),
    TypeId.UINT8: (0, (1 << 8) - 1, "uint8"),
    TypeId.UINT16: (0, (1 << 16) - 1, "uint16"),
    TypeId.UINT32: (0, (1 << 32) - 1, "fixed uint32"),
    TypeId.VAR_UINT32: (0, (1 << 32) - 1, "uint32"),
    TypeId.UINT64: (0, (1 << 64) - 1, "fixed uint64"),
    TypeId.VAR_UINT64: (0, (1 << 64) - 1, "uint64"),
    TypeId.TAGGED_UINT64: (0, (1 << 64) - 1, "tagged uint64"),
}


class IntConv(Conv):
    def __init__(self, type_id):
        self.lo, self.hi, self.name = _INT_RANGES[type_id]

    def to_py(self, v, path):
        if type(v) is not int:
            raise PeerError(f"{_path(path)}: expected an integer ({self.name}), got {json.dumps(v)[:80]}")
        if not self.lo <= v <= self.hi:
            raise PeerError(f"{_path(path)}: {v} is out of range for {self.name}")
        return v

    def to_json(self, v, path):
        if isinstance(v, bool) or not isinstance(v, int):
            # pyfory may hand back a numpy scalar or similar; int() keeps it exact
            try:
                return int(v)
            except Exception:
                raise PeerError(f"{_path(path)}: pyfory returned {type(v).__name__} for {self.name}")
        return int(v)


_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class FloatConv(Conv):
    def __init__(self, name, rounder):
        self.name = name
        self.rounder = rounder

    def to_py(self, v, path):
        if isinstance(v, str):
            if v not in _SPECIAL_FLOATS:
                raise PeerError(f"{_path(path)}: expected a number ({self.name}), got string {v!r}")
            return _SPECIAL_FLOATS[v]
        if type(v) not in (int, float):
            raise PeerError(f"{_path(path)}: expected a number ({self.name}), got {json.dumps(v)[:80]}")
        return self.rounder(float(v))

    def to_json(self, v, path):
        try:
            v = float(v)
        except Exception:
            raise PeerError(f"{_path(path)}: pyfory returned {type(v).__name__} for {self.name}")
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        if self.rounder is _round_f64:
            return v
        return _shortest(v, self.rounder)


class StrConv(Conv):
    def to_py(self, v, path):
        if type(v) is not str:
            raise PeerError(f"{_path(path)}: expected a string, got {json.dumps(v)[:80]}")
        return v

    def to_json(self, v, path):
        return str(v)


class BytesConv(Conv):
    def to_py(self, v, path):
        if type(v) is not str:
            raise PeerError(f"{_path(path)}: expected a base64 string, got {json.dumps(v)[:80]}")
        try:
            return base64.b64decode(v.encode("ascii"), validate=True)
        except Exception as e:
            raise PeerError(f"{_path(path)}: bad base64: {e}")

    def to_json(self, v, path):
        return base64.b64encode(bytes(v)).decode("ascii")


_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TS_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$"
)
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


class DateConv(Conv):
    def to_py(self, v, path):
        m = _DATE_RE.match(v) if type(v) is str else None
        if not m:
            raise PeerError(f"{_path(path)}: expected a date \"YYYY-MM-DD\", got {json.dumps(v)[:80]}")
        try:
            return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError as e:
            raise PeerError(f"{_path(path)}: {e} (Python dates span years 1..9999)")

    def to_json(self, v, path):
        if isinstance(v, datetime.datetime):
            v = v.date()
        return "%04d-%02d-%02d" % (v.year, v.month, v.day)


class TimestampConv(Conv):
    def to_py(self, v, path):
        m = _TS_RE.match(v) if type(v) is str else None
        if not m:
            raise PeerError(f"{_path(path)}: expected an RFC 3339 timestamp, got {json.dumps(v)[:80]}")
        y, mo, d, h, mi, s, frac, tz = m.groups()
        nanos = int((frac or "").ljust(9, "0"))
        if nanos % 1000:
            raise PeerError(
                f"{_path(path)}: {v} has sub-microsecond digits, which Python's datetime cannot hold"
            )
        if tz in ("Z", "z"):
            tzinfo = datetime.timezone.utc
        else:
            sign = 1 if tz[0] == "+" else -1
            tzinfo = datetime.timezone(sign * datetime.timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6])))
        try:
            dt = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), nanos // 1000, tzinfo=tzinfo)
        except ValueError as e:
            raise PeerError(f"{_path(path)}: {e}")
        return dt.astimezone(datetime.timezone.utc)

    def to_json(self, v, path):
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.timezone.utc)
        delta = v - _EPOCH
        micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
        seconds, micros = divmod(micros, 1_000_000)
        nanos = micros * 1000
        whole = _EPOCH + datetime.timedelta(seconds=seconds)
        return "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ" % (
            whole.year, whole.month, whole.day, whole.hour, whole.minute, whole.second, nanos,
        )


class DurationConv(Conv):
    def to_py(self, v, path):
        if not isinstance(v, dict) or set(v) != {"seconds", "nanos"}:
            raise PeerError(f"{_path(path)}: expected {{\"seconds\":..,\"nanos\":..}}, got {json.dumps(v)[:80]}")
        s, n = v["seconds"], v["nanos"]
        if type(s) is not int or type(n) is not int:
            raise PeerError(f"{_path(path)}: duration seconds and nanos must be integers")
        if not 0 <= n < 1_000_000_000:
            raise PeerError(f"{_path(path)}: duration nanos {n} not in [0, 1e9)")
        if n % 1000:
            raise PeerError(f"{_path(path)}: duration has sub-microsecond nanos, which timedelta cannot hold")
        try:
            return datetime.timedelta(seconds=s, microseconds=n // 1000)
        except OverflowError as e:
            raise PeerError(f"{_path(path)}: {e}")

    def to_json(self, v, path):
        micros = (v.days * 86400 + v.seconds) * 1_000_000 + v.microseconds
        seconds, micros = divmod(micros, 1_000_000)
        return {"seconds": seconds, "nanos": micros * 1000}


class DecimalConv(Conv):
    """Not in the canonical-JSON table yet: carried as a decimal string."""

    def to_py(self, v, path):
        if type(v) is str:
            try:
                return decimal.Decimal(v)
            except decimal.InvalidOperation:
                raise PeerError(f"{_path(path)}: bad decimal {v!r}")
        if type(v) is int:
            return decimal.Decimal(v)
        raise PeerError(f"{_path(path)}: expected a decimal string, got {json.dumps(v)[:80]}")

    def to_json(self, v, path):
        return str(v)


class AnyConv(Conv):
    """`any`: canonical JSON `{"type": value}` (docs/canonical-json.md) for the kinds a plain
    Python value carries: bool, int (`int64`), float (`float64`), str, bytes, list and dict
    (`map`, an array of [key, value] pairs); `null` is None."""

    nullable = True

    def to_py(self, v, path):
        if v is None:
            return None
        if not (isinstance(v, dict) and len(v) == 1):
            raise PeerError(f"{_path(path)}: an `any` value is null or a one-key object")
        (kind, inner), = v.items()
        if kind == "bool" and isinstance(inner, bool):
            return inner
        if kind == "int64" and type(inner) is int:
            return inner
        if kind == "float64" and isinstance(inner, (int, float)):
            return float(inner)
        if kind == "string" and isinstance(inner, str):
            return inner
        if kind == "bytes" and isinstance(inner, str):
            return base64.b64decode(inner)
        if kind == "list" and isinstance(inner, list):
            return [self.to_py(x, f"{_path(path)}[{i}]") for i, x in enumerate(inner)]
        if kind == "map" and isinstance(inner, list):
            return {self.to_py(k, path): self.to_py(x, path) for k, x in inner}
        raise PeerError(f"{_path(path)}: no Python value for `any` kind {kind!r} here")

    def to_json(self, v, path):
        if v is None:
            return None
        if isinstance(v, bool):
            return {"bool": v}
        if isinstance(v, int):
            return {"int64": v}
        if isinstance(v, float):
            return {"float64": v}
        if isinstance(v, str):
            return {"string": v}
        if isinstance(v, (bytes, bytearray)):
            return {"bytes": base64.b64encode(bytes(v)).decode()}
        if isinstance(v, list):
            return {"list": [self.to_json(x, f"{_path(path)}[{i}]") for i, x in enumerate(v)]}
        if isinstance(v, dict):
            return {"map": [[self.to_json(k, path), self.to_json(x, path)] for k, x in v.items()]}
        raise PeerError(f"{_path(path)}: an `any` field holds {type(v).__name__}, which has no canonical JSON form here")


class EnumConv(Conv):
    def __init__(self, cls, names_by_value):
        self.cls = cls
        # FDL value name <-> numeric value. Falls back to the Python member names.
        if names_by_value is None:
            names_by_value = {int(m.value): m.name for m in cls}
        self.name_of = dict(names_by_value)
        self.value_of = {n: v for v, n in names_by_value.items()}

    def to_py(self, v, path):
        if type(v) is not str or v not in self.value_of:
            raise PeerError(
                f"{_path(path)}: expected one of {sorted(self.value_of)} for {self.cls.__qualname__}, "
                f"got {json.dumps(v)[:80]}"
            )
        return self.cls(self.value_of[v])

    def to_json(self, v, path):
        num = int(v.value) if isinstance(v, enum.Enum) else int(v)
        if num not in self.name_of:
            raise PeerError(f"{_path(path)}: {self.cls.__qualname__} has no value {num}")
        return self.name_of[num]


def _each(fn, items, path):
    """[fn(x) for x in items]; element paths are only spelled out when an element fails.

    A null element is passed through as None whatever the element annotation says: the
    fory-compiler drops `optional` on map values, and pyfory is the judge of what it can write.
    """
    try:
        return [None if x is None else fn(x, path) for x in items]
    except PeerError:
        for i, x in enumerate(items):
            if x is not None:
                fn(x, f"{path}[{i}]")
        raise


class ListConv(Conv):
    def __init__(self, elem):
        self.elem = elem

    def to_py(self, v, path):
        if not isinstance(v, list):
            raise PeerError(f"{_path(path)}: expected a JSON array, got {json.dumps(v)[:80]}")
        return _each(self.elem.to_py, v, path)

    def to_json(self, v, path):
        return _each(self.elem.to_json, v, path)


# pyfory's dense carriers for `pyfory.Array[T]`, by the element's type id.
_ARRAY_CARRIER_NAMES = {
    TypeId.BOOL: "BoolArray",
    TypeId.INT8: "Int8Array",
    TypeId.INT16: "Int16Array",
    TypeId.INT32: "Int32Array",
    TypeId.VARINT32: "Int32Array",
    TypeId.INT64: "Int64Array",
    TypeId.VARINT64: "Int64Array",
    TypeId.UINT8: "UInt8Array",
    TypeId.UINT16: "UInt16Array",
    TypeId.UINT32: "UInt32Array",
    TypeId.VAR_UINT32: "UInt32Array",
    TypeId.UINT64: "UInt64Array",
    TypeId.VAR_UINT64: "UInt64Array",
    TypeId.FLOAT16: "Float16Array",
    TypeId.BFLOAT16: "BFloat16Array",
    TypeId.FLOAT32: "Float32Array",
    TypeId.FLOAT64: "Float64Array",
}


class ArrayConv(Conv):
    def __init__(self, elem, carrier):
        self.elem = elem
        self.carrier = carrier  # a pyfory dense array class, or None for a plain list

    def to_py(self, v, path):
        if not isinstance(v, list):
            raise PeerError(f"{_path(path)}: expected a JSON array, got {json.dumps(v)[:80]}")
        values = _each(self.elem.to_py, v, path)
        return self.carrier(values) if self.carrier is not None else values

    def to_json(self, v, path):
        return _each(self.elem.to_json, v.tolist() if hasattr(v, "tolist") else v, path)


class MapConv(Conv):
    def __init__(self, key, value, string_keys):
        self.key = key
        self.value = value
        self.string_keys = string_keys

    def to_py(self, v, path):
        out = {}
        if self.string_keys:
            if not isinstance(v, dict):
                raise PeerError(f"{_path(path)}: expected a JSON object, got {json.dumps(v)[:80]}")
            for k, x in v.items():
                out[k] = None if x is None else self.value.to_py(x, f"{path}[{json.dumps(k)}]")
            return out
        if not isinstance(v, list):
            raise PeerError(f"{_path(path)}: expected a JSON array of [key, value] pairs, got {json.dumps(v)[:80]}")
        for i, pair in enumerate(v):
            if not isinstance(pair, list) or len(pair) != 2:
                raise PeerError(f"{path}[{i}]: expected a [key, value] pair")
            k = self.key.to_py(pair[0], f"{path}[{i}][0]")
            x = pair[1]
            out[k] = None if x is None else self.value.to_py(x, f"{path}[{i}][1]")
        return out

    def to_json(self, v, path):
        val = self.value.to_json
        if self.string_keys:
            return {str(k): None if x is None else val(x, f"{path}[{json.dumps(str(k))}]") for k, x in v.items()}
        key = self.key.to_json
        return [
            [key(k, f"{path}[{i}][0]"), None if x is None else val(x, f"{path}[{i}][1]")]
            for i, (k, x) in enumerate(v.items())
        ]


class MessageConv(Conv):
    """A generated dataclass. Fields are bound lazily so recursive types work."""

    def __init__(self, registry, cls, fdl_message):
        self.registry = registry
        self.cls = cls
        self.fdl_message = fdl_message
        self.fields = None  # [(json_name, attr_name, conv)]

    def _bind(self):
        if self.fields is not None:
            return
        hints = typing.get_type_hints(self.cls, include_extras=True)
        dc_fields = [f for f in dataclasses.fields(self.cls) if f.init]
        by_id = {}
        by_attr = {}
        for f in dc_fields:
            by_attr[f.name] = f
            meta = f.metadata.get(FORY_FIELD_METADATA_KEY) if FORY_FIELD_METADATA_KEY else None
            fid = getattr(meta, "id", -1) if meta is not None else -1
            if fid is not None and fid >= 0:
                by_id[fid] = f
        fields = []
        if self.fdl_message is not None:
            used = set()
            for fdl_field in self.fdl_message.fields:
                tag = fdl_field.tag_id if fdl_field.tag_id is not None else fdl_field.number
                f = by_id.get(tag) or by_attr.get(fdl_field.name) or by_attr.get(_snake(fdl_field.name))
                if f is None:
                    raise PeerError(
                        f"cannot find the Python attribute of field {fdl_field.name} in {self.cls.__qualname__}"
                    )
                used.add(f.name)
                fields.append((fdl_field.name, f.name, self.registry.conv_for(hints[f.name])))
            for f in dc_fields:  # anything the generator added that the FDL does not name
                if f.name not in used:
                    fields.append((f.name, f.name, self.registry.conv_for(hints[f.name])))
        else:
            for f in dc_fields:
                fields.append((f.name, f.name, self.registry.conv_for(hints[f.name])))
        self.fields = fields
        self.names = {name for name, _, _ in fields}

    def to_py(self, v, path):
        self._bind()
        if not isinstance(v, dict):
            raise PeerError(f"{_path(path)}: expected a JSON object for {self.cls.__qualname__}, got {json.dumps(v)[:80]}")
        unknown = [k for k in v if k not in self.names]
        if unknown:
            raise PeerError(f"{_path(path)}: unknown field(s) {unknown} for {self.cls.__qualname__}")
        kwargs = {}
        for name, attr, conv in self.fields:
            sub = f"{path}.{name}" if path else name
            if name in v:
                x = v[name]
                if x is None and not conv.nullable:
                    raise PeerError(f"{sub}: null for a non-nullable field")
                kwargs[attr] = conv.to_py(x, sub)
            elif conv.nullable:
                kwargs[attr] = None
            else:
                raise PeerError(f"{sub}: missing non-nullable field")
        return self.cls(**kwargs)

    def to_json(self, v, path):
        self._bind()
        if not isinstance(v, self.cls):
            raise PeerError(f"{_path(path)}: pyfory returned {type(v).__qualname__}, expected {self.cls.__qualname__}")
        out = {}
        for name, attr, conv in self.fields:
            x = getattr(v, attr)
            sub = f"{path}.{name}" if path else name
            out[name] = None if x is None else conv.to_json(x, sub)
        return out


class UnionConv(Conv):
    """A generated union. Not in the canonical-JSON table yet: carried as {"case_name": value}."""

    def __init__(self, registry, cls, fdl_union):
        self.registry = registry
        self.cls = cls
        self.fdl_union = fdl_union
        self.cases = None  # case id -> (name, conv)

    def _bind(self):
        if self.cases is not None:
            return
        case_types = self.registry.union_case_types(self.cls)
        names = {}
        if self.fdl_union is not None:
            names = {f.number: f.name for f in self.fdl_union.fields}
        self.cases = {
            cid: (names.get(cid, str(cid)), self.registry.conv_for(t)) for cid, t in case_types.items()
        }
        self.by_name = {name: cid for cid, (name, _) in self.cases.items()}

    def to_py(self, v, path):
        self._bind()
        if not isinstance(v, dict) or len(v) != 1:
            raise PeerError(f"{_path(path)}: expected {{\"case\": value}} for union {self.cls.__qualname__}")
        (name, x), = v.items()
        if name not in self.by_name:
            raise PeerError(f"{_path(path)}: union {self.cls.__qualname__} has no case {name!r}")
        cid = self.by_name[name]
        # A null case value is handed over as None: the generated union class decides whether
        # it can hold one (it refuses None for the case types it checks).
        value = None if x is None else self.cases[cid][1].to_py(x, f"{path}.{name}")
        make = getattr(self.cls, "_from_case_id", None)
        if make is not None:
            return make(cid, value)
        return self.cls(cid, value)

    def to_json(self, v, path):
        self._bind()
        cid = v.case_id()
        if cid not in self.cases:
            raise PeerError(f"{_path(path)}: union {self.cls.__qualname__} has no case id {cid}")
        name, conv = self.cases[cid]
        x = getattr(v, "_value", None)
        return {name: None if x is None else conv.to_json(x, f"{path}.{name}")}


def _snake(name):
    out = []
    for i, ch in enumerate(name):
        if ch.isupper():
            if i > 0 and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower())):
                out.append("_")
            out.append(ch.lower())
        else:
            out.append(ch)
    return "".join(out)


_FLOAT_CONVS = {
    TypeId.FLOAT16: ("float16", _round_f16),
    TypeId.BFLOAT16: ("bfloat16", _round_bf16),
    TypeId.FLOAT32: ("float32", _round_f32),
    TypeId.FLOAT64: ("float64", _round_f64),
}

_NoneType = type(None)


# --------------------------------------------------------------------------------------------
# One loaded FDL


class LoadedSchema:
    def __init__(self, handle, fdl_text, tmpdir, modules, schema):
        self.handle = handle
        self.fdl_text = fdl_text
        self.tmpdir = tmpdir
        self.modules = modules
        self.schema = schema
        self.classes = {}  # full name -> python class
        self.names = {}  # python class -> full name
        self.fdl_defs = {}  # python class -> FDL definition (Message / Enum / Union)
        self.convs = {}  # python class -> Conv
        self.register_fns = []
        self.forys = {}  # config key -> pyfory.Fory
        self._case_types = {}
        self._collect()

    # ---- discovery

    def _collect(self):
        for mod in self.modules:
            for name, obj in vars(mod).items():
                if callable(obj) and re.fullmatch(r"register_\w+_types", name) and getattr(obj, "__module__", None) == mod.__name__:
                    self.register_fns.append(obj)
        if not self.register_fns:
            raise PeerError("the generated module has no register_*_types function")
        pkg = self.schema.package
        prefix = f"{pkg}." if pkg else ""

        def find(path):
            for mod in self.modules:
                obj = mod
                for part in path:
                    obj = getattr(obj, part, None)
                    if obj is None:
                        break
                if isinstance(obj, type):
                    return obj
            raise PeerError(f"generated code has no class for {'.'.join(path)}")

        def add(path, fdl_def):
            cls = find(path)
            self.classes[prefix + ".".join(path)] = cls
            self.names[cls] = prefix + ".".join(path)
            self.fdl_defs[cls] = fdl_def

        def walk_message(msg, parents):
            path = parents + [msg.name]
            add(path, msg)
            for e in msg.nested_enums:
                add(path + [e.name], e)
            for m in msg.nested_messages:
                walk_message(m, path)
            for u in msg.nested_unions:
                add(path + [u.name], u)

        for e in self.schema.enums:
            add([e.name], e)
        for m in self.schema.messages:
            walk_message(m, [])
        for u in self.schema.unions:
            add([u.name], u)

    def register(self, fory):
        for fn in self.register_fns:
            fn(fory)

    def fory(self, config):
        key = json.dumps(config, sort_keys=True)
        f = self.forys.get(key)
        if f is None:
            f = pyfory.Fory(**config)
            self.register(f)
            self.forys[key] = f
        return f

    def drop_fory(self, config):
        self.forys.pop(json.dumps(config, sort_keys=True), None)

    def union_case_types(self, cls):
        types = self._case_types.get(cls)
        if types is None:
            scratch = pyfory.Fory(xlang=True, ref=False, compatible=False)
            self.register(scratch)
            ser = scratch.type_resolver.get_serializer(cls)
            types = getattr(ser, "_case_types", None)
            if not isinstance(types, dict):
                raise PeerError(f"cannot find the case types of union {cls.__qualname__}")
            self._case_types[cls] = types
        return types

    # ---- annotation -> converter

    def conv_for(self, ann):
        origin = typing.get_origin(ann)
        if origin is typing.Union:
            args = typing.get_args(ann)
            rest = [a for a in args if a is not _NoneType]
            if len(rest) != 1:
                raise PeerError(f"unsupported union annotation {ann!r}")
            inner = self.conv_for(rest[0])
            return inner if len(rest) == len(args) else NullableConv(inner)
        if origin is typing.Annotated:
            args = typing.get_args(ann)
            base, metas = args[0], args[1:]
            for m in metas:
                if isinstance(m, ArrayMeta):
                    return self._array_conv(m)
            for m in metas:
                if type(m) is int and m in _INT_RANGES and base is int:
                    return IntConv(m)
                if type(m) is int and m in _FLOAT_CONVS and base is float:
                    return FloatConv(*_FLOAT_CONVS[m])
            # Ref[...] and other metadata: the value is carried as the base type
            return self.conv_for(base)
        if origin in (list, typing.List):
            (elem,) = typing.get_args(ann) or (typing.Any,)
            return ListConv(self.conv_for(elem))
        if origin in (dict, typing.Dict):
            k, v = typing.get_args(ann) or (typing.Any, typing.Any)
            kconv = self.conv_for(k)
            return MapConv(kconv, self.conv_for(v), isinstance(kconv, StrConv))
        if ann is typing.Any or ann is object:
            return AnyConv()
        if ann is bool:
            return BoolConv()
        if ann is int:
            return IntConv(TypeId.VARINT64)
        if ann is float:
            return FloatConv("float64", _round_f64)
        if type(ann) is int and ann in _INT_RANGES:
            return IntConv(ann)
        if type(ann) is int and ann in _FLOAT_CONVS:
            return FloatConv(*_FLOAT_CONVS[ann])
        if ann is str:
            return StrConv()
        if ann in (bytes, bytearray):
            return BytesConv()
        if ann is datetime.datetime:
            return TimestampConv()
        if ann is datetime.date:
            return DateConv()
        if ann is datetime.timedelta:
            return DurationConv()
        if ann is decimal.Decimal:
            return DecimalConv()
        if isinstance(ann, type):
            conv = self.convs.get(ann)
            if conv is not None:
                return conv
            fdl_def = self.fdl_defs.get(ann)
            if issubclass(ann, enum.Enum):
                names = None
                if fdl_def is not None and hasattr(fdl_def, "values"):
                    names = {v.value: v.name for v in fdl_def.values}
                conv = EnumConv(ann, names)
            elif _ForyUnion is not None and issubclass(ann, _ForyUnion):
                conv = UnionConv(self, ann, fdl_def)
            elif dataclasses.is_dataclass(ann):
                conv = MessageConv(self, ann, fdl_def)
            else:
                raise PeerError(f"unsupported type {ann.__qualname__}")
            self.convs[ann] = conv
            return conv
        raise PeerError(f"unsupported annotation {ann!r}")

    def _array_conv(self, meta):
        elem = self.conv_for(meta.element_type)
        if isinstance(elem, BoolConv):
            tid = TypeId.BOOL
        else:
            tid = None
            e = meta.element_type
            if typing.get_origin(e) is typing.Annotated:
                for m in typing.get_args(e)[1:]:
                    if type(m) is int:
                        tid = m
            elif e is int:
                tid = TypeId.VARINT64
            elif e is float:
                tid = TypeId.FLOAT64
        carrier = None
        if meta.carrier == "array":
            carrier_name = _ARRAY_CARRIER_NAMES.get(tid)
            if carrier_name is None:
                raise PeerError(f"unsupported array element {meta.element_type!r}")
            carrier = getattr(pyfory, carrier_name)
        elif meta.carrier == "pyarray":
            import array as _array

            code = {TypeId.INT8: "b", TypeId.UINT8: "B", TypeId.INT16: "h", TypeId.UINT16: "H",
                    TypeId.INT32: "i", TypeId.VARINT32: "i", TypeId.UINT32: "I", TypeId.VAR_UINT32: "I",
                    TypeId.INT64: "q", TypeId.VARINT64: "q", TypeId.UINT64: "Q", TypeId.VAR_UINT64: "Q",
                    TypeId.FLOAT32: "f", TypeId.FLOAT64: "d"}.get(tid)
            if code is None:
                raise PeerError(f"unsupported PyArray element {meta.element_type!r}")
            carrier = lambda values, _c=code: _array.array(_c, values)  # noqa: E731
        else:
            raise PeerError(f"unsupported array carrier {meta.carrier!r}")
        return ArrayConv(elem, carrier)

    def conv_for_type(self, name):
        cls = self.classes.get(name)
        if cls is None:
            raise PeerError(f"unknown type {name!r}; loaded: {sorted(self.classes)}")
        return cls, self.conv_for(cls)


# --------------------------------------------------------------------------------------------
# The peer


class Peer:
    def __init__(self):
        self.loaded = []  # LoadedSchema, in load order
        self.by_text = {}
        self.load_count = 0  # advances on every attempt, so a failed load never reuses a dir
        self.tmp_root = tempfile.mkdtemp(prefix="pyfory_peer_")

    def close(self):
        shutil.rmtree(self.tmp_root, ignore_errors=True)

    # ---- ops

    def op_ping(self, req):
        return {"pyfory": getattr(pyfory, "__version__", None), "python": sys.version.split()[0]}

    def op_load(self, req):
        fdl = req.get("fdl")
        if not isinstance(fdl, str):
            raise PeerError("load needs \"fdl\": the FDL text")
        field_ids = req.get("field_ids", True)
        if not isinstance(field_ids, bool):
            raise PeerError("\"field_ids\" must be true or false")
        key = fdl if field_ids else ("no field ids", fdl)
        s = self.by_text.get(key)
        if s is None:
            s = self._load(fdl, field_ids)
            self.by_text[key] = s
        self.loaded.append(s)  # most recent load wins for type-name lookups
        return {"types": list(s.classes), "handle": s.handle}

    def _load(self, fdl, field_ids=True):
        handle = len(self.by_text)
        self.load_count += 1
        tmpdir = Path(self.tmp_root) / f"fdl{self.load_count}"
        out = tmpdir / "out"
        out.mkdir(parents=True)
        src = tmpdir / "schema.fdl"
        src.write_text(fdl, encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, "-m", "fory_compiler", "--python_out", str(out), str(src)],
            cwd=str(tmpdir), stdin=subprocess.DEVNULL, capture_output=True, text=True,
        )
        if proc.returncode != 0:
            msg = (proc.stderr.strip() + "\n" + proc.stdout.strip()).strip()
            raise PeerError(f"fory_compiler failed (exit {proc.returncode}): {msg}")
        files = sorted(out.rglob("*.py"))
        if not files:
            raise PeerError(f"fory_compiler produced no Python file: {proc.stdout.strip()}")
        if not field_ids:
            # Name-keyed fields: drop the tag ids fory-compiler always writes, so pyfory
            # identifies the fields by their attribute names (as a hand-written dataclass would).
            for f in files:
                text = f.read_text(encoding="utf-8")
                f.write_text(re.sub(r"pyfory\.field\(id=-?[0-9]+(, )?", "pyfory.field(", text), encoding="utf-8")
        modules = []
        for f in files:
            modname = f"_pyfory_peer_fdl{handle}_{f.stem}"
            spec = importlib.util.spec_from_file_location(modname, f)
            mod = importlib.util.module_from_spec(spec)
            sys.modules[modname] = mod  # get_type_hints resolves names through sys.modules
            try:
                spec.loader.exec_module(mod)
            except BaseException:
                sys.modules.pop(modname, None)
                raise
            modules.append(mod)
        from fory_compiler.frontend.utils import parse_idl_file

        schema = parse_idl_file(src)
        return LoadedSchema(handle, fdl, tmpdir, modules, schema)

    def _schema_for(self, req):
        name = req.get("type")
        if not isinstance(name, str):
            raise PeerError("missing \"type\": the full type name, e.g. \"bench.Sample\"")
        if "handle" in req:
            h = req["handle"]
            for s in self.by_text.values():
                if s.handle == h:
                    return s, name
            raise PeerError(f"unknown handle {h!r}")
        for s in reversed(self.loaded):
            if name in s.classes:
                return s, name
        known = sorted({n for s in self.loaded for n in s.classes})
        raise PeerError(f"unknown type {name!r}; loaded: {known}")

    @staticmethod
    def _config(req):
        cfg = req.get("config")
        if cfg is None:
            return dict(DEFAULT_CONFIG)
        if not isinstance(cfg, dict):
            raise PeerError("\"config\" must be an object of pyfory.Fory keyword arguments")
        return cfg

    def _serialize(self, req, buffers=None):
        s, name = self._schema_for(req)
        if "value" not in req:
            raise PeerError("serialize needs \"value\"")
        cls, conv = s.conv_for_type(name)
        obj = conv.to_py(req["value"], "")
        cfg = self._config(req)
        fory = s.fory(cfg)
        callback = None if buffers is None else _buffer_callback(req.get("oob"), buffers)
        try:
            data = fory.serialize(obj, buffer_callback=callback)
        except Exception:
            s.drop_fory(cfg)  # never reuse an instance that failed half-way
            raise
        return bytes(data)

    def _deserialize(self, req, data, buffers=None):
        s, name = self._schema_for(req)
        cls, conv = s.conv_for_type(name)
        cfg = self._config(req)
        fory = s.fory(cfg)
        try:
            obj = fory.deserialize(data, buffers=buffers)
        except Exception:
            s.drop_fory(cfg)
            raise
        if obj is None:
            return None
        if not isinstance(obj, cls):
            got = s.names.get(type(obj)) or f"{type(obj).__module__}.{type(obj).__qualname__}"
            raise PeerError(f"pyfory returned {got}, expected {name}")
        return conv.to_json(obj, "")

    def op_serialize(self, req):
        if "oob" not in req:
            return {"hex": self._serialize(req).hex()}
        buffers = []
        data = self._serialize(req, buffers)
        return {"hex": data.hex(), "buffers": [b.hex() for b in buffers]}

    def op_deserialize(self, req):
        h = req.get("hex")
        if not isinstance(h, str):
            raise PeerError("deserialize needs \"hex\"")
        try:
            data = bytes.fromhex(h)
        except ValueError as e:
            raise PeerError(f"bad hex: {e}")
        buffers = req.get("buffers")
        if buffers is not None:
            try:
                buffers = [bytes.fromhex(b) for b in buffers]
            except (TypeError, ValueError) as e:
                raise PeerError(f"bad buffers: {e}")
        return {"value": self._deserialize(req, data, buffers)}

    def op_reserialize(self, req):
        # Reads the bytes with pyfory and writes the object again: how another engine's payload
        # (shared or cyclic objects included, which JSON cannot carry) survives a pyfory round trip.
        h = req.get("hex")
        if not isinstance(h, str):
            raise PeerError("reserialize needs \"hex\"")
        try:
            data = bytes.fromhex(h)
        except ValueError as e:
            raise PeerError(f"bad hex: {e}")
        s, _name = self._schema_for(req)
        cfg = self._config(req)
        fory = s.fory(cfg)
        try:
            obj = fory.deserialize(data)
            again = fory.serialize(obj)
        except Exception:
            s.drop_fory(cfg)
            raise
        return {"hex": bytes(again).hex()}

    def op_roundtrip(self, req):
        data = self._serialize(req)
        return {"hex": data.hex(), "value": self._deserialize(req, data)}

    def op_quit(self, req):
        return {}


def _buffer_callback(oob, buffers):
    # pyfory's buffer_callback: False sends the buffer out of band (collected here, in order).
    if not isinstance(oob, dict):
        raise PeerError("\"oob\" must be {\"min_bytes\": n} or {\"pick\": [bool, ...]}")
    picks = oob.get("pick")
    min_bytes = oob.get("min_bytes")
    if (picks is None) == (min_bytes is None):
        raise PeerError("\"oob\" needs exactly one of \"min_bytes\" and \"pick\"")
    asked = [0]

    def callback(buffer_object):
        view = buffer_object.getbuffer()
        if picks is not None:
            i = asked[0]
            asked[0] += 1
            if i >= len(picks):
                raise PeerError(f"\"pick\" has {len(picks)} decisions, pyfory asked for more")
            out = bool(picks[i])
        else:
            out = len(view) >= min_bytes
        if out:
            buffers.append(bytes(view))
        return not out

    return callback


def _error_text(e):
    if isinstance(e, PeerError):
        return str(e)
    return f"{type(e).__name__}: {e}"


def main():
    peer = Peer()
    ops = {
        "ping": peer.op_ping,
        "load": peer.op_load,
        "serialize": peer.op_serialize,
        "deserialize": peer.op_deserialize,
        "roundtrip": peer.op_roundtrip,
        "reserialize": peer.op_reserialize,
        "quit": peer.op_quit,
    }
    debug = os.environ.get("PYFORY_PEER_DEBUG") == "1"
    # SIGTERM ends the loop through SystemExit, so the temp dir is still removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        for raw in sys.stdin.buffer:
            if not raw.strip():
                continue
            req = None
            try:
                req = json.loads(raw.decode("utf-8"))
                if not isinstance(req, dict):
                    raise PeerError("a request is one JSON object")
                op = req.get("op")
                fn = ops.get(op)
                if fn is None:
                    raise PeerError(f"unknown op {op!r}; ops: {sorted(ops)}")
                resp = {"ok": True}
                resp.update(fn(req))
            except Exception as e:  # noqa: BLE001 - the peer must survive any bad request
                resp = {"ok": False, "error": _error_text(e)}
                if not isinstance(e, PeerError):
                    resp["error_type"] = type(e).__name__
                if debug:
                    traceback.print_exc(file=sys.stderr)
            if isinstance(req, dict) and "id" in req:
                resp["id"] = req["id"]
            try:
                line = json.dumps(resp, ensure_ascii=True, allow_nan=False)
            except Exception as e:  # noqa: BLE001
                line = json.dumps({"ok": False, "error": f"cannot encode the response: {_error_text(e)}"})
            try:
                _PROTO_OUT.write(line + "\n")
                _PROTO_OUT.flush()
            except (BrokenPipeError, ValueError):  # the driver went away
                break
            if isinstance(req, dict) and req.get("op") == "quit":
                break
    finally:
        peer.close()


if __name__ == "__main__":
    main()
