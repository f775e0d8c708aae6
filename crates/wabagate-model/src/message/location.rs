//! Location messages (whatsapp-cloud-api.md §2.5).

use serde::{Deserialize, Serialize};

use crate::violation::{Field, ValidationError, Violation};

/// A pin on the map. Meta's OpenAPI types the coordinates as strings while its examples send
/// numbers; both are accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub latitude: Coordinate,
    pub longitude: Coordinate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// Decimal degrees, as a JSON number or a numeric string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Coordinate {
    Number(f64),
    Text(String),
}

impl Coordinate {
    /// The value in degrees, or `None` when the text is not a number.
    pub fn degrees(&self) -> Option<f64> {
        match self {
            Coordinate::Number(value) => Some(*value),
            Coordinate::Text(text) => text.trim().parse().ok(),
        }
    }
}

impl Location {
    /// Latitude within ±90 and longitude within ±180 degrees.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let field = Field::root("location");
        check_degrees(&field.key("latitude"), &self.latitude, 90.0)?;
        check_degrees(&field.key("longitude"), &self.longitude, 180.0)
    }
}

fn check_degrees(field: &Field, coordinate: &Coordinate, limit: f64) -> Result<(), ValidationError> {
    match coordinate.degrees() {
        Some(degrees) if degrees.is_finite() && degrees.abs() <= limit => Ok(()),
        _ => Err(field.error(Violation::Malformed { expected: "a coordinate in decimal degrees" })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(latitude: Coordinate, longitude: Coordinate) -> Location {
        Location { latitude, longitude, name: None, address: None }
    }

    #[test]
    fn coordinates_may_be_numbers_or_numeric_strings() {
        assert_eq!(at(Coordinate::Number(37.7749), Coordinate::Text("-122.4194".into())).validate(), Ok(()));
    }

    #[test]
    fn coordinates_out_of_range_or_not_numeric_are_rejected() {
        let error = at(Coordinate::Number(91.0), Coordinate::Number(0.0)).validate().unwrap_err();
        assert_eq!(error.field, "location['latitude']");
        let error = at(Coordinate::Number(0.0), Coordinate::Text("east".into())).validate().unwrap_err();
        assert_eq!(error.field, "location['longitude']");
    }
}
