//! The business profile's industry (`vertical`) as a closed enum, for clients that want
//! the compiler to know Meta's list. [`super::VERTICALS`] stays the table rules read; a
//! test keeps the two equal.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::violation::{Field, ValidationError, Violation};

/// One of Meta's industries, spelled as Meta spells it on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Vertical {
    Alcohol,
    Apparel,
    Auto,
    Beauty,
    Edu,
    Entertain,
    EventPlan,
    Finance,
    Govt,
    Grocery,
    Health,
    Hotel,
    Nonprofit,
    OnlineGambling,
    OtcDrugs,
    Other,
    PhysicalGambling,
    ProfServices,
    Restaurant,
    Retail,
    Travel,
}

impl Vertical {
    pub const ALL: [Vertical; 21] = [
        Self::Alcohol,
        Self::Apparel,
        Self::Auto,
        Self::Beauty,
        Self::Edu,
        Self::Entertain,
        Self::EventPlan,
        Self::Finance,
        Self::Govt,
        Self::Grocery,
        Self::Health,
        Self::Hotel,
        Self::Nonprofit,
        Self::OnlineGambling,
        Self::OtcDrugs,
        Self::Other,
        Self::PhysicalGambling,
        Self::ProfServices,
        Self::Restaurant,
        Self::Retail,
        Self::Travel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alcohol => "ALCOHOL",
            Self::Apparel => "APPAREL",
            Self::Auto => "AUTO",
            Self::Beauty => "BEAUTY",
            Self::Edu => "EDU",
            Self::Entertain => "ENTERTAIN",
            Self::EventPlan => "EVENT_PLAN",
            Self::Finance => "FINANCE",
            Self::Govt => "GOVT",
            Self::Grocery => "GROCERY",
            Self::Health => "HEALTH",
            Self::Hotel => "HOTEL",
            Self::Nonprofit => "NONPROFIT",
            Self::OnlineGambling => "ONLINE_GAMBLING",
            Self::OtcDrugs => "OTC_DRUGS",
            Self::Other => "OTHER",
            Self::PhysicalGambling => "PHYSICAL_GAMBLING",
            Self::ProfServices => "PROF_SERVICES",
            Self::Restaurant => "RESTAURANT",
            Self::Retail => "RETAIL",
            Self::Travel => "TRAVEL",
        }
    }
}

impl fmt::Display for Vertical {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Vertical {
    type Err = ValidationError;

    /// Case-insensitive; an unknown industry is [`Violation::NotAllowed`] on `vertical`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|vertical| vertical.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| Field::root("vertical").error(Violation::NotAllowed { value: text.to_owned() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::business_profile::VERTICALS;

    #[test]
    fn the_enum_lists_exactly_metas_verticals() {
        let names: Vec<&str> = Vertical::ALL.iter().map(|vertical| vertical.as_str()).collect();
        assert_eq!(names, VERTICALS);
        for vertical in Vertical::ALL {
            assert_eq!(serde_json::to_value(vertical).unwrap(), vertical.as_str());
        }
    }

    #[test]
    fn parsing_ignores_case_and_names_the_field_when_unknown() {
        assert_eq!("retail".parse(), Ok(Vertical::Retail));
        assert_eq!("EVENT_PLAN".parse(), Ok(Vertical::EventPlan));
        let error = "SPACESHIPS".parse::<Vertical>().unwrap_err();
        assert_eq!(error.field, "vertical");
    }
}
