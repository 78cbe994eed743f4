//! A restricted pickle VM: it understands exactly what a torch state dict
//! needs and refuses everything else.
//!
//! Python's unpickler imports and calls whatever a file names; this one maps
//! the few globals a state dict uses (`collections.OrderedDict`,
//! `torch._utils._rebuild_tensor[_v2]`, `torch._utils._rebuild_parameter`,
//! `torch.*Storage`) to inert Rust values and refuses any other global at the
//! opcode that names it, so `os.system`, `builtins.eval`, `subprocess.Popen`…
//! never get as far as `REDUCE`. `REDUCE`, `NEWOBJ` and `BUILD` are applied
//! only to allowlisted callables. Nothing in a file can make tween run code.
//!
//! Every length is checked against the bytes that are actually there, value
//! nesting is capped (deep values would overflow the stack when dropped), and
//! every byte the VM allocates is charged to a budget proportional to the
//! pickle's size as it is allocated: each value's slot, the bytes of its
//! strings, the copies that memo `PUT`/`GET` and `DUP` make. A "billion
//! laughs" pickle (a 1.7 KB file whose memo gets copy lists of long strings
//! into gigabytes) runs out of budget instead of memory.

use std::collections::HashMap;

use crate::tensor::DType;

/// Deepest value nesting accepted. A state dict nests about 5 deep.
const MAX_DEPTH: usize = 64;
/// Bytes of values any pickle may build, whatever its size.
const BUDGET_BASE: usize = 1 << 20;
/// And per byte of pickle. Real state dicts build about 22 (RIFE's
/// flownet.pkl, Real-ESRGAN's .pth: the memo's copies included).
const BUDGET_PER_BYTE: usize = 64;
/// The most any pickle may build.
const BUDGET_MAX: usize = 256 << 20;
/// What one value costs before its contents.
const SLOT: usize = std::mem::size_of::<Value>();

/// A callable or class the VM allows. Anything else is refused at `GLOBAL`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Global {
    OrderedDict,
    RebuildTensor,
    RebuildTensorV2,
    RebuildParameter,
    Storage(DType),
}

impl Global {
    fn lookup(module: &str, name: &str) -> Option<Global> {
        match (module, name) {
            ("collections", "OrderedDict") => Some(Global::OrderedDict),
            ("torch._utils", "_rebuild_tensor") => Some(Global::RebuildTensor),
            ("torch._utils", "_rebuild_tensor_v2") => Some(Global::RebuildTensorV2),
            ("torch._utils", "_rebuild_parameter") => Some(Global::RebuildParameter),
            ("torch", storage) => DType::from_torch_storage(storage).map(Global::Storage),
            _ => None,
        }
    }
}

/// A reference to a storage, from a persistent id: bytes live outside the pickle.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StorageRef {
    pub key: String,
    pub dtype: DType,
    /// Elements the storage declares (checked later against the real bytes).
    pub numel: usize,
}

/// A tensor as the pickle describes it: a strided view of a storage.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TensorRef {
    pub storage: StorageRef,
    pub offset: usize,
    pub shape: Vec<usize>,
    pub stride: Vec<usize>,
}

/// The values a state-dict pickle can hold.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    Tuple(Vec<Value>),
    List(Vec<Value>),
    /// Insertion-ordered (an `OrderedDict` is a dict too).
    Dict(Vec<(Value, Value)>),
    Global(Global),
    Storage(StorageRef),
    Tensor(Box<TensorRef>),
}

/// Why the VM stopped. The caller adds the file name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fault {
    RefusedGlobal {
        global: String,
        offset: usize,
    },
    RefusedOpcode {
        opcode: u8,
        offset: usize,
    },
    Bad {
        reason: String,
        offset: usize,
    },
    /// The values built would pass the budget (`limit` bytes, from the
    /// pickle's size) at byte `offset`.
    TooLarge {
        size: usize,
        limit: usize,
        offset: usize,
    },
}

/// The bytes of values a pickle of `len` bytes may build.
pub(crate) fn budget_for(len: usize) -> usize {
    BUDGET_MAX.min(BUDGET_BASE.saturating_add(len.saturating_mul(BUDGET_PER_BYTE)))
}

/// Runs one pickle from `data[start..]`; returns its value and the offset just
/// past its `STOP`. The values built may take [`budget_for`] the bytes left.
pub(crate) fn unpickle(data: &[u8], start: usize) -> Result<(Value, usize), Fault> {
    let budget = budget_for(data.len().saturating_sub(start));
    run(data, start, budget).map(|(v, end, _)| (v, end))
}

/// Runs one pickle within `budget` bytes of values; returns its value, the
/// offset past its `STOP` and the bytes its values took.
fn run(data: &[u8], start: usize, budget: usize) -> Result<(Value, usize, usize), Fault> {
    let mut vm = Vm {
        data,
        pos: start,
        op_pos: start,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        built: 0,
        budget,
    };
    let v = vm.run()?;
    Ok((v, vm.pos, vm.built))
}

struct Vm<'a> {
    data: &'a [u8],
    pos: usize,
    op_pos: usize,
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u32, Value>,
    /// Bytes allocated for values so far (never given back: a bound on the peak).
    built: usize,
    budget: usize,
}

impl<'a> Vm<'a> {
    fn bad<T>(&self, reason: impl Into<String>) -> Result<T, Fault> {
        Err(Fault::Bad {
            reason: reason.into(),
            offset: self.op_pos,
        })
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Fault> {
        match self.pos.checked_add(n).filter(|&e| e <= self.data.len()) {
            Some(end) => {
                let s = &self.data[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => self.bad(format!(
                "truncated: needs {n} more bytes, {} left",
                self.data.len() - self.pos
            )),
        }
    }

    fn u8(&mut self) -> Result<u8, Fault> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, Fault> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, Fault> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, Fault> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
    /// A length-prefixed payload; the length is checked against what is left.
    fn sized(&mut self, len: u64) -> Result<&'a [u8], Fault> {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        self.take(len)
    }
    fn line(&mut self) -> Result<&'a str, Fault> {
        let rest = &self.data[self.pos..];
        let Some(n) = rest.iter().take(256).position(|&b| b == b'\n') else {
            return self.bad("unterminated text line (over 256 bytes or truncated)");
        };
        let s = std::str::from_utf8(&rest[..n]).or_else(|_| self.bad("text line is not UTF-8"))?;
        self.pos += n + 1;
        Ok(s)
    }
    fn utf8(&self, b: &[u8]) -> Result<String, Fault> {
        String::from_utf8(b.to_vec()).or_else(|_| self.bad("string is not UTF-8"))
    }

    /// Charges `n` bytes to the budget, before they are allocated.
    fn charge(&mut self, n: usize) -> Result<(), Fault> {
        self.built = self.built.saturating_add(n);
        if self.built > self.budget {
            return Err(Fault::TooLarge {
                size: self.built,
                limit: self.budget,
                offset: self.op_pos,
            });
        }
        Ok(())
    }

    /// Pushes a value whose contents were charged already (items moved from
    /// the stack), charging its slot.
    fn push(&mut self, v: Value) -> Result<(), Fault> {
        self.charge(SLOT)?;
        self.stack.push(v);
        Ok(())
    }

    /// A length-prefixed payload, its bytes charged before they are copied.
    fn payload(&mut self, len: u64) -> Result<&'a [u8], Fault> {
        let b = self.sized(len)?;
        self.charge(b.len())?;
        Ok(b)
    }
    fn pop(&mut self) -> Result<Value, Fault> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return self.bad("stack underflow");
        }
        Ok(self.stack.pop().expect("checked"))
    }
    fn top(&mut self) -> Result<&mut Value, Fault> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return self.bad("stack underflow");
        }
        Ok(self.stack.last_mut().expect("checked"))
    }
    fn pop_mark(&mut self) -> Result<Vec<Value>, Fault> {
        let Some(m) = self.marks.pop() else {
            return self.bad("no MARK on the stack");
        };
        Ok(self.stack.split_off(m))
    }

    /// A container made of `items`, refused if it would nest too deep.
    fn nest(&self, items: &[Value]) -> Result<(), Fault> {
        if items.iter().any(|v| depth(v, MAX_DEPTH) >= MAX_DEPTH) {
            return self.bad(format!("values nest deeper than {MAX_DEPTH}"));
        }
        Ok(())
    }

    fn run(&mut self) -> Result<Value, Fault> {
        loop {
            self.op_pos = self.pos;
            let op = self.u8()?;
            match op {
                0x80 => {
                    let p = self.u8()?; // PROTO
                    if p > 5 {
                        return self.bad(format!("pickle protocol {p} is newer than 5"));
                    }
                }
                0x95 => {
                    self.u64()?; // FRAME: a length hint only
                }
                b'.' => {
                    // STOP
                    let v = self.pop()?;
                    if !self.stack.is_empty() || !self.marks.is_empty() {
                        return self.bad("values left on the stack at STOP");
                    }
                    return Ok(v);
                }
                b'(' => self.marks.push(self.stack.len()), // MARK
                b'0' => {
                    self.pop()?; // POP
                }
                b'1' => {
                    self.pop_mark()?; // POP_MARK
                }
                b'2' => {
                    // DUP: a copy, charged in full before it is made
                    let c = cost(self.top()?);
                    self.charge(c)?;
                    let v = self.top()?.clone();
                    self.stack.push(v);
                }
                b'N' => self.push(Value::None)?,
                0x88 => self.push(Value::Bool(true))?,
                0x89 => self.push(Value::Bool(false))?,
                b'J' => {
                    let v = self.u32()? as i32;
                    self.push(Value::Int(v.into()))?
                }
                b'K' => {
                    let v = self.u8()?;
                    self.push(Value::Int(v.into()))?
                }
                b'M' => {
                    let v = self.u16()?;
                    self.push(Value::Int(v.into()))?
                }
                0x8a => {
                    // LONG1
                    let n = self.u8()? as usize;
                    let b = self.take(n)?;
                    let v = long_le(b).map_or_else(|| self.bad("integer over 64 bits"), Ok)?;
                    self.push(Value::Int(v))?
                }
                b'I' => {
                    // INT (text): also 00/01 for False/True
                    let s = self.line()?;
                    let v = match s {
                        "00" => Value::Bool(false),
                        "01" => Value::Bool(true),
                        _ => Value::Int(s.parse().or_else(|_| self.bad("bad INT text"))?),
                    };
                    self.push(v)?
                }
                b'L' => {
                    let s = self.line()?.trim_end_matches('L');
                    let v = s.parse().or_else(|_| self.bad("bad LONG text"))?;
                    self.push(Value::Int(v))?
                }
                b'G' => {
                    let b = self.take(8)?;
                    let v = f64::from_be_bytes(b.try_into().expect("8 bytes"));
                    self.push(Value::Float(v))?
                }
                b'X' => {
                    let n = self.u32()?;
                    let b = self.payload(n.into())?;
                    let s = self.utf8(b)?;
                    self.push(Value::Str(s))?
                }
                0x8c => {
                    let n = self.u8()?;
                    let b = self.payload(n.into())?;
                    let s = self.utf8(b)?;
                    self.push(Value::Str(s))?
                }
                0x8d => {
                    let n = self.u64()?;
                    let b = self.payload(n)?;
                    let s = self.utf8(b)?;
                    self.push(Value::Str(s))?
                }
                b'U' => {
                    // SHORT_BINSTRING (py2 str): torch keys in old files
                    let n = self.u8()?;
                    let b = self.payload(n.into())?;
                    let s = self.utf8(b)?;
                    self.push(Value::Str(s))?
                }
                b'T' => {
                    let n = self.u32()?;
                    let b = self.payload(n.into())?;
                    let s = self.utf8(b)?;
                    self.push(Value::Str(s))?
                }
                b'C' | b'B' | 0x8e => {
                    let n = match op {
                        b'C' => self.u8()?.into(),
                        b'B' => self.u32()?.into(),
                        _ => self.u64()?,
                    };
                    let b = self.payload(n)?.to_vec();
                    self.push(Value::Bytes(b))?
                }
                b')' => self.push(Value::Tuple(Vec::new()))?,
                b']' => self.push(Value::List(Vec::new()))?,
                b'}' => self.push(Value::Dict(Vec::new()))?,
                b't' => {
                    let items = self.pop_mark()?;
                    self.nest(&items)?;
                    self.push(Value::Tuple(items))?
                }
                0x85..=0x87 => {
                    let n = (op - 0x84) as usize;
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.pop()?);
                    }
                    items.reverse();
                    self.nest(&items)?;
                    self.push(Value::Tuple(items))?
                }
                b'l' => {
                    let items = self.pop_mark()?;
                    self.nest(&items)?;
                    self.push(Value::List(items))?
                }
                b'd' => {
                    let items = self.pop_mark()?;
                    let pairs = self.pairs(items)?;
                    self.push(Value::Dict(pairs))?
                }
                b'a' => {
                    let v = self.pop()?;
                    self.nest(std::slice::from_ref(&v))?;
                    match self.top()? {
                        Value::List(l) => l.push(v),
                        _ => return self.bad("APPEND to a non-list"),
                    }
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    self.nest(&items)?;
                    match self.top()? {
                        Value::List(l) => l.extend(items),
                        _ => return self.bad("APPENDS to a non-list"),
                    }
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    let pairs = self.pairs(vec![k, v])?;
                    match self.top()? {
                        Value::Dict(d) => d.extend(pairs),
                        _ => return self.bad("SETITEM on a non-dict"),
                    }
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    let pairs = self.pairs(items)?;
                    match self.top()? {
                        Value::Dict(d) => d.extend(pairs),
                        _ => return self.bad("SETITEMS on a non-dict"),
                    }
                }
                b'q' => {
                    let i = self.u8()?.into();
                    self.memo_put(i)?
                }
                b'r' => {
                    let i = self.u32()?;
                    self.memo_put(i)?
                }
                0x94 => {
                    let i = u32::try_from(self.memo.len()).or_else(|_| self.bad("memo full"))?;
                    self.memo_put(i)? // MEMOIZE
                }
                b'p' => {
                    let i = self
                        .line()?
                        .parse()
                        .or_else(|_| self.bad("bad PUT index"))?;
                    self.memo_put(i)?
                }
                b'h' => {
                    let i = self.u8()?.into();
                    self.memo_get(i)?
                }
                b'j' => {
                    let i = self.u32()?;
                    self.memo_get(i)?
                }
                b'g' => {
                    let i = self
                        .line()?
                        .parse()
                        .or_else(|_| self.bad("bad GET index"))?;
                    self.memo_get(i)?
                }
                b'c' => {
                    let module = self.line()?.to_string();
                    let name = self.line()?.to_string();
                    let g = self.global(&module, &name)?;
                    self.push(Value::Global(g))?
                }
                0x93 => {
                    // STACK_GLOBAL
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let (Value::Str(module), Value::Str(name)) = (module, name) else {
                        return self.bad("STACK_GLOBAL needs two strings");
                    };
                    let g = self.global(&module, &name)?;
                    self.push(Value::Global(g))?
                }
                b'Q' => {
                    let pid = self.pop()?;
                    let s = self.storage(pid)?;
                    self.charge(s.key.len())?;
                    self.push(Value::Storage(s))?
                }
                b'R' => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    let v = self.call(callable, args)?;
                    if let Value::Tensor(t) = &v {
                        self.charge(std::mem::size_of::<TensorRef>() + t.storage.key.len())?;
                    }
                    self.push(v)?
                }
                0x81 => {
                    // NEWOBJ: cls.__new__(cls, *args); only OrderedDict
                    let _args = self.pop()?;
                    match self.pop()? {
                        Value::Global(Global::OrderedDict) => self.push(Value::Dict(Vec::new()))?,
                        _ => return self.bad("NEWOBJ of a class other than OrderedDict"),
                    }
                }
                b'b' => {
                    // BUILD: an OrderedDict's `_metadata`, a parameter's state: ignored.
                    let _state = self.pop()?;
                    match self.top()? {
                        Value::Dict(_) | Value::Tensor(_) => {}
                        _ => return self.bad("BUILD on something that is not a dict or tensor"),
                    }
                }
                _ => {
                    return Err(Fault::RefusedOpcode {
                        opcode: op,
                        offset: self.op_pos,
                    })
                }
            }
        }
    }

    fn pairs(&self, items: Vec<Value>) -> Result<Vec<(Value, Value)>, Fault> {
        if items.len() & 1 == 1 {
            return self.bad("odd number of items for a dict");
        }
        self.nest(&items)?;
        let mut it = items.into_iter();
        let mut out = Vec::new();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            out.push((k, v));
        }
        Ok(out)
    }

    /// PUT/BINPUT/MEMOIZE: the memo keeps a copy, charged in full before
    /// it is made (an entry it replaces is not given back).
    fn memo_put(&mut self, i: u32) -> Result<(), Fault> {
        let c = cost(self.top()?);
        self.charge(c)?;
        let v = self.top()?.clone();
        self.memo.insert(i, v);
        Ok(())
    }

    /// GET/BINGET/LONG_BINGET: a copy of the entry, charged in full before
    /// it is made.
    fn memo_get(&mut self, i: u32) -> Result<(), Fault> {
        let Some(v) = self.memo.get(&i) else {
            return self.bad(format!("memo entry {i} was never stored"));
        };
        let c = cost(v);
        self.charge(c)?;
        let v = self.memo[&i].clone();
        self.stack.push(v);
        Ok(())
    }

    fn global(&self, module: &str, name: &str) -> Result<Global, Fault> {
        Global::lookup(module, name).ok_or_else(|| Fault::RefusedGlobal {
            global: format!("{module}.{name}"),
            offset: self.op_pos,
        })
    }

    /// `('storage', torch.XStorage, key, location, numel[, None])`.
    fn storage(&self, pid: Value) -> Result<StorageRef, Fault> {
        let Value::Tuple(f) = pid else {
            return self.bad("persistent id is not a tuple");
        };
        match f.as_slice() {
            [Value::Str(tag), Value::Global(Global::Storage(dtype)), key, Value::Str(_location), Value::Int(numel), rest @ ..]
                if tag == "storage" && matches!(rest, [] | [Value::None]) =>
            {
                let key = match key {
                    Value::Str(s) => s.clone(),
                    Value::Int(i) => i.to_string(),
                    _ => return self.bad("storage key is not a string"),
                };
                let numel =
                    usize::try_from(*numel).or_else(|_| self.bad("negative storage size"))?;
                Ok(StorageRef {
                    key,
                    dtype: *dtype,
                    numel,
                })
            }
            [_, _, _, _, _, Value::Tuple(_)] => {
                self.bad("storage views (pre-1.0 torch) are not supported")
            }
            _ => self
                .bad("persistent id is not ('storage', torch.<Type>Storage, key, location, numel)"),
        }
    }

    fn call(&self, callable: Value, args: Value) -> Result<Value, Fault> {
        let Value::Global(g) = callable else {
            return self.bad("REDUCE of something that is not an allowed callable");
        };
        let Value::Tuple(args) = args else {
            return self.bad("REDUCE arguments are not a tuple");
        };
        match g {
            Global::OrderedDict if args.is_empty() => Ok(Value::Dict(Vec::new())),
            Global::OrderedDict => self.bad("OrderedDict called with arguments"),
            Global::RebuildTensor | Global::RebuildTensorV2 => {
                // (storage, offset, size, stride[, requires_grad, hooks[, metadata]])
                let min = if g == Global::RebuildTensor { 4 } else { 6 };
                if args.len() < min || args.len() > 7 {
                    return self.bad(format!("_rebuild_tensor with {} arguments", args.len()));
                }
                let mut it = args.into_iter();
                let (storage, offset, shape, stride) = (it.next(), it.next(), it.next(), it.next());
                let Some(Value::Storage(storage)) = storage else {
                    return self.bad("_rebuild_tensor: first argument is not a storage");
                };
                let offset = match offset {
                    Some(Value::Int(o)) if o >= 0 => o as usize,
                    _ => return self.bad("_rebuild_tensor: bad storage offset"),
                };
                let shape = self.dims(shape, "size")?;
                let stride = self.dims(stride, "stride")?;
                if shape.len() != stride.len() {
                    return self.bad("_rebuild_tensor: size and stride differ in length");
                }
                Ok(Value::Tensor(Box::new(TensorRef {
                    storage,
                    offset,
                    shape,
                    stride,
                })))
            }
            Global::RebuildParameter => match args.into_iter().next() {
                Some(t @ Value::Tensor(_)) => Ok(t),
                _ => self.bad("_rebuild_parameter: first argument is not a tensor"),
            },
            Global::Storage(_) => self.bad("a storage class is not callable here"),
        }
    }

    fn dims(&self, v: Option<Value>, what: &str) -> Result<Vec<usize>, Fault> {
        let Some(Value::Tuple(items)) = v else {
            return self.bad(format!("_rebuild_tensor: {what} is not a tuple"));
        };
        items
            .into_iter()
            .map(|d| match d {
                Value::Int(i) if i >= 0 => Ok(i as usize),
                _ => self.bad(format!(
                    "_rebuild_tensor: {what} holds a negative or non-integer entry"
                )),
            })
            .collect()
    }
}

/// Little-endian two's-complement integer of up to 8 bytes.
fn long_le(b: &[u8]) -> Option<i64> {
    if b.is_empty() {
        return Some(0);
    }
    if b.len() > 8 {
        return None;
    }
    let fill = if b[b.len() - 1] & 0x80 != 0 { 0xff } else { 0 };
    let mut buf = [fill; 8];
    buf[..b.len()].copy_from_slice(b);
    Some(i64::from_le_bytes(buf))
}

/// Nesting depth, looking no deeper than `limit`.
fn depth(v: &Value, limit: usize) -> usize {
    if limit == 0 {
        return 0;
    }
    let sub = |items: &mut dyn Iterator<Item = &Value>| {
        items.map(|c| depth(c, limit - 1)).max().unwrap_or(0)
    };
    match v {
        Value::Tuple(items) | Value::List(items) => 1 + sub(&mut items.iter()),
        Value::Dict(pairs) => 1 + sub(&mut pairs.iter().flat_map(|(k, v)| [k, v])),
        _ => 0,
    }
}

/// The bytes a copy of `v` allocates: its slot, its strings, its items.
fn cost(v: &Value) -> usize {
    SLOT + match v {
        Value::Str(s) => s.len(),
        Value::Bytes(b) => b.len(),
        Value::Tuple(items) | Value::List(items) => items.iter().map(cost).sum(),
        Value::Dict(pairs) => pairs.iter().map(|(k, v)| cost(k) + cost(v)).sum(),
        Value::Storage(s) => s.key.len(),
        Value::Tensor(t) => {
            std::mem::size_of::<TensorRef>()
                + t.storage.key.len()
                + (t.shape.len() + t.stride.len()) * std::mem::size_of::<usize>()
        }
        Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Global(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_globals_outside_the_allowlist() {
        let p = b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R.";
        assert_eq!(
            unpickle(p, 0).unwrap_err(),
            Fault::RefusedGlobal {
                global: "os.system".into(),
                offset: 2
            }
        );
        let p = b"\x80\x04\x8c\x08builtins\x8c\x04eval\x93.";
        assert!(
            matches!(unpickle(p, 0), Err(Fault::RefusedGlobal { global, .. }) if global == "builtins.eval")
        );
    }

    #[test]
    fn deep_nesting_and_copy_bombs_stop_cleanly() {
        let mut p = b"\x80\x02N".to_vec();
        p.extend(vec![0x85u8; 100_000]); // TUPLE1 × 100k
        p.push(b'.');
        assert!(
            matches!(unpickle(&p, 0), Err(Fault::Bad { reason, .. }) if reason.contains("nest"))
        );

        // A list that doubles with each DUP + APPENDS-like copy.
        let mut p = b"\x80\x02]q\x00".to_vec();
        for _ in 0..40 {
            p.extend(b"(h\x00h\x00lq\x00");
        }
        p.push(b'.');
        assert!(unpickle(&p, 0).is_err());
    }

    /// `X`: a BINUNICODE string of `n` bytes.
    fn text(n: usize) -> Vec<u8> {
        let mut b = vec![b'X'];
        b.extend((n as u32).to_le_bytes());
        b.extend(std::iter::repeat_n(b'a', n));
        b
    }

    /// The budget trips, at the budget this pickle's size gives.
    fn trips(p: &[u8]) {
        match unpickle(p, 0) {
            Err(Fault::TooLarge { size, limit, .. }) => {
                assert_eq!(limit, budget_for(p.len()));
                assert!(size > limit && limit < 2 << 20, "{size} {limit}");
            }
            other => panic!("{} bytes: expected TooLarge, got {other:?}", p.len()),
        }
    }

    /// The reported bomb's shape: a 1000-byte string, then 7 levels of
    /// lists of 8 memo copies of the level below (8^7 strings, 2 GB) from
    /// about 1.2 KB. `put(i)` stores the top in memo `i`, `get(i)` copies it.
    fn nested_copies(put: &dyn Fn(u8) -> Vec<u8>, get: &dyn Fn(u8) -> Vec<u8>) -> Vec<u8> {
        let mut p = b"\x80\x02".to_vec();
        p.extend(text(1000));
        p.extend(put(0));
        p.push(b'0');
        for level in 1..=7u8 {
            p.push(b'(');
            for _ in 0..8 {
                p.extend(get(level - 1));
            }
            p.push(b'l');
            p.extend(put(level));
            p.push(b'0');
        }
        p.extend(get(7));
        p.push(b'.');
        assert!(p.len() < 1400, "{}", p.len());
        p
    }

    #[test]
    fn every_memo_get_and_put_is_charged_by_the_bytes_it_copies() {
        let binput = |i: u8| vec![b'q', i];
        let binget = |i: u8| vec![b'h', i];
        let long_binput = |i: u8| [&[b'r'][..], &u32::from(i).to_le_bytes()].concat();
        let long_binget = |i: u8| [&[b'j'][..], &u32::from(i).to_le_bytes()].concat();
        let put_text = |i: u8| format!("p{i}\n").into_bytes();
        let get_text = |i: u8| format!("g{i}\n").into_bytes();
        let memoize = |_: u8| vec![0x94]; // index = entries so far = the level
        trips(&nested_copies(&binput, &binget));
        trips(&nested_copies(&long_binput, &long_binget));
        trips(&nested_copies(&put_text, &get_text));
        trips(&nested_copies(&memoize, &binget));
        // Eight copies of the string fit in this ~1 KB pickle's budget: the
        // budget is not a ban on sharing.
        let mut p = b"\x80\x02".to_vec();
        p.extend(text(1000));
        p.extend(b"q\x000(");
        p.extend(b"h\x00".repeat(8));
        p.extend(b"l.");
        let (v, _) = unpickle(&p, 0).unwrap();
        assert!(matches!(v, Value::List(l) if l.len() == 8));
    }

    #[test]
    fn dup_appends_setitems_and_build_copies_are_charged() {
        // DUP + APPEND: a list holding a copy of itself, doubling each step.
        let mut p = b"\x80\x02]".to_vec();
        p.extend(text(1000));
        p.push(b'a');
        p.extend(b"2a".repeat(40));
        p.push(b'.');
        trips(&p);
        // APPENDS of memo copies of a growing list.
        let mut p = b"\x80\x02]".to_vec();
        p.extend(text(1000));
        p.extend(b"aq\x00");
        for _ in 0..30 {
            p.extend(b"(h\x00h\x00eq\x00");
        }
        p.push(b'.');
        trips(&p);
        // SETITEMS, SETITEM: a dict whose values are copies of itself.
        for (open, close) in [(&b"(K"[..], &b"h\x00u"[..]), (b"K", b"h\x00s")] {
            let mut p = b"\x80\x02}".to_vec();
            p.extend(text(1000));
            p.extend(text(1000));
            p.extend(b"sq\x00");
            for k in 0..30u8 {
                p.extend(open);
                p.push(k);
                p.extend(close);
                p.extend(b"q\x00");
            }
            p.push(b'.');
            trips(&p);
        }
        // BUILD's state is made (and charged) before BUILD drops it.
        let mut p = b"\x80\x02}".to_vec();
        p.extend(text(1000));
        p.extend(b"q\x00");
        for _ in 0..12 {
            p.extend(b"0(h\x00h\x00h\x00h\x00lq\x00");
        }
        p.extend(b"b.");
        trips(&p);
    }

    #[test]
    fn lengths_that_pass_the_end_are_refused_unallocated() {
        for op in [&b"\x8d"[..], b"\x8e"] {
            // BINUNICODE8 / BINBYTES8 claiming 2^40 bytes.
            let mut p = b"\x80\x04".to_vec();
            p.extend(op);
            p.extend((1u64 << 40).to_le_bytes());
            p.extend(b"abc.");
            assert!(
                matches!(unpickle(&p, 0), Err(Fault::Bad { reason, .. }) if reason.contains("truncated")),
                "{op:?}"
            );
        }
        for op in [b'X', b'B', b'T'] {
            let mut p = b"\x80\x02".to_vec();
            p.push(op);
            p.extend(u32::MAX.to_le_bytes());
            p.push(b'.');
            assert!(matches!(unpickle(&p, 0), Err(Fault::Bad { .. })), "{op}");
        }
        // A long string is charged by its bytes: a 1 MB pickle may hold a
        // 1 MB string, but its copies are limited by the file's size.
        let mut p = b"\x80\x02".to_vec();
        p.extend(text(1 << 20));
        p.extend(b"q\x00(");
        p.extend(b"h\x00".repeat(100));
        p.extend(b"l");
        let mut ok = p.clone();
        ok.truncate(2 + 5 + (1 << 20) + 2);
        ok.extend(b".");
        assert!(unpickle(&ok, 0).is_ok());
        p.extend(b".");
        assert!(matches!(unpickle(&p, 0), Err(Fault::TooLarge { .. })));
    }

    /// Real state dicts (the conformance weights: RIFE's flownet.pkl,
    /// Real-ESRGAN's .pth files) take a small part of their budget, memo
    /// copies included: the budget refuses bombs, not weights.
    #[test]
    fn real_state_dicts_stay_well_within_their_budget() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/conformance/weights");
        let files = [
            "rife_v4.25/flownet.pkl",
            "rife_v4.6/flownet.pkl",
            "esrgan/RealESRGAN_x4plus_anime_6B.pth",
            "esrgan/realesr-general-x4v3.pth",
            "esrgan/rrdb_x2_b2.pth",
        ];
        for f in files {
            let file = std::fs::File::open(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
            let mut zip = zip::ZipArchive::new(file).unwrap();
            let name = zip
                .file_names()
                .filter_map(|n| n.ok().map(|n| n.into_owned()))
                .find(|n| n.ends_with("data.pkl"))
                .unwrap();
            let mut pkl = Vec::new();
            std::io::Read::read_to_end(&mut zip.by_name(&name).unwrap(), &mut pkl).unwrap();
            let (_, _, built) = run(&pkl, 0, usize::MAX).unwrap();
            let budget = budget_for(pkl.len());
            eprintln!(
                "{f}: {} B of pickle built {built} B, budget {budget} B",
                pkl.len()
            );
            assert!(
                built * 2 < budget && built < 32 * pkl.len(),
                "{f}: {built} of {budget}"
            );
        }
    }

    #[test]
    fn reads_plain_values() {
        let p = b"\x80\x02}q\x00(X\x01\x00\x00\x00aK\x07X\x01\x00\x00\x00bG?\xf8\x00\x00\x00\x00\x00\x00u.";
        let (v, end) = unpickle(p, 0).unwrap();
        assert_eq!(end, p.len());
        assert_eq!(
            v,
            Value::Dict(vec![
                (Value::Str("a".into()), Value::Int(7)),
                (Value::Str("b".into()), Value::Float(1.5))
            ])
        );
    }
}
