//! Example bodies from OpenAPI schemas: what the sandbox answers for an operation it has no
//! hand-written model of. Uses the spec's own `example` values where they exist.

use serde_json::{Map, Value, json};

/// How deep nested objects are expanded; deeper ones become `{}`.
const MAX_DEPTH: usize = 6;

/// An example value of `schema`, resolving `$ref`s against `spec`.
pub(crate) fn example(spec: &Value, schema: &Value) -> Value {
    build(spec, schema, 0)
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    let mut current = schema;
    for _ in 0..16 {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else { break };
        let Some(path) = reference.strip_prefix("#/") else { break };
        match path.split('/').try_fold(spec, |node, key| node.get(key)) {
            Some(target) => current = target,
            None => break,
        }
    }
    current
}

fn build(spec: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(spec, schema);
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if depth > MAX_DEPTH {
        return json!({});
    }
    for combinator in ["allOf", "oneOf", "anyOf"] {
        if let Some(parts) = schema.get(combinator).and_then(Value::as_array) {
            let mut merged = Map::new();
            let take = if combinator == "allOf" { parts.len() } else { 1 };
            for part in parts.iter().take(take) {
                match build(spec, part, depth + 1) {
                    Value::Object(object) => merged.extend(object),
                    other if merged.is_empty() => return other,
                    _ => {}
                }
            }
            return Value::Object(merged);
        }
    }
    if let Some(first) = schema.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
        return first.clone();
    }
    let kind = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_else(|| if schema.get("properties").is_some() { "object" } else { "string" });
    match kind {
        "object" => {
            let mut object = Map::new();
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (name, property) in properties {
                    object.insert(name.clone(), build(spec, property, depth + 1));
                }
            }
            Value::Object(object)
        }
        "array" => match schema.get("items") {
            Some(items) => json!([build(spec, items, depth + 1)]),
            None => json!([]),
        },
        "integer" => json!(1),
        "number" => json!(1.0),
        "boolean" => json!(false),
        _ => match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2026-01-01T00:00:00Z"),
            Some("date") => json!("2026-01-01"),
            Some("email") => json!("user@example.com"),
            _ => json!("string"),
        },
    }
}

/// The success response schema of an operation, in OpenAPI 3 or Swagger 2 form.
pub(crate) fn success_schema<'a>(op: &'a Value, status: &str) -> Option<&'a Value> {
    let response = op.get("responses")?.get(status)?;
    response
        .get("content")
        .and_then(|c| c.get("application/json").or_else(|| c.as_object()?.values().next()))
        .and_then(|m| m.get("schema"))
        .or_else(|| response.get("schema"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_from_refs_examples_and_types() {
        let spec = json!({"definitions": {"User": {"type": "object", "properties": {
            "id": {"type": "string", "example": "u1"}, "n": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
            "at": {"type": "string", "format": "date-time"}}}}});
        let value = example(&spec, &json!({"$ref": "#/definitions/User"}));
        assert_eq!(value, json!({"id": "u1", "n": 1, "tags": ["a"], "at": "2026-01-01T00:00:00Z"}));
    }

    #[test]
    fn self_referencing_schemas_stop() {
        let spec = json!({"definitions": {"Node": {"type": "object", "properties": {
            "child": {"$ref": "#/definitions/Node"}}}}});
        let value = example(&spec, &json!({"$ref": "#/definitions/Node"}));
        assert!(value.to_string().len() < 200, "{value}");
    }
}
