//! Flags that take one of a closed set of values (`--status`, `--category`, `--vertical`):
//! clap knows the values, so `--help` lists them and shell completion offers them instead
//! of file names, and a typo is refused with the list.

use clap::builder::{PossibleValuesParser, TypedValueParser};

/// A parser offering `values` (matched case-insensitively with `ignore_case = true` on the
/// flag) that turns the chosen one into a `T` with `parse`.
pub(crate) fn one_of<T: Clone + Send + Sync + 'static>(
    values: impl IntoIterator<Item = &'static str>,
    parse: fn(&str) -> Option<T>,
) -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(values)
        .map(move |chosen| parse(&chosen).expect("clap passes only one of the listed values, each of which parses"))
}
