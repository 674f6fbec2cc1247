//! SV421: a one-element list or a list holding one mapping is the inline form written the long way
//! (SigmaHQ CI, test_rules.py).

use super::{DocCx, Findings, Check};
use crate::rule::yaml::Yaml;

validator!(
    "SV421",
    "one-element-list",
    Warning,
    SigmaHqCi,
    [],
    "A field value is a list of one element, or a search is a list holding a single mapping."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(Yaml::Map(searches)) = cx.raw_detection().map(|d| &d.value) else {
            return;
        };
        for (name, body) in searches {
            if name.text == "condition" || name.text == "timeframe" {
                continue;
            }
            let maps: Vec<&crate::rule::yaml::Node> = match &body.value {
                Yaml::Seq(items) => {
                    if let [only] = items.as_slice()
                        && matches!(only.value, Yaml::Map(_))
                    {
                        out.report(
                            &cx.src.path,
                            name.pos,
                            format!(
                                "`{}` is a list holding one mapping; write the mapping inline",
                                name.text
                            ),
                        );
                    }
                    items
                        .iter()
                        .filter(|i| matches!(i.value, Yaml::Map(_)))
                        .collect()
                }
                Yaml::Map(_) => vec![body],
                _ => vec![],
            };
            for m in maps {
                if let Yaml::Map(entries) = &m.value {
                    for (k, v) in entries {
                        if let Yaml::Seq(vals) = &v.value
                            && vals.len() == 1
                        {
                            out.report(
                                &cx.src.path,
                                k.pos,
                                format!(
                                    "`{}` has a one-element list; write the value inline",
                                    k.text
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
}
