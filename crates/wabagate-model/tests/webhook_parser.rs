//! The webhook parser never panics: not on arbitrary bytes, not on real payloads with
//! bytes flipped, cut or inserted, not on real payloads' JSON with values swapped for
//! other types. The corpus in `webhook_corpus/` holds Meta's worked examples and the
//! sandbox's deliveries.

use proptest::prelude::*;
use serde_json::Value;
use wabagate_model::webhook::{Change, Notification};

fn corpus() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/webhook_corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|entry| entry.unwrap().path()).collect();
    files.sort();
    files.iter().map(|path| std::fs::read(path).unwrap()).collect()
}

/// Parses and walks every item, as the gateway's processor does.
fn walk(body: &[u8]) {
    if let Ok(notification) = Notification::parse(body) {
        for entry in &notification.entries {
            for change in &entry.changes {
                let _ = change.items();
                let _ = change.phone_number_id();
                let _ = entry.with_only(change);
            }
        }
    }
}

#[test]
fn every_corpus_file_parses_with_items() {
    for body in corpus() {
        let notification = Notification::parse(&body).unwrap();
        let items: usize = notification
            .entries
            .iter()
            .flat_map(|entry| &entry.changes)
            .map(|change| Change::items(change).len())
            .sum();
        assert!(items > 0);
    }
}

/// Replaces the `nth` scalar of a JSON tree (depth first) with `replacement`.
fn swap_scalar(value: &mut Value, nth: &mut usize, replacement: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter_mut().any(|item| swap_scalar(item, nth, replacement)),
        Value::Object(map) => map.values_mut().any(|item| swap_scalar(item, nth, replacement)),
        scalar => {
            if *nth == 0 {
                *scalar = replacement.clone();
                true
            } else {
                *nth -= 1;
                false
            }
        }
    }
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|number| serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..4).prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        walk(&body);
    }

    #[test]
    fn mutated_real_payloads_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3_u8), 1..8),
    ) {
        let files = corpus();
        let mut body = files[pick.index(files.len())].clone();
        for (at, byte, kind) in edits {
            let position = at.index(body.len().max(1)).min(body.len());
            match kind {
                0 if position < body.len() => body[position] = byte,
                1 => body.insert(position, byte),
                _ => body.truncate(position),
            }
        }
        walk(&body);
    }

    #[test]
    fn real_payloads_with_values_of_other_types_never_panic(
        pick in any::<prop::sample::Index>(),
        nth in 0_usize..64,
        replacement in any_json(),
    ) {
        let files = corpus();
        let mut value: Value = serde_json::from_slice(&files[pick.index(files.len())]).unwrap();
        swap_scalar(&mut value, &mut { nth }, &replacement);
        walk(&serde_json::to_vec(&value).unwrap());
    }
}
