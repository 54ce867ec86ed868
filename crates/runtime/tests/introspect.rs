//! Introspection (issue 16 item 3): registered messages, enums and unions through public types
//! (by handle and by name), and the types peers describe in compatible-mode TypeDefs.

use foryjit::introspect::{FieldKey, RemoteKind, TypeIdent, TypeSchema};
use foryjit::{
    ElemType, FieldDesc, FieldType, ForyJit, IntEncoding, MessageDesc, Registration, SchemaDesc,
    Tier, Value,
};

const FDL: &str = r#"package i;
enum Level [id=1] { LOW = 0; HIGH = 5; }
message Point [id=2] { int32 x = 1; fixed int64 y = 2; }
union Pick [id=3] { string text = 1; Point point = 7; }
message Shape [id=4] {
    optional string label = 3;
    list<optional Point> points = 1;
    map<string, list<tagged uint64>> index = 2;
    Level level = 4;
    ref Shape parent = 5;
    array<float32> weights = 6;
    Pick pick = 7;
    any extra = 8;
}
"#;

#[test]
fn registered_messages_enums_and_unions_by_handle_and_name() {
    let f = ForyJit::default();
    let schema = f.load_idl(FDL).unwrap();
    let shape = schema.get("i.Shape").unwrap();
    let Some(TypeSchema::Message(m)) = f.describe(shape) else { panic!("not a message") };
    assert_eq!(f.describe_name("i.Shape"), Some(TypeSchema::Message(m.clone())));
    assert_eq!((m.handle, m.full_name.as_str()), (shape, "i.Shape"));
    assert_eq!(m.registration, Registration::Id(4));
    assert!(m.evolving);
    type Row<'a> = (&'a str, usize, Option<u32>, String, bool, bool);
    let got: Vec<Row> = m
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.ordinal, f.tag, f.type_name(), f.nullable, f.tracking_ref))
        .collect();
    assert_eq!(
        got,
        [
            ("label", 0, Some(3), "string".to_owned(), true, false),
            ("points", 1, Some(1), "list<optional i.Point>".to_owned(), false, false),
            ("index", 2, Some(2), "map<string, list<tagged uint64>>".to_owned(), false, false),
            ("level", 3, Some(4), "i.Level".to_owned(), false, false),
            ("parent", 4, Some(5), "i.Shape".to_owned(), true, true),
            ("weights", 5, Some(6), "array<float32>".to_owned(), false, false),
            ("pick", 6, Some(7), "i.Pick".to_owned(), false, false),
            ("extra", 7, Some(8), "any".to_owned(), true, false),
        ]
    );
    // The public types carry the descriptor types themselves.
    assert_eq!(
        m.field("index").unwrap().ty,
        FieldType::map(FieldType::String, FieldType::list(FieldType::UInt64(IntEncoding::Tagged)))
    );
    assert_eq!(m.field_by_tag(1).unwrap().name, "points");
    assert!(
        matches!(&m.field("points").unwrap().ty, FieldType::List(e) if **e == ElemType { ty: FieldType::named("i.Point"), nullable: true, tracking_ref: false })
    );
    // Ordinals are the value's: the field a view reads by name is the one at that ordinal.
    assert_eq!(f.field_ordinal(shape, "level"), Some(m.field("level").unwrap().ordinal));

    let Some(TypeSchema::Enum(e)) = f.describe_name("i.Level") else { panic!() };
    assert_eq!(e.registration, Registration::Id(1));
    let members: Vec<(&str, u32)> = e.members.iter().map(|m| (m.name.as_str(), m.value)).collect();
    assert_eq!(members, [("LOW", 0), ("HIGH", 5)]);

    let Some(TypeSchema::Union(u)) = f.describe_name("i.Pick") else { panic!() };
    let cases: Vec<(&str, u32, &FieldType)> =
        u.cases.iter().map(|c| (c.name.as_str(), c.id, &c.ty)).collect();
    assert_eq!(
        cases,
        [("text", 1, &FieldType::String), ("point", 7, &FieldType::named("i.Point"))]
    );

    let all: Vec<String> = f.registered_types().iter().map(|t| t.full_name().to_owned()).collect();
    assert_eq!(all, ["i.Level", "i.Point", "i.Pick", "i.Shape"]);
    assert!(f.describe_name("i.Nope").is_none());
    for t in f.registered_types() {
        assert_eq!(f.describe(t.handle()).as_ref(), Some(&t));
    }
}

#[test]
fn a_described_message_registers_again_to_the_same_bytes() {
    for &tier in Tier::available() {
        for compatible in [true, false] {
            let a = ForyJit::builder().tier(tier).compatible(compatible).build();
            a.load_idl(FDL).unwrap();
            // Rebuild the whole schema in another engine from what `a` describes.
            let mut desc = SchemaDesc::new("i");
            for t in a.registered_types() {
                desc = match t {
                    TypeSchema::Message(m) => desc.message(m.to_desc()),
                    TypeSchema::Enum(e) => desc.enumeration(foryjit::EnumDesc {
                        full_name: e.full_name,
                        registration: e.registration,
                        members: e.members,
                    }),
                    TypeSchema::Union(u) => desc.union(u.cases.into_iter().fold(
                        foryjit::UnionDesc {
                            full_name: u.full_name,
                            registration: u.registration,
                            cases: vec![],
                        },
                        |d, c| d.case(c.name, c.id, c.ty),
                    )),
                    other => panic!("{other:?}"),
                };
            }
            let b = ForyJit::builder().tier(tier).compatible(compatible).build();
            b.register_schema(desc).unwrap();
            let (sa, sb) = (a.type_handle("i.Shape").unwrap(), b.type_handle("i.Shape").unwrap());
            let doc = serde_json::json!({
                "label": "l", "points": [{"x": 1, "y": 2}, null], "index": {"k": [1, 2]},
                "level": "HIGH", "parent": null, "weights": [0.5], "pick": {"point": {"x": 3, "y": 4}},
                "extra": {"int32": 9}
            });
            let bytes = a.serialize(&a.from_json(sa, &doc).unwrap()).unwrap();
            assert_eq!(b.serialize(&b.from_json(sb, &doc).unwrap()).unwrap(), bytes);
        }
    }
}

#[test]
fn remote_typedefs_list_the_writers_fields() {
    // The writer has a newer version of Point (an extra field) and a type the reader lacks.
    let writer = ForyJit::default();
    writer
        .load_idl(
            "package i; message Point [id=2] { int32 x = 1; fixed int64 y = 2; list<string> tags = 9; }
             message Secret [id=40] { optional bytes blob = 1; map<int32, float64> m = 2; }",
        )
        .unwrap();
    let reader = ForyJit::default();
    reader.load_idl(FDL).unwrap();
    assert!(reader.remote_types().is_empty());
    let wp = writer.type_handle("i.Point").unwrap();
    let point = writer.from_json(wp, &serde_json::json!({"x": 1, "y": 2, "tags": ["a"]})).unwrap();
    let got = reader.deserialize(&writer.serialize(&point).unwrap()).unwrap();
    assert_eq!(
        reader.to_json(reader.type_handle("i.Point").unwrap(), &got).unwrap(),
        serde_json::json!({"x": 1, "y": 2})
    );
    let ws = writer.type_handle("i.Secret").unwrap();
    let secret = writer.new_struct(ws).unwrap();
    let unknown = reader.deserialize(&writer.serialize(&secret).unwrap()).unwrap();

    let remote = reader.remote_types();
    assert_eq!(remote.len(), 2);
    let p = &remote[0];
    assert_eq!(p.ident, TypeIdent::Id(2));
    assert_eq!(p.kind, RemoteKind::Struct { compatible: true });
    assert_eq!(p.local, reader.type_handle("i.Point"));
    let fields: Vec<(FieldKey, &str, bool)> =
        p.fields.iter().map(|f| (f.key.clone(), f.type_name.as_str(), f.nullable)).collect();
    assert_eq!(
        fields,
        [
            (FieldKey::Tag(2), "fixed int64", false),
            (FieldKey::Tag(1), "int32", false),
            (FieldKey::Tag(9), "list<string>", false),
        ]
    );
    assert_eq!(p.field_by_tag(9).unwrap().type_id, foryjit::type_id::LIST);
    let s = &remote[1];
    assert_eq!((s.ident.clone(), s.local), (TypeIdent::Id(40), None));
    let names: Vec<&str> = s.fields.iter().map(|f| f.type_name.as_str()).collect();
    assert_eq!(names, ["bytes", "map<int32, float64>"]);
    assert!(s.fields[0].nullable);

    // The unknown struct value carries its TypeDef: the same description.
    let Value::Unknown(u) = &unknown else { panic!("{unknown:?}") };
    let described = reader.describe_unknown(u).unwrap();
    assert_eq!(&described, s);
    // Its Debug names the writer's fields (by tag id here) with their values.
    assert_eq!(format!("{:?}", reader.view(&unknown)), "unknown #40 { 1: null, 2: {} }");
}

#[test]
fn name_identified_fields_appear_by_name() {
    // pyfory's default dataclass: no tag ids, so its TypeDef names its fields.
    let writer = ForyJit::default();
    writer
        .register_schema(
            SchemaDesc::new("py").message(
                MessageDesc::with_name("py", "Person")
                    .field(FieldDesc::named("fullName", FieldType::String))
                    .field(FieldDesc::named("age", FieldType::Int64(IntEncoding::Varint))),
            ),
        )
        .unwrap();
    let reader = ForyJit::default();
    let person = writer.type_handle("py.Person").unwrap();
    let value = writer.new_struct(person).unwrap();
    let got = reader.deserialize(&writer.serialize(&value).unwrap()).unwrap();
    assert_eq!(
        format!("{:?}", reader.view(&got)),
        r#"unknown py.Person { age: 0, full_name: "" }"#
    );
    let remote = reader.remote_types();
    assert_eq!(remote.len(), 1);
    let r = &remote[0];
    assert_eq!(r.ident, TypeIdent::Named { namespace: "py".into(), name: "Person".into() });
    assert_eq!(r.local, None);
    let keys: Vec<&FieldKey> = r.fields.iter().map(|f| &f.key).collect();
    assert_eq!(keys, [&FieldKey::Name("age".into()), &FieldKey::Name("full_name".into())]);
    assert_eq!(r.field_by_name("fullName").unwrap().type_name, "string");
    assert_eq!(r.field_by_name("age").unwrap().type_name, "int64");
}
