//! Runs `tests/oracle/Oracle.java` (real Lucene 8.7 classic parser) from integration tests. `Oracle::new`
//! returns the reason to skip when java, javac or Debian's liblucene8-java jars are missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// A flat event: `(field, value)` pairs, a repeated field being multi-valued.
pub type Event = Vec<(String, String)>;

/// One typed probe: the query, `(field, harness type)` pairs, the events.
pub type TypedCase = (String, Vec<(String, String)>, Vec<Event>);

/// A compiled harness.
pub struct Oracle {
    classes: PathBuf,
    classpath: String,
}

fn b64(s: &str) -> String {
    STANDARD.encode(s.as_bytes())
}

impl Oracle {
    /// Compiles the harness once per tag (into Cargo's per-target temp dir).
    pub fn new(tag: &str) -> Result<Oracle, String> {
        let jars = [
            "lucene-core",
            "lucene-queryparser",
            "lucene-analyzers-common",
            "lucene-memory",
            "lucene-queries",
            "lucene-misc",
        ];
        let dir = Path::new("/usr/share/java");
        let mut cp = Vec::new();
        for j in jars {
            let found = std::fs::read_dir(dir)
                .map_err(|e| {
                    format!("no /usr/share/java ({e}); apt-get install -y liblucene8-java")
                })?
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .find(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(&format!("{j}-8")) && n.ends_with(".jar"))
                })
                .ok_or_else(|| {
                    format!("{j}-8.*.jar missing; apt-get install -y liblucene8-java")
                })?;
            cp.push(found.display().to_string());
        }
        let classpath = cp.join(":");
        let classes = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("oracle-{tag}"));
        std::fs::create_dir_all(&classes).map_err(|e| e.to_string())?;
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/Oracle.java");
        let out = Command::new("javac")
            .args(["-cp", &classpath, "-d"])
            .arg(&classes)
            .arg(&src)
            .output()
            .map_err(|e| format!("javac not runnable ({e}); a JDK 17 is needed"))?;
        if !out.status.success() {
            return Err(format!(
                "javac failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(Oracle { classes, classpath })
    }

    fn run(&self, mode: &str, input: &str) -> Vec<String> {
        let file = self.classes.join(format!("{mode}-input.txt"));
        std::fs::write(&file, input).expect("write oracle input");
        let out = Command::new("java")
            .arg("-cp")
            .arg(format!("{}:{}", self.classpath, self.classes.display()))
            .args(["Oracle", mode])
            .arg(&file)
            .output()
            .expect("run java");
        assert!(
            out.status.success(),
            "oracle crashed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Parses each query; `Ok(true)` when it needs more than 1024 boolean clauses (Elasticsearch 7's
    /// default `max_clause_count`), `Err(message)` for a syntax error.
    pub fn parse(&self, queries: &[String]) -> Vec<Result<bool, String>> {
        let input: String = queries.iter().map(|q| b64(q) + "\n").collect();
        self.run("parse", &input)
            .into_iter()
            .map(|l| match l.strip_prefix("ERR ") {
                Some(e) => Err(e.to_string()),
                None => Ok(l.contains(">1024")),
            })
            .collect()
    }

    /// Canonical parsed structure of each query (for meaning comparisons).
    pub fn canon(&self, queries: &[String]) -> Vec<Result<String, String>> {
        let input: String = queries.iter().map(|q| b64(q) + "\n").collect();
        self.run("canon", &input)
            .into_iter()
            .map(|l| match l.strip_prefix("ERR ") {
                Some(e) => Err(e.to_string()),
                None => Ok(l),
            })
            .collect()
    }

    /// For each `(query, events)`, a string of `1`/`0` (match / no match, `E` = parse error) per event.
    /// Events are flat `(field, value)` lists; a repeated field is multi-valued.
    pub fn matches(&self, cases: &[(String, Vec<Event>)]) -> Vec<String> {
        let mut input = String::new();
        for (q, events) in cases {
            input.push_str(&format!("Q {}\n", b64(q)));
            for e in events {
                input.push('E');
                for (f, v) in e {
                    input.push_str(&format!(" {}:{}", b64(f), b64(v)));
                }
                input.push('\n');
            }
        }
        self.run("match", &input)
    }

    /// Like [`Oracle::matches`], with each field indexed and queried as its mapping type (`keyword`,
    /// `caseless`, `wildcard`, `text`, `long`, `ip`; see tests/oracle/Oracle.java): per case the
    /// query, the types of its fields, and the events. `D` marks an event Elasticsearch would refuse
    /// (a value its field's type cannot hold).
    pub fn typed_matches(&self, cases: &[TypedCase]) -> Vec<String> {
        let mut input = String::new();
        for (q, types, events) in cases {
            input.push_str(&format!("Q {}", b64(q)));
            for (f, t) in types {
                input.push_str(&format!(" {}:{t}", b64(f)));
            }
            input.push('\n');
            for e in events {
                input.push('E');
                for (f, v) in e {
                    input.push_str(&format!(" {}:{}", b64(f), b64(v)));
                }
                input.push('\n');
            }
        }
        self.run("tmatch", &input)
    }
}

/// Flattens a YAML/JSON event into dotted `(field, value)` pairs; nulls are absent fields.
pub fn flatten(v: &serde_yaml::Value, prefix: &str, out: &mut Vec<(String, String)>) {
    use serde_yaml::Value;
    match v {
        Value::Mapping(m) => {
            for (k, x) in m {
                let key = match k {
                    Value::String(s) => s.clone(),
                    other => serde_yaml::to_string(other)
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                };
                let name = if prefix.is_empty() {
                    key
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(x, &name, out);
            }
        }
        Value::Sequence(s) => s.iter().for_each(|x| flatten(x, prefix, out)),
        Value::Null => {}
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Bool(b) => out.push((prefix.to_string(), b.to_string())),
        Value::Number(n) => out.push((prefix.to_string(), n.to_string())),
        Value::Tagged(t) => flatten(&t.value, prefix, out),
    }
}
