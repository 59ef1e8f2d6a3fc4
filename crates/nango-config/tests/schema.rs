//! The committed JSON Schemas in docs/schema match the Rust types.
//! Run with `NANGO_UPDATE_SCHEMA=1` to rewrite them after changing a type.

use std::path::PathBuf;

use serde_json::Value;

fn check(file: &str, schema: &Value) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/schema").join(file);
    let text = serde_json::to_string_pretty(schema).expect("JSON") + "\n";
    if std::env::var_os("NANGO_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &text).expect("write the schema");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "{} is out of date; run the tests with NANGO_UPDATE_SCHEMA=1",
        path.display()
    );
}

#[test]
fn blueprint_schema_is_committed() {
    check("blueprint.schema.json", &nango_config::schema::blueprint_file_schema());
}

#[test]
fn integrations_schema_is_committed() {
    check("integrations.schema.json", &nango_config::schema::integrations_schema());
}

#[test]
fn integrations_schema_knows_overrides_and_keys() {
    let schema = nango_config::schema::integrations_schema();
    let entry = &schema["definitions"]["IntegrationEntry"];
    assert_eq!(entry["additionalProperties"], Value::Bool(false));
    let required: Vec<&str> =
        entry["required"].as_array().expect("required").iter().filter_map(Value::as_str).collect();
    assert_eq!(required, ["extends_blueprint", "oauth_client_id"]);
    assert_eq!(entry["properties"]["overrides"]["$ref"], "#/definitions/Overrides");
    let auth_override = &schema["definitions"]["AuthSpecOverride"];
    assert!(auth_override.get("required").is_none());
    assert!(auth_override["properties"]["token_url"].is_object());
}
