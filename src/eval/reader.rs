//! Reading an event file one event at a time, so a backtest over millions of events holds only the
//! events being evaluated: NDJSON (and concatenated or pretty-printed objects) is read line by line;
//! a JSON array is read whole, under the file cap, as [`super::event::read_events`] does.

use super::event::{self, Event, EventError};
use serde_json::Value;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Events of one file, in order; see [`EventReader::open`].
pub struct EventReader {
    path: String,
    source: Source,
}

enum Source {
    /// A JSON array, already parsed.
    Array(std::vec::IntoIter<Event>),
    /// A sequence of objects, parsed as lines arrive.
    Lines(Box<LineReader>),
}

/// The sequence reader: `pending` holds text of an event not yet complete, starting on `pending_line`.
struct LineReader {
    input: Box<dyn BufRead + Send>,
    max_event_bytes: u64,
    pending: String,
    pending_line: usize,
    /// Lines read so far.
    lines: usize,
    /// Bytes read so far (for UTF-8 error offsets).
    bytes: usize,
    ready: VecDeque<Event>,
    index: usize,
    done: bool,
    raw: Vec<u8>,
}

impl EventReader {
    /// Opens an event file: a JSON array (first non-blank character `[`) is read whole and refused
    /// over `max_bytes`; anything else is a sequence of objects read line by line, where `max_bytes`
    /// bounds one event instead of the file.
    pub fn open(path: &Path, max_bytes: u64) -> Result<Self, EventError> {
        let shown = crate::discover::display_path(path);
        let io = |source| EventError::Io {
            path: shown.clone(),
            source,
        };
        let mut input = BufReader::with_capacity(1 << 16, std::fs::File::open(path).map_err(io)?);
        // The first block of the file tells an array from a sequence of objects.
        let buf = input.fill_buf().map_err(io)?;
        let text = buf.strip_prefix("\u{feff}".as_bytes()).unwrap_or(buf);
        let array = text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
        let source = if array {
            Source::Array(event::read_events(path, max_bytes)?.into_iter())
        } else {
            Source::Lines(Box::new(LineReader::new(Box::new(input), max_bytes)))
        };
        Ok(EventReader {
            path: shown,
            source,
        })
    }

    /// Reads events from any input as a sequence of objects (NDJSON, concatenated or pretty-printed
    /// objects; not an array); `path` names it in errors.
    pub fn from_reader(
        path: &str,
        input: impl Read + Send + 'static,
        max_event_bytes: u64,
    ) -> Self {
        EventReader {
            path: path.to_string(),
            source: Source::Lines(Box::new(LineReader::new(
                Box::new(BufReader::new(input)),
                max_event_bytes,
            ))),
        }
    }

    /// The file's name as shown in reports.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl Iterator for EventReader {
    type Item = Result<Event, EventError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.source {
            Source::Array(events) => events.next().map(Ok),
            Source::Lines(r) => r.next_event(&self.path).transpose(),
        }
    }
}

impl LineReader {
    fn new(input: Box<dyn BufRead + Send>, max_event_bytes: u64) -> Self {
        LineReader {
            input,
            max_event_bytes,
            pending: String::new(),
            pending_line: 1,
            lines: 0,
            bytes: 0,
            ready: VecDeque::new(),
            index: 0,
            done: false,
            raw: Vec::new(),
        }
    }

    fn next_event(&mut self, path: &str) -> Result<Option<Event>, EventError> {
        loop {
            if let Some(e) = self.ready.pop_front() {
                return Ok(Some(e));
            }
            if self.done {
                return Ok(None);
            }
            self.raw.clear();
            let n = self
                .input
                .read_until(b'\n', &mut self.raw)
                .map_err(|source| EventError::Io {
                    path: path.to_string(),
                    source,
                })?;
            if n == 0 {
                self.done = true;
                if !self.pending.trim().is_empty() {
                    // The text left cannot be completed: report the parser's error.
                    self.parse(path, true)?;
                }
                continue;
            }
            let line = match std::str::from_utf8(&self.raw) {
                Ok(l) => l,
                Err(e) => {
                    return Err(EventError::NotUtf8 {
                        path: path.to_string(),
                        offset: self.bytes + e.valid_up_to(),
                    });
                }
            };
            let line = if self.lines == 0 {
                line.strip_prefix('\u{feff}').unwrap_or(line)
            } else {
                line
            };
            self.bytes += n;
            self.lines += 1;
            if self.pending.is_empty() {
                if line.trim().is_empty() {
                    continue;
                }
                self.pending_line = self.lines;
            }
            self.pending.push_str(line);
            if self.pending.len() as u64 > self.max_event_bytes {
                return Err(EventError::Json {
                    path: path.to_string(),
                    line: self.pending_line,
                    col: 1,
                    message: format!(
                        "an event over {} bytes (raise --max-event-bytes to read it)",
                        self.max_event_bytes
                    ),
                });
            }
            self.parse(path, false)?;
        }
    }

    /// Parses the complete values in `pending` into `ready`, keeping an incomplete tail unless `eof`.
    fn parse(&mut self, path: &str, eof: bool) -> Result<(), EventError> {
        let text = self.pending.as_str();
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
        let mut start = text.len() - text.trim_start().len();
        let mut incomplete = false;
        loop {
            match stream.next() {
                None => break,
                Some(Ok(value)) => {
                    let line = self.pending_line + newlines(&text[..start]);
                    if !value.is_object() {
                        return Err(EventError::NotObject {
                            path: path.to_string(),
                            line,
                            index: self.index,
                            kind: event::kind(&value),
                        });
                    }
                    self.ready.push_back(Event { value, line });
                    self.index += 1;
                    let end = stream.byte_offset();
                    start = end + (text[end..].len() - text[end..].trim_start().len());
                }
                Some(Err(e)) if e.is_eof() && !eof => {
                    incomplete = true;
                    break;
                }
                Some(Err(e)) if e.is_eof() => {
                    return Err(EventError::Json {
                        path: path.to_string(),
                        line: self.pending_line + newlines(&text[..start]),
                        col: 1,
                        message: format!(
                            "the event starting here is cut off by the end of the file ({e})"
                        ),
                    });
                }
                Some(Err(e)) => {
                    return Err(EventError::Json {
                        path: path.to_string(),
                        line: self.pending_line + e.line() - 1,
                        col: e.column(),
                        message: e.to_string(),
                    });
                }
            }
        }
        if incomplete {
            // Keep the unfinished event for the next line.
            self.pending_line += newlines(&text[..start]);
            self.pending = text[start..].to_string();
        } else {
            self.pending.clear();
        }
        Ok(())
    }
}

fn newlines(s: &str) -> usize {
    s.bytes().filter(|&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Event>, EventError> {
        EventReader::from_reader("ev.ndjson", std::io::Cursor::new(text.to_string()), 1 << 20)
            .collect()
    }

    fn lines(text: &str) -> Vec<usize> {
        read(text).unwrap().iter().map(|e| e.line).collect()
    }

    #[test]
    fn ndjson_is_read_line_by_line_with_line_numbers() {
        assert_eq!(
            lines("{\"a\":1}\n\n{\"a\":2}\r\n  {\"a\":3}{\"a\":4}\n"),
            vec![1, 3, 4, 4]
        );
        assert_eq!(lines("{\n \"a\": 1\n}\n\n{\n \"a\": 2\n}"), vec![1, 5]);
        assert_eq!(lines("\u{feff}{\"a\":1}"), vec![1]);
        assert!(read("").unwrap().is_empty());
        assert!(read("\n \n").unwrap().is_empty());
    }

    #[test]
    fn a_bad_line_is_an_error_with_its_line_number() {
        let e = read("{\"a\":1}\n{\"a\":2}\n{\"a\":}\n{\"a\":4}\n").unwrap_err();
        assert!(e.to_string().starts_with("ev.ndjson:3:"), "{e}");
        let e = read("{\"a\":1}\n\n42\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "ev.ndjson:3: event 1 is a JSON number, not an object"
        );
        let e = read("{\"a\":1}\n{\"a\": \n").unwrap_err();
        assert!(e.to_string().starts_with("ev.ndjson:2:1: "), "{e}");
        assert!(e.to_string().contains("cut off"), "{e}");
        let e = EventReader::from_reader(
            "ev.ndjson",
            std::io::Cursor::new(format!("{{\"a\":\"{}\"}}\n", "x".repeat(100))),
            50,
        )
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err();
        assert!(e.to_string().contains("over 50 bytes"), "{e}");
        let e = EventReader::from_reader(
            "ev.ndjson",
            std::io::Cursor::new(b"{\"a\":1}\n{\"a\":\"\xff\"}\n".to_vec()),
            1 << 20,
        )
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err();
        assert!(matches!(e, EventError::NotUtf8 { offset: 14, .. }), "{e}");
    }

    #[test]
    fn arrays_and_sequences_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let arr = dir.path().join("a.json");
        std::fs::write(&arr, "\n  [\n {\"a\":1},\n {\"a\":2}\n]\n").unwrap();
        let ev: Vec<Event> = EventReader::open(&arr, 1 << 20)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(ev.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3, 4]);
        let e = EventReader::open(&arr, 10).err().unwrap();
        assert!(matches!(e, EventError::TooLarge { .. }), "{e}");
        let bad = dir.path().join("b.json");
        std::fs::write(&bad, "[{\"a\":1}, 3]").unwrap();
        assert!(EventReader::open(&bad, 1 << 20).is_err());
        let nd = dir.path().join("c.ndjson");
        std::fs::write(&nd, "\n\n{\"a\":1}\n{\"a\":2}\n").unwrap();
        let r = EventReader::open(&nd, 10).unwrap();
        assert_eq!(r.path(), crate::discover::display_path(&nd));
        let ev: Vec<Event> = r.collect::<Result<_, _>>().unwrap();
        assert_eq!(
            ev.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![3, 4],
            "the cap bounds one event, not the file"
        );
    }
}
