//! Error messages with their sources, for the HTTP clients (GitHub, Kibana): the top-level messages
//! of hyper and octocrab ("client error (Connect)", "Service Error") hide the useful part further
//! down the chain.

/// `err` followed by each source whose text is not already in the message, joined by `: `.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}
