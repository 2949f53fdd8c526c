//! Which ticket a mail may belong to: the ticket tags in its subject and the
//! messages it answers (`In-Reply-To:`, `References:`).
//!
//! This only reads what the mail cites; whether a tag or a Message-ID belongs
//! to a ticket, and whether the writer may act on it, is the store's to say.

use crate::intake::Headers;

/// The characters of a tag after `FR-`.
const TAG_LENGTH: usize = 10;

/// The most tags or ids read from one mail: a thread cites a few, never hundreds.
const MAX_CITED: usize = 50;

/// What a mail cites, nearest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Citations {
    /// Ticket tags `FR-...` in the subject, upper case, in the order written.
    pub tags: Vec<String>,
    /// Message-IDs it answers: `In-Reply-To:` first, then `References:` from the last.
    pub message_ids: Vec<String>,
}

/// What `headers` cite.
pub fn citations(headers: &Headers) -> Citations {
    let mut message_ids: Vec<String> = Vec::new();
    for id in headers.in_reply_to.iter().chain(headers.references.iter().rev()) {
        if message_ids.len() < MAX_CITED && !message_ids.contains(id) {
            message_ids.push(id.clone());
        }
    }
    Citations { tags: tags_in(&headers.subject), message_ids }
}

/// Every `[FR-XXXXXXXXXX]` in `subject`, upper case, each once.
pub fn tags_in(subject: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    let mut rest = subject;
    while let Some(start) = find_ignore_case(rest, "[FR-") {
        let after = &rest[start + 4..];
        let body: String = after.chars().take(TAG_LENGTH).collect();
        let closes = after[body.len()..].starts_with(']');
        if body.len() == TAG_LENGTH && body.chars().all(|c| c.is_ascii_alphanumeric()) && closes {
            let tag = format!("FR-{}", body.to_ascii_uppercase());
            if !tags.contains(&tag) && tags.len() < MAX_CITED {
                tags.push(tag);
            }
        }
        rest = after;
    }
    tags
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .char_indices()
        .map(|(i, _)| i)
        .find(|&i| haystack.get(i..i + needle.len()).is_some_and(|candidate| candidate.eq_ignore_ascii_case(needle)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_read_from_the_subject_in_any_case() {
        assert_eq!(tags_in("Re: AS request [FR-0123456789] ACCEPTED"), ["FR-0123456789"]);
        assert_eq!(tags_in("re: [fr-abcdefghjk] and [FR-ABCDEFGHJK] again"), ["FR-ABCDEFGHJK"]);
        assert_eq!(tags_in("[FR-12345] [FR-0123456789X] FR-0123456789 [FR-01234\u{e9}6789]"), Vec::<String>::new());
        assert_eq!(tags_in("\u{e9}[FR-ZZZZZZZZZZ][FR-YYYYYYYYYY]"), ["FR-ZZZZZZZZZZ", "FR-YYYYYYYYYY"]);
    }

    #[test]
    fn the_answered_message_comes_first() {
        let headers = Headers {
            subject: "Re: x".into(),
            in_reply_to: vec!["<b@x>".into()],
            references: vec!["<a@x>".into(), "<b@x>".into()],
            ..Headers::default()
        };
        let cited = citations(&headers);
        assert_eq!(cited.message_ids, ["<b@x>", "<a@x>"]);
        assert!(cited.tags.is_empty());
    }
}
