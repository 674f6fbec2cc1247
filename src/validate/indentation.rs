//! SV701: SigmaHQ's yamllint profile: nested blocks are indented by 4 spaces (sequences may sit at
//! their parent's indentation or be indented), so diffs stay uniform.

use super::{
    FileCx, Findings, Check,
    util::{self, LineKind},
};

validator!(
    "SV701",
    "yaml-indentation",
    Warning,
    SigmaHqCi,
    [],
    "A nested block is not indented by 4 spaces (yamllint `indentation: {spaces: 4}`)."
);

impl Check for V {
    fn check_file(&self, f: &FileCx<'_>, out: &mut Findings<'_>) {
        let Some(text) = &f.text else { return };
        let kinds = util::classify_lines(text);
        // Each open block: the column its content starts at.
        let mut stack: Vec<usize> = vec![0];
        let mut prev: Option<(usize, &str)> = None;
        for (n, (line, (kind, indent))) in text.lines().zip(kinds).enumerate() {
            if kind != LineKind::Content {
                continue;
            }
            let trimmed = line.trim_start();
            if trimmed.starts_with("---") || trimmed.starts_with("...") {
                stack = vec![0];
                prev = None;
                continue;
            }
            if let Some((pind, ptext)) = prev {
                if indent > pind {
                    // Content inside `- key: v` continues at the item's content column.
                    let item_col =
                        pind + (ptext.len() - ptext.trim_start_matches(['-', ' ']).len());
                    let ok = indent == pind + 4
                        || (ptext.starts_with('-')
                            && (indent == item_col || indent == item_col + 4));
                    if !ok {
                        out.report(
                            f.path,
                            crate::diag::Pos::new(n as u32 + 1, indent as u32 + 1),
                            format!("indented by {} instead of 4", indent - pind),
                        );
                    }
                    if ptext.starts_with('-') && item_col > pind && item_col < indent {
                        stack.push(item_col);
                    }
                    stack.push(indent);
                } else {
                    while stack.last().is_some_and(|&s| s > indent) {
                        stack.pop();
                    }
                    if stack.last() != Some(&indent)
                        && !(trimmed.starts_with('-')
                            && stack.iter().any(|&s| s + 4 == indent || s == indent))
                    {
                        out.report(
                            f.path,
                            crate::diag::Pos::new(n as u32 + 1, indent as u32 + 1),
                            "indentation does not match any enclosing block",
                        );
                        stack.push(indent);
                    }
                }
            }
            prev = Some((indent, trimmed));
        }
    }
}
