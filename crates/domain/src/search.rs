//! Name matching for "find a child": names are broken into tokens, each with a phonetic key, so
//! that a search tolerates misspellings (Mohammed, Muhammad), different spellings of the same
//! sound (Katherine, Catherine) and any word order.

/// Lower-case letters of a name, with common accented letters folded to plain ones.
pub fn normalise(s: &str) -> String {
    s.chars()
        .flat_map(|c| c.to_lowercase())
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            'ý' | 'ÿ' => 'y',
            c => c,
        })
        .filter(|c| c.is_ascii_lowercase() || c.is_whitespace() || *c == '-' || *c == '\'')
        .collect()
}

/// The tokens of a name: words split on spaces, hyphens and apostrophes, lower case.
pub fn tokens(s: &str) -> Vec<String> {
    normalise(s)
        .split([' ', '-', '\''])
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// A phonetic key for one token: a Soundex-like code whose first letter is also folded by
/// sound (C, K, Q; S, Z; vowels), so "Catherine" and "Katherine" share a key.
pub fn phonetic_key(token: &str) -> String {
    let t = normalise(token);
    let t = t.as_str();
    let t = if let Some(r) = t.strip_prefix("ph") {
        format!("f{r}")
    } else {
        t.to_string()
    };
    let t = match t.as_bytes() {
        [b'k', b'n', ..] | [b'w', b'r', ..] | [b'g', b'n', ..] => t[1..].to_string(),
        _ => t,
    };
    let letters: Vec<char> = t.chars().filter(char::is_ascii_lowercase).collect();
    let Some(&first) = letters.first() else {
        return String::new();
    };
    let head = match first {
        'c' | 'k' | 'q' => 'K',
        's' | 'z' => 'S',
        'a' | 'e' | 'i' | 'o' | 'u' | 'y' => 'A',
        'v' | 'w' => 'V',
        'j' | 'g' => 'J',
        other => other.to_ascii_uppercase(),
    };
    let class = |c: char| match c {
        'b' | 'f' | 'p' | 'v' => Some('1'),
        'c' | 'g' | 'j' | 'k' | 'q' | 's' | 'x' | 'z' => Some('2'),
        'd' | 't' => Some('3'),
        'l' => Some('4'),
        'm' | 'n' => Some('5'),
        'r' => Some('6'),
        _ => None,
    };
    let mut key = String::from(head);
    let mut last = class(first);
    for &c in &letters[1..] {
        let k = class(c);
        if k.is_some() && k != last {
            if let Some(d) = k {
                key.push(d);
            }
            if key.len() == 4 {
                break;
            }
        }
        if c != 'h' && c != 'w' {
            last = k;
        }
    }
    while key.len() < 4 {
        key.push('0');
    }
    key
}

/// How well a query token matches a name token: exact, a prefix, a close spelling (edit
/// distance), the same sound, or not at all. Higher is better.
pub fn token_score(query: &str, name: &str) -> u32 {
    if query == name {
        return 100;
    }
    if query.len() >= 2 && name.starts_with(query) {
        return 80;
    }
    let limit = if query.len() >= 7 { 2 } else { 1 };
    if query.len() >= 3 && strsim_levenshtein(query, name) <= limit {
        return 70;
    }
    if query.len() >= 3 && phonetic_key(query) == phonetic_key(name) {
        return 60;
    }
    0
}

/// Levenshtein distance between two short strings.
pub fn strsim_levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Scores a whole query against a person's name tokens: every query token must match a
/// different name token, in any order. `None` when some query token matches nothing.
pub fn name_score(query_tokens: &[String], name_tokens: &[String]) -> Option<u32> {
    let mut used = vec![false; name_tokens.len()];
    let mut total = 0;
    for q in query_tokens {
        let best = name_tokens
            .iter()
            .enumerate()
            .filter(|(i, _)| !used[*i])
            .map(|(i, n)| (i, token_score(q, n)))
            .max_by_key(|(_, s)| *s)
            .filter(|(_, s)| *s > 0)?;
        used[best.0] = true;
        total += best.1;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_that_sound_alike_share_a_key() {
        assert_eq!(phonetic_key("Catherine"), phonetic_key("Katherine"));
        assert_eq!(phonetic_key("Mohammed"), phonetic_key("Muhammad"));
        assert_eq!(phonetic_key("Philips"), phonetic_key("Filips"));
        assert_ne!(phonetic_key("Smith"), phonetic_key("Jones"));
    }

    #[test]
    fn queries_match_in_any_order_and_tolerate_typos() {
        let name = tokens("Amira Hussain-Begum");
        assert!(name_score(&tokens("hussain amira"), &name).is_some());
        assert!(name_score(&tokens("amria"), &name).is_some());
        assert!(name_score(&tokens("amira begum"), &name).is_some());
        assert!(name_score(&tokens("amira smith"), &name).is_none());
        let exact = name_score(&tokens("amira hussain"), &name).unwrap_or(0);
        let fuzzy = name_score(&tokens("amria husain"), &name).unwrap_or(0);
        assert!(exact > fuzzy);
    }

    #[test]
    fn accents_and_punctuation_are_folded() {
        assert_eq!(tokens("Zoë O'Brien"), vec!["zoe", "o", "brien"]);
    }
}
