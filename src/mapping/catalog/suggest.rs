//! "Did you mean" suggestions for a field name that an index does not have.

/// Levenshtein distance, or `None` once it must exceed `max` (rows are cut early).
fn distance(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|&d| d <= max)
}

/// Lowercase without `_`, so `CommandLine` and `command_line` compare equal.
fn fold(s: &str) -> String {
    s.chars()
        .filter(|&c| c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Ranks `candidates` against `query`: (0) equal ignoring case and `_`; (1) small edit distance
/// (at most a quarter of the name, 1..=4); (2) a candidate ending with the whole dotted query, or
/// a parent of it (`x.caseless` where only `x` exists); (3) the same last segment. Ties go to the smaller length difference, then the name.
pub(crate) fn nearest<'a>(
    query: &str,
    candidates: impl Iterator<Item = &'a str>,
    limit: usize,
) -> Vec<String> {
    let q = fold(query);
    let max = (q.len() / 4).clamp(1, 4);
    let q_segments: Vec<&str> = query.split('.').collect();
    let q_leaf = fold(q_segments.last().copied().unwrap_or(query));
    let q_tail = (q_segments.len() >= 2).then(|| format!(".{}", fold(query)));
    let mut ranked: Vec<(u8, usize, &str)> = Vec::new();
    for c in candidates {
        if c == query {
            continue;
        }
        let f = fold(c);
        let rank = if f == q {
            Some((0, 0))
        } else if let Some(d) = distance(q.as_bytes(), f.as_bytes(), max) {
            Some((1, d))
        } else if q_tail.as_deref().is_some_and(|t| f.ends_with(t))
            || query
                .strip_prefix(c)
                .is_some_and(|rest| rest.starts_with('.'))
        {
            Some((2, f.len().abs_diff(q.len())))
        } else if c.rsplit('.').next().map(fold).is_some_and(|l| l == q_leaf) {
            Some((3, f.len().abs_diff(q.len())))
        } else {
            None
        };
        if let Some((class, d)) = rank {
            ranked.push((class, d, c));
        }
    }
    ranked.sort();
    ranked
        .into_iter()
        .take(limit)
        .map(|(_, _, c)| c.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_is_bounded() {
        assert_eq!(distance(b"kitten", b"sitting", 3), Some(3));
        assert_eq!(distance(b"kitten", b"sitting", 2), None);
        assert_eq!(distance(b"", b"ab", 2), Some(2));
    }

    #[test]
    fn ranks_case_then_typo_then_suffix() {
        let names = [
            "process.parent.executable",
            "process.executable",
            "process.pe.original_file_name",
            "Process.Name",
            "process.name",
            "file.name",
        ];
        let got = nearest("process.nmae", names.iter().copied(), 3);
        assert_eq!(got, ["Process.Name", "process.name"]);
        let got = nearest("name", names.iter().copied(), 5);
        assert_eq!(got, ["file.name", "Process.Name", "process.name"]);
        let got = nearest("parent.executable", names.iter().copied(), 2);
        assert_eq!(got, ["process.parent.executable", "process.executable"]);
        let got = nearest("PROCESS.NAME", names.iter().copied(), 1);
        assert_eq!(got, ["Process.Name"]);
    }
}
