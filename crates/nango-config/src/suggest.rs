//! "Did you mean": the closest known name to a misspelt one.

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let distance = edit_distance(&word_lower, &candidate.to_lowercase());
        let contains = word_lower.len() >= 3
            && candidate.len() >= 3
            && (candidate.contains(word_lower.as_str()) || word_lower.contains(candidate));
        let limit = (word.chars().count().max(candidate.chars().count()) / 3).max(1);
        if (distance <= limit || contains) && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// A help line: "did you mean `x`?" when something is close, else the list of what exists.
pub(crate) fn did_you_mean(word: &str, candidates: &[&str], what: &str) -> String {
    match closest(word, candidates.iter().copied()) {
        Some(best) => format!("did you mean `{best}`?"),
        None if candidates.is_empty() => format!("there are no {what}"),
        None => format!("{what}: {}", list(candidates)),
    }
}

/// `a`, `b`, `c`
pub(crate) fn list(items: &[&str]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn typos_find_their_word() {
        let fields = ["oauth_client_id", "oauth_client_secret", "oauth_scopes", "redirect_uri"];
        assert_eq!(closest("oauth_scope", fields), Some("oauth_scopes"));
        assert_eq!(closest("oauth_client_secert", fields), Some("oauth_client_secret"));
        assert_eq!(closest("redirect_url", fields), Some("redirect_uri"));
        assert_eq!(closest("zzzz", fields), None);
    }

    #[test]
    fn help_lists_when_nothing_is_close() {
        assert_eq!(did_you_mean("zom", &["zoom"], "blueprints"), "did you mean `zoom`?");
        assert_eq!(did_you_mean("qqqq", &["zoom", "x"], "blueprints"), "blueprints: `zoom`, `x`");
        assert_eq!(did_you_mean("a", &[], "blueprints"), "there are no blueprints");
    }
}
