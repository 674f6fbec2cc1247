//! Index-pattern and field-name globs with `*` as the only wildcard (Elasticsearch's multi-target
//! syntax and its "simple match" for dynamic templates).

/// True when `name` matches `pattern`, where `*` matches any run of characters.
pub(crate) fn matches(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        if i < p.len() && p[i] == b'*' {
            star = Some((i, j));
            i += 1;
        } else if i < p.len() && p[i] == n[j] {
            i += 1;
            j += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == b'*')
}

/// True when some name matches both patterns: a rule's index and a catalog data stream overlap.
pub(crate) fn intersect(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    // reach[i][j]: prefixes a[..i] and b[..j] can produce the same string.
    let mut reach = vec![vec![false; b.len() + 1]; a.len() + 1];
    reach[0][0] = true;
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            if !reach[i][j] {
                continue;
            }
            let (ca, cb) = (a.get(i), b.get(j));
            if ca == Some(&b'*') {
                reach[i + 1][j] = true; // the star produces nothing more
                if cb.is_some() {
                    reach[i][j + 1] = true; // the star produces what b[j] produces
                }
            }
            if cb == Some(&b'*') {
                reach[i][j + 1] = true;
                if ca.is_some() {
                    reach[i + 1][j] = true;
                }
            }
            if let (Some(x), Some(y)) = (ca, cb)
                && x == y
                && *x != b'*'
            {
                reach[i + 1][j + 1] = true;
            }
        }
    }
    reach[a.len()][b.len()]
}

/// True when every name matched by `inner` is matched by `outer` (an exclusion `-pattern` removes
/// only the data streams it covers). `inner`'s stars can be absorbed only by `outer`'s stars.
pub(crate) fn covers(outer: &str, inner: &str) -> bool {
    let (p, n) = (outer.as_bytes(), inner.as_bytes());
    // reach[i][j]: outer[..i] covers inner[..j].
    let mut reach = vec![vec![false; n.len() + 1]; p.len() + 1];
    reach[0][0] = true;
    for i in 0..=p.len() {
        for j in 0..=n.len() {
            if !reach[i][j] {
                continue;
            }
            match (p.get(i), n.get(j)) {
                (Some(b'*'), next) => {
                    reach[i + 1][j] = true;
                    if next.is_some() {
                        reach[i][j + 1] = true;
                    }
                }
                (Some(x), Some(y)) if x == y && *y != b'*' => reach[i + 1][j + 1] = true,
                _ => {}
            }
        }
    }
    reach[p.len()][n.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_match() {
        assert!(matches("*command_line", "process.command_line"));
        assert!(matches("*.name", "process.parent.name"));
        assert!(!matches("*.name", "name"));
        assert!(matches("logs-*", "logs-a-b"));
        assert!(!matches("logs-*-x", "logs-a-b"));
        assert!(matches("a*b*c", "axxbyyc"));
    }

    #[test]
    fn overlap_of_patterns() {
        assert!(intersect(
            "logs-endpoint.events.*",
            "logs-endpoint.events.process-*"
        ));
        assert!(intersect("logs-*", "logs-windows.sysmon_operational-*"));
        assert!(intersect("*", "winlogbeat-*"));
        assert!(!intersect("winlogbeat-*", "logs-windows.forwarded-*"));
        assert!(!intersect(
            "logs-endpoint.events.*",
            "logs-endpoint.alerts-*"
        ));
        assert!(intersect("logs-system.security*", "logs-system.security-*"));
        assert!(intersect("*-a", "b-*"));
        assert!(!intersect("a*", "b*"));
    }

    #[test]
    fn containment() {
        assert!(covers(
            "logs-windows.*",
            "logs-windows.sysmon_operational-*"
        ));
        assert!(covers("logs-*", "logs-a-*"));
        assert!(!covers("logs-a-*", "logs-*"));
        assert!(!covers("logs-*-default", "logs-a-*"));
        assert!(covers("*", "x*y"));
        assert!(covers("logs-a-b", "logs-a-b"));
    }
}
