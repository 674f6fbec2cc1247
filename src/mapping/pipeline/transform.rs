//! Applying pipelines to one query of one rule: the IR after the sigmac configs, before our overrides.
//!
//! pySigma runs each processing item over the whole rule in order, and so do we, on a working copy of
//! the query tree whose leaves remember which items changed them (for `processing_item_applied`). A
//! pySigma detection item holds several values; here each IR leaf is one value of one field, so a
//! detection-item condition's `cond: any|all` is decided per value (docs/pipelines.md). The rule itself
//! is only read; the logsource, applied ids and state live in a per-query [`State`].

use std::collections::{BTreeMap, BTreeSet};

use super::model::{
    CaseMethod, Conds, FieldCond, ItemCond, Logsource, Names, Pipeline, RuleCond, Scalar, Transform,
};
use crate::mapping::ir::{CaseStrategy, Expr, FieldKind, FieldTest, Keyword, Test};
use crate::rule::Rule;
use crate::rule::value::{Number, Part, SigmaString};

/// What the pipelines made of one query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outcome {
    /// The transformed query.
    pub(crate) expr: Expr,
    /// Indices the pipelines' `indices` rules give for the rule's (final) logsource, sorted.
    pub(crate) indices: Vec<String>,
    /// Notes for the rule (e.g. a `fields` list change no target writes).
    pub(crate) warnings: Vec<String>,
}

#[derive(Debug, Clone)]
enum W {
    And(Vec<W>),
    Or(Vec<W>),
    Not(Box<W>),
    Leaf(Leaf),
}

#[derive(Debug, Clone)]
struct Leaf {
    node: LeafNode,
    /// Ids of the processing items that changed this leaf.
    applied: Vec<String>,
    /// Added by `add_condition` (not one of the rule's own items).
    added: bool,
}

#[derive(Debug, Clone)]
enum LeafNode {
    Test(FieldTest),
    Keyword(Keyword),
}

struct State<'r> {
    rule: &'r Rule,
    logsource: Logsource,
    applied: BTreeSet<String>,
    state: BTreeMap<String, String>,
    warnings: Vec<String>,
}

fn from_expr(e: Expr) -> W {
    match e {
        Expr::And(v) => W::And(v.into_iter().map(from_expr).collect()),
        Expr::Or(v) => W::Or(v.into_iter().map(from_expr).collect()),
        Expr::Not(x) => W::Not(Box::new(from_expr(*x))),
        Expr::Test(t) => W::Leaf(Leaf {
            node: LeafNode::Test(t),
            applied: Vec::new(),
            added: false,
        }),
        Expr::Keyword(k) => W::Leaf(Leaf {
            node: LeafNode::Keyword(k),
            applied: Vec::new(),
            added: false,
        }),
    }
}

fn to_expr(w: W) -> Expr {
    match w {
        W::And(v) => Expr::and(v.into_iter().map(to_expr).collect()),
        W::Or(v) => Expr::or(v.into_iter().map(to_expr).collect()),
        W::Not(x) => Expr::not(to_expr(*x)),
        W::Leaf(Leaf {
            node: LeafNode::Test(t),
            ..
        }) => Expr::Test(t),
        W::Leaf(Leaf {
            node: LeafNode::Keyword(k),
            ..
        }) => Expr::Keyword(k),
    }
}

fn leaves<'a>(w: &'a W, out: &mut Vec<&'a Leaf>) {
    match w {
        W::And(v) | W::Or(v) => v.iter().for_each(|x| leaves(x, out)),
        W::Not(x) => leaves(x, out),
        W::Leaf(l) => out.push(l),
    }
}

/// Rebuilds the tree with `f` applied to each leaf; `None` drops a leaf, and a group left empty is
/// dropped with it.
fn map_leaves(
    w: W,
    f: &mut impl FnMut(Leaf) -> Result<Option<W>, String>,
) -> Result<Option<W>, String> {
    Ok(match w {
        W::And(v) | W::Or(v) if v.is_empty() => None,
        W::And(v) => {
            let kept = map_all(v, f)?;
            (!kept.is_empty()).then_some(W::And(kept))
        }
        W::Or(v) => {
            let kept = map_all(v, f)?;
            (!kept.is_empty()).then_some(W::Or(kept))
        }
        W::Not(x) => map_leaves(*x, f)?.map(|x| W::Not(Box::new(x))),
        W::Leaf(l) => f(l)?,
    })
}

fn map_all(
    v: Vec<W>,
    f: &mut impl FnMut(Leaf) -> Result<Option<W>, String>,
) -> Result<Vec<W>, String> {
    let mut kept = Vec::with_capacity(v.len());
    for x in v {
        if let Some(x) = map_leaves(x, f)? {
            kept.push(x);
        }
    }
    Ok(kept)
}

fn opt_eq(want: &Option<String>, have: &Option<String>) -> bool {
    want.as_ref().is_none_or(|w| have.as_ref() == Some(w))
}

fn logsource_matches(want: &Logsource, have: &Logsource) -> bool {
    opt_eq(&want.category, &have.category)
        && opt_eq(&want.product, &have.product)
        && opt_eq(&want.service, &have.service)
}

fn combine<T>(conds: &Conds<T>, mut eval: impl FnMut(&T) -> bool) -> bool {
    if conds.list.is_empty() {
        return true;
    }
    let r = if conds.any {
        conds.list.iter().any(&mut eval)
    } else {
        conds.list.iter().all(&mut eval)
    };
    r != conds.negate
}

/// The text of a string value, as pySigma's conditions see it (wildcards as `*`/`?`).
fn value_text(l: &Leaf) -> Option<String> {
    match &l.node {
        LeafNode::Test(FieldTest {
            test: Test::Pattern { value, .. },
            ..
        })
        | LeafNode::Keyword(Keyword { value, .. }) => Some(value.to_string()),
        _ => None,
    }
}

fn rule_attribute(rule: &Rule, attribute: &str) -> Option<String> {
    let m = &rule.meta;
    let text = |t: &Option<crate::rule::Text>| t.as_ref().map(|t| t.value.clone());
    match attribute {
        "title" => text(&m.title),
        "id" => text(&m.id),
        "name" => text(&m.name),
        "status" => m.status.as_ref().map(|s| s.value.name().to_string()),
        "level" => m.level.as_ref().map(|l| l.value.name().to_string()),
        "author" => text(&m.author),
        "description" => text(&m.description),
        "date" => text(&m.date),
        "modified" => text(&m.modified),
        "license" => text(&m.license),
        "taxonomy" => text(&m.taxonomy),
        _ => None,
    }
}

fn rule_cond(c: &RuleCond, st: &State<'_>, tree: &W) -> bool {
    match c {
        RuleCond::Logsource(l) => logsource_matches(l, &st.logsource),
        RuleCond::ContainsDetectionItem { field, value } => {
            let mut all = Vec::new();
            leaves(tree, &mut all);
            all.iter().any(|l| match &l.node {
                LeafNode::Test(t) if &t.field == field => match value {
                    None => true,
                    Some(v) => scalar_text(&t.test).is_some_and(|x| &x == v),
                },
                _ => false,
            })
        }
        RuleCond::ItemApplied(id) => st.applied.contains(id),
        RuleCond::State(k, v) => st.state.get(k) == Some(v),
        RuleCond::Tag(t) => st.rule.meta.tags.iter().any(|x| &x.value == t),
        RuleCond::IsSigmaRule => true,
        RuleCond::IsSigmaCorrelationRule => false,
        RuleCond::RuleAttribute { attribute, value } => {
            rule_attribute(st.rule, attribute).as_ref() == Some(value)
        }
    }
}

fn scalar_text(t: &Test) -> Option<String> {
    match t {
        Test::Pattern { value, .. } => Some(value.to_string()),
        Test::Number(n) => Some(n.to_string()),
        Test::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn item_cond(c: &ItemCond, l: &Leaf, st: &State<'_>) -> bool {
    let test = match &l.node {
        LeafNode::Test(t) => Some(&t.test),
        LeafNode::Keyword(_) => None,
    };
    match c {
        ItemCond::MatchString { pattern, negate } => {
            value_text(l).is_some_and(|s| pattern.is_match(&s) != *negate)
        }
        ItemCond::MatchValue(v) => match (v, test) {
            (Scalar::Str(s), _) => value_text(l).is_some_and(|x| &x == s),
            (Scalar::Num(n), Some(Test::Number(m))) => n.as_f64() == m.as_f64(),
            (Scalar::Bool(b), Some(Test::Bool(c))) => b == c,
            (Scalar::Null, Some(Test::Null)) => true,
            _ => false,
        },
        ItemCond::IsNull => matches!(test, Some(Test::Null)),
        ItemCond::ItemApplied(id) => l.applied.contains(id),
        ItemCond::State(k, v) => st.state.get(k) == Some(v),
    }
}

fn field_cond(c: &FieldCond, l: &Leaf, st: &State<'_>) -> bool {
    let field = match &l.node {
        LeafNode::Test(t) => Some(t.field.as_str()),
        LeafNode::Keyword(_) => None,
    };
    match c {
        FieldCond::Include(p) => field.is_some_and(|f| p.iter().any(|x| x.matches(f))),
        FieldCond::Exclude(p) => field.is_some_and(|f| !p.iter().any(|x| x.matches(f))),
        FieldCond::ItemApplied(id) => l.applied.contains(id),
        FieldCond::State(k, v) => st.state.get(k) == Some(v),
    }
}

fn test_leaf(field: &str, test: Test) -> W {
    W::Leaf(Leaf {
        node: LeafNode::Test(FieldTest {
            field: field.to_string(),
            time_part: None,
            test,
            case: CaseStrategy::default(),
            kind: FieldKind::default(),
        }),
        applied: Vec::new(),
        added: true,
    })
}

fn scalar_test(v: &Scalar) -> Test {
    match v {
        Scalar::Str(s) => Test::Pattern {
            value: SigmaString::parse(s, false),
            cased: false,
        },
        Scalar::Num(n) => Test::Number(*n),
        Scalar::Bool(b) => Test::Bool(*b),
        Scalar::Null => Test::Null,
    }
}

/// A leaf's string value rewritten by `f` (tests on strings and keywords; other leaves unchanged).
fn map_string(l: &mut Leaf, f: impl Fn(&SigmaString) -> SigmaString) {
    match &mut l.node {
        LeafNode::Test(FieldTest {
            test: Test::Pattern { value, .. },
            ..
        })
        | LeafNode::Keyword(Keyword { value, .. }) => *value = f(value),
        _ => {}
    }
}

/// One leaf per string from `values`, in place of this leaf's string value (an OR when several).
fn fan_out(l: &Leaf, id: &Option<String>, values: Vec<SigmaString>) -> W {
    let mut alts: Vec<W> = values
        .into_iter()
        .map(|v| {
            let mut x = l.clone();
            map_string(&mut x, |_| v.clone());
            mark(&mut x, id);
            W::Leaf(x)
        })
        .collect();
    if alts.len() == 1 {
        alts.remove(0)
    } else {
        W::Or(alts)
    }
}

fn mark(l: &mut Leaf, id: &Option<String>) {
    if let Some(id) = id
        && !l.applied.contains(id)
    {
        l.applied.push(id.clone());
    }
}

fn snake(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.extend(c.to_lowercase());
            prev_lower = false;
        } else {
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
            out.push(c);
        }
    }
    out
}

/// `%name%` parts selected by `names` expanded by `f` (a product over several placeholders).
fn expand(
    s: &SigmaString,
    names: &Names,
    f: &impl Fn(&str) -> Result<Vec<Vec<Part>>, String>,
) -> Result<Vec<SigmaString>, String> {
    let mut out: Vec<Vec<Part>> = vec![Vec::new()];
    for part in &s.parts {
        match part {
            Part::Placeholder(n) if names.selects(n) => {
                let alts = f(n)?;
                let mut next = Vec::with_capacity(out.len() * alts.len());
                for prefix in &out {
                    for a in &alts {
                        let mut p = prefix.clone();
                        p.extend(a.iter().cloned());
                        next.push(p);
                    }
                }
                out = next;
            }
            p => out.iter_mut().for_each(|v| v.push(p.clone())),
        }
    }
    Ok(out
        .into_iter()
        .map(|parts| {
            let mut s = SigmaString::default();
            for p in parts {
                match (s.parts.last_mut(), p) {
                    (Some(Part::Lit(a)), Part::Lit(b)) => a.push_str(&b),
                    (_, p) => s.parts.push(p),
                }
            }
            s
        })
        .collect())
}

fn has_selected_placeholder(l: &Leaf, names: &Names) -> bool {
    match &l.node {
        LeafNode::Test(FieldTest {
            test: Test::Pattern { value, .. },
            ..
        })
        | LeafNode::Keyword(Keyword { value, .. }) => value
            .parts
            .iter()
            .any(|p| matches!(p, Part::Placeholder(n) if names.selects(n))),
        _ => false,
    }
}

fn leaf_string(l: &Leaf) -> Option<&SigmaString> {
    match &l.node {
        LeafNode::Test(FieldTest {
            test: Test::Pattern { value, .. },
            ..
        })
        | LeafNode::Keyword(Keyword { value, .. }) => Some(value),
        _ => None,
    }
}

/// A leaf-level transformation on one selected leaf.
fn leaf_transform(
    t: &Transform,
    id: &Option<String>,
    p: &Pipeline,
    mut l: Leaf,
) -> Result<Option<W>, String> {
    let field_of = |l: &Leaf| match &l.node {
        LeafNode::Test(t) => Some(t.field.clone()),
        LeafNode::Keyword(_) => None,
    };
    let set_field = |mut l: Leaf, f: String| {
        if let LeafNode::Test(t) = &mut l.node {
            t.field = f;
        }
        mark(&mut l, id);
        l
    };
    Ok(Some(match t {
        Transform::FieldNameMapping(m) => {
            if let LeafNode::Test(FieldTest {
                test: Test::FieldRef(r),
                ..
            }) = &mut l.node
                && let Some(to) = m.get(r.as_str())
            {
                match to.as_slice() {
                    [one] => *r = one.clone(),
                    _ => {
                        return Err(format!(
                            "fieldref `{r}` maps to several fields, so the comparison is ambiguous"
                        ));
                    }
                }
            }
            match field_of(&l).and_then(|f| m.get(&f)) {
                Some(to) if to.len() == 1 => W::Leaf(set_field(l, to[0].clone())),
                Some(to) => W::Or(
                    to.iter()
                        .map(|f| W::Leaf(set_field(l.clone(), f.clone())))
                        .collect(),
                ),
                None => W::Leaf(l),
            }
        }
        Transform::FieldNamePrefixMapping(m) => {
            let hit = field_of(&l).and_then(|f| {
                m.iter()
                    .find(|(from, _)| f.starts_with(from.as_str()))
                    .map(|(from, to)| format!("{to}{}", &f[from.len()..]))
            });
            match hit {
                Some(f) => W::Leaf(set_field(l, f)),
                None => W::Leaf(l),
            }
        }
        Transform::FieldNamePrefix(pre) => match field_of(&l) {
            Some(f) => W::Leaf(set_field(l, format!("{pre}{f}"))),
            None => W::Leaf(l),
        },
        Transform::FieldNameSuffix(suf) => match field_of(&l) {
            Some(f) => W::Leaf(set_field(l, format!("{f}{suf}"))),
            None => W::Leaf(l),
        },
        Transform::ReplaceString { regex, replacement } => {
            map_string(&mut l, |s| {
                s.map_literals(|lit| regex.replace_all(lit, replacement.as_str()).into_owned())
            });
            mark(&mut l, id);
            W::Leaf(l)
        }
        Transform::MapString(m) => match leaf_string(&l)
            .and_then(|s| s.as_plain())
            .and_then(|s| m.get(s))
        {
            Some(to) => {
                let values = to.iter().map(|v| SigmaString::parse(v, false)).collect();
                fan_out(&l, id, values)
            }
            None => W::Leaf(l),
        },
        Transform::SetValue(v) => {
            if let LeafNode::Test(t) = &mut l.node {
                t.test = scalar_test(v);
            } else {
                return Err("set_value on a keyword (a value without a field)".into());
            }
            mark(&mut l, id);
            W::Leaf(l)
        }
        Transform::ConvertType { to_num } => {
            if let LeafNode::Test(t) = &mut l.node {
                match (&t.test, to_num) {
                    (Test::Number(n), false) => {
                        t.test = Test::Pattern {
                            value: SigmaString::literal(&n.to_string()),
                            cased: false,
                        }
                    }
                    (Test::Pattern { value, .. }, true) => {
                        let text = value.as_plain().unwrap_or_default().to_string();
                        t.test = Test::Number(if let Ok(i) = text.parse::<i64>() {
                            Number::Int(i)
                        } else if let Ok(f) = text.parse::<f64>() {
                            Number::Float(f)
                        } else {
                            return Err(format!(
                                "convert_type: `{value}` of field `{}` is not a number",
                                t.field
                            ));
                        });
                    }
                    _ => {}
                }
            }
            mark(&mut l, id);
            W::Leaf(l)
        }
        Transform::DropDetectionItem => return Ok(None),
        Transform::ValuePlaceholders(names) => match leaf_string(&l) {
            Some(s) if has_selected_placeholder(&l, names) => {
                let values = expand(s, names, &|n| {
                    let vals = p.vars.get(n).ok_or_else(|| {
                        format!(
                            "pipeline `{}`: value_placeholders has no `vars` entry for %{n}%",
                            p.name
                        )
                    })?;
                    Ok(vals
                        .iter()
                        .map(|v| SigmaString::parse(v, false).parts)
                        .collect())
                })?;
                fan_out(&l, id, values)
            }
            _ => W::Leaf(l),
        },
        Transform::WildcardPlaceholders(names) => match leaf_string(&l) {
            Some(s) if has_selected_placeholder(&l, names) => {
                let values = expand(s, names, &|_| Ok(vec![vec![Part::AnyChars]]))?;
                fan_out(&l, id, values)
            }
            _ => W::Leaf(l),
        },
        Transform::QueryExpressionPlaceholders { names, expression } => {
            if has_selected_placeholder(&l, names) {
                return Err(format!(
                    "pipeline `{}`: query_expression_placeholders inserts raw backend query text (`{expression}`), which sigmaforge's target-neutral IR cannot carry",
                    p.name
                ));
            }
            W::Leaf(l)
        }
        Transform::Case(method) => {
            map_string(&mut l, |s| {
                s.map_literals(|lit| match method {
                    CaseMethod::Lower => lit.to_lowercase(),
                    CaseMethod::Upper => lit.to_uppercase(),
                    CaseMethod::Snake => snake(lit),
                })
            });
            mark(&mut l, id);
            W::Leaf(l)
        }
        Transform::DetectionItemFailure(msg) => return Err(msg.clone()),
        Transform::AddCondition { .. }
        | Transform::ChangeLogsource(_)
        | Transform::AddField(_)
        | Transform::RemoveField(_)
        | Transform::SetField(_)
        | Transform::RuleFailure(_)
        | Transform::SetState(..) => W::Leaf(l),
    }))
}

/// The names a field of `rule` gets from the pipelines (several after a one-to-many mapping), for
/// correlation fields, which are not part of any query: the same items run on an `exists` test of
/// the field, and the fields of what remains of it (not of added conditions) are the answer.
pub(crate) fn map_field(
    pipelines: &[Pipeline],
    rule: &Rule,
    field: &str,
) -> Result<Vec<String>, String> {
    let probe = Expr::Test(FieldTest {
        field: field.to_string(),
        time_part: None,
        test: Test::Exists,
        case: CaseStrategy::default(),
        kind: FieldKind::default(),
    });
    let tree = run(pipelines, rule, probe)?.0;
    let mut all = Vec::new();
    leaves(&tree, &mut all);
    let mut out = Vec::new();
    for l in all {
        if let (false, LeafNode::Test(t)) = (l.added, &l.node)
            && !out.contains(&t.field)
        {
            out.push(t.field.clone());
        }
    }
    Ok(out)
}

/// Runs `pipelines` (already in priority order) over one query of `rule`.
pub(crate) fn apply(pipelines: &[Pipeline], rule: &Rule, expr: Expr) -> Result<Outcome, String> {
    let (tree, st) = run(pipelines, rule, expr)?;
    finish(pipelines, tree, st)
}

fn run<'r>(pipelines: &[Pipeline], rule: &'r Rule, expr: Expr) -> Result<(W, State<'r>), String> {
    let text = |t: &Option<crate::rule::Text>| t.as_ref().map(|t| t.value.clone());
    let mut st = State {
        rule,
        logsource: Logsource {
            category: text(&rule.logsource.category),
            product: text(&rule.logsource.product),
            service: text(&rule.logsource.service),
        },
        applied: BTreeSet::new(),
        state: BTreeMap::new(),
        warnings: Vec::new(),
    };
    let mut tree = from_expr(expr);
    for p in pipelines {
        for item in &p.items {
            if !combine(&item.rule_conds, |c| rule_cond(c, &st, &tree)) {
                continue;
            }
            let id = &item.id;
            match &item.transform {
                Transform::AddCondition {
                    conditions,
                    negated,
                } => {
                    let mut parts: Vec<W> = conditions
                        .iter()
                        .map(|(f, vals)| {
                            let mut alts: Vec<W> = vals
                                .iter()
                                .map(|v| {
                                    let mut w = test_leaf(f, scalar_test(v));
                                    if let W::Leaf(l) = &mut w {
                                        mark(l, id);
                                    }
                                    w
                                })
                                .collect();
                            if alts.len() == 1 {
                                alts.remove(0)
                            } else {
                                W::Or(alts)
                            }
                        })
                        .collect();
                    let cond = if parts.len() == 1 {
                        parts.remove(0)
                    } else {
                        W::And(parts)
                    };
                    let cond = if *negated {
                        W::Not(Box::new(cond))
                    } else {
                        cond
                    };
                    tree = W::And(vec![cond, tree]);
                }
                Transform::ChangeLogsource(l) => {
                    if l.category.is_some() {
                        st.logsource.category = l.category.clone();
                    }
                    if l.product.is_some() {
                        st.logsource.product = l.product.clone();
                    }
                    if l.service.is_some() {
                        st.logsource.service = l.service.clone();
                    }
                }
                Transform::RuleFailure(msg) => return Err(msg.clone()),
                Transform::SetState(k, v) => {
                    st.state.insert(k.clone(), v.clone());
                }
                Transform::AddField(_) | Transform::RemoveField(_) | Transform::SetField(_) => {
                    st.warnings.push(format!(
                        "pipeline `{}`: {} changes the rule's `fields` list, which no sigmaforge target writes",
                        p.name,
                        match &item.transform {
                            Transform::AddField(_) => "add_field",
                            Transform::RemoveField(_) => "remove_field",
                            _ => "set_field",
                        }
                    ));
                }
                t => {
                    let st_ref = &st;
                    tree = map_leaves(tree, &mut |l: Leaf| {
                        let selected = combine(&item.field_conds, |c| field_cond(c, &l, st_ref))
                            && combine(&item.item_conds, |c| item_cond(c, &l, st_ref));
                        if selected {
                            leaf_transform(t, id, p, l)
                        } else {
                            Ok(Some(W::Leaf(l)))
                        }
                    })
                    .map_err(|e| format!("pipeline `{}`: {e}", p.name))?
                    .ok_or_else(|| {
                        format!(
                            "pipeline `{}`: drop_detection_item removed every detection item of the rule",
                            p.name
                        )
                    })?;
                }
            }
            if let Some(id) = id {
                st.applied.insert(id.clone());
            }
        }
    }
    Ok((tree, st))
}

fn finish(pipelines: &[Pipeline], tree: W, st: State<'_>) -> Result<Outcome, String> {
    let expr = to_expr(tree);
    let mut unresolved = None;
    expr.walk(&mut |e| {
        let v = match e {
            Expr::Test(FieldTest {
                test: Test::Pattern { value, .. },
                ..
            })
            | Expr::Keyword(Keyword { value, .. }) => value,
            _ => return,
        };
        for part in &v.parts {
            if let Part::Placeholder(n) = part {
                unresolved.get_or_insert_with(|| n.clone());
            }
        }
    });
    if let Some(n) = unresolved {
        return Err(format!(
            "placeholder %{n}% has no value (add it under `placeholders` of a config or handle it with a pipeline's value_placeholders / wildcard_placeholders)"
        ));
    }
    let mut indices: Vec<String> = pipelines
        .iter()
        .flat_map(|p| &p.indices)
        .filter(|r| logsource_matches(&r.logsource, &st.logsource))
        .flat_map(|r| r.index.iter().cloned())
        .collect();
    indices.sort();
    indices.dedup();
    Ok(Outcome {
        expr,
        indices,
        warnings: st.warnings,
    })
}

#[cfg(test)]
mod tests {
    use crate::mapping::ConfigSet;
    use crate::mapping::ir::CaseStrategy;
    use crate::mapping::pipeline::Pipeline;
    use crate::mapping::query_string;

    const RULE: &str = "title: t\nlogsource:\n    category: process_creation\n    product: windows\ntags:\n    - attack.t1059\ndetection:\n    sel:\n        Image|endswith: '\\cmd.exe'\n        CommandLine: 'whoami'\n        ProcessId: 4\n    condition: sel\n";

    fn rule(text: &str) -> crate::rule::Rule {
        let parsed = crate::rule::file::parse_bytes("r.yml", text.as_bytes());
        match parsed.docs[0].doc.clone() {
            Some(crate::rule::Document::Rule(r)) => r,
            other => panic!("{other:?} {:?}", parsed.diags),
        }
    }

    /// The es-qs text of `rule_text` under pipelines `texts` (in order, priorities as written).
    fn run(texts: &[&str], rule_text: &str) -> Result<(String, Vec<String>), String> {
        let pipelines = texts
            .iter()
            .enumerate()
            .map(|(i, t)| Pipeline::parse(&format!("p{i}.yml"), t).unwrap())
            .collect();
        let set = ConfigSet::default().with_pipelines(pipelines);
        let q = set.build(&rule(rule_text)).map_err(|e| e.0)?;
        let text = query_string::render(&q.queries[0].expr, Some(CaseStrategy::Exact))?;
        Ok((text, q.queries[0].indices.clone()))
    }

    fn q(texts: &[&str]) -> String {
        run(texts, RULE).unwrap().0
    }

    fn item(body: &str) -> String {
        format!("transformations:\n  - id: it\n{body}")
    }

    #[test]
    fn field_name_mapping_one_and_many() {
        assert_eq!(
            q(&[&item(
                "    type: field_name_mapping\n    mapping:\n      Image: process.executable\n      CommandLine: [process.command_line, message]\n"
            )]),
            "(process.executable:*\\\\cmd.exe AND (process.command_line:whoami OR message:whoami) AND ProcessId:4)"
        );
    }

    #[test]
    fn prefix_suffix_and_prefix_mapping() {
        assert_eq!(
            q(&[&item("    type: field_name_prefix\n    prefix: 'w.'\n")]),
            "(w.Image:*\\\\cmd.exe AND w.CommandLine:whoami AND w.ProcessId:4)"
        );
        assert_eq!(
            q(&[&item(
                "    type: field_name_suffix\n    suffix: '.keyword'\n    field_name_conditions:\n      - type: include_fields\n        fields: [Image]\n"
            )]),
            "(Image.keyword:*\\\\cmd.exe AND CommandLine:whoami AND ProcessId:4)"
        );
        assert_eq!(
            q(&[&item(
                "    type: field_name_prefix_mapping\n    mapping:\n      Comm: cmd.\n      Proc: p.\n"
            )]),
            "(Image:*\\\\cmd.exe AND cmd.andLine:whoami AND p.essId:4)"
        );
    }

    #[test]
    fn add_condition_and_negated() {
        assert_eq!(
            q(&[&item(
                "    type: add_condition\n    conditions:\n      EventID: [1, 4688]\n"
            )]),
            "((EventID:(1 OR 4688)) AND Image:*\\\\cmd.exe AND CommandLine:whoami AND ProcessId:4)"
                .replace("((EventID:(1 OR 4688)) AND", "(EventID:(1 OR 4688) AND")
        );
        assert_eq!(
            q(&[&item(
                "    type: add_condition\n    negated: true\n    conditions:\n      User: SYSTEM\n"
            )]),
            "((NOT User:SYSTEM) AND Image:*\\\\cmd.exe AND CommandLine:whoami AND ProcessId:4)"
        );
    }

    #[test]
    fn change_logsource_is_seen_by_later_items_and_indices() {
        let p = "indices:\n  - service: sysmon\n    index: [logs-sysmon-*]\ntransformations:\n  - type: change_logsource\n    service: sysmon\n  - type: field_name_prefix\n    prefix: s.\n    rule_conditions:\n      - type: logsource\n        service: sysmon\n";
        let (text, idx) = run(&[p], RULE).unwrap();
        assert!(text.starts_with("(s.Image"), "{text}");
        assert_eq!(idx, vec!["logs-sysmon-*"]);
    }

    #[test]
    fn values_replace_map_set_convert_case() {
        assert_eq!(
            q(&[&item(
                "    type: replace_string\n    regex: '^\\\\(.*)$'\n    replacement: '/\\1'\n"
            )]),
            "(Image:*\\/cmd.exe AND CommandLine:whoami AND ProcessId:4)"
        );
        assert_eq!(
            q(&[&item(
                "    type: map_string\n    mapping:\n      whoami: [whoami.exe, id]\n"
            )]),
            "(Image:*\\\\cmd.exe AND CommandLine:(whoami.exe OR id) AND ProcessId:4)"
        );
        assert_eq!(
            q(&[&item(
                "    type: set_value\n    value: x\n    field_name_conditions:\n      - type: include_fields\n        fields: [CommandLine]\n"
            )]),
            "(Image:*\\\\cmd.exe AND CommandLine:x AND ProcessId:4)"
        );
        let set = ConfigSet::default().with_pipelines(vec![
            Pipeline::parse("p", &item("    type: convert_type\n    target_type: str\n")).unwrap(),
        ]);
        let e = set.build(&rule(RULE)).unwrap().queries[0].expr.clone();
        let mut strings = 0;
        e.walk(&mut |n| {
            if let crate::mapping::Expr::Test(t) = n {
                strings += matches!(t.test, crate::mapping::Test::Pattern { .. }) as usize;
            }
        });
        assert_eq!(strings, 3, "the number became a string");
        assert_eq!(
            q(&[&item("    type: case\n    method: upper\n")]),
            "(Image:*\\\\CMD.EXE AND CommandLine:WHOAMI AND ProcessId:4)"
        );
        let e = run(
            &[&item("    type: convert_type\n    target_type: num\n")],
            RULE,
        )
        .unwrap_err();
        assert!(e.contains("is not a number"), "{e}");
    }

    #[test]
    fn drop_and_failures() {
        assert_eq!(
            q(&[&item(
                "    type: drop_detection_item\n    field_name_conditions:\n      - type: include_fields\n        fields: [ProcessId]\n"
            )]),
            "(Image:*\\\\cmd.exe AND CommandLine:whoami)"
        );
        assert!(
            run(&[&item("    type: drop_detection_item\n")], RULE)
                .unwrap_err()
                .contains("every detection item")
        );
        assert_eq!(
            run(&[&item("    type: rule_failure\n    message: no way\n    rule_conditions:\n      - type: tag\n        tag: attack.t1059\n")], RULE).unwrap_err(),
            "no way"
        );
        assert!(run(&[&item("    type: detection_item_failure\n    message: bad item\n    field_name_conditions:\n      - type: include_fields\n        fields: [ProcessId]\n")], RULE).unwrap_err().contains("bad item"));
    }

    #[test]
    fn placeholders() {
        let r = RULE.replace("CommandLine: 'whoami'", "CommandLine|expand: '%cmd%'");
        let vals = "vars:\n  cmd: [a, b]\ntransformations:\n  - type: value_placeholders\n";
        assert_eq!(
            run(&[vals], &r).unwrap().0,
            "(Image:*\\\\cmd.exe AND CommandLine:(a OR b) AND ProcessId:4)"
        );
        let wild = "transformations:\n  - type: wildcard_placeholders\n";
        assert_eq!(
            run(&[wild], &r).unwrap().0,
            "(Image:*\\\\cmd.exe AND CommandLine:* AND ProcessId:4)"
        );
        let none = "transformations:\n  - type: wildcard_placeholders\n    exclude: [cmd]\n";
        assert!(
            run(&[none], &r)
                .unwrap_err()
                .contains("placeholder %cmd% has no value")
        );
        let qe = "transformations:\n  - type: query_expression_placeholders\n    expression: '[{field}]'\n";
        assert!(
            run(&[qe], &r)
                .unwrap_err()
                .contains("raw backend query text")
        );
    }

    #[test]
    fn state_and_fields_list() {
        let p = "transformations:\n  - type: set_state\n    key: k\n    val: v\n  - type: field_name_prefix\n    prefix: s.\n    rule_conditions:\n      - type: processing_state\n        key: k\n        val: v\n    field_name_conditions:\n      - type: processing_state\n        key: k\n        val: v\n";
        assert!(q(&[p]).starts_with("(s.Image"));
        let set = ConfigSet::default().with_pipelines(vec![
            Pipeline::parse(
                "p",
                "name: n\ntransformations:\n  - type: add_field\n    field: x\n",
            )
            .unwrap(),
        ]);
        let w = set.build(&rule(RULE)).unwrap().warnings;
        assert_eq!(
            w,
            vec![
                "pipeline `n`: add_field changes the rule's `fields` list, which no sigmaforge target writes"
            ]
        );
    }

    #[test]
    fn rule_conditions() {
        let with = |cond: &str| {
            q(&[&item(&format!(
                "    type: field_name_prefix\n    prefix: x.\n    rule_conditions:\n{cond}"
            ))])
            .starts_with("(x.")
        };
        assert!(with(
            "      - type: logsource\n        category: process_creation\n"
        ));
        assert!(!with("      - type: logsource\n        product: linux\n"));
        assert!(with("      - type: tag\n        tag: attack.t1059\n"));
        assert!(!with("      - type: tag\n        tag: attack.t1000\n"));
        assert!(with(
            "      - type: contains_detection_item\n        field: CommandLine\n        value: whoami\n"
        ));
        assert!(!with(
            "      - type: contains_detection_item\n        field: CommandLine\n        value: id\n"
        ));
        assert!(with(
            "      - type: rule_attribute\n        attribute: title\n        value: t\n"
        ));
        assert!(with("      - type: is_sigma_rule\n"));
        assert!(!with("      - type: is_sigma_correlation_rule\n"));
        assert!(with(
            "      - type: tag\n        tag: nope\n      - type: is_sigma_rule\n    rule_cond_op: or\n"
        ));
        assert!(!with(
            "      - type: tag\n        tag: nope\n      - type: is_sigma_rule\n"
        ));
        assert!(with(
            "      - type: tag\n        tag: nope\n    rule_cond_not: true\n"
        ));
        let applied = "transformations:\n  - id: first\n    type: set_state\n    key: a\n    val: b\n  - type: field_name_prefix\n    prefix: x.\n    rule_conditions:\n      - type: processing_item_applied\n        processing_item_id: first\n";
        assert!(q(&[applied]).starts_with("(x."));
    }

    #[test]
    fn detection_item_and_field_conditions() {
        let pre = |conds: &str| {
            q(&[&item(&format!(
                "    type: field_name_prefix\n    prefix: x.\n{conds}"
            ))])
        };
        assert_eq!(
            pre(
                "    detection_item_conditions:\n      - type: match_string\n        pattern: '^who'\n        cond: any\n"
            ),
            "(Image:*\\\\cmd.exe AND x.CommandLine:whoami AND ProcessId:4)"
        );
        assert_eq!(
            pre(
                "    detection_item_conditions:\n      - type: match_string\n        pattern: '^who'\n        negate: true\n"
            ),
            "(x.Image:*\\\\cmd.exe AND CommandLine:whoami AND ProcessId:4)"
        );
        assert_eq!(
            pre("    detection_item_conditions:\n      - type: match_value\n        value: 4\n"),
            "(Image:*\\\\cmd.exe AND CommandLine:whoami AND x.ProcessId:4)"
        );
        assert_eq!(
            pre(
                "    field_name_conditions:\n      - type: exclude_fields\n        fields: ['^(Image|Command)']\n        mode: re\n"
            ),
            "(Image:*\\\\cmd.exe AND CommandLine:whoami AND x.ProcessId:4)"
        );
        assert_eq!(
            pre(
                "    field_name_conditions:\n      - type: include_fields\n        fields: [Image]\n      - type: include_fields\n        fields: [ProcessId]\n    field_name_cond_op: or\n    field_name_cond_not: true\n"
            ),
            "(Image:*\\\\cmd.exe AND x.CommandLine:whoami AND ProcessId:4)"
        );
        let null_rule = RULE.replace("ProcessId: 4", "ProcessId: null");
        let (text, _) = run(
            &[&item("    type: field_name_prefix\n    prefix: x.\n    detection_item_conditions:\n      - type: is_null\n        cond: all\n")],
            &null_rule,
        )
        .unwrap();
        assert_eq!(
            text,
            "(Image:*\\\\cmd.exe AND CommandLine:whoami AND (NOT _exists_:x.ProcessId))"
        );
        let applied = "transformations:\n  - id: m\n    type: field_name_mapping\n    mapping:\n      Image: process.executable\n  - type: field_name_prefix\n    prefix: x.\n    field_name_conditions:\n      - type: processing_item_applied\n        processing_item_id: m\n    field_name_cond_not: true\n";
        assert_eq!(
            q(&[applied]),
            "(process.executable:*\\\\cmd.exe AND x.CommandLine:whoami AND x.ProcessId:4)"
        );
    }

    #[test]
    fn pipelines_run_by_priority_then_given_order() {
        let a = "priority: 20\ntransformations:\n  - type: field_name_prefix\n    prefix: a.\n";
        let b = "priority: 10\ntransformations:\n  - type: field_name_prefix\n    prefix: b.\n";
        let c = "priority: 20\ntransformations:\n  - type: field_name_prefix\n    prefix: c.\n";
        assert!(
            q(&[a, b, c]).starts_with("(c.a.b.Image"),
            "{}",
            q(&[a, b, c])
        );
    }
}

#[cfg(test)]
mod field_tests {
    use super::*;

    #[test]
    fn a_correlation_field_is_mapped_like_the_queries() {
        let p = Pipeline::parse(
            "p",
            "transformations:\n  - type: add_condition\n    conditions:\n      Channel: Security\n  - type: field_name_mapping\n    mapping:\n      User: [user.name, winlog.user.name]\n      Channel: winlog.channel\n",
        )
        .unwrap();
        let parsed = crate::rule::file::parse_bytes(
            "r.yml",
            b"title: t\nlogsource:\n    product: windows\ndetection:\n    sel:\n        User: x\n    condition: sel\n",
        );
        let Some(crate::rule::Document::Rule(r)) = parsed.docs[0].doc.clone() else {
            panic!("{:?}", parsed.diags)
        };
        assert_eq!(
            map_field(&[p], &r, "User").unwrap(),
            vec!["user.name", "winlog.user.name"]
        );
    }
}
