//! Workflow commands: annotations on stdout, `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY` files.
//!
//! Rule titles, file names and messages come from pull requests, i.e. from untrusted authors,
//! so everything written here is escaped or delimited the way `@actions/core` does it, and the
//! platform limits (annotation caps, summary size) are enforced here rather than silently hit.

use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::{GithubError, Result};

/// GitHub shows at most this many annotations of each severity per step; extra ones are dropped.
pub const ANNOTATIONS_PER_SEVERITY: usize = 10;

/// Byte budget for one step's summary: GitHub rejects summaries over 1 MiB, keep a margin.
pub const SUMMARY_BUDGET_BYTES: usize = 1_000_000;

/// Annotation level, ordered from most to least important.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AnnotationLevel {
    /// `::error`; also what should fail the gate.
    Error,
    /// `::warning`.
    Warning,
    /// `::notice`.
    Notice,
}

impl AnnotationLevel {
    /// The workflow command name for this level.
    pub fn command(self) -> &'static str {
        match self {
            AnnotationLevel::Error => "error",
            AnnotationLevel::Warning => "warning",
            AnnotationLevel::Notice => "notice",
        }
    }
}

/// One annotation as the report layer produces it; positions are 1-based like GitHub's.
///
/// `path` should be relative to the repository root, otherwise GitHub cannot attach it to the
/// diff. Positions are optional because some findings concern a whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// Repository-relative file path.
    pub path: String,
    /// Start line (1-based).
    pub line: Option<u32>,
    /// Start column (1-based).
    pub col: Option<u32>,
    /// End line (1-based), for multi-line findings.
    pub end_line: Option<u32>,
    /// End column (1-based).
    pub end_col: Option<u32>,
    /// Level of the annotation.
    pub severity: AnnotationLevel,
    /// Short title shown in bold (e.g. the check id).
    pub title: Option<String>,
    /// The message body; may span several lines.
    pub message: String,
}

impl From<crate::diag::Severity> for AnnotationLevel {
    fn from(s: crate::diag::Severity) -> Self {
        match s {
            crate::diag::Severity::Error => AnnotationLevel::Error,
            crate::diag::Severity::Warning => AnnotationLevel::Warning,
            crate::diag::Severity::Info => AnnotationLevel::Notice,
        }
    }
}

/// Every diagnostic maps to one annotation; its code becomes the title so readers can search
/// the docs for it.
impl From<&crate::diag::Diagnostic> for Annotation {
    fn from(d: &crate::diag::Diagnostic) -> Self {
        Annotation {
            path: d.path.clone(),
            line: Some(d.line),
            col: Some(d.col),
            end_line: None,
            end_col: None,
            severity: d.severity.into(),
            title: Some(d.code.clone()),
            message: d.message.clone(),
        }
    }
}

/// Escape a command message the way `@actions/core` does (`%`, CR, LF).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a command property value: like [`escape_data`] plus `:` and `,`, which delimit
/// properties.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Render one annotation as a workflow command line (without the trailing newline).
pub fn format_annotation(a: &Annotation) -> String {
    let mut props = vec![format!("file={}", escape_property(&a.path))];
    let mut num = |key: &str, v: Option<u32>| {
        if let Some(v) = v {
            props.push(format!("{key}={v}"));
        }
    };
    num("line", a.line);
    num("endLine", a.end_line);
    num("col", a.col);
    num("endColumn", a.end_col);
    if let Some(title) = a.title.as_deref().filter(|t| !t.is_empty()) {
        props.push(format!("title={}", escape_property(title)));
    }
    format!(
        "::{} {}::{}",
        a.severity.command(),
        props.join(","),
        escape_data(&a.message)
    )
}

/// Render annotations within GitHub's per-step caps, most severe first.
///
/// Keeps the input order inside each severity (the caller sorts), emits up to 10 errors and 10
/// warnings, and up to 10 notices, or 9 plus one summary notice telling how many were left out
/// and pointing at `more_info` (e.g. "the step summary and the SARIF report"). Returns the text
/// to print on stdout, one command per line.
pub fn render_annotations(items: &[Annotation], more_info: &str) -> String {
    let of = |sev: AnnotationLevel| items.iter().filter(move |a| a.severity == sev);
    let errors = of(AnnotationLevel::Error).count();
    let warnings = of(AnnotationLevel::Warning).count();
    let notices = of(AnnotationLevel::Notice).count();
    let hidden_e = errors.saturating_sub(ANNOTATIONS_PER_SEVERITY);
    let hidden_w = warnings.saturating_sub(ANNOTATIONS_PER_SEVERITY);
    let overflow = hidden_e > 0 || hidden_w > 0 || notices > ANNOTATIONS_PER_SEVERITY;
    let notice_cap = if overflow {
        ANNOTATIONS_PER_SEVERITY - 1
    } else {
        ANNOTATIONS_PER_SEVERITY
    };
    let hidden_n = notices.saturating_sub(notice_cap);

    let mut out = String::new();
    for (sev, cap) in [
        (AnnotationLevel::Error, ANNOTATIONS_PER_SEVERITY),
        (AnnotationLevel::Warning, ANNOTATIONS_PER_SEVERITY),
        (AnnotationLevel::Notice, notice_cap),
    ] {
        for a in of(sev).take(cap) {
            out.push_str(&format_annotation(a));
            out.push('\n');
        }
    }
    if overflow {
        let total = hidden_e + hidden_w + hidden_n;
        let noun = if total == 1 {
            "finding is"
        } else {
            "findings are"
        };
        let msg = format!(
            "{total} more {noun} not annotated ({hidden_e} errors, {hidden_w} warnings, \
             {hidden_n} notices; GitHub shows 10 per severity and step): see {more_info}."
        );
        out.push_str(&format!(
            "::notice title={}::{}\n",
            escape_property("sigmaforge: more findings"),
            escape_data(&msg)
        ));
    }
    out
}

/// Format one `$GITHUB_OUTPUT` entry in the heredoc form with the given delimiter.
///
/// Fails if the name is unusable or if the name or value contains the delimiter (which would
/// let a crafted value inject other outputs).
pub fn format_output(name: &str, value: &str, delimiter: &str) -> Result<String> {
    if name.is_empty() || name.contains(['\n', '\r', '=']) || name.contains("<<") {
        return Err(GithubError::Command(format!(
            "output name {name:?} must be non-empty and contain no newline, `=` or `<<`"
        )));
    }
    if delimiter.is_empty() || name.contains(delimiter) || value.contains(delimiter) {
        return Err(GithubError::Command(format!(
            "output {name:?}: the value contains the delimiter {delimiter:?}"
        )));
    }
    Ok(format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"))
}

/// Make a delimiter nobody can predict: `ghadelimiter_` plus 128 bits from std's randomly keyed
/// hasher mixed with the time, the pid and a counter.
fn fresh_delimiter() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut words = [0u64; 2];
    for (i, w) in words.iter_mut().enumerate() {
        let mut h = std::hash::RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_u32(std::process::id());
        h.write_u64(n);
        h.write_usize(i);
        *w = h.finish();
    }
    format!("ghadelimiter_{:016x}{:016x}", words[0], words[1])
}

/// Append `name=value` to the `$GITHUB_OUTPUT` file, always in the delimited form.
///
/// A fresh random delimiter is drawn per entry; in the astronomically unlikely case that the
/// value contains it, another one is drawn.
pub fn append_output(path: &Path, name: &str, value: &str) -> Result<()> {
    let mut entry = None;
    for _ in 0..8 {
        let delimiter = fresh_delimiter();
        if !value.contains(&delimiter) && !name.contains(&delimiter) {
            entry = Some(format_output(name, value, &delimiter)?);
            break;
        }
    }
    let entry = entry.ok_or_else(|| {
        GithubError::Command(format!("output {name:?}: could not find a safe delimiter"))
    })?;
    append_file(path, entry.as_bytes(), "cannot append to GITHUB_OUTPUT")
}

fn append_file(path: &Path, bytes: &[u8], action: &'static str) -> Result<()> {
    let io = |source| GithubError::Io {
        action,
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    file.write_all(bytes).map_err(io)
}

/// Cut `text` so that its measure is at most `limit`, at a line boundary when possible.
///
/// `measure` gives the cost of one char (bytes, UTF-16 units, …). Returns the kept prefix and
/// the number of lines dropped (0 when nothing was cut).
pub(crate) fn cut_at_line(
    text: &str,
    limit: usize,
    measure: impl Fn(char) -> usize,
) -> (&str, usize) {
    let mut used = 0usize;
    let mut end = text.len();
    for (i, c) in text.char_indices() {
        used += measure(c);
        if used > limit {
            end = i;
            break;
        }
    }
    if end == text.len() {
        return (text, 0);
    }
    // Prefer the last newline before the cut; fall back to the char boundary for one huge line.
    let cut = text[..end].rfind('\n').map(|nl| nl + 1).unwrap_or(end);
    let kept = &text[..cut];
    let dropped_lines = text[cut..].lines().count().max(1);
    (kept, dropped_lines)
}

/// What [`append_summary`] did, so the caller can log a warning when it had to cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryWrite {
    /// Bytes appended to the file.
    pub bytes_written: usize,
    /// Whether the markdown was truncated to fit the budget.
    pub truncated: bool,
}

/// Build the text to append to a summary that already holds `existing` bytes.
///
/// Separate from the file I/O so the truncation rule is unit-testable.
pub fn summary_chunk(
    markdown: &str,
    existing: usize,
    budget: usize,
    note_target: &str,
) -> (String, bool) {
    const NOTE_RESERVE: usize = 512;
    let available = budget.saturating_sub(existing);
    let mut body = markdown.to_string();
    if !body.ends_with('\n') {
        body.push('\n');
    }
    if body.len() <= available {
        return (body, false);
    }
    let room = available.saturating_sub(NOTE_RESERVE);
    let (kept, dropped) = cut_at_line(&body, room, char::len_utf8);
    let note = format!(
        "\n> **Note:** this summary was truncated ({dropped} more lines) to stay under GitHub's \
         1 MiB step-summary limit; {note_target}.\n"
    );
    let mut out = kept.to_string();
    if out.len() + note.len() <= available {
        out.push_str(&note);
    }
    (out, true)
}

/// Append markdown to `$GITHUB_STEP_SUMMARY`, truncating at a line boundary with a note when
/// the step's 1 MiB budget (counting what is already in the file) would be exceeded.
///
/// `note_target` finishes the truncation note, e.g. "the full report is in the run artifacts".
pub fn append_summary(path: &Path, markdown: &str, note_target: &str) -> Result<SummaryWrite> {
    let existing = match std::fs::metadata(path) {
        Ok(m) => usize::try_from(m.len()).unwrap_or(usize::MAX),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(source) => {
            return Err(GithubError::Io {
                action: "cannot inspect GITHUB_STEP_SUMMARY",
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let (chunk, truncated) = summary_chunk(markdown, existing, SUMMARY_BUDGET_BYTES, note_target);
    append_file(
        path,
        chunk.as_bytes(),
        "cannot append to GITHUB_STEP_SUMMARY",
    )?;
    Ok(SummaryWrite {
        bytes_written: chunk.len(),
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann(sev: AnnotationLevel, n: usize) -> Annotation {
        Annotation {
            path: format!("rules/r{n}.yml"),
            line: Some(n as u32 + 1),
            col: Some(3),
            end_line: None,
            end_col: None,
            severity: sev,
            title: Some(format!("SF{n:03}")),
            message: format!("problem {n}"),
        }
    }

    #[test]
    fn escaping_matches_the_toolkit() {
        assert_eq!(
            escape_data("50% done\r\nnext: a,b"),
            "50%25 done%0D%0Anext: a,b"
        );
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        // `%` first, so an already-escaped-looking input is not double-interpreted.
        assert_eq!(escape_property("%3A"), "%253A");
    }

    #[test]
    fn annotation_line_format() {
        let a = Annotation {
            path: "rules/win,1:x.yml".into(),
            line: Some(9),
            col: Some(5),
            end_line: Some(9),
            end_col: Some(22),
            severity: AnnotationLevel::Error,
            title: Some("unknown modifier: endwith".into()),
            message: "Unknown modifier 'endwith'\ndid you mean 'endswith'? 100%".into(),
        };
        assert_eq!(
            format_annotation(&a),
            "::error file=rules/win%2C1%3Ax.yml,line=9,endLine=9,col=5,endColumn=22,\
             title=unknown modifier%3A endwith::Unknown modifier 'endwith'%0Adid you mean \
             'endswith'? 100%25"
        );
        let bare = Annotation {
            line: None,
            col: None,
            end_line: None,
            end_col: None,
            title: None,
            severity: AnnotationLevel::Notice,
            ..a
        };
        assert!(format_annotation(&bare).starts_with("::notice file=rules/win%2C1%3Ax.yml::"));
    }

    #[test]
    fn diagnostics_become_annotations() {
        use crate::diag::{Diagnostic, Pos, Severity};
        let d = Diagnostic::new("rules/x.yml", Pos::new(4, 2), "SF010", Severity::Info, "hi");
        assert_eq!(
            format_annotation(&Annotation::from(&d)),
            "::notice file=rules/x.yml,line=4,col=2,title=SF010::hi"
        );
    }

    #[test]
    fn annotations_within_limits_have_no_summary() {
        let items: Vec<_> = (0..10).map(|n| ann(AnnotationLevel::Notice, n)).collect();
        let out = render_annotations(&items, "the summary");
        assert_eq!(out.lines().count(), 10);
        assert!(!out.contains("more finding"));
    }

    #[test]
    fn annotations_over_limits_keep_the_first_of_each_severity() {
        let mut items = Vec::new();
        // Interleave to check that grouping is by severity, order kept within it.
        for n in 0..25 {
            items.push(ann(AnnotationLevel::Notice, n));
            items.push(ann(AnnotationLevel::Warning, n));
            if n < 12 {
                items.push(ann(AnnotationLevel::Error, n));
            }
        }
        let out = render_annotations(&items, "the step summary and SARIF");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 10 + 10 + 9 + 1);
        assert!(lines[..10].iter().all(|l| l.starts_with("::error ")));
        assert!(lines[0].contains("rules/r0.yml") && lines[9].contains("rules/r9.yml"));
        assert!(lines[10..20].iter().all(|l| l.starts_with("::warning ")));
        assert!(
            lines[20..29]
                .iter()
                .all(|l| l.starts_with("::notice file="))
        );
        assert_eq!(
            lines[29],
            "::notice title=sigmaforge%3A more findings::33 more findings are not annotated \
             (2 errors, 15 warnings, 16 notices; GitHub shows 10 per severity and step): see \
             the step summary and SARIF."
        );
    }

    #[test]
    fn output_uses_heredoc_and_rejects_the_delimiter() {
        assert_eq!(
            format_output("errors", "3", "EOF_x").unwrap(),
            "errors<<EOF_x\n3\nEOF_x\n"
        );
        assert_eq!(
            format_output("body", "a\nb", "D").unwrap(),
            "body<<D\na\nb\nD\n"
        );
        assert!(format_output("x", "line\nD\ninjected=1", "D").is_err());
        assert!(format_output("bad\nname", "v", "D").is_err());
        assert!(format_output("", "v", "D").is_err());
        assert!(format_output("a=b", "v", "D").is_err());
    }

    #[test]
    fn delimiters_are_unique() {
        let a = fresh_delimiter();
        let b = fresh_delimiter();
        assert_ne!(a, b);
        assert!(a.starts_with("ghadelimiter_") && a.len() == "ghadelimiter_".len() + 32);
    }

    #[test]
    fn append_output_writes_parseable_entries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        append_output(&path, "errors", "2").unwrap();
        append_output(&path, "title", "evil\nname=x").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 7);
        let (name, delim) = lines[0].split_once("<<").unwrap();
        assert_eq!((name, lines[1], lines[2]), ("errors", "2", delim));
        let (name, delim2) = lines[3].split_once("<<").unwrap();
        assert_eq!(name, "title");
        assert_eq!(&lines[4..6], ["evil", "name=x"]);
        assert_eq!(lines[6], delim2);
        assert_ne!(delim, delim2);
    }

    #[test]
    fn summary_fits_or_is_cut_at_a_line_with_a_note() {
        let (chunk, cut) = summary_chunk("# Title", 0, 1000, "see artifacts");
        assert_eq!((chunk.as_str(), cut), ("# Title\n", false));

        let md: String = (0..200).map(|i| format!("| row {i:03} |\n")).collect();
        let (chunk, cut) = summary_chunk(&md, 100, 1700, "see artifacts");
        assert!(cut);
        assert!(chunk.len() <= 1600, "{}", chunk.len());
        assert!(chunk.starts_with("| row 000 |\n"));
        let (kept, note) = chunk.split_once("\n> **Note:**").unwrap();
        assert!(kept.ends_with("|\n"), "cut inside a line: {kept:?}");
        assert!(note.contains("more lines") && note.contains("see artifacts"));
        // Nothing left at all: write nothing rather than overflow.
        let (chunk, cut) = summary_chunk(&md, 2000, 1700, "x");
        assert!(cut && chunk.is_empty());
    }

    #[test]
    fn append_summary_counts_existing_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.md");
        let w = append_summary(&path, "hello", "x").unwrap();
        assert_eq!(
            w,
            SummaryWrite {
                bytes_written: 6,
                truncated: false
            }
        );
        std::fs::write(&path, vec![b'a'; SUMMARY_BUDGET_BYTES]).unwrap();
        let w = append_summary(&path, "more", "x").unwrap();
        assert!(w.truncated);
        assert_eq!(w.bytes_written, 0);
    }

    #[test]
    fn cut_prefers_line_boundaries_and_handles_wide_chars() {
        assert_eq!(
            cut_at_line("ab\ncd\nef", 6, char::len_utf8),
            ("ab\ncd\n", 1)
        );
        assert_eq!(cut_at_line("abcdef", 3, char::len_utf8), ("abc", 1));
        assert_eq!(cut_at_line("short", 10, char::len_utf8), ("short", 0));
        // Emoji count 2 UTF-16 units; never split a char.
        assert_eq!(cut_at_line("😀😀😀", 5, char::len_utf16), ("😀😀", 1));
    }
}
