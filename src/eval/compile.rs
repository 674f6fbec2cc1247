//! Compiles a typed rule (and the filter documents that name it) into a tree of [`Leaf`] tests, once,
//! so evaluating an event never re-reads the model, re-compiles a regex or re-lowercases a literal.

use super::matcher::{self, Leaf, Probe};
use crate::rule::condition::{Cond, Quantifier};
use crate::rule::modifier::{Modifier, TimeUnit};
use crate::rule::{Detection, FieldMatch, Filter, LogSource, Rule, Text};
use serde_json::Value;
use std::collections::BTreeMap;

/// One `field|modifiers: values` entry (or a keyword list), compiled.
#[derive(Debug, Clone)]
struct Item {
    /// `None` for keywords: every scalar of the event is searched.
    field: Option<String>,
    /// Per value, its alternatives (OR-ed).
    values: Vec<Vec<Leaf>>,
    /// Values AND-ed (`all`).
    all: bool,
    /// The item is negated (`neq`).
    negated: bool,
    /// A time part to extract from the field before comparing.
    unit: Option<TimeUnit>,
    /// Where [`Probes`] keeps this item's probe of an event (shared by every item of a rule set
    /// that reads the same field the same way); `usize::MAX` until [`CompiledRule::assign_slots`].
    slot: usize,
}

/// What an item reads of an event: a field (with a time part) or, for `None`, every value.
pub type ProbeKey = (Option<String>, Option<TimeUnit>);

/// The probes of one event, each computed on first use and shared by every item that reads the same
/// field: a rule set reads each field of an event once, whatever the number of rules.
pub struct Probes<'a> {
    slots: Vec<Option<Probe<'a>>>,
    touched: Vec<usize>,
    scratch: Option<Probe<'a>>,
}

impl<'a> Probes<'a> {
    /// Room for `slots` probes (see [`CompiledRule::assign_slots`]).
    pub fn new(slots: usize) -> Self {
        Probes {
            slots: (0..slots).map(|_| None).collect(),
            touched: Vec::new(),
            scratch: None,
        }
    }

    /// Forgets the probes of the previous event, keeping the room.
    pub fn clear(&mut self) {
        for i in self.touched.drain(..) {
            self.slots[i] = None;
        }
        self.scratch = None;
    }

    fn get(&mut self, item: &Item, ev: &'a Value) -> &Probe<'a> {
        let make = || match &item.field {
            Some(f) => Probe::field(ev, f, item.unit),
            None => Probe::keywords(ev),
        };
        match self.slots.get_mut(item.slot) {
            Some(slot) => {
                if slot.is_none() {
                    self.touched.push(item.slot);
                }
                slot.get_or_insert_with(make)
            }
            None => self.scratch.insert(make()),
        }
    }
}

impl Item {
    fn matches<'a>(&self, ev: &'a Value, probes: &mut Probes<'a>) -> bool {
        let probe = probes.get(self, ev);
        let test = |alts: &Vec<Leaf>| alts.iter().any(|l| l.test(probe, ev));
        let hit = if self.all {
            self.values.iter().all(test)
        } else {
            self.values.iter().any(test)
        };
        hit != self.negated
    }
}

/// A compiled condition over search indices.
#[derive(Debug, Clone)]
enum Node {
    Search(usize),
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    AnyOf(Vec<usize>),
    AllOf(Vec<usize>),
}

/// A detection block (of a rule or a filter) compiled: searches (OR of groups, AND of items) and its
/// conditions (OR-ed).
#[derive(Debug, Clone)]
pub struct CompiledDetection {
    searches: Vec<Vec<Vec<Item>>>,
    conditions: Vec<Node>,
}

impl CompiledDetection {
    /// Compiles a detection block; `Err` says why it cannot be evaluated.
    pub fn compile(
        d: &Detection,
        placeholders: &BTreeMap<String, Vec<String>>,
    ) -> Result<Self, String> {
        let mut searches = Vec::with_capacity(d.searches.len());
        for s in &d.searches {
            let mut groups = Vec::with_capacity(s.groups.len());
            for g in &s.groups {
                let items = g
                    .items
                    .iter()
                    .map(|fm| compile_item(fm, placeholders))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("search `{}`: {e}", s.name))?;
                groups.push(items);
            }
            searches.push(groups);
        }
        if d.conditions.is_empty() {
            return Err("the detection has no condition".into());
        }
        let conditions = d
            .conditions
            .iter()
            .map(|c| compile_cond(d, &c.tree))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CompiledDetection {
            searches,
            conditions,
        })
    }

    /// True when any condition holds for the event (its probes taken from `probes`).
    pub fn matches<'a>(&self, ev: &'a Value, probes: &mut Probes<'a>) -> bool {
        let mut cx = Cx {
            ev,
            probes,
            cache: [None; 16],
            more: Vec::new(),
        };
        if self.searches.len() > cx.cache.len() {
            cx.more = vec![None; self.searches.len()];
        }
        self.conditions.iter().any(|c| self.eval(c, &mut cx))
    }

    fn search(&self, i: usize, cx: &mut Cx<'_, '_>) -> bool {
        let known = match cx.more.get(i) {
            Some(b) => *b,
            None => cx.cache[i],
        };
        if let Some(b) = known {
            return b;
        }
        let b = self.searches[i]
            .iter()
            .any(|group| group.iter().all(|item| item.matches(cx.ev, cx.probes)));
        match cx.more.get_mut(i) {
            Some(slot) => *slot = Some(b),
            None => cx.cache[i] = Some(b),
        }
        b
    }

    fn eval(&self, n: &Node, cx: &mut Cx<'_, '_>) -> bool {
        match n {
            Node::Search(i) => self.search(*i, cx),
            Node::Not(x) => !self.eval(x, cx),
            Node::And(v) => v.iter().all(|x| self.eval(x, cx)),
            Node::Or(v) => v.iter().any(|x| self.eval(x, cx)),
            Node::AnyOf(v) => v.iter().any(|&i| self.search(i, cx)),
            Node::AllOf(v) => v.iter().all(|&i| self.search(i, cx)),
        }
    }

    fn items_mut(&mut self) -> impl Iterator<Item = &mut Item> {
        self.searches.iter_mut().flatten().flatten()
    }
}

/// One evaluation of a detection: the event, its probes, and the searches already answered (on the
/// stack for up to 16 searches, so a typical rule allocates nothing per event).
struct Cx<'p, 'a> {
    ev: &'a Value,
    probes: &'p mut Probes<'a>,
    cache: [Option<bool>; 16],
    more: Vec<Option<bool>>,
}

fn compile_item(
    fm: &FieldMatch,
    placeholders: &BTreeMap<String, Vec<String>>,
) -> Result<Item, String> {
    let cased = fm.chain.modifiers.contains(&Modifier::Cased);
    let mut values = Vec::with_capacity(fm.values.len());
    for v in &fm.values {
        let mut leaves = Vec::new();
        for m in &v.alternatives {
            leaves.extend(matcher::compile(m, cased, placeholders)?);
        }
        if fm.field.is_none() {
            if fm.chain.time_part.is_some() {
                return Err("a time modifier needs a field, not a keyword list".into());
            }
            if let Some(l) = leaves
                .iter()
                .find(|l| matches!(l, Leaf::Null | Leaf::Exists(_) | Leaf::FieldRef { .. }))
            {
                return Err(format!(
                    "keyword search with {} has no meaning without a field",
                    match l {
                        Leaf::Null => "null",
                        Leaf::Exists(_) => "`exists`",
                        _ => "`fieldref`",
                    }
                ));
            }
        }
        if leaves.is_empty() {
            return Err(format!("value {} produced nothing to match", v.raw));
        }
        values.push(leaves);
    }
    if values.is_empty() {
        return Err("empty value list".into());
    }
    Ok(Item {
        field: fm.field.clone(),
        values,
        all: fm.chain.all,
        negated: fm.chain.negated,
        unit: fm.chain.time_part,
        slot: usize::MAX,
    })
}

fn compile_cond(d: &Detection, c: &Cond) -> Result<Node, String> {
    let index = |name: &str| d.searches.iter().position(|s| s.name == name);
    Ok(match c {
        Cond::Ident { name, .. } => Node::Search(
            index(name).ok_or_else(|| format!("condition names unknown search `{name}`"))?,
        ),
        Cond::Not(x) => Node::Not(Box::new(compile_cond(d, x)?)),
        Cond::And(v) => Node::And(
            v.iter()
                .map(|x| compile_cond(d, x))
                .collect::<Result<_, _>>()?,
        ),
        Cond::Or(v) => Node::Or(
            v.iter()
                .map(|x| compile_cond(d, x))
                .collect::<Result<_, _>>()?,
        ),
        Cond::Of {
            quantifier,
            pattern,
            ..
        } => {
            let selected: Vec<usize> = d
                .select(pattern.as_deref())
                .iter()
                .filter_map(|s| index(&s.name))
                .collect();
            if selected.is_empty() {
                return Err(format!(
                    "`of {}` selects no search",
                    pattern.as_deref().unwrap_or("them")
                ));
            }
            match quantifier {
                Quantifier::Any => Node::AnyOf(selected),
                Quantifier::All => Node::AllOf(selected),
            }
        }
    })
}

/// A rule with the filter documents that apply to it, ready to test events.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    main: CompiledDetection,
    filters: Vec<CompiledDetection>,
}

/// Whether a filter's logsource fits the rule: every field the filter names must be equal (the rule
/// the mapping applies when converting, so evaluation and conversion agree).
fn filter_applies(filter: &LogSource, rule: &LogSource) -> bool {
    let same = |f: &Option<Text>, r: &Option<Text>| match f {
        None => true,
        Some(f) => r.as_ref().is_some_and(|r| r.value == f.value),
    };
    same(&filter.category, &rule.category)
        && same(&filter.product, &rule.product)
        && same(&filter.service, &rule.service)
}

impl CompiledRule {
    /// Compiles a rule and the filters that name it: each applicable filter's condition is AND-ed
    /// with the rule's, as in conversion. Returns the rule and warnings (filters not applied).
    pub fn compile(
        rule: &Rule,
        filters: &[&Filter],
        placeholders: &BTreeMap<String, Vec<String>>,
    ) -> Result<(Self, Vec<String>), String> {
        let main = CompiledDetection::compile(&rule.detection, placeholders)?;
        let mut compiled = Vec::new();
        let mut warnings = Vec::new();
        for f in filters {
            let title = f
                .meta
                .title
                .as_ref()
                .map_or("(untitled)", |t| t.value.as_str());
            if !filter_applies(&f.logsource, &rule.logsource) {
                warnings.push(format!(
                    "filter `{title}` names this rule but its logsource differs; not applied"
                ));
                continue;
            }
            compiled.push(
                CompiledDetection::compile(&f.detection, placeholders)
                    .map_err(|e| format!("filter `{title}`: {e}"))?,
            );
        }
        Ok((
            CompiledRule {
                main,
                filters: compiled,
            },
            warnings,
        ))
    }

    /// True when the rule matches the event and every applied filter's condition holds.
    pub fn matches(&self, ev: &Value) -> bool {
        self.matches_with(ev, &mut Probes::new(0))
    }

    /// [`CompiledRule::matches`] with the event's probes shared with other rules (see
    /// [`CompiledRule::assign_slots`]).
    pub fn matches_with<'a>(&self, ev: &'a Value, probes: &mut Probes<'a>) -> bool {
        self.main.matches(ev, probes) && self.filters.iter().all(|f| f.matches(ev, probes))
    }

    /// Gives every item the slot of what it reads in `slots` (adding new keys), so that rules
    /// evaluated with one [`Probes`] read each field of an event once.
    pub fn assign_slots(&mut self, slots: &mut std::collections::HashMap<ProbeKey, usize>) {
        for d in std::iter::once(&mut self.main).chain(self.filters.iter_mut()) {
            for item in d.items_mut() {
                let n = slots.len();
                item.slot = *slots.entry((item.field.clone(), item.unit)).or_insert(n);
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::rule::Document;
    use serde_json::json;

    /// Parses YAML documents (rules and filters) into the typed model.
    pub(crate) fn docs(src: &str) -> Vec<Document> {
        let f = crate::rule::file::parse_bytes("t.yml", src.as_bytes());
        assert!(
            f.docs.iter().all(|d| d.doc.is_some()),
            "rejected: {:?}",
            f.diags
        );
        f.docs.into_iter().filter_map(|d| d.doc).collect()
    }

    pub(crate) fn rule(detection: &str) -> Rule {
        let src = format!(
            "title: T\nid: 11111111-1111-4111-8111-111111111111\nlogsource:\n    product: windows\ndetection:\n{detection}"
        );
        match docs(&src).remove(0) {
            Document::Rule(r) => r,
            other => panic!("not a rule: {other:?}"),
        }
    }

    fn compiled(detection: &str) -> CompiledRule {
        CompiledRule::compile(&rule(detection), &[], &BTreeMap::new())
            .unwrap()
            .0
    }

    #[test]
    fn condition_operators() {
        let r = compiled(
            "    a:\n        x: 1\n    b:\n        y: 2\n    c:\n        z: 3\n    condition: a or b and not c\n",
        );
        assert!(r.matches(&json!({"x": 1, "z": 3})));
        assert!(r.matches(&json!({"y": 2})));
        assert!(!r.matches(&json!({"y": 2, "z": 3})));
        assert!(!r.matches(&json!({})));
    }

    #[test]
    fn of_patterns_and_them() {
        let d = "    sel_a:\n        x: 1\n    sel_b:\n        y: 2\n    _hidden:\n        z: 3\n";
        let any = compiled(&format!("{d}    condition: 1 of sel_*\n"));
        assert!(any.matches(&json!({"y": 2})));
        assert!(!any.matches(&json!({"z": 3})));
        let all = compiled(&format!("{d}    condition: all of sel_*\n"));
        assert!(!all.matches(&json!({"y": 2})));
        assert!(all.matches(&json!({"x": 1, "y": 2})));
        let them = compiled(&format!("{d}    condition: all of them\n"));
        assert!(
            them.matches(&json!({"x": 1, "y": 2})),
            "`_hidden` is not in `them`"
        );
        let any_them = compiled(&format!("{d}    condition: any of them\n"));
        assert!(!any_them.matches(&json!({"z": 3})));
        let under = compiled(&format!("{d}    condition: 1 of _h*\n"));
        assert!(under.matches(&json!({"z": 3})));
    }

    #[test]
    fn condition_lists_are_ored() {
        let r = compiled(
            "    a:\n        x: 1\n    b:\n        y: 2\n    condition:\n        - a\n        - b\n",
        );
        assert!(r.matches(&json!({"y": 2})));
        assert!(r.matches(&json!({"x": 1})));
        assert!(!r.matches(&json!({"x": 2})));
    }

    #[test]
    fn maps_and_lists_of_maps() {
        let r = compiled(
            "    sel:\n        - x: 1\n          y: 2\n        - z: [a, b]\n    condition: sel\n",
        );
        assert!(r.matches(&json!({"x": 1, "y": 2})));
        assert!(!r.matches(&json!({"x": 1})), "a mapping is AND-ed");
        assert!(r.matches(&json!({"z": "B"})), "list values are OR-ed");
    }

    #[test]
    fn all_modifier() {
        let r = compiled(
            "    sel:\n        c|contains|all:\n            - -a\n            - -b\n    condition: sel\n",
        );
        assert!(r.matches(&json!({"c": "x -b -a"})));
        assert!(!r.matches(&json!({"c": "x -a"})));
    }

    #[test]
    fn neq_differs_from_every_value() {
        let r = compiled(
            "    sel:\n        u|neq:\n            - SYSTEM\n            - root\n    condition: sel\n",
        );
        assert!(r.matches(&json!({"u": "alice"})));
        assert!(!r.matches(&json!({"u": "system"})));
        assert!(!r.matches(&json!({"u": "ROOT"})));
        let n = compiled("    sel:\n        n|neq: 5\n    condition: sel\n");
        assert!(n.matches(&json!({"n": 6})));
        assert!(!n.matches(&json!({"n": "5"})));
    }

    #[test]
    fn keywords_search_every_value() {
        let r = compiled("    kw:\n        - 'evil*'\n        - 'mimikatz'\n    condition: kw\n");
        assert!(r.matches(&json!({"a": {"b": ["x", "EVILCORP"]}})));
        assert!(r.matches(&json!({"m": "Mimikatz"})));
        assert!(
            !r.matches(&json!({"m": "mimikatz.exe"})),
            "keywords are whole values unless wildcarded"
        );
        assert!(!r.matches(&json!({"evil": 1})), "keys are not searched");
        let c = compiled(
            "    kw:\n        '|contains|all':\n            - 'a1'\n            - 'b2'\n    condition: kw\n",
        );
        assert!(c.matches(&json!({"x": "xa1", "y": ["b2y"]})));
        assert!(!c.matches(&json!({"x": "xa1"})));
        let n = compiled("    kw:\n        - 4688\n    condition: kw\n");
        assert!(n.matches(&json!({"id": 4688})));
        assert!(n.matches(&json!({"id": "4688"})));
    }

    #[test]
    fn dotted_fields_reach_nested_objects() {
        let r = compiled(
            "    sel:\n        process.name: cmd.exe\n        user.roles: admin\n    condition: sel\n",
        );
        assert!(r.matches(
            &json!({"process": {"name": "CMD.EXE"}, "user": {"roles": ["guest", "admin"]}})
        ));
        assert!(r.matches(&json!({"process.name": "cmd.exe", "user.roles": "admin"})));
        assert!(!r.matches(&json!({"process": {"name": "sh"}, "user": {"roles": "admin"}})));
    }

    #[test]
    fn time_part_with_comparison_and_ranges() {
        let r = compiled(
            "    sel:\n        t|hour|gte: 22\n    night:\n        t|hour|lt: 6\n    condition: sel or night\n",
        );
        assert!(r.matches(&json!({"t": "2026-05-01T23:10:00Z"})));
        assert!(r.matches(&json!({"t": "2026-05-01 05:59:59"})));
        assert!(!r.matches(&json!({"t": "2026-05-01T12:00:00Z"})));
        assert!(!r.matches(&json!({"t": "yesterday"})));
    }

    #[test]
    fn neq_with_regex_and_cidr() {
        let re = compiled("    sel:\n        c|re|neq: '^C:\\\\Windows'\n    condition: sel\n");
        assert!(re.matches(&json!({"c": "D:\\x"})));
        assert!(!re.matches(&json!({"c": "C:\\Windows\\x"})));
        let ip = compiled(
            "    sel:\n        ip|cidr|neq:\n            - 10.0.0.0/8\n            - 192.168.0.0/16\n    condition: sel\n",
        );
        assert!(ip.matches(&json!({"ip": "8.8.8.8"})));
        assert!(!ip.matches(&json!({"ip": "192.168.3.3"})));
    }

    #[test]
    fn null_and_exists_in_conditions() {
        let r = compiled(
            "    sel:\n        a: x\n    no_b:\n        b: null\n    has_c:\n        c|exists: false\n    condition: sel and no_b and has_c\n",
        );
        assert!(r.matches(&json!({"a": "x"})));
        assert!(r.matches(&json!({"a": "x", "b": null})));
        assert!(!r.matches(&json!({"a": "x", "b": ""})));
        assert!(
            !r.matches(&json!({"a": "x", "c": null})),
            "a null field exists"
        );
    }

    #[test]
    fn placeholder_without_value_is_not_evaluable() {
        let r = rule("    sel:\n        h|expand: '%DomainControllers%'\n    condition: sel\n");
        let e = CompiledRule::compile(&r, &[], &BTreeMap::new()).unwrap_err();
        assert!(
            e.contains("search `sel`") && e.contains("%DomainControllers%"),
            "{e}"
        );
        let mut p = BTreeMap::new();
        p.insert("DomainControllers".to_string(), vec!["dc1".to_string()]);
        let (c, _) = CompiledRule::compile(&r, &[], &p).unwrap();
        assert!(c.matches(&json!({"h": "DC1"})));
    }

    #[test]
    fn keyword_regex_is_evaluable() {
        let r = rule("    kw:\n        '|re': 'x'\n    condition: kw\n");
        assert!(CompiledRule::compile(&r, &[], &BTreeMap::new()).is_ok());
    }

    #[test]
    fn filters_are_anded_when_logsource_fits() {
        let src = "title: R\nid: 22222222-2222-4222-8222-222222222222\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n    sel:\n        Image|endswith: '\\cmd.exe'\n    condition: sel\n---\ntitle: F\nlogsource:\n    product: windows\nfilter:\n    rules:\n        - 22222222-2222-4222-8222-222222222222\n    selection:\n        User: admin\n    condition: not selection\n---\ntitle: G\nlogsource:\n    product: linux\nfilter:\n    rules:\n        - 22222222-2222-4222-8222-222222222222\n    selection:\n        User: bob\n    condition: not selection\n";
        let d = docs(src);
        let (Document::Rule(r), Document::Filter(f), Document::Filter(g)) = (&d[0], &d[1], &d[2])
        else {
            panic!("shapes")
        };
        let (c, warnings) = CompiledRule::compile(r, &[f, g], &BTreeMap::new()).unwrap();
        assert!(
            c.matches(&json!({"Image": "C:\\cmd.exe", "User": "bob"})),
            "G is not applied"
        );
        assert!(!c.matches(&json!({"Image": "C:\\cmd.exe", "User": "Admin"})));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("`G`"), "{warnings:?}");
    }
}
