//! A serde `Deserializer` over [`Node`]: typed structs from the tree, with errors that know the
//! file, line, column and key path of the node at fault, and never show a value.

use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, VariantAccess, Visitor,
};

use super::node::{Key, Kind, Node, Style};
use crate::error::{ConfigError, ErrorKind, Place};
use crate::suggest;

/// Deserializes `T` from `node`.
pub(crate) fn from_node<T: DeserializeOwned>(node: &Node) -> Result<T, ConfigError> {
    T::deserialize(NodeDe(node)).map_err(DeError::into_config_error)
}

/// The error inside the deserializer; becomes a [`ConfigError`].
#[derive(Debug)]
pub(crate) struct DeError(ConfigError);

impl DeError {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self(ConfigError::new(kind, message))
    }

    fn help(self, help: impl Into<String>) -> Self {
        Self(self.0.with_help(help))
    }

    /// Sets the place and path, unless a deeper node already did.
    fn locate(self, place: Place, path: &str) -> Self {
        if self.0.has_place() { self } else { Self(self.0.at(&place).with_path(path)) }
    }

    fn into_config_error(self) -> ConfigError {
        self.0
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::new(ErrorKind::InvalidValue, msg.to_string())
    }

    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::new(
            ErrorKind::InvalidValue,
            format!("expected {expected}, found {}", kind_of(&unexpected)),
        )
    }

    fn invalid_value(_: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        let expected = expected.to_string();
        let error =
            Self::new(ErrorKind::InvalidValue, format!("invalid value: expected {expected}"));
        if expected.contains("duration") {
            error.help("write a number and a unit, e.g. `30s`, `200ms`, `5m`")
        } else {
            error
        }
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Self::new(ErrorKind::UnknownKey, format!("unknown key `{}`", shorten(field)))
            .help(suggest::did_you_mean(field, expected, "known keys"))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Self::new(ErrorKind::InvalidValue, format!("unknown value `{}`", shorten(variant)))
            .help(suggest::did_you_mean(variant, expected, "allowed values"))
    }

    fn missing_field(field: &'static str) -> Self {
        Self::new(ErrorKind::MissingKey, format!("missing key `{field}`"))
            .help(format!("add `{field}:` to this mapping"))
    }
}

/// A name short enough for one line of an error.
fn shorten(name: &str) -> String {
    const MAX: usize = 60;
    if name.chars().count() <= MAX {
        return name.to_owned();
    }
    let head: String = name.chars().take(MAX).collect();
    format!("{head}…")
}

/// The kind of an unexpected value, without the value.
fn kind_of(unexpected: &Unexpected<'_>) -> &'static str {
    match unexpected {
        Unexpected::Bool(_) => "a boolean",
        Unexpected::Unsigned(_) | Unexpected::Signed(_) => "an integer",
        Unexpected::Float(_) => "a number",
        Unexpected::Char(_) | Unexpected::Str(_) | Unexpected::Other(_) => "a string",
        Unexpected::Bytes(_) => "bytes",
        Unexpected::Unit | Unexpected::Option => "nothing (null)",
        Unexpected::Seq => "a list",
        Unexpected::Map => "a mapping",
        _ => "another kind of value",
    }
}

/// YAML 1.1 booleans that YAML 1.2 reads as strings: refused for boolean fields.
const YAML11_BOOLEANS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
    "OFF",
];

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

struct NodeDe<'a>(&'a Node);

impl<'a> NodeDe<'a> {
    fn locate<T>(&self, result: Result<T, DeError>) -> Result<T, DeError> {
        result.map_err(|e| e.locate(self.0.loc.place(), &self.0.path))
    }

    fn wrong(&self, expected: &str) -> DeError {
        let mut error = DeError::new(
            ErrorKind::InvalidValue,
            format!("expected {expected}, found {}", self.0.shape()),
        );
        if matches!(self.0.kind, Kind::Null(_)) && expected.contains("string") {
            error = error.help("write a value, or quote an empty one: \"\"");
        }
        error
    }

    /// The text of a scalar, for a field that wants `expected`.
    fn text(&self, expected: &str) -> Result<&'a str, DeError> {
        match &self.0.kind {
            Kind::Scalar(text, _) => Ok(text),
            _ => Err(self.wrong(expected)),
        }
    }

    fn number<T: std::str::FromStr>(&self, expected: &str) -> Result<T, DeError> {
        let text = self.text(expected)?;
        text.trim().parse::<T>().map_err(|_| {
            DeError::new(ErrorKind::InvalidValue, format!("expected {expected}"))
                .help(format!("write {expected} in decimal digits"))
        })
    }
}

macro_rules! integer {
    ($method:ident, $visit:ident, $ty:ty, $expected:literal) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            let result = self.number::<$ty>($expected).and_then(|n| visitor.$visit(n));
            self.locate(result)
        }
    };
}

impl<'de, 'a> de::Deserializer<'de> for NodeDe<'a> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match &self.0.kind {
            Kind::Null(_) => visitor.visit_unit(),
            Kind::Scalar(text, Style::Typed) => {
                if let Some(b) = parse_bool(text) {
                    visitor.visit_bool(b)
                } else if let Ok(u) = text.parse::<u64>() {
                    visitor.visit_u64(u)
                } else if let Ok(i) = text.parse::<i64>() {
                    visitor.visit_i64(i)
                } else if let Ok(f) = text.parse::<f64>() {
                    visitor.visit_f64(f)
                } else {
                    visitor.visit_str(text)
                }
            }
            Kind::Scalar(text, _) => visitor.visit_str(text),
            Kind::Seq(items) => visitor.visit_seq(Seq { items: items.iter() }),
            Kind::Map(entries) => visitor.visit_map(Map::new(entries)),
        };
        self.locate(result)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = self.text("true or false").and_then(|text| match parse_bool(text) {
            Some(b) => visitor.visit_bool(b),
            None if YAML11_BOOLEANS.contains(&text) => Err(DeError::new(
                ErrorKind::InvalidValue,
                format!("`{text}` is a YAML 1.1 boolean, which this file format does not read"),
            )
            .help("write true or false")),
            None => Err(DeError::new(ErrorKind::InvalidValue, "expected true or false")),
        });
        self.locate(result)
    }

    integer!(deserialize_u8, visit_u8, u8, "an integer from 0 to 255");
    integer!(deserialize_u16, visit_u16, u16, "an integer from 0 to 65535");
    integer!(deserialize_u32, visit_u32, u32, "an integer from 0 to 4294967295");
    integer!(deserialize_u64, visit_u64, u64, "a non-negative integer");
    integer!(deserialize_i8, visit_i8, i8, "an integer from -128 to 127");
    integer!(deserialize_i16, visit_i16, i16, "an integer from -32768 to 32767");
    integer!(deserialize_i32, visit_i32, i32, "a 32-bit integer");
    integer!(deserialize_i64, visit_i64, i64, "a 64-bit integer");
    integer!(deserialize_f32, visit_f32, f32, "a number");
    integer!(deserialize_f64, visit_f64, f64, "a number");

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = self.text("a string").and_then(|text| visitor.visit_str(text));
        self.locate(result)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.0.kind {
            Kind::Null(_) => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match &self.0.kind {
            Kind::Null(_) => visitor.visit_unit(),
            _ => Err(self.wrong("nothing")),
        };
        self.locate(result)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match &self.0.kind {
            Kind::Seq(items) => visitor.visit_seq(Seq { items: items.iter() }),
            _ => Err(self.wrong("a list")),
        };
        self.locate(result)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match &self.0.kind {
            Kind::Map(entries) => visitor.visit_map(Map::new(entries)),
            _ => Err(self.wrong("a mapping")),
        };
        self.locate(result)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let result = match &self.0.kind {
            Kind::Scalar(text, _) => visitor.visit_enum(UnitVariant(text)),
            _ => Err(self.wrong("one of the allowed names")),
        };
        self.locate(result)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

struct Seq<'a> {
    items: std::slice::Iter<'a, Node>,
}

impl<'de, 'a> SeqAccess<'de> for Seq<'a> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some(node) => seed.deserialize(NodeDe(node)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map<'a> {
    entries: std::slice::Iter<'a, (Key, Node)>,
    value: Option<&'a Node>,
}

impl<'a> Map<'a> {
    fn new(entries: &'a [(Key, Node)]) -> Self {
        Self { entries: entries.iter(), value: None }
    }
}

impl<'de, 'a> MapAccess<'de> for Map<'a> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        let de: de::value::StrDeserializer<'_, DeError> = key.text.as_str().into_deserializer();
        seed.deserialize(de).map(Some).map_err(|e| e.locate(key.loc.place(), &value.path))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(node) => seed.deserialize(NodeDe(node)),
            None => Err(DeError::new(ErrorKind::InvalidValue, "a value was read before its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct UnitVariant<'a>(&'a str);

impl<'de, 'a> EnumAccess<'de> for UnitVariant<'a> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), DeError> {
        let de: de::value::StrDeserializer<'_, DeError> = self.0.into_deserializer();
        Ok((seed.deserialize(de)?, self))
    }
}

impl<'de, 'a> VariantAccess<'de> for UnitVariant<'a> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value, DeError> {
        Err(DeError::new(ErrorKind::InvalidValue, "expected a mapping for this value"))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, DeError> {
        Err(DeError::new(ErrorKind::InvalidValue, "expected a list for this value"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, DeError> {
        Err(DeError::new(ErrorKind::InvalidValue, "expected a mapping for this value"))
    }
}
