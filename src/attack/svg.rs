//! A self-contained SVG heat map of an ATT&CK matrix.
//!
//! Navigator needs a browser and a public URL; CI artifacts, job summaries and docs need a picture
//! that opens anywhere. Tactics are columns in matrix order, parent techniques are cells sorted by
//! name (as Navigator does) and shaded by the number of rules covering the technique or any of its
//! sub-techniques in that tactic. Long names are cut with an ellipsis and kept whole in a tooltip.

use super::coverage::{Coverage, CoverageError, RuleFilter, compute};
use super::data::{AttackData, Domain};
use super::layer::{GRADIENT, ScoreMode, cell_rules};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Options for [`render_svg`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvgOptions {
    /// Title line.
    pub title: String,
    /// Matrix to draw.
    pub domain: Domain,
    /// Which rules count.
    pub filter: RuleFilter,
    /// Score shown and shaded.
    pub score: ScoreMode,
}

impl Default for SvgOptions {
    fn default() -> Self {
        SvgOptions {
            title: "Sigma rule coverage".to_string(),
            domain: Domain::Enterprise,
            filter: RuleFilter::default(),
            score: ScoreMode::Count,
        }
    }
}

const MARGIN: u32 = 16;
const COL_W: u32 = 150;
const COL_GAP: u32 = 6;
const CELL_H: u32 = 28;
const CELL_GAP: u32 = 2;
const HEADER_TOP: u32 = 74;
const HEADER_H: u32 = 40;
const LEGEND_H: u32 = 44;
const FONT: &str = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif";
/// Font size of technique names and scores.
const NAME_SIZE: f64 = 9.0;
const EMPTY_FILL: &str = "#f2f2f2";
/// Text on an uncovered cell: muted, yet 5.1:1 against [`EMPTY_FILL`] (WCAG asks 4.5:1).
const EMPTY_TEXT: &str = "#666666";
/// Dark text on light cells.
const DARK_TEXT: &str = "#1a1a1a";
/// The one colour of the sub-technique bar, shown as such in the legend.
const BAR_FILL: &str = "#e07b00";
/// Vertical pitch of a cell row.
const ROW: u32 = CELL_H + CELL_GAP;
/// A tactic starts at the bottom of a column only when its header and this many cells fit there.
const MIN_ROWS: u32 = 2;
/// WCAG 2 minimum contrast ratio for normal-size text.
const MIN_CONTRAST: f64 = 4.5;

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Advance width of a glyph in em, from DejaVu Sans (the widest common sans-serif fallback, so text
/// measured with it fits whatever font the viewer substitutes).
fn glyph_em(c: char) -> f64 {
    match c {
        'i' | 'j' | 'l' | '\'' | '|' => 0.28,
        ' ' | '.' | ',' | ':' | ';' | '!' => 0.32,
        'f' | 't' | 'r' | 'I' | '/' | '(' | ')' | '-' | '[' | ']' => 0.40,
        'm' => 0.97,
        'w' => 0.82,
        'M' | 'W' => 0.95,
        'a'..='z' => 0.61,
        'A'..='Z' => 0.72,
        '0'..='9' => 0.64,
        '…' => 1.0,
        _ => 0.75,
    }
}

/// Width of `s` in pixels at `size` px.
fn text_width(s: &str, size: f64) -> f64 {
    s.chars().map(glyph_em).sum::<f64>() * size
}

/// Cuts `s` so it fits in `width` pixels, ending with an ellipsis when cut.
fn fit(s: &str, width: f64, size: f64) -> String {
    if text_width(s, size) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let budget = width - text_width("…", size);
    for c in s.chars() {
        if text_width(&out, size) + glyph_em(c) * size > budget {
            break;
        }
        out.push(c);
    }
    format!("{}…", out.trim_end())
}

/// Breaks `s` into at most two lines of `width` pixels at word boundaries; the second line is cut
/// with an ellipsis when the name is longer still.
fn wrap2(s: &str, width: f64, size: f64) -> Vec<String> {
    if text_width(s, size) <= width {
        return vec![s.to_string()];
    }
    let mut first = String::new();
    let mut rest = s;
    for (i, _) in s.match_indices(' ') {
        let candidate = &s[..i];
        if text_width(candidate, size) <= width {
            first = candidate.to_string();
            rest = s[i..].trim_start();
        } else {
            break;
        }
    }
    if first.is_empty() {
        // one long word: cut it by characters
        return vec![fit(s, width, size)];
    }
    vec![first, fit(rest, width, size)]
}

fn rgb(hex: &str) -> (f64, f64, f64) {
    let h = hex.trim_start_matches('#');
    let p = |i: usize| {
        h.get(i..i + 2)
            .and_then(|x| u8::from_str_radix(x, 16).ok())
            .map_or(0.0, f64::from)
    };
    (p(0), p(2), p(4))
}

/// WCAG 2 relative luminance of an `#rrggbb` colour.
fn luminance(hex: &str) -> f64 {
    let (r, g, b) = rgb(hex);
    let lin = |c: f64| {
        let c = c / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21).
fn contrast(a: &str, b: &str) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// Text colour readable on `fill`: white or near-black, whichever contrasts more, and pure black
/// when neither reaches [`MIN_CONTRAST`] (mid-tones; black always does there).
fn text_on(fill: &str) -> &'static str {
    let best = if contrast(fill, "#ffffff") >= contrast(fill, DARK_TEXT) {
        "#ffffff"
    } else {
        DARK_TEXT
    };
    if contrast(fill, best) >= MIN_CONTRAST {
        best
    } else {
        "#000000"
    }
}

/// Colour of a score on a log scale from 1 (light) to `max` (dark), so a few very hot techniques do
/// not wash out the rest.
fn shade(score: u32, max: u32) -> String {
    if score == 0 {
        return EMPTY_FILL.to_string();
    }
    let t = if max <= 1 {
        1.0
    } else {
        (f64::from(score).ln() / f64::from(max).ln()).clamp(0.0, 1.0)
    };
    let (a, b) = (rgb(GRADIENT[0]), rgb(GRADIENT[1]));
    let mix = |x: f64, y: f64| (x + (y - x) * t).round() as u8;
    let (r, g, bl) = (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2));
    format!("#{r:02x}{g:02x}{bl:02x}")
}

struct Cell {
    id: String,
    name: String,
    score: u32,
    rules: usize,
    subs_total: usize,
    subs_covered: usize,
}

fn column_cells(cov: &Coverage<'_>, tactic: &str, mode: ScoreMode) -> Vec<Cell> {
    let m = cov.matrix;
    let mut cells: Vec<Cell> = m
        .active_techniques()
        .filter(|t| !t.is_sub() && t.tactics.iter().any(|x| x == tactic))
        .map(|t| {
            let prefix = format!("{}.", t.id);
            let mut rules: BTreeSet<usize> = BTreeSet::new();
            let mut subs_covered = 0;
            for ((id, x), idx) in &cov.cells {
                if x != tactic {
                    continue;
                }
                if *id == t.id {
                    rules.extend(idx.iter().copied());
                } else if id.starts_with(&prefix) {
                    subs_covered += 1;
                    rules.extend(idx.iter().copied());
                }
            }
            let subs_total = m
                .active_techniques()
                .filter(|s| s.id.starts_with(&prefix) && s.tactics.iter().any(|x| x == tactic))
                .count();
            let idx: Vec<usize> = rules.into_iter().collect();
            let rs = cell_rules(cov, &idx);
            Cell {
                id: t.id.clone(),
                name: t.name.clone(),
                score: mode.score(&rs),
                rules: rs.len(),
                subs_total,
                subs_covered,
            }
        })
        .collect();
    cells.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    cells
}

/// One block of the packed grid: a tactic header (first or continued) or a technique cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// Header of tactic `0`; `continued` when the tactic goes on from the previous column.
    Header { tactic: usize, continued: bool },
    /// Cell `cell` of tactic `tactic`.
    Cell { tactic: usize, cell: usize },
}

/// A piece placed in column `track` at `y` pixels below the top of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Placed {
    track: u32,
    y: u32,
    piece: Piece,
}

/// Flows tactics (with `sizes[i]` cells each) top to bottom, column by column, in matrix order,
/// into columns `height` pixels tall. A tactic starts below another one only when its header and
/// [`MIN_ROWS`] cells fit; a tactic longer than the rest of a column goes on in the next column
/// under a "continued" header.
fn flow(sizes: &[usize], height: u32) -> Vec<Placed> {
    let mut out = Vec::new();
    let (mut track, mut y) = (0u32, 0u32);
    for (tactic, &n) in sizes.iter().enumerate() {
        let need = HEADER_H + (n as u32).min(MIN_ROWS) * ROW;
        if y > 0 && y + need > height {
            track += 1;
            y = 0;
        }
        out.push(Placed {
            track,
            y,
            piece: Piece::Header {
                tactic,
                continued: false,
            },
        });
        y += HEADER_H;
        for cell in 0..n {
            if y + CELL_H > height {
                track += 1;
                out.push(Placed {
                    track,
                    y: 0,
                    piece: Piece::Header {
                        tactic,
                        continued: true,
                    },
                });
                y = HEADER_H;
            }
            out.push(Placed {
                track,
                y,
                piece: Piece::Cell { tactic, cell },
            });
            y += ROW;
        }
    }
    out
}

/// The packed grid: as many columns as tactics (the width Navigator's matrix has) and the least
/// height that fits them, so short tactics share a column instead of leaving an empty band under
/// them. Returns the placed pieces and the grid height in pixels.
fn pack(sizes: &[usize]) -> (Vec<Placed>, u32) {
    let columns = sizes.len().max(1) as u32;
    let content: u32 = sizes.iter().map(|&n| HEADER_H + n as u32 * ROW).sum();
    let tallest = sizes
        .iter()
        .map(|&n| HEADER_H + n as u32 * ROW)
        .max()
        .unwrap_or(HEADER_H);
    // one tactic per column never needs more than the tallest tactic; search upwards from the
    // average in steps of 10 px (the greatest common divisor of a header and a row)
    let mut height = (content / columns).max(HEADER_H + MIN_ROWS * ROW);
    loop {
        let placed = flow(sizes, height);
        let used = placed.last().map_or(0, |p| p.track + 1);
        if used <= columns || height >= tallest {
            let bottom = placed
                .iter()
                .map(|p| {
                    p.y + match p.piece {
                        Piece::Header { .. } => HEADER_H,
                        Piece::Cell { .. } => ROW,
                    }
                })
                .max()
                .unwrap_or(0);
            return (placed, bottom);
        }
        height += 10;
    }
}

/// Renders the heat map of `rules` as a standalone SVG document.
pub fn render_svg(
    rules: &[super::tags::CoverageRule],
    options: &SvgOptions,
    data: &AttackData,
) -> Result<String, CoverageError> {
    let cov = compute(rules, &options.filter, options.domain, data)?;
    Ok(svg_from_coverage(&cov, options))
}

fn svg_from_coverage(cov: &Coverage<'_>, options: &SvgOptions) -> String {
    let m = cov.matrix;
    let columns: Vec<(&super::data::Tactic, Vec<Cell>)> = m
        .active_tactics()
        .map(|t| (t, column_cells(cov, &t.shortname, options.score)))
        .collect();
    let ncols = columns.len().max(1) as u32;
    let sizes: Vec<usize> = columns.iter().map(|(_, c)| c.len()).collect();
    let (placed, grid_h) = pack(&sizes);
    let grid_w = 2 * MARGIN + ncols * COL_W + (ncols - 1) * COL_GAP;
    let grid_top = HEADER_TOP;
    let height = grid_top + grid_h + LEGEND_H + MARGIN;
    let max = columns
        .iter()
        .flat_map(|(_, c)| c.iter().map(|x| x.score))
        .max()
        .unwrap_or(0);
    let parents_total = m.active_techniques().filter(|t| !t.is_sub()).count();
    let parents_covered: BTreeSet<&str> = cov
        .techniques
        .keys()
        .map(|t| t.split('.').next().unwrap_or(t))
        .collect();
    let unit = match options.score {
        ScoreMode::Count => "rules",
        ScoreMode::Level => "level-weighted score",
        ScoreMode::Status => "status-weighted score",
    };

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<title id="svg-title">{} — ATT&amp;CK {} {}</title>"#,
        xml(&options.title),
        m.domain,
        xml(&m.version)
    );
    let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    let _ = writeln!(
        s,
        r##"<text x="{MARGIN}" y="30" font-size="18" font-weight="bold" fill="#1a1a1a">{}</text>"##,
        xml(&options.title)
    );
    let subtitle = format!(
        "ATT&CK {} v{} · {} of {} rules with techniques · {}/{} techniques covered ({:.0}%)",
        m.domain,
        m.version,
        cov.rules_with_techniques(),
        cov.rules_total,
        parents_covered.len(),
        parents_total,
        if parents_total == 0 {
            0.0
        } else {
            100.0 * parents_covered.len() as f64 / parents_total as f64
        }
    );
    let subtitle2 = format!(
        "Each cell: {unit} for the technique and its sub-techniques in that tactic; hover for details"
    );
    for (n, line) in [&subtitle, &subtitle2].iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<text x="{MARGIN}" y="{}" font-size="11" fill="#555555">{}</text>"##,
            48 + 14 * n,
            xml(line)
        );
    }
    let text_w = [
        text_width(&options.title, 18.0) * 1.1,
        text_width(&subtitle, 11.0),
        text_width(&subtitle2, 11.0),
    ]
    .into_iter()
    .fold(0.0, f64::max);

    let mut open_group = false;
    for p in &placed {
        let x = MARGIN + p.track * (COL_W + COL_GAP);
        let y = grid_top + p.y;
        match p.piece {
            Piece::Header { tactic, continued } => {
                let (tactic, cells) = &columns[tactic];
                if open_group {
                    s.push_str("</g>\n");
                }
                open_group = true;
                let covered = cells.iter().filter(|c| c.rules > 0).count();
                if continued {
                    let _ = writeln!(s, "<g>");
                } else {
                    let _ = writeln!(s, r#"<g id="{}">"#, xml(&tactic.shortname));
                }
                let _ = writeln!(
                    s,
                    r##"<rect x="{x}" y="{y}" width="{COL_W}" height="{}" rx="3" fill="#3a3a3a"/>"##,
                    HEADER_H - 4
                );
                let _ = writeln!(
                    s,
                    r##"<text x="{}" y="{}" font-size="10.5" font-weight="bold" fill="#ffffff" text-anchor="middle"><title>{} ({})</title>{}</text>"##,
                    x + COL_W / 2,
                    y + 15,
                    xml(&tactic.name),
                    xml(&tactic.id),
                    xml(&fit(&tactic.name, f64::from(COL_W) - 8.0, 10.5))
                );
                let second = if continued {
                    "continued".to_string()
                } else {
                    format!("{covered}/{} covered", cells.len())
                };
                let _ = writeln!(
                    s,
                    r##"<text x="{}" y="{}" font-size="9.5" fill="#dddddd" text-anchor="middle">{second}</text>"##,
                    x + COL_W / 2,
                    y + 29,
                );
            }
            Piece::Cell { tactic, cell } => {
                let (tactic, cells) = &columns[tactic];
                cell_svg(&mut s, &cells[cell], &tactic.name, x, y, max);
            }
        }
    }
    if open_group {
        s.push_str("</g>\n");
    }

    // legend: gradient swatches on the log scale, empty cell, sub-technique bar
    let ly = grid_top + grid_h + 14;
    let _ = writeln!(
        s,
        r##"<text x="{MARGIN}" y="{}" font-size="10" fill="#333333">{}</text>"##,
        ly + 12,
        xml(&format!("{} (log scale):", capitalize(unit)))
    );
    let label = format!("{} (log scale):", capitalize(unit));
    let mut lx = MARGIN + text_width(&label, 10.0).ceil() as u32 + 10;
    let mut ticks: BTreeMap<u32, ()> = BTreeMap::new();
    if max > 0 {
        for f in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let v = (f64::from(max).powf(f)).round() as u32;
            ticks.insert(v.max(1), ());
        }
    }
    for v in ticks.keys() {
        let fill = shade(*v, max);
        let _ = writeln!(
            s,
            r##"<rect x="{lx}" y="{ly}" width="44" height="16" fill="{fill}" stroke="#c8c8c8" stroke-width="0.5"/><text x="{}" y="{}" font-size="9.5" text-anchor="middle" fill="{}">{v}</text>"##,
            lx + 22,
            ly + 12,
            text_on(&fill)
        );
        lx += 48;
    }
    lx += 16;
    let _ = writeln!(
        s,
        r##"<rect x="{lx}" y="{ly}" width="44" height="16" fill="{EMPTY_FILL}" stroke="#c8c8c8" stroke-width="0.5"/><text x="{}" y="{}" font-size="10" fill="#333333">not covered</text>"##,
        lx + 50,
        ly + 12
    );
    lx += 50 + text_width("not covered", 10.0).ceil() as u32 + 20;
    let _ = writeln!(
        s,
        r##"<rect x="{lx}" y="{}" width="44" height="2" fill="{BAR_FILL}"/><text x="{}" y="{}" font-size="10" fill="#333333">share of sub-techniques covered</text>"##,
        ly + 7,
        lx + 50,
        ly + 12
    );
    let legend_end = lx + 50 + text_width("share of sub-techniques covered", 10.0).ceil() as u32;
    let _ = writeln!(
        s,
        r##"<text x="{MARGIN}" y="{}" font-size="9" fill="#666666">ATT&amp;CK® data © The MITRE Corporation, ATT&amp;CK {} {} · generated by sigmaforge</text>"##,
        ly + 34,
        m.domain,
        xml(&m.version)
    );
    s.push_str("</svg>\n");
    let width = grid_w
        .max(legend_end + MARGIN)
        .max(2 * MARGIN + text_w.ceil() as u32);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}" role="img" aria-labelledby="svg-title">
{s}"#
    )
}

/// One technique cell: shaded rectangle, name on one or two lines, score, sub-technique bar and a
/// tooltip with the details.
fn cell_svg(s: &mut String, c: &Cell, tactic: &str, x: u32, y: u32, max: u32) {
    let fill = shade(c.score, max);
    let fg = if c.rules == 0 {
        EMPTY_TEXT
    } else {
        text_on(&fill)
    };
    let score_text = if c.rules > 0 {
        c.score.to_string()
    } else {
        String::new()
    };
    let name_w = f64::from(COL_W)
        - 10.0
        - if score_text.is_empty() {
            0.0
        } else {
            text_width(&score_text, NAME_SIZE) + 6.0
        };
    let lines = wrap2(&c.name, name_w, NAME_SIZE);
    let subs = if c.subs_total > 0 {
        format!(
            "; {}/{} sub-techniques covered",
            c.subs_covered, c.subs_total
        )
    } else {
        String::new()
    };
    let tip = format!(
        "{} {} ({}): {} rule{}{}",
        c.id,
        c.name,
        tactic,
        c.rules,
        if c.rules == 1 { "" } else { "s" },
        subs
    );
    let _ = write!(
        s,
        r##"<g><title>{}</title><rect x="{x}" y="{y}" width="{COL_W}" height="{CELL_H}" rx="2" fill="{fill}" stroke="#c8c8c8" stroke-width="0.5"/>"##,
        xml(&tip)
    );
    // baselines: one line centred, two lines stacked
    let first_baseline = if lines.len() == 1 { y + 17 } else { y + 11 };
    for (li, line) in lines.iter().enumerate() {
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="{NAME_SIZE}" fill="{fg}">{}</text>"##,
            x + 5,
            first_baseline + li as u32 * 10,
            xml(line)
        );
    }
    if !score_text.is_empty() {
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="{NAME_SIZE}" font-weight="bold" fill="{fg}" text-anchor="end">{score_text}</text>"##,
            x + COL_W - 5,
            y + 17
        );
    }
    if c.subs_covered > 0 && c.subs_total > 0 {
        // a thin bar at the bottom: share of sub-techniques covered
        let w = (f64::from(COL_W - 4) * c.subs_covered as f64 / c.subs_total as f64).round();
        let _ = write!(
            s,
            r##"<rect x="{}" y="{}" width="{w}" height="2" fill="{}"/>"##,
            x + 2,
            y + CELL_H - 3,
            BAR_FILL
        );
    }
    s.push_str("</g>\n");
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_and_escaping() {
        assert_eq!(fit("short", 100.0, 9.0), "short");
        let cut = fit("Exploitation for Privilege Escalation", 80.0, 9.0);
        assert!(cut.ends_with('…') && text_width(&cut, 9.0) <= 80.0, "{cut}");
        assert_eq!(
            wrap2("Exploitation for Privilege Escalation", 120.0, 9.0),
            vec!["Exploitation for Privilege", "Escalation"]
        );
        let two = wrap2(
            "Command and Scripting Interpreter With A Very Long Tail",
            120.0,
            9.0,
        );
        assert_eq!(two.len(), 2);
        assert!(two[1].ends_with('…'));
        assert_eq!(xml("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }

    #[test]
    fn shades_run_light_to_dark() {
        assert_eq!(shade(0, 10), EMPTY_FILL);
        assert_eq!(shade(1, 10), GRADIENT[0]);
        assert_eq!(shade(10, 10), GRADIENT[1]);
        assert_eq!(text_on(&shade(10, 10)), "#ffffff");
        assert_eq!(text_on(&shade(1, 10)), DARK_TEXT);
        // every shade of the gradient keeps its text readable
        for v in 0..=1000 {
            let fill = shade(v, 1000);
            assert!(contrast(&fill, text_on(&fill)) >= MIN_CONTRAST, "{fill}");
        }
        assert!(contrast(EMPTY_FILL, EMPTY_TEXT) >= MIN_CONTRAST);
    }

    #[test]
    fn packing_fills_columns_in_matrix_order() {
        // one tall tactic and three short ones: the short ones share columns
        let sizes = [30, 3, 3, 3];
        let (placed, height) = pack(&sizes);
        let tracks = placed.iter().map(|p| p.track).max().unwrap_or(0) + 1;
        assert!(tracks <= 4);
        assert!(height < HEADER_H + 30 * ROW, "{height}");
        // pieces come in matrix order, every cell once
        let cells: Vec<(usize, usize)> = placed
            .iter()
            .filter_map(|p| match p.piece {
                Piece::Cell { tactic, cell } => Some((tactic, cell)),
                Piece::Header { .. } => None,
            })
            .collect();
        let expected: Vec<(usize, usize)> = sizes
            .iter()
            .enumerate()
            .flat_map(|(t, &n)| (0..n).map(move |c| (t, c)))
            .collect();
        assert_eq!(cells, expected);
    }
}
