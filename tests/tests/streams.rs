//! Message streams (`foryjit::stream`): framing, the three readers, bad framing, memory-mapped
//! files, and the payloads inside a stream checked against live pyfory (each message of an
//! independent stream is exactly what pyfory writes for the value, and pyfory reads it back).

use foryjit::stream::{
    Frames, MappedFile, StreamDecoder, StreamError, StreamReader, StreamWriter,
    DEFAULT_MAX_MESSAGE_BYTES,
};
use foryjit::{Error, ForyJit, StringPolicy, Tier, TypeHandle, Value};
use foryjit_tests::peer::{pyfory_defaults_config, PyforyPeer};
use serde_json::{json, Value as Json};

const FDL: &str = "package s;
message Item [id=301] { int64 id = 1; string name = 2; list<int32> tags = 3; optional float64 score = 4; }
message Other [id=302] { string label = 1; }";

fn engine(tier: Tier) -> (ForyJit, TypeHandle, TypeHandle) {
    let fory = ForyJit::builder().tier(tier).string_policy(StringPolicy::PyforyLike).build();
    let s = fory.load_idl(FDL).unwrap();
    (fory, s.get("s.Item").unwrap(), s.get("s.Other").unwrap())
}

fn item_json(i: i64) -> Json {
    json!({"id": i * 7919, "name": format!("item {i} é"), "tags": (0..(i % 5) as i32).collect::<Vec<_>>(),
           "score": if i % 3 == 0 { Json::Null } else { json!(i as f64 / 4.0) }})
}

fn values(fory: &ForyJit, item: TypeHandle, other: TypeHandle, n: i64) -> Vec<Value> {
    (0..n)
        .map(|i| {
            if i % 4 == 3 {
                fory.from_json(other, &json!({"label": format!("other {i}")})).unwrap()
            } else {
                fory.from_json(item, &item_json(i)).unwrap()
            }
        })
        .collect()
}

fn write_stream(fory: &ForyJit, vals: &[Value], share: bool) -> Vec<u8> {
    let mut w = if share {
        StreamWriter::sharing_typedefs(fory, Vec::new())
    } else {
        StreamWriter::new(fory, Vec::new())
    };
    for v in vals {
        w.write(v).unwrap();
    }
    assert_eq!(w.messages(), vals.len() as u64);
    w.into_inner()
}

#[test]
fn independent_messages_are_the_payloads_serialize_writes() {
    for tier in [Tier::Interpreter, Tier::Compiled] {
        let (fory, item, other) = engine(tier);
        let vals = values(&fory, item, other, 40);
        let bytes = write_stream(&fory, &vals, false);
        let frames: Vec<_> = Frames::new(&bytes).collect::<Result<_, _>>().unwrap();
        assert_eq!(frames.len(), vals.len());
        for (i, (f, v)) in frames.iter().zip(&vals).enumerate() {
            assert_eq!(f.index, i as u64);
            assert_eq!(f.payload, fory.serialize(v).unwrap().as_slice(), "message {i}");
            // Zero-copy: the payload is a slice of the stream itself.
            let range = bytes.as_ptr_range();
            assert!(range.contains(&f.payload.as_ptr()));
        }
        // All three readers give the values back, in order.
        let decoded: Vec<Value> =
            StreamDecoder::new(&fory, &bytes).collect::<Result<_, _>>().unwrap();
        let read: Vec<Value> =
            StreamReader::new(&fory, &bytes[..]).collect::<Result<_, _>>().unwrap();
        for (i, v) in vals.iter().enumerate() {
            assert!(decoded[i].bit_eq(v), "decoder, message {i}");
            assert!(read[i].bit_eq(v), "reader, message {i}");
        }
    }
}

#[test]
fn shared_typedefs_are_sent_once_and_both_tiers_read_them() {
    let (fory, item, other) = engine(Tier::Interpreter);
    let vals = values(&fory, item, other, 40);
    let shared = write_stream(&fory, &vals, true);
    let independent = write_stream(&fory, &vals, false);
    // Every message after the first of each type saves its TypeDef (over 10 bytes each).
    assert!(
        shared.len() + 10 * (vals.len() - 2) < independent.len(),
        "{} vs {}",
        shared.len(),
        independent.len()
    );
    for tier in [Tier::Interpreter, Tier::Compiled] {
        let (reader, _, _) = engine(tier);
        let decoded: Vec<Value> =
            StreamDecoder::sharing_typedefs(&reader, &shared).collect::<Result<_, _>>().unwrap();
        let read: Vec<Value> =
            StreamReader::sharing_typedefs(&reader, &shared[..]).collect::<Result<_, _>>().unwrap();
        assert_eq!(decoded.len(), vals.len());
        for (i, v) in vals.iter().enumerate() {
            assert!(decoded[i].bit_eq(v), "{tier:?} decoder, message {i}");
            assert!(read[i].bit_eq(v), "{tier:?} reader, message {i}");
        }
        // Without sharing, the second message refers to a TypeDef the reader never saw.
        let mut plain = StreamDecoder::new(&reader, &shared);
        assert!(plain.next().unwrap().is_ok());
        let second = plain.next().unwrap().unwrap_err();
        assert!(
            matches!(&second, Error::Stream(StreamError::Message { index: 1, .. })),
            "{second}"
        );
    }
}

fn stream_error(r: Option<Result<Value, Error>>) -> StreamError {
    match r {
        Some(Err(Error::Stream(e))) => e,
        other => panic!("expected a stream error, got {other:?}"),
    }
}

#[test]
fn bad_framing_names_the_message_and_keeps_the_ones_before() {
    let (fory, item, other) = engine(Tier::Interpreter);
    let vals = values(&fory, item, other, 3);
    let good = write_stream(&fory, &vals, false);
    let third_at = {
        let mut f = Frames::new(&good);
        f.next();
        f.next();
        f.position()
    };
    // (stream, expected error at message 2)
    let mut past_end = good.clone();
    past_end.truncate(good.len() - 1);
    let mut cut_prefix = good[..third_at].to_vec();
    cut_prefix.push(0x80);
    let mut six_byte_prefix = good[..third_at].to_vec();
    six_byte_prefix.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    let mut over_limit = good[..third_at].to_vec();
    over_limit.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
    let cases: [(&str, Vec<u8>); 4] = [
        ("length past the end", past_end),
        ("prefix cut short", cut_prefix),
        ("six-byte prefix", six_byte_prefix),
        ("length over the limit", over_limit),
    ];
    for (what, bytes) in cases {
        let mut dec = StreamDecoder::new(&fory, &bytes);
        let mut rd = StreamReader::new(&fory, &bytes[..]);
        for (i, v) in vals.iter().take(2).enumerate() {
            assert!(dec.next().unwrap().unwrap().bit_eq(v), "{what}: decoder {i}");
            assert!(rd.next().unwrap().unwrap().bit_eq(v), "{what}: reader {i}");
        }
        let (e1, e2) = (stream_error(dec.next()), stream_error(rd.next()));
        assert_eq!(e1, e2, "{what}: both readers say the same");
        assert_eq!((e1.index(), e1.offset()), (2, third_at as u64), "{what}: {e1}");
        match what {
            "length past the end" => assert!(matches!(e1, StreamError::Truncated { .. }), "{e1}"),
            "length over the limit" => assert!(
                matches!(e1, StreamError::TooLong { limit: DEFAULT_MAX_MESSAGE_BYTES, .. }),
                "{e1}"
            ),
            _ => assert!(matches!(e1, StreamError::BadLength { .. }), "{e1}"),
        }
        assert!(dec.next().is_none() && rd.next().is_none(), "{what}: the stream ends there");
    }
    // A smaller limit refuses a message both readers would otherwise accept.
    let mut dec = StreamDecoder::new(&fory, &good).max_message_bytes(4);
    assert!(matches!(stream_error(dec.next()), StreamError::TooLong { index: 0, limit: 4, .. }));
    let mut rd = StreamReader::new(&fory, &good[..]).max_message_bytes(4);
    assert!(matches!(stream_error(rd.next()), StreamError::TooLong { index: 0, limit: 4, .. }));
    // An empty stream holds no message.
    assert!(StreamDecoder::new(&fory, &[]).next().is_none());
    assert!(StreamReader::new(&fory, &[][..]).next().is_none());
}

#[test]
fn a_bad_payload_is_reported_and_the_stream_goes_on() {
    let (fory, item, other) = engine(Tier::Compiled);
    let vals = values(&fory, item, other, 3);
    let mut w = StreamWriter::new(&fory, Vec::new());
    w.write(&vals[0]).unwrap();
    w.write_encoded(&[0x01, 0xff, 0x1b]).unwrap();
    w.write(&vals[2]).unwrap();
    let bytes = w.into_inner();
    let got: Vec<_> = StreamDecoder::new(&fory, &bytes).collect();
    assert_eq!(got.len(), 3);
    assert!(got[0].as_ref().unwrap().bit_eq(&vals[0]));
    assert!(matches!(&got[1], Err(Error::Stream(StreamError::Message { index: 1, .. }))));
    assert!(got[2].as_ref().unwrap().bit_eq(&vals[2]));
    // A value that does not encode writes nothing, and the stream stays valid.
    let mut w = StreamWriter::new(&fory, Vec::new());
    w.write(&vals[0]).unwrap();
    let mut wrong = vals[0].clone();
    assert!(fory.set_unchecked(&mut wrong, "id", Value::string("not an int")));
    assert!(matches!(w.write(&wrong), Err(Error::Stream(StreamError::Message { index: 1, .. }))));
    w.write(&vals[2]).unwrap();
    assert_eq!(StreamDecoder::new(&fory, &w.into_inner()).filter(Result::is_ok).count(), 2);
}

#[test]
fn streams_decode_from_a_memory_mapped_file() {
    let (fory, item, other) = engine(Tier::Compiled);
    let vals = values(&fory, item, other, 200);
    let bytes = write_stream(&fory, &vals, true);
    let dir = std::env::temp_dir().join(format!("foryjit-streams-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("items.fory");
    std::fs::write(&path, &bytes).unwrap();
    let file = MappedFile::open(&path).unwrap();
    assert_eq!(file.bytes(), bytes.as_slice());
    let decoded: Vec<Value> =
        StreamDecoder::sharing_typedefs(&fory, file.bytes()).collect::<Result<_, _>>().unwrap();
    assert_eq!(decoded.len(), 200);
    assert!(decoded.iter().zip(&vals).all(|(a, b)| a.bit_eq(b)));
    let empty = dir.join("empty.fory");
    std::fs::write(&empty, b"").unwrap();
    assert!(StreamDecoder::new(&fory, MappedFile::open(&empty).unwrap().bytes()).next().is_none());
    assert!(MappedFile::open(dir.join("missing.fory")).is_err());
}

#[test]
fn every_message_of_a_stream_is_pyfory_s_payload() {
    let mut peer = PyforyPeer::shared();
    peer.load(FDL).unwrap();
    let config = pyfory_defaults_config();
    let (fory, item, _) = engine(Tier::Compiled);
    let jsons: Vec<Json> = (0..12).map(item_json).collect();
    let vals: Vec<Value> = jsons.iter().map(|j| fory.from_json(item, j).unwrap()).collect();
    let bytes = write_stream(&fory, &vals, false);
    for (i, frame) in Frames::new(&bytes).enumerate() {
        let frame = frame.unwrap();
        let theirs = peer.serialize("s.Item", &jsons[i], &config).unwrap();
        assert_eq!(frame.payload, theirs.as_slice(), "message {i}: pyfory writes the same bytes");
        let back = peer.deserialize("s.Item", frame.payload, &config).unwrap();
        assert_eq!(back, jsons[i], "message {i}: pyfory reads it back");
    }
    // And a stream framed around pyfory's own payloads decodes in both tiers.
    let mut w = StreamWriter::new(&fory, Vec::new());
    for j in &jsons {
        w.write_encoded(&peer.serialize("s.Item", j, &config).unwrap()).unwrap();
    }
    let theirs = w.into_inner();
    for tier in [Tier::Interpreter, Tier::Compiled] {
        let (reader, item, _) = engine(tier);
        for (i, v) in StreamDecoder::new(&reader, &theirs).enumerate() {
            assert_eq!(reader.to_json(item, &v.unwrap()).unwrap(), jsons[i], "{tier:?} {i}");
        }
    }
}
