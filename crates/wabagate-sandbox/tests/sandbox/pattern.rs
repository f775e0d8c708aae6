//! Just enough of regular expressions for the `pattern`s in Meta's OpenAPI file: anchors,
//! literals, `\d`, escapes, `[…]` classes with ranges, `(a|b)` groups and the quantifiers
//! `? * + {n} {n,m}`, matched by backtracking. A pattern outside this subset is an error,
//! never a silent pass.

#[derive(Debug, Clone)]
enum Atom {
    Literal(char),
    Any,
    Class { ranges: Vec<(char, char)>, negated: bool },
    Group(Vec<Vec<Piece>>),
}

#[derive(Debug, Clone)]
struct Piece {
    atom: Atom,
    min: usize,
    max: usize,
}

/// Whether `text` matches `pattern` (searched, unless anchored with `^`/`$` as JSON Schema
/// patterns are); `Err` for syntax this matcher does not support.
pub(crate) fn matches(pattern: &str, text: &str) -> Result<bool, String> {
    let anchored_start = pattern.starts_with('^');
    let anchored_end = pattern.ends_with('$') && !pattern.ends_with("\\$");
    let body = &pattern[usize::from(anchored_start)..pattern.len() - usize::from(anchored_end)];
    let chars: Vec<char> = body.chars().collect();
    let mut position = 0;
    let alternatives = parse_alternatives(&chars, &mut position)?;
    if position != chars.len() {
        return Err(format!("unsupported pattern {pattern}"));
    }
    let text: Vec<char> = text.chars().collect();
    let starts: Vec<usize> = if anchored_start { vec![0] } else { (0..=text.len()).collect() };
    Ok(starts.into_iter().any(|start| {
        alternatives.iter().any(|sequence| {
            let mut ends = Vec::new();
            match_sequence(sequence, &text, start, &mut ends);
            ends.iter().any(|end| !anchored_end || *end == text.len())
        })
    }))
}

fn parse_alternatives(chars: &[char], position: &mut usize) -> Result<Vec<Vec<Piece>>, String> {
    let mut alternatives = vec![Vec::new()];
    while *position < chars.len() {
        let character = chars[*position];
        *position += 1;
        let atom = match character {
            '|' => {
                alternatives.push(Vec::new());
                continue;
            }
            ')' => {
                *position -= 1;
                break;
            }
            '(' => {
                let group = parse_alternatives(chars, position)?;
                if chars.get(*position) != Some(&')') {
                    return Err("unclosed group".into());
                }
                *position += 1;
                Atom::Group(group)
            }
            '[' => parse_class(chars, position)?,
            '.' => Atom::Any,
            '\\' => parse_escape(chars, position)?,
            '{' | '}' | '*' | '+' | '?' | '^' | '$' => return Err(format!("unexpected '{character}'")),
            literal => Atom::Literal(literal),
        };
        let (min, max) = parse_quantifier(chars, position)?;
        alternatives.last_mut().expect("one alternative").push(Piece { atom, min, max });
    }
    Ok(alternatives)
}

fn parse_escape(chars: &[char], position: &mut usize) -> Result<Atom, String> {
    let escaped = *chars.get(*position).ok_or("dangling escape")?;
    *position += 1;
    Ok(match escaped {
        'd' => Atom::Class { ranges: vec![('0', '9')], negated: false },
        'w' => Atom::Class { ranges: vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')], negated: false },
        's' => Atom::Class { ranges: vec![(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')], negated: false },
        other if other.is_ascii_punctuation() => Atom::Literal(other),
        other => return Err(format!("unsupported escape \\{other}")),
    })
}

fn parse_class(chars: &[char], position: &mut usize) -> Result<Atom, String> {
    let negated = chars.get(*position) == Some(&'^');
    if negated {
        *position += 1;
    }
    let mut ranges = Vec::new();
    loop {
        let character = *chars.get(*position).ok_or("unclosed class")?;
        *position += 1;
        if character == ']' {
            return Ok(Atom::Class { ranges, negated });
        }
        let start = if character == '\\' {
            let escaped = *chars.get(*position).ok_or("dangling escape")?;
            *position += 1;
            if escaped == 'd' {
                ranges.push(('0', '9'));
                continue;
            }
            escaped
        } else {
            character
        };
        if chars.get(*position) == Some(&'-') && chars.get(*position + 1).is_some_and(|end| *end != ']') {
            ranges.push((start, chars[*position + 1]));
            *position += 2;
        } else {
            ranges.push((start, start));
        }
    }
}

fn parse_quantifier(chars: &[char], position: &mut usize) -> Result<(usize, usize), String> {
    let bounds = match chars.get(*position) {
        Some('?') => (0, 1),
        Some('*') => (0, usize::MAX),
        Some('+') => (1, usize::MAX),
        Some('{') => {
            let close =
                chars[*position..].iter().position(|character| *character == '}').ok_or("unclosed {")? + *position;
            let inside: String = chars[*position + 1..close].iter().collect();
            let number = |text: &str| text.trim().parse::<usize>().map_err(|_| format!("bad quantifier {{{inside}}}"));
            let bounds = match inside.split_once(',') {
                None => (number(&inside)?, number(&inside)?),
                Some((min, "")) => (number(min)?, usize::MAX),
                Some((min, max)) => (number(min)?, number(max)?),
            };
            *position = close;
            bounds
        }
        _ => return Ok((1, 1)),
    };
    *position += 1;
    Ok(bounds)
}

/// Collects every end position at which `sequence` can match starting at `start`.
fn match_sequence(sequence: &[Piece], text: &[char], start: usize, ends: &mut Vec<usize>) {
    let Some((piece, rest)) = sequence.split_first() else {
        ends.push(start);
        return;
    };
    let mut positions = vec![start];
    let mut frontier = vec![start];
    for count in 1..=piece.max.min(text.len() + 1) {
        let mut next = Vec::new();
        for position in &frontier {
            match_atom(&piece.atom, text, *position, &mut next);
        }
        next.sort_unstable();
        next.dedup();
        if next.is_empty() {
            break;
        }
        if count >= piece.min {
            positions.extend(&next);
        }
        frontier = next;
    }
    if piece.min > 0 {
        positions.retain(|position| *position != start || piece_can_be_empty(piece, text, start));
    }
    positions.sort_unstable();
    positions.dedup();
    for position in positions {
        match_sequence(rest, text, position, ends);
    }
}

fn piece_can_be_empty(piece: &Piece, text: &[char], start: usize) -> bool {
    let mut ends = Vec::new();
    match_atom(&piece.atom, text, start, &mut ends);
    ends.contains(&start)
}

fn match_atom(atom: &Atom, text: &[char], position: usize, ends: &mut Vec<usize>) {
    match atom {
        Atom::Group(alternatives) => {
            for sequence in alternatives {
                match_sequence(sequence, text, position, ends);
            }
        }
        _ => {
            let Some(character) = text.get(position) else { return };
            let hit = match atom {
                Atom::Literal(literal) => literal == character,
                Atom::Any => *character != '\n',
                Atom::Class { ranges, negated } => {
                    ranges.iter().any(|(low, high)| (low..=high).contains(&character)) != *negated
                }
                Atom::Group(_) => false,
            };
            if hit {
                ends.push(position + 1);
            }
        }
    }
}

#[test]
fn the_patterns_of_metas_file_behave_as_regular_expressions() {
    let cases = [
        ("^[A-Z]{3}$", "USD", true),
        ("^[A-Z]{3}$", "usd", false),
        ("^[A-Z]{3}$", "USDT", false),
        ("^[a-z]{2}_[A-Z]{2}$", "en_US", true),
        ("^[1-9][0-9]{6,14}$", "15550100001", true),
        ("^[1-9][0-9]{6,14}$", "0155501", false),
        ("^([0-1]?[0-9]|2[0-3]):[0-5][0-9]$", "23:59", true),
        ("^([0-1]?[0-9]|2[0-3]):[0-5][0-9]$", "24:00", false),
        ("^([0-1]?[0-9]|2[0-3]):[0-5][0-9]$", "7:05", true),
        ("^[a-zA-Z0-9_]+$", "hello_world", true),
        ("^[a-zA-Z0-9_]+$", "", false),
        ("^\\+[1-9]\\d{1,14}$", "+15550100001", true),
    ];
    for (pattern, text, expected) in cases {
        assert_eq!(matches(pattern, text), Ok(expected), "{pattern} on {text}");
    }
    assert!(matches("^a{2$", "aa").is_err());
}
