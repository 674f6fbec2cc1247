//! Cell-by-cell comparison of a layer with another tool's layer (e.g. `sigma analyze attack`).
//!
//! Differential testing against pySigma is how we show our layer is right where the tools agree and
//! explain every place they do not (ATT&CK version skew, revoked tags, tactic choice).

use super::layer::Layer;
use serde::Serialize;
use std::collections::BTreeMap;

/// One (technique, tactic) cell and its score on each side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellScores {
    /// Technique ID.
    pub technique: String,
    /// Tactic shortname ("" when the other layer has no tactic on the entry).
    pub tactic: String,
    /// Our score (None: no scored entry).
    pub ours: Option<f64>,
    /// The reference layer's score.
    pub reference: Option<f64>,
}

/// Result of [`compare_layers`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LayerComparison {
    /// Cells both layers score identically.
    pub same: usize,
    /// Cells only we score.
    pub only_ours: Vec<CellScores>,
    /// Cells only the reference scores.
    pub only_reference: Vec<CellScores>,
    /// Cells both score, differently.
    pub different: Vec<CellScores>,
}

fn scored_cells(techniques: &[serde_json::Value]) -> BTreeMap<(String, String), f64> {
    let mut out = BTreeMap::new();
    for t in techniques {
        let Some(id) = t.get("techniqueID").and_then(|v| v.as_str()) else {
            continue;
        };
        let Some(score) = t.get("score").and_then(|v| v.as_f64()) else {
            continue;
        };
        let tactic = t
            .get("tactic")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        *out.entry((id.to_ascii_uppercase(), tactic)).or_insert(0.0) += score;
    }
    out
}

/// Compares the scored cells of our layer with a reference layer (one layer object, as JSON).
///
/// Unscored entries on either side are ignored; a reference file holding a list of layers is
/// compared against its first layer.
pub fn compare_layers(ours: &Layer, reference: &serde_json::Value) -> LayerComparison {
    let reference = match reference {
        serde_json::Value::Array(v) => v.first().unwrap_or(&serde_json::Value::Null),
        other => other,
    };
    let empty = Vec::new();
    let ref_techniques = reference
        .get("techniques")
        .and_then(|v| v.as_array())
        .unwrap_or(&empty);
    let theirs = scored_cells(ref_techniques);
    let mine: BTreeMap<(String, String), f64> = ours
        .techniques
        .iter()
        .filter_map(|e| {
            e.score
                .map(|s| ((e.technique_id.clone(), e.tactic.clone()), f64::from(s)))
        })
        .collect();
    let mut cmp = LayerComparison::default();
    for (k, a) in &mine {
        let cell = |r: Option<f64>| CellScores {
            technique: k.0.clone(),
            tactic: k.1.clone(),
            ours: Some(*a),
            reference: r,
        };
        match theirs.get(k) {
            None => cmp.only_ours.push(cell(None)),
            Some(b) if (a - b).abs() < f64::EPSILON => cmp.same += 1,
            Some(b) => cmp.different.push(cell(Some(*b))),
        }
    }
    for (k, b) in &theirs {
        if !mine.contains_key(k) {
            cmp.only_reference.push(CellScores {
                technique: k.0.clone(),
                tactic: k.1.clone(),
                ours: None,
                reference: Some(*b),
            });
        }
    }
    cmp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attack::{AttackData, CoverageRule, LayerOptions, TagRef, build_layer};

    #[test]
    fn classifies_cells() {
        let data = AttackData::embedded();
        let rules = vec![CoverageRule {
            path: "a.yml".into(),
            title: "a".into(),
            id: None,
            level: None,
            status: None,
            tags: vec![
                TagRef::new("attack.t1059.001", 1, 1),
                TagRef::new("attack.t1082", 2, 1),
            ],
            product: None,
        }];
        let layer = build_layer(&rules, &LayerOptions::default(), &data)
            .expect("layer")
            .layer;
        let reference = serde_json::json!({"techniques": [
            {"techniqueID": "T1059.001", "tactic": "execution", "score": 1},
            {"techniqueID": "T1082", "tactic": "discovery", "score": 3},
            {"techniqueID": "T1003", "tactic": "credential-access", "score": 2},
            {"techniqueID": "T1003", "tactic": "credential-access"}
        ]});
        let c = compare_layers(&layer, &reference);
        assert_eq!(c.same, 1);
        assert_eq!(c.different.len(), 1);
        assert_eq!(c.only_reference.len(), 1);
        assert!(c.only_ours.is_empty());
    }
}
