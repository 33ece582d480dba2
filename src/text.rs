//! Small text helpers shared by dissectors (descriptions) and renderers (words).

/// `1 flow`, `2 flows`: a count and its noun, plural by adding `s`.
pub fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// At most `max` characters of `s`, with `…` when something was cut.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max).collect();
    t.push('…');
    t
}

/// A distinguished name's common name (`O=Eavesdrop Teaching, CN=localhost` →
/// `localhost`), or the whole name when it has none.
pub fn common_name(dn: &str) -> &str {
    dn.split(", ")
        .find_map(|p| p.strip_prefix("CN="))
        .unwrap_or(dn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(plural(1, "flow"), "1 flow");
        assert_eq!(plural(0, "flow"), "0 flows");
        assert_eq!(shorten("abcdef", 3), "abc…");
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("ééé", 2), "éé…");
        assert_eq!(
            common_name("O=Eavesdrop Teaching, CN=localhost"),
            "localhost"
        );
        assert_eq!(common_name("O=Nobody"), "O=Nobody");
    }
}
