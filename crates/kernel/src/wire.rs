//! Closed sets of wire names (statuses, kinds): one declaration gives the enum, its names, parsing
//! with a message that lists the allowed values, and serde as a string.

/// Declares an enum whose variants travel as fixed lower-case names.
#[macro_export]
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }

            /// The wire names joined for messages and documentation.
            pub fn names() -> String {
                [$($wire),+].join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(format!("must be one of: {}", $name::names())),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    wire_enum!(
        /// A test set.
        Shade { Light = "light", Dark = "dark" }
    );

    #[test]
    fn names_round_trip_and_unknown_names_list_the_allowed() {
        assert_eq!("dark".parse::<Shade>(), Ok(Shade::Dark));
        assert_eq!(Shade::Light.to_string(), "light");
        assert_eq!(Shade::ALL, [Shade::Light, Shade::Dark]);
        assert_eq!("grey".parse::<Shade>().unwrap_err(), "must be one of: light, dark");
        assert_eq!(serde_json::to_string(&Shade::Dark).unwrap(), "\"dark\"");
        assert!(serde_json::from_str::<Shade>("\"grey\"").is_err());
    }
}
