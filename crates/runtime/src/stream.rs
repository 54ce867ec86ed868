//! Message streams: many payloads of one engine in one byte stream.
//!
//! # Framing
//!
//! Each message is one complete xlang payload (as [`ForyJit::serialize`] writes it) preceded
//! by its length in bytes as a varuint32 — protobuf's length-delimited form, Fory's varint:
//! seven bits a byte, least significant group first, the high bit set on every byte but the
//! last, at most five bytes. An empty stream holds no message; a stream ends cleanly only at
//! a message boundary.
//!
//! ```text
//! stream  := message*
//! message := varuint32(len) payload[len]
//! ```
//!
//! With [`StreamWriter::sharing_typedefs`] (compatible mode), the messages also share
//! TypeDefs through one [`MetaShare`]: a type's TypeDef travels with the first message that
//! needs it and later messages refer to it, so such a stream must be read from its start
//! with a reader that shares too ([`StreamDecoder::sharing_typedefs`],
//! [`StreamReader::sharing_typedefs`]).
//!
//! # Reading
//!
//! * [`Frames`] splits a byte slice into messages without copying them;
//! * [`StreamDecoder`] decodes a byte slice message by message — over a memory-mapped file
//!   ([`MappedFile`]) too, so a large stream is never read into a `Vec` first;
//! * [`StreamReader`] reads from any [`io::Read`], one message buffer reused throughout.
//!
//! Bad framing — a length prefix that is malformed or cut short, a length past the end, a
//! length over [`DEFAULT_MAX_MESSAGE_BYTES`] (or the limit set) — is a [`StreamError`] naming
//! the message's index and byte offset; the messages before it have been yielded, and the
//! stream ends there. A message whose frame is sound but whose payload does not decode yields
//! [`StreamError::Message`] and the stream goes on with the next message.
//!
//! ```
//! use foryjit::stream::{StreamDecoder, StreamWriter};
//! use foryjit::ForyJit;
//! let fory = ForyJit::builder().build();
//! let point = fory.load_idl("package demo; message P [id=1] { int32 x = 1; }")?.get("P").unwrap();
//! let mut w = StreamWriter::sharing_typedefs(&fory, Vec::new());
//! for x in 0..3 {
//!     w.write(&fory.from_json(point, &serde_json::json!({ "x": x }))?)?;
//! }
//! let bytes = w.into_inner();
//! let xs: Vec<_> = StreamDecoder::sharing_typedefs(&fory, &bytes)
//!     .map(|v| fory.to_json(point, &v?).map_err(foryjit::Error::from))
//!     .collect::<Result<_, _>>()?;
//! assert_eq!(xs, [serde_json::json!({"x": 0}), serde_json::json!({"x": 1}), serde_json::json!({"x": 2})]);
//! # Ok::<(), foryjit::Error>(())
//! ```

use crate::{Error, ForyJit, MetaShare};
use foryjit_wire::Value;
use std::io::{self, Read, Write};
use std::path::Path;

/// The default longest message a reader accepts (64 MiB).
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 64 << 20;

/// Longest varuint32 encoding.
const MAX_PREFIX_BYTES: usize = 5;

/// What went wrong in a stream, and where: `index` counts messages from 0, `offset` is the
/// byte offset of the message's length prefix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// The length prefix is cut short by the end of the stream, or longer than five bytes, or
    /// over `u32::MAX`.
    #[error("message {index} at byte {offset}: malformed or truncated length prefix")]
    BadLength {
        /// Index of the message.
        index: u64,
        /// Offset of its length prefix.
        offset: u64,
    },
    /// The length runs past the end of the stream.
    #[error(
        "message {index} at byte {offset}: length {len} runs past the end of the stream ({available} bytes left)"
    )]
    Truncated {
        /// Index of the message.
        index: u64,
        /// Offset of its length prefix.
        offset: u64,
        /// The length the prefix gave.
        len: u64,
        /// The bytes that were left after the prefix.
        available: u64,
    },
    /// The length is over the reader's limit.
    #[error("message {index} at byte {offset}: length {len} is over the limit of {limit} bytes")]
    TooLong {
        /// Index of the message.
        index: u64,
        /// Offset of its length prefix.
        offset: u64,
        /// The length the prefix gave.
        len: u64,
        /// The limit.
        limit: usize,
    },
    /// The message is framed correctly but does not decode (or encode).
    #[error("message {index} at byte {offset}: {source}")]
    Message {
        /// Index of the message.
        index: u64,
        /// Offset of its length prefix.
        offset: u64,
        /// What the engine said.
        source: Box<Error>,
    },
    /// Reading or writing the underlying stream failed.
    #[error("message {index} at byte {offset}: i/o error: {kind}")]
    Io {
        /// Index of the message.
        index: u64,
        /// Offset of its length prefix.
        offset: u64,
        /// The kind of the i/o error.
        kind: io::ErrorKind,
    },
}

impl StreamError {
    /// Index of the message the error is about.
    pub fn index(&self) -> u64 {
        match self {
            StreamError::BadLength { index, .. }
            | StreamError::Truncated { index, .. }
            | StreamError::TooLong { index, .. }
            | StreamError::Message { index, .. }
            | StreamError::Io { index, .. } => *index,
        }
    }

    /// Byte offset of that message's length prefix.
    pub fn offset(&self) -> u64 {
        match self {
            StreamError::BadLength { offset, .. }
            | StreamError::Truncated { offset, .. }
            | StreamError::TooLong { offset, .. }
            | StreamError::Message { offset, .. }
            | StreamError::Io { offset, .. } => *offset,
        }
    }
}

/// Appends the varuint32 length prefix of a `len`-byte message.
fn put_prefix(out: &mut Vec<u8>, len: u32) {
    let mut v = len;
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Decodes a varuint32 prefix from the start of `bytes`: `Ok(Some((len, prefix bytes)))`,
/// `Ok(None)` when `bytes` ends inside it, `Err(())` when it is malformed.
fn get_prefix(bytes: &[u8]) -> Result<Option<(u32, usize)>, ()> {
    let mut v: u64 = 0;
    for (i, &b) in bytes.iter().take(MAX_PREFIX_BYTES).enumerate() {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return u32::try_from(v).map(|len| Some((len, i + 1))).map_err(|_| ());
        }
    }
    if bytes.len() >= MAX_PREFIX_BYTES {
        Err(())
    } else {
        Ok(None)
    }
}

/// Writes values as a length-delimited stream (see the [module docs](self)).
#[derive(Debug)]
pub struct StreamWriter<'e, W: Write> {
    fory: &'e ForyJit,
    out: W,
    payload: Vec<u8>,
    frame: Vec<u8>,
    share: Option<MetaShare>,
    index: u64,
    offset: u64,
}

impl<'e, W: Write> StreamWriter<'e, W> {
    /// A writer whose messages are independent payloads (each readable on its own, by any
    /// peer).
    pub fn new(fory: &'e ForyJit, out: W) -> Self {
        StreamWriter {
            fory,
            out,
            payload: Vec::new(),
            frame: Vec::new(),
            share: None,
            index: 0,
            offset: 0,
        }
    }

    /// A writer whose messages share TypeDefs (compatible mode): each is sent once, with the
    /// first message that needs it.
    pub fn sharing_typedefs(fory: &'e ForyJit, out: W) -> Self {
        StreamWriter { share: Some(MetaShare::default()), ..Self::new(fory, out) }
    }

    /// Encodes `value` and writes it as the next message. A value that does not encode writes
    /// nothing (and the stream stays valid).
    pub fn write(&mut self, value: &Value) -> Result<(), Error> {
        let (index, offset) = (self.index, self.offset);
        let encoded = match &mut self.share {
            Some(share) => self.fory.serialize_shared(value, &mut self.payload, share),
            None => self.fory.serialize_into(value, &mut self.payload),
        };
        encoded.map_err(|e| StreamError::Message { index, offset, source: Box::new(e) })?;
        self.write_payload()
    }

    /// Writes `payload`, an encoded message, as the next message.
    pub fn write_encoded(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.payload.clear();
        self.payload.extend_from_slice(payload);
        self.write_payload()
    }

    fn write_payload(&mut self) -> Result<(), Error> {
        let (index, offset) = (self.index, self.offset);
        let len = u32::try_from(self.payload.len()).map_err(|_| StreamError::TooLong {
            index,
            offset,
            len: self.payload.len() as u64,
            limit: u32::MAX as usize,
        })?;
        self.frame.clear();
        put_prefix(&mut self.frame, len);
        let io = |e: io::Error| StreamError::Io { index, offset, kind: e.kind() };
        self.out.write_all(&self.frame).map_err(io)?;
        self.out.write_all(&self.payload).map_err(io)?;
        self.index += 1;
        self.offset += (self.frame.len() + self.payload.len()) as u64;
        Ok(())
    }

    /// Messages written so far.
    pub fn messages(&self) -> u64 {
        self.index
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> Result<(), Error> {
        let (index, offset) = (self.index, self.offset);
        self.out.flush().map_err(|e| StreamError::Io { index, offset, kind: e.kind() })?;
        Ok(())
    }

    /// The underlying writer (not flushed).
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// One message of a stream, borrowed from the stream's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// Index of the message (from 0).
    pub index: u64,
    /// Byte offset of its length prefix.
    pub offset: u64,
    /// The payload.
    pub payload: &'a [u8],
}

/// Splits a length-delimited stream in a byte slice into its messages, without copying.
/// Yields every message up to the first framing error, then that error, then nothing.
#[derive(Debug, Clone)]
pub struct Frames<'a> {
    data: &'a [u8],
    pos: usize,
    index: u64,
    max_message_bytes: usize,
    done: bool,
}

impl<'a> Frames<'a> {
    /// The messages of `data`, each at most [`DEFAULT_MAX_MESSAGE_BYTES`] long.
    pub fn new(data: &'a [u8]) -> Self {
        Frames { data, pos: 0, index: 0, max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES, done: false }
    }

    /// Sets the longest message accepted.
    pub fn max_message_bytes(mut self, limit: usize) -> Self {
        self.max_message_bytes = limit;
        self
    }

    /// Byte offset of the next message.
    pub fn position(&self) -> usize {
        self.pos
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = Result<Frame<'a>, StreamError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let rest = self.data.get(self.pos..).unwrap_or_default();
        if rest.is_empty() {
            self.done = true;
            return None;
        }
        let (index, offset) = (self.index, self.pos as u64);
        let frame = match get_prefix(rest) {
            Ok(Some((len, n))) => {
                let len = len as usize;
                let available = rest.len() - n;
                if len > self.max_message_bytes {
                    Err(StreamError::TooLong {
                        index,
                        offset,
                        len: len as u64,
                        limit: self.max_message_bytes,
                    })
                } else if len > available {
                    Err(StreamError::Truncated {
                        index,
                        offset,
                        len: len as u64,
                        available: available as u64,
                    })
                } else {
                    self.pos += n + len;
                    self.index += 1;
                    Ok(Frame { index, offset, payload: &rest[n..n + len] })
                }
            }
            Ok(None) | Err(()) => Err(StreamError::BadLength { index, offset }),
        };
        self.done = frame.is_err();
        Some(frame)
    }
}

impl std::iter::FusedIterator for Frames<'_> {}

/// Decodes the messages of a length-delimited stream in a byte slice (a memory-mapped file:
/// [`MappedFile`]). Yields one value or error per message; see the [module docs](self) for
/// which errors end the stream.
#[derive(Debug)]
pub struct StreamDecoder<'e, 'a> {
    fory: &'e ForyJit,
    frames: Frames<'a>,
    share: Option<MetaShare>,
}

impl<'e, 'a> StreamDecoder<'e, 'a> {
    /// Decodes messages that are independent payloads.
    pub fn new(fory: &'e ForyJit, data: &'a [u8]) -> Self {
        StreamDecoder { fory, frames: Frames::new(data), share: None }
    }

    /// Decodes messages that share TypeDefs (written by [`StreamWriter::sharing_typedefs`]).
    pub fn sharing_typedefs(fory: &'e ForyJit, data: &'a [u8]) -> Self {
        StreamDecoder { share: Some(MetaShare::default()), ..Self::new(fory, data) }
    }

    /// Sets the longest message accepted.
    pub fn max_message_bytes(mut self, limit: usize) -> Self {
        self.frames = self.frames.max_message_bytes(limit);
        self
    }

    /// Byte offset of the next message (for progress reports).
    pub fn position(&self) -> usize {
        self.frames.position()
    }
}

impl Iterator for StreamDecoder<'_, '_> {
    type Item = Result<Value, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let frame = match self.frames.next()? {
            Ok(f) => f,
            Err(e) => return Some(Err(e.into())),
        };
        Some(decode(self.fory, &mut self.share, frame.payload, frame.index, frame.offset))
    }
}

impl std::iter::FusedIterator for StreamDecoder<'_, '_> {}

fn decode(
    fory: &ForyJit,
    share: &mut Option<MetaShare>,
    payload: &[u8],
    index: u64,
    offset: u64,
) -> Result<Value, Error> {
    let v = match share {
        Some(share) => fory.deserialize_shared(payload, share),
        None => fory.deserialize(payload),
    };
    v.map_err(|e| StreamError::Message { index, offset, source: Box::new(e) }.into())
}

/// Decodes the messages of a length-delimited stream read from an [`io::Read`], reusing one
/// buffer for every message. Yields one value or error per message; an i/o error ends the
/// stream like a framing error.
#[derive(Debug)]
pub struct StreamReader<'e, R: Read> {
    fory: &'e ForyJit,
    input: R,
    buf: Vec<u8>,
    share: Option<MetaShare>,
    max_message_bytes: usize,
    index: u64,
    offset: u64,
    done: bool,
}

impl<'e, R: Read> StreamReader<'e, R> {
    /// Decodes messages that are independent payloads.
    pub fn new(fory: &'e ForyJit, input: R) -> Self {
        StreamReader {
            fory,
            input,
            buf: Vec::new(),
            share: None,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            index: 0,
            offset: 0,
            done: false,
        }
    }

    /// Decodes messages that share TypeDefs (written by [`StreamWriter::sharing_typedefs`]).
    pub fn sharing_typedefs(fory: &'e ForyJit, input: R) -> Self {
        StreamReader { share: Some(MetaShare::default()), ..Self::new(fory, input) }
    }

    /// Sets the longest message accepted (the most this reader allocates).
    pub fn max_message_bytes(mut self, limit: usize) -> Self {
        self.max_message_bytes = limit;
        self
    }

    /// The next message's payload, read into `self.buf`: `Ok(false)` at a clean end.
    fn read_frame(&mut self) -> Result<bool, StreamError> {
        let (index, offset) = (self.index, self.offset);
        let io = |e: io::Error| StreamError::Io { index, offset, kind: e.kind() };
        let mut prefix = [0u8; MAX_PREFIX_BYTES];
        let mut n = 0;
        let len = loop {
            let mut byte = [0u8; 1];
            let got = loop {
                match self.input.read(&mut byte) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    r => break r.map_err(io)?,
                }
            };
            if got == 0 {
                return if n == 0 {
                    Ok(false)
                } else {
                    Err(StreamError::BadLength { index, offset })
                };
            }
            prefix[n] = byte[0];
            n += 1;
            match get_prefix(&prefix[..n]) {
                Ok(Some((len, _))) => break len as usize,
                Ok(None) => {}
                Err(()) => return Err(StreamError::BadLength { index, offset }),
            }
        };
        if len > self.max_message_bytes {
            return Err(StreamError::TooLong {
                index,
                offset,
                len: len as u64,
                limit: self.max_message_bytes,
            });
        }
        // Grow with what actually arrives, so a lying prefix costs no more than the input.
        self.buf.clear();
        let got = (&mut self.input).take(len as u64).read_to_end(&mut self.buf).map_err(io)?;
        if got < len {
            return Err(StreamError::Truncated {
                index,
                offset,
                len: len as u64,
                available: got as u64,
            });
        }
        self.offset += (n + len) as u64;
        self.index += 1;
        Ok(true)
    }
}

impl<R: Read> Iterator for StreamReader<'_, R> {
    type Item = Result<Value, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let (index, offset) = (self.index, self.offset);
        match self.read_frame() {
            Ok(true) => Some(decode(self.fory, &mut self.share, &self.buf, index, offset)),
            Ok(false) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e.into()))
            }
        }
    }
}

impl<R: Read> std::iter::FusedIterator for StreamReader<'_, R> {}

/// A file mapped into memory read-only, for decoding large payloads and streams without
/// reading them into a `Vec` first ([`StreamDecoder::new`]`(&fory, file.bytes())`, or
/// [`ForyJit::deserialize`]`(file.bytes())`).
///
/// The bytes are read as untrusted input like any other (every access is bounds-checked), but
/// the mapping reflects the file: the file must not be truncated or modified while it is
/// mapped (by this or another process); a truncated file can end the process with `SIGBUS`.
#[derive(Debug)]
pub struct MappedFile {
    map: Option<memmap2::Mmap>,
}

impl MappedFile {
    /// Maps the file at `path`. An empty file maps to no bytes.
    pub fn open(path: impl AsRef<Path>) -> io::Result<MappedFile> {
        let file = std::fs::File::open(path)?;
        if file.metadata()?.len() == 0 {
            return Ok(MappedFile { map: None });
        }
        // SAFETY: the mapping is read-only and private to this value; the documented contract
        // of `MappedFile` (the file is not modified or truncated while mapped) is what makes
        // reading it as an immutable `&[u8]` sound.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        Ok(MappedFile { map: Some(map) })
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_round_trip_at_every_length_boundary() {
        for len in [0u32, 1, 127, 128, 16_383, 16_384, (1 << 21) - 1, 1 << 21, 1 << 28, u32::MAX] {
            let mut out = Vec::new();
            put_prefix(&mut out, len);
            assert_eq!(get_prefix(&out), Ok(Some((len, out.len()))), "{len}");
            assert_eq!(get_prefix(&out[..out.len() - 1]), Ok(None), "{len}");
        }
        assert_eq!(get_prefix(&[0xff, 0xff, 0xff, 0xff, 0x7f]), Err(()), "over u32");
        assert_eq!(get_prefix(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), Err(()), "six bytes");
    }
}
