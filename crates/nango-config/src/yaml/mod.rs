//! YAML: parsing with serde-saphyr into a tree that keeps exact text and places, and a serde
//! deserializer over that tree. See `docs/yaml.md` for the choice of library.

pub(crate) mod de;
pub(crate) mod node;
mod parse;
mod raw;

pub(crate) use de::from_node;
pub(crate) use parse::{MAX_FILE_BYTES, parse};
