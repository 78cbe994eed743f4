//! A protobuf encoder for the subset of `onnx.proto` tween writes: ModelProto,
//! GraphProto, NodeProto, AttributeProto, TensorProto and ValueInfoProto.
//! Field numbers are those of onnx/onnx.proto (proto2, so repeated scalars are
//! written unpacked). Encoding only: tween never reads ONNX files.

/// ONNX `TensorProto.DataType` values used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ElemType {
    Float = 1,
    Int32 = 6,
    Int64 = 7,
}

/// A protobuf message being written.
#[derive(Default)]
struct Msg(Vec<u8>);

impl Msg {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }
    fn key(&mut self, field: u32, wire: u8) {
        self.varint(u64::from(field) << 3 | u64::from(wire));
    }
    fn int(&mut self, field: u32, v: i64) {
        self.key(field, 0);
        self.varint(v as u64);
    }
    fn float(&mut self, field: u32, v: f32) {
        self.key(field, 5);
        self.0.extend(v.to_le_bytes());
    }
    fn bytes(&mut self, field: u32, b: &[u8]) {
        self.key(field, 2);
        self.varint(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    fn str(&mut self, field: u32, s: &str) {
        self.bytes(field, s.as_bytes());
    }
    fn msg(&mut self, field: u32, m: Msg) {
        self.bytes(field, &m.0);
    }
}

/// `TensorProto`: a named constant (an initializer) with raw little-endian data.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorProto {
    pub name: String,
    pub dims: Vec<i64>,
    pub elem: ElemType,
    /// Little-endian element bytes, row-major.
    pub raw: Vec<u8>,
}

impl TensorProto {
    pub fn f32(name: impl Into<String>, dims: &[usize], data: &[f32]) -> Self {
        debug_assert_eq!(dims.iter().product::<usize>(), data.len());
        TensorProto {
            name: name.into(),
            dims: dims.iter().map(|&d| d as i64).collect(),
            elem: ElemType::Float,
            raw: data.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }

    pub fn i64(name: impl Into<String>, dims: &[usize], data: &[i64]) -> Self {
        debug_assert_eq!(dims.iter().product::<usize>(), data.len());
        TensorProto {
            name: name.into(),
            dims: dims.iter().map(|&d| d as i64).collect(),
            elem: ElemType::Int64,
            raw: data.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }

    fn encode(&self) -> Msg {
        let mut m = Msg::default();
        for &d in &self.dims {
            m.int(1, d);
        }
        m.int(2, self.elem as i64);
        m.str(8, &self.name);
        m.bytes(9, &self.raw);
        m
    }
}

/// An attribute value (`AttributeProto` with its `type`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AttrValue {
    Float(f32),
    Int(i64),
    String(String),
    Tensor(TensorProto),
    Floats(Vec<f32>),
    Ints(Vec<i64>),
}

/// `AttributeProto`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub value: AttrValue,
}

impl Attribute {
    pub fn int(name: &str, v: i64) -> Self {
        Attribute {
            name: name.into(),
            value: AttrValue::Int(v),
        }
    }
    pub fn float(name: &str, v: f32) -> Self {
        Attribute {
            name: name.into(),
            value: AttrValue::Float(v),
        }
    }
    pub fn floats(name: &str, v: &[f32]) -> Self {
        Attribute {
            name: name.into(),
            value: AttrValue::Floats(v.to_vec()),
        }
    }
    pub fn ints(name: &str, v: &[i64]) -> Self {
        Attribute {
            name: name.into(),
            value: AttrValue::Ints(v.to_vec()),
        }
    }
    pub fn string(name: &str, v: &str) -> Self {
        Attribute {
            name: name.into(),
            value: AttrValue::String(v.into()),
        }
    }
    pub fn tensor(name: &str, t: TensorProto) -> Self {
        Attribute {
            name: name.into(),
            value: AttrValue::Tensor(t),
        }
    }

    fn encode(&self) -> Msg {
        let mut m = Msg::default();
        m.str(1, &self.name);
        // AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7.
        let ty = match &self.value {
            AttrValue::Float(f) => {
                m.float(2, *f);
                1
            }
            AttrValue::Int(i) => {
                m.int(3, *i);
                2
            }
            AttrValue::String(s) => {
                m.str(4, s);
                3
            }
            AttrValue::Tensor(t) => {
                m.msg(5, t.encode());
                4
            }
            AttrValue::Floats(v) => {
                v.iter().for_each(|&f| m.float(7, f));
                6
            }
            AttrValue::Ints(v) => {
                v.iter().for_each(|&i| m.int(8, i));
                7
            }
        };
        m.int(20, ty);
        m
    }
}

/// `NodeProto`: one operator application.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    pub op_type: String,
    /// Empty for the default `ai.onnx` domain.
    pub domain: String,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub attributes: Vec<Attribute>,
}

impl Node {
    fn encode(&self) -> Msg {
        let mut m = Msg::default();
        self.inputs.iter().for_each(|s| m.str(1, s));
        self.outputs.iter().for_each(|s| m.str(2, s));
        m.str(3, &self.name);
        m.str(4, &self.op_type);
        for a in &self.attributes {
            m.msg(5, a.encode());
        }
        if !self.domain.is_empty() {
            m.str(7, &self.domain);
        }
        m
    }
}

/// One dimension of a graph input or output: fixed or named (symbolic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dim {
    Fixed(usize),
    Named(String),
}

/// `ValueInfoProto` of a tensor: name, element type, shape.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueInfo {
    pub name: String,
    pub elem: ElemType,
    pub dims: Vec<Dim>,
}

impl ValueInfo {
    fn encode(&self) -> Msg {
        let mut shape = Msg::default();
        for d in &self.dims {
            let mut dim = Msg::default();
            match d {
                Dim::Fixed(v) => dim.int(1, *v as i64),
                Dim::Named(s) => dim.str(2, s),
            }
            shape.msg(1, dim);
        }
        let mut tensor = Msg::default();
        tensor.int(1, self.elem as i64);
        tensor.msg(2, shape);
        let mut ty = Msg::default();
        ty.msg(1, tensor);
        let mut m = Msg::default();
        m.str(1, &self.name);
        m.msg(2, ty);
        m
    }
}

/// `GraphProto` plus the `ModelProto` fields tween sets.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    pub graph_name: String,
    pub nodes: Vec<Node>,
    pub initializers: Vec<TensorProto>,
    pub inputs: Vec<ValueInfo>,
    pub outputs: Vec<ValueInfo>,
    /// `(domain, version)` pairs; `""` is `ai.onnx`.
    pub opsets: Vec<(String, i64)>,
}

/// IR version 8 (ONNX 1.10+): understood by every ONNX Runtime since 1.10.
pub const IR_VERSION: i64 = 8;

impl Model {
    /// The serialized `ModelProto`.
    pub fn encode(&self) -> Vec<u8> {
        let mut g = Msg::default();
        for n in &self.nodes {
            g.msg(1, n.encode());
        }
        g.str(2, &self.graph_name);
        for t in &self.initializers {
            g.msg(5, t.encode());
        }
        for v in &self.inputs {
            g.msg(11, v.encode());
        }
        for v in &self.outputs {
            g.msg(12, v.encode());
        }
        let mut m = Msg::default();
        m.int(1, IR_VERSION);
        m.str(2, "tween");
        m.str(3, env!("CARGO_PKG_VERSION"));
        m.msg(7, g);
        for (domain, version) in &self.opsets {
            let mut o = Msg::default();
            if !domain.is_empty() {
                o.str(1, domain);
            }
            o.int(2, *version);
            m.msg(8, o);
        }
        m.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_keys_follow_the_wire_format() {
        let mut m = Msg::default();
        m.varint(300);
        assert_eq!(m.0, [0xac, 0x02]);
        let mut m = Msg::default();
        m.int(1, -1); // negative int64: ten bytes
        assert_eq!(m.0.len(), 11);
        assert_eq!(m.0[0], 0x08);
        let mut m = Msg::default();
        m.str(4, "Conv");
        assert_eq!(m.0, b"\x22\x04Conv");
    }

    #[test]
    fn a_tensor_encodes_dims_type_name_and_raw_data() {
        let t = TensorProto::f32("w", &[2], &[1.0, -2.0]);
        let bytes = t.encode().0;
        let mut expected = vec![0x08, 2, 0x10, 1, 0x42, 1, b'w', 0x4a, 8];
        expected.extend(1f32.to_le_bytes());
        expected.extend((-2f32).to_le_bytes());
        assert_eq!(bytes, expected);
    }
}
