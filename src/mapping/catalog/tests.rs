//! Tests against the embedded catalog (facts checked in ../shared/elastic/fields) and against
//! user mapping files.

use super::*;
use std::path::Path;

fn catalog() -> FieldCatalog {
    FieldCatalog::embedded().expect("embedded catalog parses")
}

fn one<'c>(cat: &'c FieldCatalog, pattern: &str) -> IndexRef<'c> {
    let r = cat.resolve(pattern);
    let members: Vec<_> = r.indices().collect();
    assert_eq!(members.len(), 1, "{pattern} should resolve to one index");
    members[0]
}

#[test]
fn embedded_catalog_has_all_sources() {
    let cat = catalog();
    assert_eq!(cat.ecs_version(), "9.4.0");
    assert_eq!(cat.indices().count(), 210);
    let process = one(&cat, "logs-endpoint.events.process-*");
    assert_eq!(process.declared_count(), 437);
    assert_eq!(*process.undeclared(), Undeclared::NotSearchable);
    match process.source() {
        IndexSource::Embedded {
            source, version, ..
        } => {
            assert_eq!(source, "endpoint");
            assert_eq!(version.as_deref(), Some("9.5.0"));
            assert_eq!(
                cat.source_info(source).and_then(|s| s.license.as_deref()),
                Some("Elastic License 2.0 (repo LICENSE.txt: Elastic License Agreement)")
            );
        }
        other => panic!("unexpected source {other:?}"),
    }
}

#[test]
fn parent_image_caseless_exists_in_defend_but_not_in_sysmon() {
    let cat = catalog();
    let defend = one(&cat, "logs-endpoint.events.process-*");
    let caseless = defend
        .lookup("process.parent.executable.caseless")
        .expect("Elastic Defend has process.parent.executable.caseless");
    assert_eq!(caseless.ty, FieldType::Keyword);
    assert_eq!(caseless.normalizer.as_deref(), Some("lowercase"));
    assert!(caseless.is_case_insensitive());
    assert_eq!(
        caseless.origin,
        Origin::MultiField {
            parent: "process.parent.executable".into()
        }
    );
    let parent = defend.lookup("process.parent.executable").unwrap();
    assert_eq!(parent.lowercase_subfield(), Some("caseless"));
    assert!(!parent.is_case_insensitive());

    let sysmon = one(&cat, "logs-windows.sysmon_operational-*");
    let parent = sysmon.lookup("process.parent.executable").unwrap();
    assert_eq!(parent.ty, FieldType::Keyword);
    assert_eq!(parent.lowercase_subfield(), None);
    assert_eq!(
        parent.subfield("text").map(|s| &s.ty),
        Some(&FieldType::MatchOnlyText)
    );
    for pattern in [
        "logs-windows.sysmon_operational-*",
        "logs-windows.forwarded-*",
        "logs-system.security-*",
    ] {
        let ix = one(&cat, pattern);
        assert_eq!(
            ix.lookup("process.parent.executable.caseless"),
            None,
            "{pattern}"
        );
        assert_eq!(
            ix.lookup("process.command_line.caseless"),
            None,
            "{pattern}"
        );
        for field in ["process.executable", "process.name"] {
            let info = ix.lookup(field).unwrap();
            assert_eq!(
                info.lowercase_subfield(),
                Some("caseless"),
                "{pattern} {field}"
            );
        }
    }
    assert_eq!(
        one(&cat, "logs-windows.powershell-*").lookup("process.name.caseless"),
        None
    );
}

#[test]
fn caseless_across_a_wildcard_pattern_needs_every_member() {
    let cat = catalog();
    let events = cat.resolve("logs-endpoint.events.*");
    assert_eq!(events.indices().count(), 8);
    let v = events.field("process.parent.executable");
    assert!(v.exists());
    assert_eq!(v.missing_in().len(), 6, "only process and security have it");
    assert_eq!(v.lowercase_subfield().as_deref(), Some("caseless"));

    let mixed = cat.resolve("logs-endpoint.events.process-*,logs-windows.sysmon_operational-*");
    let v = mixed.field("process.parent.executable");
    assert_eq!(v.types(), [FieldType::Keyword]);
    assert_eq!(v.lowercase_subfield(), None, "sysmon lacks .caseless");
    assert_eq!(
        mixed
            .field("process.executable")
            .lowercase_subfield()
            .as_deref(),
        Some("caseless")
    );
}

#[test]
fn exclusions_and_cluster_prefixes() {
    let cat = catalog();
    let r = cat.resolve("remote:logs-endpoint.events.*, -logs-endpoint.events.api-*");
    let names: Vec<String> = r.indices().map(|i| i.name()).collect();
    assert_eq!(names.len(), 7);
    assert!(!names.contains(&"logs-endpoint.events.api-*".to_string()));
    assert!(cat.resolve("no-such-index-*").is_empty());
    assert_eq!(cat.resolve("logs-*").indices().count(), {
        cat.indices()
            .filter(|i| i.patterns()[0].starts_with("logs-"))
            .count()
    });
}

#[test]
fn source_port_is_long() {
    let cat = catalog();
    assert_eq!(cat.ecs_field("source.port").unwrap().ty, FieldType::Long);
    let network = cat.resolve("logs-endpoint.events.network-*");
    let v = network.field("source.port");
    assert!(v.is_numeric());
    assert!(!v.is_ip());
    let beat = one(&cat, "winlogbeat-*").lookup("source.port").unwrap();
    assert_eq!((beat.ty, beat.origin), (FieldType::Long, Origin::Ecs));
    assert!(network.field("source.ip").is_ip());
    // Defend's process stream is dynamic: false and does not declare it.
    let process = cat.resolve("logs-endpoint.events.process-*");
    assert!(!process.field("source.port").exists());
}

#[test]
fn object_type_and_flattened_children() {
    let cat = catalog();
    for pattern in ["winlogbeat-*", "logs-windows.sysmon_operational-*"] {
        let info = one(&cat, pattern)
            .lookup("winlog.event_data.ParentImage")
            .unwrap();
        assert_eq!(info.ty, FieldType::Keyword, "{pattern}");
        assert_eq!(
            info.origin,
            Origin::ObjectType {
                parent: "winlog.event_data".into()
            }
        );
    }
    let trail = one(&cat, "logs-aws.cloudtrail-*");
    let key = trail
        .lookup("aws.cloudtrail.flattened.request_parameters.bucketName")
        .unwrap();
    assert_eq!(key.ty, FieldType::Keyword);
    assert!(!key.is_case_insensitive());
    assert_eq!(
        key.origin,
        Origin::Flattened {
            parent: "aws.cloudtrail.flattened.request_parameters".into()
        }
    );
    // ECS `labels` is an object with `object_type: keyword`: any key under it is a keyword.
    let label = one(&cat, "winlogbeat-*").lookup("labels.team").unwrap();
    assert_eq!(label.ty, FieldType::Keyword);
    assert_eq!(
        label.origin,
        Origin::ObjectType {
            parent: "labels".into()
        }
    );
    assert_eq!(
        trail.lookup("aws.cloudtrail.error_code").unwrap().ty,
        FieldType::Keyword
    );
    // A key under a keyword leaf is not a field.
    assert_eq!(trail.lookup("aws.cloudtrail.error_code.x"), None);
}

#[test]
fn dynamic_templates_type_undeclared_fields_in_integrations() {
    let cat = catalog();
    let okta = one(&cat, "logs-okta.system-*");
    assert!(
        matches!(okta.undeclared(), Undeclared::Dynamic { templates: Some(t), .. } if t == "ecs@mappings")
    );

    let cmd = okta.lookup("process.command_line").unwrap();
    assert_eq!(cmd.ty, FieldType::Wildcard);
    assert_eq!(cmd.subfield("text").unwrap().ty, FieldType::MatchOnlyText);
    assert_eq!(
        cmd.origin,
        Origin::DynamicTemplate {
            template: "ecs_match_wildcard_and_match_only_text".into()
        }
    );
    assert!(cmd.origin.is_inferred());

    let ua = okta.lookup("user_agent.original").unwrap();
    assert_eq!(ua.ty, FieldType::Keyword);
    assert_eq!(okta.lookup("source.ip").unwrap().ty, FieldType::Ip);
    let other = okta.lookup("okta.some_new_key").unwrap();
    assert_eq!(
        (other.ty, other.ignore_above),
        (FieldType::Keyword, Some(1024))
    );
    // ECS says long: a pipeline writes a JSON number, no template matches, ES maps it as long.
    let port = okta.lookup("source.port").unwrap();
    assert_eq!(
        (port.ty, port.origin),
        (FieldType::Long, Origin::DefaultDynamic)
    );
    assert_eq!(
        okta.lookup_as("source.port", ValueKind::String).unwrap().ty,
        FieldType::Keyword
    );
    let v = cat
        .resolve("logs-okta.system-*")
        .field("process.command_line");
    assert!(v.exists() && !v.is_declared());
}

#[test]
fn nearest_suggests_declared_names() {
    let cat = catalog();
    let sysmon = cat.resolve("logs-windows.sysmon_operational-*");
    assert_eq!(
        sysmon.nearest("process.parent.exectuable", 1),
        ["process.parent.executable"]
    );
    let got = sysmon.nearest("process.parent.executable.caseless", 3);
    assert_eq!(got[0], "process.parent.executable", "{got:?}");
    assert!(
        got.contains(&"process.executable.caseless".to_string()),
        "{got:?}"
    );
    let defend = cat.resolve("logs-endpoint.events.process-*");
    assert_eq!(
        defend.nearest("parent.executable", 1),
        ["process.parent.executable"]
    );
}

const LIVE: &str = r#"{
  ".ds-logs-windows.sysmon_operational-default-2024.05.01-000001": {
    "mappings": {
      "dynamic_templates": [{"strings": {"match_mapping_type": "string", "mapping": {"type": "keyword"}}}],
      "properties": {
        "process": {"properties": {
          "executable": {"type": "keyword", "fields": {"caseless": {"type": "keyword", "normalizer": "lowercase"}}},
          "command_line": {"type": "text"}
        }},
        "source": {"properties": {"port": {"type": "long"}}}
      }
    }
  },
  ".ds-logs-windows.sysmon_operational-default-2024.06.01-000002": {
    "mappings": {"properties": {"process": {"properties": {"pid": {"type": "long"}}}}}
  }
}"#;

#[test]
fn user_live_mapping_replaces_embedded_and_reports_missing_and_text() {
    let mut cat = catalog();
    let added = cat
        .add_user_mapping(LIVE, Path::new("sysmon_mapping.json"))
        .unwrap();
    assert_eq!(added, ["logs-windows.sysmon_operational-default"]);
    let r = cat.resolve("logs-windows.*");
    let names: Vec<String> = r.indices().map(|i| i.name()).collect();
    assert!(names.contains(&"logs-windows.sysmon_operational-default".to_string()));
    assert!(!names.contains(&"logs-windows.sysmon_operational-*".to_string()));
    assert!(names.contains(&"logs-windows.forwarded-*".to_string()));

    let user = cat.resolve("logs-windows.sysmon_operational-*");
    let ix = user.indices().next().unwrap();
    assert!(matches!(
        ix.source(),
        IndexSource::User {
            kind: UserMappingKind::LiveMapping,
            ..
        }
    ));
    assert_eq!(*ix.undeclared(), Undeclared::NeverSeen);
    // Missing: no document has had it, whatever the dynamic templates say.
    let parent = user.field("process.parent.executable");
    assert!(!parent.exists());
    assert_eq!(parent.missing_in().len(), 1);
    // Text: analyzed, so a keyword-style wildcard query behaves differently.
    let cmd = user.field("process.command_line");
    assert_eq!(cmd.types(), [FieldType::Text]);
    assert!(cmd.is_case_insensitive());
    assert_eq!(
        user.field("process.executable")
            .lowercase_subfield()
            .as_deref(),
        Some("caseless")
    );
    // Both backing indices are folded into the data stream.
    assert!(user.field("process.pid").is_numeric());
    assert!(user.field("source.port").is_numeric());
}

#[test]
fn user_index_template_with_dynamic_templates() {
    let text = r#"{"index_templates": [{
        "name": "my-sysmon",
        "index_template": {
          "index_patterns": ["sysmon-*"],
          "composed_of": ["sysmon@custom"],
          "template": {"mappings": {
            "dynamic_templates": [
              {"ids": {"match": "^.*_id$", "match_pattern": "regex", "mapping": {"type": "long"}}},
              {"ip": {"path_match": "*.ip", "mapping": {"type": "ip"}}}
            ],
            "properties": {
              "Image": {"type": "keyword", "normalizer": "lowercase"},
              "ImageAlias": {"type": "alias", "path": "Image"},
              "meta": {"type": "object", "enabled": false},
              "CommandLine": {"type": "wildcard"}
            }
          }}
        }
    }]}"#;
    let mut cat = catalog();
    assert_eq!(
        cat.add_user_mapping(text, Path::new("tpl.json")).unwrap(),
        ["sysmon-*"]
    );
    let ix = one(&cat, "sysmon-2024.05");
    match ix.source() {
        IndexSource::User {
            name,
            kind: UserMappingKind::IndexTemplate { composed_of },
            ..
        } => {
            assert_eq!(name, "my-sysmon");
            assert_eq!(composed_of, &["sysmon@custom"]);
        }
        other => panic!("unexpected {other:?}"),
    }
    let image = ix.lookup("Image").unwrap();
    assert!(image.is_case_insensitive());
    let alias = ix.lookup("ImageAlias").unwrap();
    assert_eq!(
        (alias.ty, alias.origin),
        (
            FieldType::Keyword,
            Origin::Alias {
                target: "Image".into()
            }
        )
    );
    assert_eq!(ix.lookup("meta.anything"), None);
    assert_eq!(
        ix.lookup_as("Logon_id", ValueKind::String).unwrap().ty,
        FieldType::Long
    );
    assert_eq!(ix.lookup("client.ip").unwrap().ty, FieldType::Ip);
    let fallback = ix.lookup("User").unwrap();
    assert_eq!(
        (&fallback.ty, &fallback.origin),
        (&FieldType::Text, &Origin::DefaultDynamic)
    );
    assert_eq!(
        fallback.subfield("keyword").unwrap().ignore_above,
        Some(256)
    );
    // The embedded catalog has no sysmon-* index, so nothing was replaced.
    assert_eq!(cat.indices().count(), 211);
}

#[test]
fn template_body_and_strict_mapping() {
    let text = r#"{"index_patterns": ["audit-*"], "template": {"mappings": {"dynamic": "strict",
        "properties": {"user": {"properties": {"name": {"type": "keyword"}}}}}}}"#;
    let mut cat = catalog();
    cat.add_user_mapping(text, Path::new("dir/audit.json"))
        .unwrap();
    let ix = one(&cat, "audit-*");
    assert!(matches!(ix.source(), IndexSource::User { name, .. } if name == "audit"));
    assert_eq!(*ix.undeclared(), Undeclared::NotSearchable);
    assert_eq!(ix.lookup("user.name").unwrap().ty, FieldType::Keyword);
    assert_eq!(ix.lookup("user.id"), None);
}

#[test]
fn bad_mapping_files_are_clear_errors() {
    let mut cat = catalog();
    let err = |cat: &mut FieldCatalog, text: &str| {
        cat.add_user_mapping(text, Path::new("m.json"))
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err(&mut cat, "{\n  \"a\": \n"),
        "m.json: EOF while parsing a value at line 3 column 0"
    );
    assert!(
        err(&mut cat, r#"{"idx": {"settings": {}}}"#)
            .starts_with("m.json: at idx: expected `GET <index>/_mapping` output")
    );
    assert_eq!(
        err(
            &mut cat,
            r#"{"idx": {"mappings": {"properties": {"a": {"type": 5}}}}}"#
        ),
        "m.json: at idx.mappings.properties.a.type: expected a string, found a number"
    );
    assert_eq!(
        err(&mut cat, r#"{"component_templates": []}"#),
        "m.json: at component_templates: component templates name no index; give \
         `GET <index>/_mapping` or `GET _index_template/<name>` output instead"
    );
    assert_eq!(
        err(&mut cat, "{}"),
        "m.json: at top level: no index or template in the file"
    );
    let mut deep = String::from(r#"{"idx": {"mappings": {"properties": "#);
    for _ in 0..=MAX_MAPPING_DEPTH {
        deep.push_str(r#"{"a": {"properties": "#);
    }
    deep.push_str("{}");
    for _ in 0..=MAX_MAPPING_DEPTH {
        deep.push_str("}}");
    }
    deep.push_str("}}}");
    let msg = err(&mut cat, &deep);
    assert!(msg.contains("nested deeper than 32 levels"), "{msg}");
    // Nothing was added by the failed loads.
    assert_eq!(cat.indices().count(), 210);
}

#[test]
fn oversized_and_missing_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(MAX_MAPPING_BYTES + 1)
        .unwrap();
    let mut cat = catalog();
    let msg = cat.load_user_mapping(&big).unwrap_err().to_string();
    assert!(
        msg.ends_with("over the 67108864 byte limit for an Elasticsearch mapping file"),
        "{msg}"
    );
    let missing = dir.path().join("none.json");
    assert!(matches!(
        cat.load_user_mapping(&missing),
        Err(CatalogError::Read(e)) if e.is_not_found()
    ));
    let ok = dir.path().join("ok.json");
    std::fs::write(&ok, LIVE).unwrap();
    assert_eq!(cat.load_user_mapping(&ok).unwrap().len(), 1);
}

#[test]
fn catalog_text_is_checked() {
    let msg = FieldCatalog::from_json(r#"{"schema": "x"}"#, "c.json")
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("c.json: missing field"), "{msg}");
    let bad = r#"{"schema":"sigmaforge-fields/1","sources":{},"specs":[{"type":"keyword"}],
        "dynamic_templates":{},"ecs":{"version":"1","fields":{"a":3}},"indices":[]}"#;
    assert_eq!(
        FieldCatalog::from_json(bad, "c.json")
            .unwrap_err()
            .to_string(),
        "c.json: ecs: field a refers to spec 3, but there are 1"
    );
    let other = bad.replace("sigmaforge-fields/1", "sigmaforge-fields/9");
    assert!(
        FieldCatalog::from_json(&other, "c.json")
            .unwrap_err()
            .to_string()
            .contains("unsupported field catalog schema")
    );
}

#[test]
fn user_mapping_with_a_flattened_field() {
    // A live mapping: undeclared fields never matched, but every key under the flattened field
    // exists as a case-sensitive keyword (with the parent's ignore_above), at any depth.
    let text = r#"{"my-audit-000001": {"mappings": {"dynamic": "false", "properties": {
        "@timestamp": {"type": "date"},
        "event": {"properties": {"action": {"type": "keyword"}}},
        "request": {"type": "flattened", "ignore_above": 512},
        "meta": {"properties": {"tags": {"type": "flattened", "index": false}}}
    }}}}"#;
    let mut cat = catalog();
    let added = cat
        .add_user_mapping(text, Path::new("audit_mapping.json"))
        .unwrap();
    assert_eq!(added, ["my-audit-000001"]);
    let r = cat.resolve("my-audit-*");
    let ix = r.indices().next().unwrap();
    for name in ["request.user", "request.params.bucket.name"] {
        let info = ix.lookup(name).unwrap_or_else(|| panic!("{name} exists"));
        assert_eq!(info.ty, FieldType::Keyword, "{name}");
        assert_eq!(info.ignore_above, Some(512), "{name}");
        assert!(info.searchable && !info.is_case_insensitive(), "{name}");
        assert_eq!(
            info.origin,
            Origin::Flattened {
                parent: "request".into()
            }
        );
        let view = r.field(name);
        assert!(view.exists() && view.missing_in().is_empty(), "{name}");
        assert_eq!(view.types(), [FieldType::Keyword]);
        assert!(!view.is_case_insensitive() && view.lowercase_subfield().is_none());
    }
    // The flattened field itself matches any of its leaf values.
    assert_eq!(ix.lookup("request").unwrap().ty, FieldType::Flattened);
    // `index: false` on the flattened field: its keys are kept, not searchable.
    assert!(!ix.lookup("meta.tags.x").unwrap().searchable);
    // Not under the flattened field: absent from a live mapping.
    assert_eq!(ix.lookup("requests.user"), None);
    assert_eq!(ix.lookup("event.outcome"), None);
}
