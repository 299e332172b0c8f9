//! "Did you mean …?": the closest known name to a misspelt one.

/// The candidate closest to `wrong`, if it is close enough to be a plausible typo.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        if candidate == wrong {
            continue;
        }
        let score = strsim::jaro_winkler(wrong, candidate);
        let edits = strsim::damerau_levenshtein(wrong, candidate);
        let length = wrong.chars().count().max(candidate.chars().count());
        // Replacing every letter is no typo: `z` is not a misspelt `x`.
        let plausible = edits < length && (edits <= 1 + wrong.chars().count() / 4 || score > 0.88);
        // Ties go to the alphabetically first name, so suggestions never depend on hashing.
        let better = best.is_none_or(|(s, b)| score > s || (score == s && candidate < b));
        if plausible && better {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// A help line for an unknown name: the suggestion if there is one.
pub fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(wrong, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_word() {
        assert_eq!(closest("sobel", ["uniform", "lhs", "sobol"]), Some("sobol"));
        assert_eq!(closest("tnah", ["tanh", "sin", "gelu"]), Some("tanh"));
        assert_eq!(closest("widht", ["width", "depth", "act"]), Some("width"));
    }

    #[test]
    fn one_letter_names_are_not_typos_of_each_other() {
        assert_eq!(closest("z", ["x", "y", "t"]), None);
        assert_eq!(closest("f", ["u", "x"]), None);
    }

    #[test]
    fn ties_are_broken_by_name() {
        assert_eq!(closest("ab", ["ax", "aa"]), closest("ab", ["aa", "ax"]));
    }

    #[test]
    fn unrelated_words_find_nothing() {
        assert_eq!(closest("banana", ["width", "depth", "act"]), None);
    }
}
