//! URL slugs: lower-case ASCII letters, digits and single dashes.

/// Longest slug kept.
pub const MAX_SLUG_LEN: usize = 120;

/// A slug from free text (`"Phones & Tablets"` becomes `phones-tablets`); `fallback` when nothing is left.
pub fn slugify(text: &str, fallback: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(MAX_SLUG_LEN).collect();
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() { fallback.to_owned() } else { slug }
}

/// True when `slug` is already in slug form.
pub fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= MAX_SLUG_LEN
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
}

/// The first of `base`, `base-2`, `base-3`, ... that `taken` does not hold, never longer than
/// [`MAX_SLUG_LEN`] (the base is shortened to make room for the suffix).
pub fn unique_slug(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| {
            let suffix = format!("-{n}");
            let room = MAX_SLUG_LEN.saturating_sub(suffix.len());
            let stem: String = base.chars().take(room).collect();
            format!("{}{suffix}", stem.trim_end_matches('-'))
        })
        .find(|candidate| !taken(candidate))
        .unwrap_or_else(|| base.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_case_ascii_with_single_dashes() {
        assert_eq!(slugify("Phones & Tablets", "x"), "phones-tablets");
        assert_eq!(slugify("  --Café  Crème-- ", "x"), "caf-cr-me");
        assert_eq!(slugify("!!!", "category"), "category");
        assert_eq!(slugify(&"a".repeat(300), "x").len(), MAX_SLUG_LEN);
        assert!(is_slug("phones-tablets"));
        for bad in ["", "-a", "a-", "a--b", "A", "a b", "ä"] {
            assert!(!is_slug(bad), "{bad}");
        }
    }

    #[test]
    fn unique_slugs_count_up() {
        let taken = ["lamps", "lamps-2"];
        assert_eq!(unique_slug("lamps", |s| taken.contains(&s)), "lamps-3");
        assert_eq!(unique_slug("chairs", |s| taken.contains(&s)), "chairs");
        let long = "a".repeat(MAX_SLUG_LEN);
        let next = unique_slug(&long, |s| s == long);
        assert_eq!(next.len(), MAX_SLUG_LEN);
        assert!(next.ends_with("-2") && is_slug(&next), "{next}");
    }
}
