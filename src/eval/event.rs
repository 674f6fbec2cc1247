//! Events: reading JSON / JSON array / NDJSON files (bounded), field lookup by dotted path, and the
//! flattening of Windows event-log JSON into the field names Sigma rules use.

use serde_json::{Map, Value};
use std::borrow::Cow;
use std::path::Path;

/// Files larger than this are refused by [`read_events`] unless the caller passes another cap: events
/// are held in memory, so an unbounded file could exhaust it.
pub const DEFAULT_MAX_EVENT_BYTES: u64 = 256 * 1024 * 1024;

/// One event and where it starts in its file.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The JSON object.
    pub value: Value,
    /// 1-based line where the event starts, for messages.
    pub line: usize,
}

/// Why an event file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// The file could not be read.
    #[error("{path}: cannot read the event file: {source}")]
    Io {
        /// File path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is over the size cap.
    #[error("{path}: event file is {size} bytes, over the {cap} byte limit")]
    TooLarge {
        /// File path.
        path: String,
        /// Its size.
        size: u64,
        /// The cap.
        cap: u64,
    },
    /// The file is not UTF-8.
    #[error("{path}: invalid UTF-8 at byte {offset}; event files must be UTF-8 JSON")]
    NotUtf8 {
        /// File path.
        path: String,
        /// First invalid byte.
        offset: usize,
    },
    /// A JSON syntax error.
    #[error("{path}:{line}:{col}: invalid JSON: {message}")]
    Json {
        /// File path.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// The parser's message.
        message: String,
    },
    /// An event that is not an object.
    #[error("{path}:{line}: event {index} is a JSON {kind}, not an object")]
    NotObject {
        /// File path.
        path: String,
        /// 1-based line where it starts.
        line: usize,
        /// 0-based event index.
        index: usize,
        /// What it is instead.
        kind: &'static str,
    },
}

/// Reads an event file (see [`parse_events`]), refusing files larger than `max_bytes`.
pub fn read_events(path: &Path, max_bytes: u64) -> Result<Vec<Event>, EventError> {
    let shown = crate::discover::display_path(path);
    let io = |source| EventError::Io {
        path: shown.clone(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > max_bytes {
        return Err(EventError::TooLarge {
            path: shown,
            size,
            cap: max_bytes,
        });
    }
    // `take` also bounds a file that grows between the size check and the read.
    let mut bytes = Vec::with_capacity(size as usize);
    use std::io::Read;
    std::fs::File::open(path)
        .map_err(io)?
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(EventError::TooLarge {
            path: shown,
            size: bytes.len() as u64,
            cap: max_bytes,
        });
    }
    let text = std::str::from_utf8(&bytes).map_err(|e| EventError::NotUtf8 {
        path: shown.clone(),
        offset: e.valid_up_to(),
    })?;
    parse_events(&shown, text)
}

/// The JSON type of a value, for messages.
pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn line_of(text: &str, byte: usize) -> usize {
    text.as_bytes()[..byte.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Parses events from text: a JSON array of objects, or a sequence of objects (one JSON object, NDJSON,
/// or pretty-printed objects one after another). Event `i` of the result is event `i` of the file, which
/// is line `i` (0-based) of an NDJSON file without blank lines.
pub fn parse_events(path: &str, text: &str) -> Result<Vec<Event>, EventError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let json_err = |e: serde_json::Error| EventError::Json {
        path: path.to_string(),
        line: e.line(),
        col: e.column(),
        message: e.to_string(),
    };
    let trimmed = text.trim_start();
    let lead = text.len() - trimmed.len();
    let mut out = Vec::new();
    if trimmed.starts_with('[') {
        // Walk the array element by element, so each event knows the line it starts on.
        let mut pos = lead + 1;
        let skip_ws = |p: usize| p + (text[p..].len() - text[p..].trim_start().len());
        let at = |p: usize, message: &str| {
            let line = line_of(text, p);
            let line_start = text[..p].rfind('\n').map_or(0, |i| i + 1);
            EventError::Json {
                path: path.to_string(),
                line,
                col: text[line_start..p].chars().count() + 1,
                message: message.to_string(),
            }
        };
        pos = skip_ws(pos);
        if text[pos..].starts_with(']') {
            pos = skip_ws(pos + 1);
        } else {
            loop {
                let mut stream =
                    serde_json::Deserializer::from_str(&text[pos..]).into_iter::<Value>();
                let value = match stream.next() {
                    Some(Ok(v)) => v,
                    Some(Err(e)) => {
                        let mut e = json_err(e);
                        if let EventError::Json { line, .. } = &mut e {
                            *line += line_of(text, pos) - 1;
                        }
                        return Err(e);
                    }
                    None => return Err(at(pos, "array ends where an event was expected")),
                };
                let index = out.len();
                push(&mut out, path, value, line_of(text, pos), index)?;
                pos = skip_ws(pos + stream.byte_offset());
                if text[pos..].starts_with(',') {
                    pos = skip_ws(pos + 1);
                } else if text[pos..].starts_with(']') {
                    pos = skip_ws(pos + 1);
                    break;
                } else {
                    return Err(at(pos, "expected `,` or `]` after an array element"));
                }
            }
        }
        if pos < text.len() {
            return Err(at(pos, "trailing characters after the JSON array"));
        }
        return Ok(out);
    }
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut start = lead;
    while let Some(next) = stream.next() {
        let value = next.map_err(json_err)?;
        let index = out.len();
        push(&mut out, path, value, line_of(text, start), index)?;
        let end = stream.byte_offset();
        start = end + (text[end..].len() - text[end..].trim_start().len());
    }
    Ok(out)
}

fn push(
    out: &mut Vec<Event>,
    path: &str,
    value: Value,
    line: usize,
    index: usize,
) -> Result<(), EventError> {
    if !value.is_object() {
        return Err(EventError::NotObject {
            path: path.to_string(),
            line,
            index,
            kind: kind(&value),
        });
    }
    out.push(Event { value, line });
    Ok(())
}

/// The values a field name selects in an event: the literal key first (so `a.b` can be a key with a
/// dot), then every split of the dotted path into nested objects; arrays on the way are entered element
/// by element. The values are returned as found (arrays are not flattened: see [`scalars`]).
pub fn lookup<'a>(event: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut out = Vec::new();
    walk(event, path, &mut out);
    out
}

fn walk<'a>(v: &'a Value, path: &str, out: &mut Vec<&'a Value>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| walk(i, path, out)),
        Value::Object(map) => {
            if let Some(x) = map.get(path) {
                out.push(x);
            }
            for (i, _) in path.match_indices('.') {
                if let Some(x) = map.get(&path[..i]) {
                    walk(x, &path[i + 1..], out);
                }
            }
        }
        _ => {}
    }
}

/// Non-array values of a list of found values, arrays (and nested arrays) flattened: any element of an
/// array matches.
pub fn scalars<'a>(found: &[&'a Value]) -> Vec<&'a Value> {
    fn flat<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| flat(i, out)),
            other => out.push(other),
        }
    }
    let mut out = Vec::with_capacity(found.len());
    found.iter().for_each(|v| flat(v, &mut out));
    out
}

/// Every string, number and boolean anywhere in the event, for keyword (field-less) searches.
pub fn all_scalars(event: &Value) -> Vec<&Value> {
    fn rec<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| rec(i, out)),
            Value::Object(m) => m.values().for_each(|i| rec(i, out)),
            Value::Null => {}
            other => out.push(other),
        }
    }
    let mut out = Vec::new();
    rec(event, &mut out);
    out
}

/// The text a string matcher compares: strings as they are, numbers and booleans in their JSON form;
/// `None` for null, arrays and objects.
pub fn text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

/// Flattens a Windows event rendered as JSON (`{"Event": {"System": …, "EventData": …}}`, the shape
/// of evtx_dump and SigmaHQ's regression data) into the flat field names Sigma's Windows rules use:
/// `System` children at the top (`EventID`, `Channel`, …), XML attributes as `Element_Attribute`
/// (`Provider_Name`, `TimeCreated_SystemTime`), and `EventData` / `UserData` entries at the top (a
/// name with spaces, as Defender writes them, also without its spaces: `Source Name` → `SourceName`). The
/// original `Event` object is kept, so dotted paths such as `Event.System.EventID` still work. Other
/// values are returned unchanged.
pub fn flatten_windows_event(value: Value) -> Value {
    let Some(event) = value.get("Event").and_then(Value::as_object) else {
        return value;
    };
    let mut flat = Map::new();
    if let Some(system) = event.get("System").and_then(Value::as_object) {
        for (k, v) in system {
            match v {
                Value::Object(o) => {
                    if let Some(Value::Object(attrs)) = o.get("#attributes") {
                        for (a, av) in attrs {
                            flat.insert(format!("{k}_{a}"), av.clone());
                        }
                    }
                    if let Some(t) = o.get("#text") {
                        flat.insert(k.clone(), t.clone());
                    }
                }
                other => {
                    flat.insert(k.clone(), other.clone());
                }
            }
        }
    }
    let mut data = |o: &Map<String, Value>| {
        for (k, v) in o {
            if k == "#attributes" {
                continue;
            }
            // Defender writes `Source Name`, `Threat Name`…; Sigma's rules write them without spaces.
            if k.contains(' ') {
                flat.insert(k.replace(' ', ""), v.clone());
            }
            flat.insert(k.clone(), v.clone());
        }
    };
    if let Some(ed) = event.get("EventData").and_then(Value::as_object) {
        data(ed);
    }
    if let Some(ud) = event.get("UserData").and_then(Value::as_object) {
        // UserData holds one element named after the event template; its children are the fields.
        for inner in ud.values().filter_map(Value::as_object) {
            data(inner);
        }
    }
    let mut flat = flat;
    flat.insert("Event".into(), Value::Object(event.clone()));
    Value::Object(flat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ndjson_array_and_concatenated() {
        let ev = parse_events("x", "{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}\n").unwrap();
        assert_eq!(ev.len(), 3);
        assert_eq!(ev.iter().map(|e| e.line).collect::<Vec<_>>(), vec![1, 2, 4]);
        let ev = parse_events("x", "[\n {\"a\":1},\n {\"a\":2}\n]").unwrap();
        assert_eq!(ev.iter().map(|e| e.line).collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(ev[1].value, json!({"a": 2}));
        let ev = parse_events("x", "{\n \"a\": 1\n}\n{\n \"a\": 2\n}").unwrap();
        assert_eq!(ev.iter().map(|e| e.line).collect::<Vec<_>>(), vec![1, 4]);
        assert!(parse_events("x", "").unwrap().is_empty());
    }

    #[test]
    fn bad_input_is_located() {
        let e = parse_events("ev.json", "{\"a\":1}\n{\"a\":}\n").unwrap_err();
        assert!(e.to_string().starts_with("ev.json:2:"), "{e}");
        let e = parse_events("ev.json", "{\"a\":1}\n42\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "ev.json:2: event 1 is a JSON number, not an object"
        );
        let e = parse_events("ev.json", "[{\"a\":1}, \"x\"]").unwrap_err();
        assert!(e.to_string().contains("event 1 is a JSON string"), "{e}");
    }

    #[test]
    fn size_cap_is_enforced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("e.ndjson");
        std::fs::write(&p, "{\"a\":1}\n{\"a\":2}\n").unwrap();
        assert_eq!(read_events(&p, 1024).unwrap().len(), 2);
        let e = read_events(&p, 10).unwrap_err();
        assert!(
            matches!(
                e,
                EventError::TooLarge {
                    size: 16,
                    cap: 10,
                    ..
                }
            ),
            "{e}"
        );
        std::fs::write(&p, b"{\"a\":\"\xff\"}").unwrap();
        assert!(matches!(
            read_events(&p, 1024),
            Err(EventError::NotUtf8 { offset: 6, .. })
        ));
    }

    #[test]
    fn dotted_paths_literal_keys_and_arrays() {
        let ev = json!({
            "a": {"b": {"c": 1}},
            "a.b": {"c": 2},
            "x.y": 3,
            "list": [{"n": "p"}, {"n": "q"}, {"m": 1}],
            "tags": ["t1", ["t2"]]
        });
        let vals = |p: &str| lookup(&ev, p).into_iter().cloned().collect::<Vec<_>>();
        assert_eq!(
            vals("a.b.c"),
            vec![json!(1), json!(2)],
            "both readings count"
        );
        assert_eq!(vals("x.y"), vec![json!(3)]);
        assert_eq!(vals("list.n"), vec![json!("p"), json!("q")]);
        assert!(vals("missing.n").is_empty());
        let tags = lookup(&ev, "tags");
        assert_eq!(
            scalars(&tags),
            vec![&json!("t1"), &json!("t2")],
            "nested arrays are flattened"
        );
    }

    #[test]
    fn windows_events_flatten() {
        let ev = json!({"Event": {
            "System": {"Provider": {"#attributes": {"Name": "P"}}, "EventID": 1, "Channel": "C"},
            "EventData": {"Image": "x.exe", "Threat Name": "T", "#attributes": {"Name": "ignored"}},
        }});
        let flat = flatten_windows_event(ev);
        assert_eq!(flat["Provider_Name"], json!("P"));
        assert_eq!(flat["EventID"], json!(1));
        assert_eq!(flat["Image"], json!("x.exe"));
        assert_eq!(flat["ThreatName"], json!("T"));
        assert_eq!(flat["Threat Name"], json!("T"));
        assert!(flat.get("#attributes").is_none());
        assert_eq!(lookup(&flat, "Event.System.Channel"), vec![&json!("C")]);
        let ud = json!({"Event": {"System": {}, "UserData": {"Op": {"User": "u"}}}});
        assert_eq!(flatten_windows_event(ud)["User"], json!("u"));
        assert_eq!(flatten_windows_event(json!({"a": 1})), json!({"a": 1}));
    }
}
