//! A driver for the pyfory peer process (`tests/peers/pyfory_peer.py`, protocol in
//! `tests/peers/README.md`).
//!
//! One Python process serves a whole test binary: [`PyforyPeer::shared`] starts it on first use
//! (running `scripts/setup-python.sh` once to find the venv's interpreter) and hands out a lock on
//! it. Requests are JSON lines; [`PyforyPeer::batch`] pipelines many of them at once.
//!
//! When Python, the venv or pyfory is missing, [`PyforyPeer::start`] returns an error that says
//! what is missing, and [`PyforyPeer::shared`] panics with it: a peer test fails, it never passes
//! silently.

use serde_json::{json, Value as Json};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// The configuration of same-schema xlang mode without reference tracking.
pub fn default_config() -> Json {
    json!({"xlang": true, "ref": false, "compatible": false})
}

/// pyfory's own defaults in xlang mode: only `xlang` is given, so `pyfory.Fory(xlang=True)` keeps
/// `ref=False` and `compatible=None`, which pyfory 1.7.7 turns into compatible mode.
/// (A request *without* `config` gets [`default_config`] from the peer script instead.)
pub fn pyfory_defaults_config() -> Json {
    json!({"xlang": true})
}

/// What a `load` request returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedFdl {
    /// Every message, enum and union of the FDL by full name.
    pub types: Vec<String>,
    /// The peer's handle for this FDL text (pass it to pick this version of a type).
    pub handle: u64,
}

/// A running pyfory peer process.
pub struct PyforyPeer {
    child: Child,
    stdin: BufWriter<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
    /// Set once the pipe broke or the process died; every later request fails with it.
    dead: Option<String>,
}

static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
static SHARED: OnceLock<Result<Mutex<PyforyPeer>, String>> = OnceLock::new();

/// The venv interpreter printed on the last stdout line of `scripts/setup-python.sh` (run once
/// per process; the script is idempotent).
pub fn python_path() -> Result<PathBuf, String> {
    PYTHON.get_or_init(run_setup).clone()
}

fn run_setup() -> Result<PathBuf, String> {
    let root = crate::repo_root();
    let script = root.join("scripts/setup-python.sh");
    let out = Command::new("bash")
        .arg(&script)
        .current_dir(&root)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `bash {}`: {e} (is bash installed?)", script.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "`{}` failed ({}); pyfory peer tests need python3 with venv and pip access.\nstderr:\n{}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let last = stdout.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    let path = PathBuf::from(last);
    if last.is_empty() || !path.exists() {
        return Err(format!(
            "`{}` printed no usable python path (last line {last:?})",
            script.display()
        ));
    }
    Ok(path)
}

impl PyforyPeer {
    /// Starts a new peer process and checks it answers a ping.
    pub fn start() -> Result<PyforyPeer, String> {
        let python = python_path()?;
        let root = crate::repo_root();
        let script = root.join("tests/peers/pyfory_peer.py");
        let mut child = Command::new(&python)
            .arg(&script)
            .current_dir(&root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                format!("cannot start `{} {}`: {e}", python.display(), script.display())
            })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the peer process has no stdin/stdout pipe".into());
        };
        let mut peer = PyforyPeer {
            child,
            stdin: BufWriter::new(stdin),
            stdout: BufReader::new(stdout),
            next_id: 0,
            dead: None,
        };
        let pong = peer
            .request(json!({"op": "ping"}))
            .map_err(|e| format!("pyfory peer did not answer a ping: {e}"))?;
        if pong.get("pyfory").and_then(Json::as_str) != Some("1.7.7") {
            return Err(format!("pyfory peer runs an unexpected pyfory: {pong}"));
        }
        Ok(peer)
    }

    /// The process-wide peer, started on first use. Panics (failing the test) with the reason
    /// when the peer cannot be started.
    pub fn shared() -> MutexGuard<'static, PyforyPeer> {
        match SHARED.get_or_init(|| PyforyPeer::start().map(Mutex::new)) {
            // A test that panicked while holding the lock left no request half-done (requests
            // complete inside the methods), so the peer is still usable.
            Ok(m) => m.lock().unwrap_or_else(|e| e.into_inner()),
            Err(e) => panic!("pyfory peer unavailable: {e}"),
        }
    }

    /// Sends one request and returns the whole response object when `"ok"` is true.
    pub fn request(&mut self, req: Json) -> Result<Json, String> {
        let mut out = self.batch(vec![req])?;
        out.pop().unwrap_or_else(|| Err("no response".into()))
    }

    /// Sends many requests at once (pipelined: a writer thread feeds the pipe while this thread
    /// reads, so neither pipe can fill up and block the other) and returns one result per
    /// request, in order. The outer error means the process or the pipe failed.
    pub fn batch(&mut self, reqs: Vec<Json>) -> Result<Vec<Result<Json, String>>, String> {
        if let Some(why) = &self.dead {
            return Err(why.clone());
        }
        let first_id = self.next_id;
        let n = reqs.len() as u64;
        self.next_id += n;
        let stdin = &mut self.stdin;
        let stdout = &mut self.stdout;
        let child = &mut self.child;
        let result = std::thread::scope(|s| {
            let writer = s.spawn(move || -> Result<(), String> {
                for (i, mut req) in reqs.into_iter().enumerate() {
                    if let Some(obj) = req.as_object_mut() {
                        obj.insert("id".into(), json!(first_id + i as u64));
                    }
                    let line = serde_json::to_string(&req)
                        .map_err(|e| format!("cannot encode a request: {e}"))?;
                    stdin
                        .write_all(line.as_bytes())
                        .and_then(|_| stdin.write_all(b"\n"))
                        .map_err(|e| format!("writing to the pyfory peer failed: {e}"))?;
                }
                stdin.flush().map_err(|e| format!("writing to the pyfory peer failed: {e}"))
            });
            let mut results = Vec::with_capacity(n as usize);
            let mut read_err = None;
            for i in 0..n {
                match read_response(stdout, first_id + i) {
                    Ok(r) => results.push(r),
                    Err(e) => {
                        read_err = Some(e);
                        break;
                    }
                }
            }
            if read_err.is_some() {
                // The writer may be blocked on a full pipe that nobody drains any more.
                let _ = child.kill();
            }
            let write_res =
                writer.join().unwrap_or_else(|_| Err("the writer thread panicked".into()));
            match (read_err, write_res) {
                (Some(e), _) | (None, Err(e)) => Err(e),
                (None, Ok(())) => Ok(results),
            }
        });
        if let Err(e) = &result {
            let status = match self.child.try_wait() {
                Ok(Some(st)) => format!(" (peer exited: {st})"),
                _ => String::new(),
            };
            self.dead = Some(format!("{e}{status}"));
            return Err(format!("{e}{status}"));
        }
        result
    }

    /// Loads (compiles and registers) an FDL text.
    pub fn load(&mut self, fdl: &str) -> Result<LoadedFdl, String> {
        let r = self.request(json!({"op": "load", "fdl": fdl}))?;
        loaded_fdl(&r)
    }

    /// Loads an FDL text with the tag ids removed from the generated dataclass fields, so pyfory
    /// identifies the fields by name, like a hand-written dataclass (`"field_ids": false`; a
    /// different handle from [`PyforyPeer::load`] of the same text).
    pub fn load_name_keyed(&mut self, fdl: &str) -> Result<LoadedFdl, String> {
        let r = self.request(json!({"op": "load", "fdl": fdl, "field_ids": false}))?;
        loaded_fdl(&r)
    }

    /// pyfory serializes canonical JSON `value` of type `ty` (most recently loaded FDL).
    pub fn serialize(&mut self, ty: &str, value: &Json, config: &Json) -> Result<Vec<u8>, String> {
        let r = self.request(serialize_request(None, ty, value, config))?;
        hex_of(&r)
    }

    /// pyfory deserializes `bytes` as type `ty` (most recently loaded FDL) to canonical JSON.
    pub fn deserialize(&mut self, ty: &str, bytes: &[u8], config: &Json) -> Result<Json, String> {
        let r = self.request(deserialize_request(None, ty, bytes, config))?;
        value_of(&r)
    }

    /// Like [`PyforyPeer::serialize`] with the type taken from the FDL of `handle`.
    pub fn serialize_in(
        &mut self,
        handle: u64,
        ty: &str,
        value: &Json,
        config: &Json,
    ) -> Result<Vec<u8>, String> {
        let r = self.request(serialize_request(Some(handle), ty, value, config))?;
        hex_of(&r)
    }

    /// Like [`PyforyPeer::deserialize`] with the type taken from the FDL of `handle`.
    pub fn deserialize_in(
        &mut self,
        handle: u64,
        ty: &str,
        bytes: &[u8],
        config: &Json,
    ) -> Result<Json, String> {
        let r = self.request(deserialize_request(Some(handle), ty, bytes, config))?;
        value_of(&r)
    }
}

fn read_response(
    stdout: &mut BufReader<ChildStdout>,
    want_id: u64,
) -> Result<Result<Json, String>, String> {
    let mut line = String::new();
    loop {
        line.clear();
        let n = stdout
            .read_line(&mut line)
            .map_err(|e| format!("reading from the pyfory peer failed: {e}"))?;
        if n == 0 {
            return Err(
                "the pyfory peer closed its stdout (it crashed or exited; see its stderr above)"
                    .into(),
            );
        }
        if !line.trim().is_empty() {
            break;
        }
    }
    let resp = parse_json(&line)
        .map_err(|e| format!("the pyfory peer sent a bad line ({e}): {}", line.trim()))?;
    if resp.get("id").and_then(Json::as_u64) != Some(want_id) {
        return Err(format!(
            "the pyfory peer answered out of order: wanted id {want_id}, got {resp}"
        ));
    }
    if resp.get("ok").and_then(Json::as_bool) == Some(true) {
        Ok(Ok(resp))
    } else {
        let msg = resp.get("error").and_then(Json::as_str).unwrap_or("(no error text)").to_owned();
        Ok(Err(msg))
    }
}

/// The types and handle of a `load` response.
fn loaded_fdl(r: &Json) -> Result<LoadedFdl, String> {
    let types = r
        .get("types")
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect())
        .ok_or_else(|| format!("load: no types in {r}"))?;
    let handle =
        r.get("handle").and_then(Json::as_u64).ok_or_else(|| format!("load: no handle in {r}"))?;
    Ok(LoadedFdl { types, handle })
}

/// A `serialize` request (for [`PyforyPeer::batch`]).
pub fn serialize_request(handle: Option<u64>, ty: &str, value: &Json, config: &Json) -> Json {
    let mut r = json!({"op": "serialize", "type": ty, "value": value, "config": config});
    if let Some(h) = handle {
        r["handle"] = json!(h);
    }
    r
}

/// A `deserialize` request (for [`PyforyPeer::batch`]).
pub fn deserialize_request(handle: Option<u64>, ty: &str, bytes: &[u8], config: &Json) -> Json {
    let mut r =
        json!({"op": "deserialize", "type": ty, "hex": crate::hex(bytes), "config": config});
    if let Some(h) = handle {
        r["handle"] = json!(h);
    }
    r
}

/// The bytes of a `serialize` response.
pub fn hex_of(resp: &Json) -> Result<Vec<u8>, String> {
    resp.get("hex")
        .and_then(Json::as_str)
        .and_then(crate::unhex)
        .ok_or_else(|| format!("response without valid \"hex\": {resp}"))
}

/// The value of a `deserialize` response.
pub fn value_of(resp: &Json) -> Result<Json, String> {
    resp.get("value").cloned().ok_or_else(|| format!("response without \"value\": {resp}"))
}

impl Drop for PyforyPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Parses JSON text like `serde_json::from_str`, but with correctly rounded floats.
///
/// serde_json without its `float_roundtrip` feature (not enabled in this workspace) may parse a
/// float 1 ulp off (`27346.013640414294` becomes `27346.013640414298`), which would make exact
/// float comparisons of pyfory's answers fail spuriously. Numbers here go through
/// `str::parse::<f64>`, which is exact.
pub fn parse_json(text: &str) -> Result<Json, String> {
    let mut p = JsonParser { s: text.as_bytes(), i: 0, depth: 0 };
    let v = p.value()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("trailing characters at {}", p.i));
    }
    Ok(v)
}

struct JsonParser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl JsonParser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at byte {}", self.i))
    }

    fn eat(&mut self, lit: &str) -> Result<(), String> {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            Ok(())
        } else {
            self.err(&format!("expected {lit}"))
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        let Some(&c) = self.s.get(self.i) else { return self.err("unexpected end") };
        match c {
            b'n' => self.eat("null").map(|_| Json::Null),
            b't' => self.eat("true").map(|_| Json::Bool(true)),
            b'f' => self.eat("false").map(|_| Json::Bool(false)),
            b'"' => self.string().map(Json::String),
            b'[' | b'{' => {
                self.depth += 1;
                if self.depth > 512 {
                    return self.err("nesting too deep");
                }
                let v = if c == b'[' { self.array() } else { self.object() };
                self.depth -= 1;
                v
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => self.err("unexpected character"),
        }
    }

    fn array(&mut self) -> Result<Json, String> {
        self.i += 1;
        let mut out = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Json::Array(out));
        }
        loop {
            out.push(self.value()?);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Json::Array(out));
                }
                _ => return self.err("expected , or ]"),
            }
        }
    }

    fn object(&mut self) -> Result<Json, String> {
        self.i += 1;
        let mut out = serde_json::Map::new();
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Json::Object(out));
        }
        loop {
            self.ws();
            if self.s.get(self.i) != Some(&b'"') {
                return self.err("expected a key");
            }
            let k = self.string()?;
            self.ws();
            self.eat(":")?;
            let v = self.value()?;
            out.insert(k, v);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Json::Object(out));
                }
                _ => return self.err("expected , or }"),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self.s.get(self.i..self.i + 4).and_then(|h| std::str::from_utf8(h).ok());
        let v = h.and_then(|h| u32::from_str_radix(h, 16).ok());
        match v {
            Some(v) => {
                self.i += 4;
                Ok(v)
            }
            None => self.err("bad \\u escape"),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while self.i < self.s.len() && self.s[self.i] != b'"' && self.s[self.i] != b'\\' {
                self.i += 1;
            }
            out.push_str(std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?);
            match self.s.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        return self.err("unterminated escape");
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xd800..0xdc00).contains(&hi)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&lo) {
                                    return self.err("bad surrogate pair");
                                }
                                0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                            } else {
                                hi
                            };
                            match char::from_u32(cp) {
                                Some(ch) => out.push(ch),
                                None => return self.err("lone surrogate"),
                            }
                        }
                        _ => return self.err("bad escape"),
                    }
                }
                _ => return self.err("unterminated string"),
            }
        }
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.i;
        let mut is_float = false;
        while let Some(&c) = self.s.get(self.i) {
            match c {
                b'0'..=b'9' | b'-' | b'+' => {}
                b'.' | b'e' | b'E' => is_float = true,
                _ => break,
            }
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?;
        if !is_float {
            if let Ok(v) = text.parse::<i64>() {
                return Ok(Json::from(v));
            }
            if let Ok(v) = text.parse::<u64>() {
                return Ok(Json::from(v));
            }
        }
        match text.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            Some(n) => Ok(Json::Number(n)),
            None => self.err(&format!("bad number {text:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_serde_json_with_exact_floats() {
        let text = r#" {"a": [1, -2, 18446744073709551615, -9223372036854775808, 1.5e3, -0.0, 27346.013640414294],
            "s": "caf\u00e9 \ud83d\ude00 \"q\" \\ \n", "t": true, "f": false, "n": null, "e": {}, "l": []} "#;
        let v = parse_json(text).unwrap();
        let mut expected: Json = serde_json::from_str(text).unwrap();
        expected["a"][6] = Json::from(27346.013640414294f64);
        assert_eq!(v, expected);
        assert_eq!(v["a"][6].as_f64(), Some(27346.013640414294));
        assert!(v["a"][5].as_f64().unwrap().is_sign_negative());
        assert_eq!(v["s"], "café 😀 \"q\" \\ \n");
        assert!(parse_json("[1,]").is_err());
        assert!(parse_json("{\"a\":1} x").is_err());
    }
}
