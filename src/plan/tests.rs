//! Every precedence rule of every `run` setting, and the action.yml contract.

use super::*;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// A lookup over fixed variables, standing in for the process environment.
fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

fn flags_at(root: &Path) -> RunFlags {
    RunFlags {
        repo: root.to_path_buf(),
        ..RunFlags::default()
    }
}

fn plan(flags: &RunFlags, env: &[(&str, &str)], config: &Config) -> RunPlan {
    RunPlan::resolve(flags, env_of(env), config).expect("resolves")
}

/// One setting with all four tiers: how to set it in each source and how to read it back.
struct Setting {
    input: &'static str,
    flag: fn(&mut RunFlags, &str),
    config: fn(&mut Config, &str),
    get: fn(&RunPlan) -> String,
    /// Values given by the flag, the input and the config; each reads back unchanged.
    values: [&'static str; 3],
    default: &'static str,
}

/// Asserts flag > input > config > default, that an empty or blank input or flag is "not set",
/// and that input values are trimmed.
fn check(s: Setting) {
    let dir = tempfile::tempdir().unwrap();
    let var = input_variable(s.input);
    let [flag_v, input_v, config_v] = s.values;
    let padded = format!("  {input_v}\n");
    let mut config = Config::default();
    (s.config)(&mut config, config_v);
    let mut flags = flags_at(dir.path());
    (s.flag)(&mut flags, flag_v);
    let bare = flags_at(dir.path());
    let mut empty_flag = flags_at(dir.path());
    (s.flag)(&mut empty_flag, " ");
    let name = s.input;

    let got = (s.get)(&plan(&flags, &[(&var, input_v)], &config));
    assert_eq!(got, flag_v, "{name}: the flag beats the input");
    let got = (s.get)(&plan(&bare, &[(&var, &padded)], &config));
    assert_eq!(got, input_v, "{name}: the (trimmed) input beats the config");
    let got = (s.get)(&plan(&empty_flag, &[(&var, input_v)], &config));
    assert_eq!(got, input_v, "{name}: an empty flag is not set");
    for empty in ["", " \n"] {
        let got = (s.get)(&plan(&bare, &[(&var, empty)], &config));
        assert_eq!(got, config_v, "{name}: an empty input is not set");
    }
    let got = (s.get)(&plan(&bare, &[], &config));
    assert_eq!(got, config_v, "{name}: the config beats the default");
    let got = (s.get)(&plan(&bare, &[(&var, "")], &Config::default()));
    assert_eq!(got, s.default, "{name}: the default applies last");
}

fn relative(plan: &RunPlan, p: &Path) -> String {
    p.strip_prefix(&plan.root).unwrap().display().to_string()
}

#[test]
fn rules_precedence() {
    check(Setting {
        input: "rules",
        flag: |f, v| f.rules = Some(v.into()),
        config: |c, v| c.run.rules = vec![PathBuf::from(v)],
        get: |p| {
            let names: Vec<String> = p.rules.iter().map(|r| r.display().to_string()).collect();
            names.join(" ")
        },
        values: ["flag/rules", "input/rules", "config/rules"],
        default: ".",
    });
}

#[test]
fn rules_split_on_whitespace_and_default_to_the_rules_folder() {
    let dir = tempfile::tempdir().unwrap();
    let flags = flags_at(dir.path());
    let p = plan(
        &flags,
        &[("INPUT_RULES", "a\nb  c/*.yml")],
        &Config::default(),
    );
    let want: Vec<PathBuf> = ["a", "b", "c/*.yml"].iter().map(PathBuf::from).collect();
    assert_eq!(p.rules, want);
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    let p = plan(&flags, &[], &Config::default());
    assert_eq!(p.rules, vec![PathBuf::from("rules")]);
}

#[test]
fn targets_precedence() {
    check(Setting {
        input: "targets",
        flag: |f, v| f.targets = Some(v.into()),
        config: |c, v| {
            c.run.targets = Some(
                v.split(',')
                    .map(|n| TargetSettings {
                        name: n.into(),
                        ..TargetSettings::default()
                    })
                    .collect(),
            )
        },
        get: |p| {
            let names: Vec<&str> = p.targets.iter().map(|t| t.name.as_str()).collect();
            names.join(",")
        },
        values: ["eql,esql", "kibana", "elastalert,es-qs"],
        default: "es-qs,es-rule",
    });
}

#[test]
fn a_named_target_keeps_its_configured_settings() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    let eql = TargetSettings {
        name: "eql".into(),
        configs: vec!["ecs-windows".into()],
        options: [("index".to_string(), "logs-*".to_string())].into(),
        ..TargetSettings::default()
    };
    config.run.targets = Some(vec![eql.clone()]);
    let p = plan(
        &flags_at(dir.path()),
        &[("INPUT_TARGETS", " esql , eql,")],
        &config,
    );
    // A target nothing configures gets the built-in ECS configs.
    let bare_esql = crate::pipeline::default_target("esql");
    assert_eq!(p.targets, vec![bare_esql, eql]);
}

#[test]
fn output_dir_precedence() {
    check(Setting {
        input: "output-dir",
        flag: |f, v| f.output_dir = Some(v.into()),
        config: |c, v| c.run.output = Some(PathBuf::from(v)),
        get: |p| relative(p, &p.output_dir),
        values: ["flag-out", "input-out", "config-out"],
        default: "sigmaforge-out",
    });
}

#[test]
fn fail_level_precedence() {
    check(Setting {
        input: "fail-level",
        flag: |f, v| f.fail_level = Some(v.into()),
        config: |c, v| c.run.fail_level = Some(v.into()),
        get: |p| p.fail_level.map_or("never".into(), |s| s.to_string()),
        values: ["never", "info", "warning"],
        default: "error",
    });
}

#[test]
fn an_unknown_fail_level_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let flags = flags_at(dir.path());
    let err = RunPlan::resolve(
        &flags,
        env_of(&[("INPUT_FAIL-LEVEL", "fatal")]),
        &Config::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown fail-level `fatal` (use error, warning, info or never)"
    );
}

#[test]
fn comment_precedence() {
    fn flag(f: &mut RunFlags, v: &str) {
        f.comment = Some(v.into());
    }
    let dir = tempfile::tempdir().unwrap();
    let bare = flags_at(dir.path());
    let mut off = Config::default();
    off.run.comment.enabled = false;
    let on = Config::default();
    for (flag_v, input_v) in [("false", "true"), ("true", "false")] {
        let mut flags = flags_at(dir.path());
        flag(&mut flags, flag_v);
        let p = plan(&flags, &[("INPUT_COMMENT", input_v)], &off);
        assert_eq!(p.comment.to_string(), flag_v, "the flag beats the input");
    }
    for v in ["false", "No", "0", " OFF\n"] {
        assert!(!plan(&bare, &[("INPUT_COMMENT", v)], &on).comment, "{v:?}");
    }
    for v in ["true", "yes", "1"] {
        assert!(plan(&bare, &[("INPUT_COMMENT", v)], &off).comment, "{v:?}");
    }
    assert!(
        !plan(&bare, &[("INPUT_COMMENT", "")], &off).comment,
        "empty input"
    );
    let mut empty_flag = flags_at(dir.path());
    flag(&mut empty_flag, "");
    assert!(
        !plan(&empty_flag, &[("INPUT_COMMENT", "no")], &on).comment,
        "empty flag"
    );
    assert!(
        !plan(&bare, &[], &off).comment,
        "the config beats the default"
    );
    assert!(plan(&bare, &[], &on).comment, "the default is on");
}

#[test]
fn comment_id_precedence() {
    check(Setting {
        input: "comment-id",
        flag: |f, v| f.comment_id = Some(v.into()),
        config: |c, v| c.run.comment.id = Some(v.into()),
        get: |p| p.comment_id.clone(),
        values: ["flag-id", "input-id", "config-id"],
        default: "default",
    });
}

#[test]
fn comment_author_precedence() {
    check(Setting {
        input: "comment-author",
        flag: |f, v| f.comment_author = Some(v.into()),
        config: |c, v| c.run.comment.author = Some(v.into()),
        get: |p| p.comment_author.clone(),
        values: ["flag-user", "input[bot]", "config[bot]"],
        default: "github-actions[bot]",
    });
}

#[test]
fn comment_request_precedence() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let config = Config::default();
    let mut flags = flags_at(root);
    flags.comment_request = Some("flag.json".into());
    let var = "INPUT_COMMENT-REQUEST";
    let p = plan(&flags, &[(var, "input.json")], &config);
    assert_eq!(
        p.comment_request,
        Some(root.join("flag.json")),
        "flag first"
    );
    let bare = flags_at(root);
    let p = plan(&bare, &[(var, "input.json")], &config);
    assert_eq!(
        p.comment_request,
        Some(root.join("input.json")),
        "then input"
    );
    assert_eq!(plan(&bare, &[(var, " ")], &config).comment_request, None);
    assert_eq!(
        plan(&bare, &[], &config).comment_request,
        None,
        "default: post"
    );
}

#[test]
fn github_token_beats_the_token_input() {
    let dir = tempfile::tempdir().unwrap();
    let flags = flags_at(dir.path());
    let config = Config::default();
    let token = |env: &[(&str, &str)]| plan(&flags, env, &config).actions.token;
    let both = [("GITHUB_TOKEN", "ghs_env"), ("INPUT_TOKEN", "ghs_input")];
    assert_eq!(token(&both), Token::new("ghs_env"));
    let input = [("GITHUB_TOKEN", ""), ("INPUT_TOKEN", " ghs_input\n")];
    assert_eq!(token(&input), Token::new("ghs_input"));
    assert_eq!(
        token(&[("INPUT_TOKEN", "")]),
        None,
        "an empty input is no token"
    );
    // An alias action.yml does not declare is not read.
    assert_eq!(token(&[("INPUT_GITHUB-TOKEN", "ghs_alias")]), None);
}

#[test]
fn base_precedence() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let config = Config::default();
    let pr = [
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_EVENT_PATH", "/tmp/event.json"),
    ];
    let with_input = [pr[0], pr[1], ("INPUT_BASE-DIR", "input-base")];
    let mut flags = flags_at(root);
    flags.base_dir = Some("flag-base".into());
    flags.base_ref = Some("main".into());
    let folder = |p: &str| Base::Folder(root.join(p));
    assert_eq!(plan(&flags, &with_input, &config).base, folder("flag-base"));
    flags.base_dir = None;
    let p = plan(&flags, &with_input, &config);
    assert_eq!(
        p.base,
        folder("input-base"),
        "base-dir input beats --base-ref"
    );
    let p = plan(&flags, &pr, &config);
    assert_eq!(
        p.base,
        Base::Revision("main".into()),
        "--base-ref beats the event"
    );
    let bare = flags_at(root);
    let p = plan(&bare, &[pr[0], pr[1], ("INPUT_BASE-DIR", "")], &config);
    assert_eq!(p.base, Base::PullRequestEvent("/tmp/event.json".into()));
    let push = [("GITHUB_EVENT_NAME", "push"), pr[1]];
    assert_eq!(plan(&bare, &push, &config).base, Base::None, "not a PR");
    assert_eq!(plan(&bare, &[], &config).base, Base::None);
}

#[test]
fn attack_data_precedence() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.run.layer.attack_data = Some("config.json".into());
    let mut flags = flags_at(dir.path());
    flags.attack_data = Some("flag.json".into());
    assert_eq!(
        plan(&flags, &[], &config).attack_data,
        Some("flag.json".into())
    );
    let bare = flags_at(dir.path());
    assert_eq!(
        plan(&bare, &[], &config).attack_data,
        Some(dir.path().join("config.json")),
        "a path from the file is relative to the root"
    );
    assert_eq!(plan(&bare, &[], &Config::default()).attack_data, None);
}

#[test]
fn config_path_precedence() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut flags = flags_at(root);
    flags.config = Some("flag.yml".into());
    let input = [("INPUT_CONFIG", "input.yml")];
    assert_eq!(
        config_path(&flags, env_of(&input)),
        Some(root.join("flag.yml"))
    );
    let bare = flags_at(root);
    assert_eq!(
        config_path(&bare, env_of(&input)),
        Some(root.join("input.yml"))
    );
    assert_eq!(config_path(&bare, env_of(&[("INPUT_CONFIG", "")])), None);
}

#[test]
fn load_config_reads_the_named_file_or_finds_one() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    let bare = flags_at(root);
    assert_eq!(load_config(&bare, env_of(&[])).unwrap().path, None);
    std::fs::write(root.join(".sigmaforge.yml"), "output: found\n").unwrap();
    std::fs::write(root.join("other.yml"), "output: named\n").unwrap();
    let found = load_config(&bare, env_of(&[])).unwrap();
    assert_eq!(found.run.output, Some("found".into()));
    let named = load_config(&bare, env_of(&[("INPUT_CONFIG", "other.yml")])).unwrap();
    assert_eq!(named.run.output, Some("named".into()));
    let err = load_config(&bare, env_of(&[("INPUT_CONFIG", "missing.yml")])).unwrap_err();
    assert!(err.to_string().contains("missing.yml"), "{err}");
}

#[test]
fn github_context_needs_server_repository_and_commit() {
    let all = [
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "acme/rules"),
        ("GITHUB_SHA", "abc"),
    ];
    let ctx = github_context(env_of(&all)).unwrap();
    assert_eq!(ctx.repository, "acme/rules");
    assert!(github_context(env_of(&all[..2])).is_none());
    assert!(github_context(env_of(&[all[0], all[1], ("GITHUB_SHA", "")])).is_none());
}

/// The inputs `action.yml` declares.
fn declared_inputs() -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml");
    let text = std::fs::read_to_string(path).expect("action.yml at the repository root");
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("action.yml parses");
    let inputs = doc
        .get("inputs")
        .and_then(|i| i.as_mapping())
        .expect("action.yml has inputs");
    inputs
        .keys()
        .map(|k| k.as_str().expect("input names are strings").to_string())
        .collect()
}

#[test]
fn input_names_are_the_inputs_action_yml_declares() {
    let ours: BTreeSet<String> = INPUT_NAMES.iter().map(|s| s.to_string()).collect();
    let declared = declared_inputs();
    let unread: Vec<_> = declared.difference(&ours).collect();
    let undeclared: Vec<_> = ours.difference(&declared).collect();
    assert!(
        unread.is_empty(),
        "action.yml inputs run ignores: {unread:?}"
    );
    assert!(
        undeclared.is_empty(),
        "inputs action.yml lacks: {undeclared:?}"
    );
}

#[test]
fn the_resolver_reads_exactly_the_declared_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let flags = flags_at(dir.path());
    let read = RefCell::new(BTreeSet::new());
    let event = [
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_EVENT_PATH", "/tmp/event.json"),
    ];
    let env = env_of(&event);
    let recording = |k: &str| {
        read.borrow_mut().insert(k.to_string());
        env(k)
    };
    config_path(&flags, recording);
    RunPlan::resolve(&flags, recording, &Config::default()).unwrap();
    let inputs: BTreeSet<String> = read
        .into_inner()
        .into_iter()
        .filter(|k| k.starts_with("INPUT_"))
        .collect();
    let declared: BTreeSet<String> = declared_inputs()
        .iter()
        .map(|n| input_variable(n))
        .collect();
    assert_eq!(inputs, declared);
}

/// A repository under a temp folder, with a sibling folder outside it.
fn repo_with_outside() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(root.join("rules")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    (dir, root, outside)
}

/// Sets one path-valued key of `.sigmaforge.yml`.
type SetPath = fn(&mut Config, PathBuf);

fn outside_err(flags: &RunFlags, env: &[(&str, &str)], config: &Config) -> String {
    match RunPlan::resolve(flags, env_of(env), config) {
        Err(e @ PlanError::Outside { .. }) => e.to_string(),
        other => panic!("expected an Outside error, got {other:?}"),
    }
}

#[test]
fn paths_from_inputs_and_the_file_stay_inside_the_root() {
    let (_dir, root, outside) = repo_with_outside();
    let flags = flags_at(&root);
    let abs = outside.display().to_string();
    let none = Config::default();
    for (var, value) in [
        ("INPUT_OUTPUT-DIR", "../escaped"),
        ("INPUT_OUTPUT-DIR", abs.as_str()),
        ("INPUT_RULES", "rules ../outside"),
        ("INPUT_RULES", "../outside/**/*.yml"),
        ("INPUT_COMMENT-REQUEST", "../req.json"),
        ("INPUT_BASE-DIR", abs.as_str()),
    ] {
        let e = outside_err(&flags, &[(var, value)], &none);
        assert!(
            e.contains(var) && e.contains("outside the repository root"),
            "{e}"
        );
    }
    let file = |set: fn(&mut Config, PathBuf), value: &str| {
        let mut c = Config::default();
        set(&mut c, PathBuf::from(value));
        c
    };
    let cases: [(SetPath, &str, &str); 5] = [
        (|c, p| c.run.output = Some(p), "../escaped", "`output:`"),
        (|c, p| c.run.rules = vec![p], "../outside", "`rules:`"),
        (
            |c, p| c.run.layer.attack_data = Some(p),
            "/dev/zero",
            "`layer.attack-data:`",
        ),
        (
            |c, p| {
                c.run.targets = Some(vec![TargetSettings {
                    name: "es-qs".into(),
                    configs: vec![p.display().to_string()],
                    ..TargetSettings::default()
                }])
            },
            "../outside/map.yml",
            "`targets.configs:`",
        ),
        (
            |c, p| {
                c.run.targets = Some(vec![TargetSettings {
                    name: "es-qs".into(),
                    pipelines: vec![p.display().to_string()],
                    ..TargetSettings::default()
                }])
            },
            "../outside/pipeline.yml",
            "`targets.pipelines:`",
        ),
    ];
    for (set, value, key) in cases {
        let e = outside_err(&flags, &[], &file(set, value));
        assert!(e.contains(key) && e.contains(".sigmaforge.yml"), "{e}");
    }
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_are_followed_and_refused() {
    let (_dir, root, outside) = repo_with_outside();
    std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
    let flags = flags_at(&root);
    let e = outside_err(
        &flags,
        &[("INPUT_OUTPUT-DIR", "link/new")],
        &Config::default(),
    );
    assert!(e.contains("outside"), "{e}");
    // Defaults are paths the pull request can plant too.
    std::os::unix::fs::symlink(&outside, root.join("sigmaforge-out")).unwrap();
    let e = outside_err(&flags, &[], &Config::default());
    assert!(e.starts_with("the default output folder: "), "{e}");
    std::fs::remove_file(root.join("sigmaforge-out")).unwrap();
    std::fs::remove_dir(root.join("rules")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("rules")).unwrap();
    let e = outside_err(&flags, &[], &Config::default());
    assert!(e.starts_with("the default rule folder: "), "{e}");
}

#[test]
fn flags_may_leave_the_root_and_inside_paths_pass() {
    let (_dir, root, outside) = repo_with_outside();
    let mut flags = flags_at(&root);
    flags.output_dir = Some(outside.join("out").display().to_string());
    flags.rules = Some("../outside".into());
    flags.attack_data = Some(outside.join("attack.json"));
    let mut config = Config::default();
    config.run.output = Some(PathBuf::from("../escaped"));
    config.run.layer.attack_data = Some(PathBuf::from("/dev/zero"));
    let p = plan(&flags, &[("INPUT_OUTPUT-DIR", "../escaped")], &config);
    assert_eq!(p.output_dir, outside.join("out"));
    assert_eq!(p.attack_data, Some(outside.join("attack.json")));
    // Inside paths from the file resolve against the root, built-in config names stay names.
    let mut config = Config::default();
    config.run.output = Some(PathBuf::from("out/../artifacts"));
    config.run.layer.attack_data = Some(PathBuf::from("data/attack.json"));
    config.run.targets = Some(vec![TargetSettings {
        name: "es-qs".into(),
        configs: vec!["ecs-windows".into(), "maps/mine.yml".into()],
        pipelines: vec!["ecs_windows".into(), "maps/pipe.yml".into()],
        ..TargetSettings::default()
    }]);
    let p = plan(&flags_at(&root), &[], &config);
    assert_eq!(p.attack_data, Some(root.join("data/attack.json")));
    let want = vec![
        "ecs-windows".to_string(),
        root.join("maps/mine.yml").display().to_string(),
    ];
    assert_eq!(p.targets[0].configs, want);
    let want = vec![
        "ecs_windows".to_string(),
        root.join("maps/pipe.yml").display().to_string(),
    ];
    assert_eq!(p.targets[0].pipelines, want);
}

#[test]
fn a_config_input_outside_the_root_is_refused() {
    let (_dir, root, outside) = repo_with_outside();
    std::fs::write(outside.join("c.yml"), "fail-level: info\n").unwrap();
    let flags = flags_at(&root);
    let env = env_of(&[("INPUT_CONFIG", "../outside/c.yml")]);
    let e = load_config(&flags, env).unwrap_err().to_string();
    assert!(e.contains("INPUT_CONFIG") && e.contains("outside"), "{e}");
    let mut by_flag = flags_at(&root);
    by_flag.config = Some("../outside/c.yml".into());
    let c = load_config(&by_flag, env_of(&[])).unwrap();
    assert_eq!(c.run.fail_level.as_deref(), Some("info"));
}
