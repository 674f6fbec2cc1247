//! SV410: Sysmon/Security event ids that have a generic category should use it, so one rule works on
//! every log source that provides those events.

use super::{DocCx, Findings, Check, util};

validator!(
    "SV410",
    "specific-instead-of-generic-logsource",
    Error,
    PySigma,
    ["specific_instead_of_generic_logsource"],
    "`service: sysmon`/`security` with an EventID that has a generic category (e.g. process_creation)."
);

fn sysmon_category(id: i64) -> Option<&'static str> {
    Some(match id {
        1 => "process_creation",
        2 => "file_change",
        3 => "network_connection",
        4 | 16 => "sysmon_status",
        5 => "process_termination",
        6 => "driver_load",
        7 => "image_load",
        8 => "create_remote_thread",
        9 => "raw_access_thread",
        10 => "process_access",
        11 => "file_event",
        12 => "registry_add",
        13 => "registry_set",
        14 => "registry_rename",
        15 => "create_stream_hash",
        17 | 18 => "pipe_created",
        19..=21 => "wmi_event",
        22 => "dns_query",
        23 | 26 => "file_delete",
        24 => "clipboard_capture",
        25 => "process_tampering",
        27 => "file_block_executable",
        28 => "file_block_shredding",
        29 => "file_executable_detected",
        255 => "sysmon_error",
        _ => return None,
    })
}

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        let service = util::logsource_of(r).2;
        for (v, pos) in util::field_values(r, "EventID") {
            let Ok(id) = v.parse::<i64>() else { continue };
            let cat = match service {
                Some("sysmon") => sysmon_category(id),
                Some("security") if id == 4688 => Some("process_creation"),
                _ => None,
            };
            if let Some(cat) = cat {
                out.report(
                    &cx.src.path,
                    pos,
                    format!("EventID {id}: use `category: {cat}` instead of the specific service"),
                );
            }
        }
    }
}
