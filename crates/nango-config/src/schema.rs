//! JSON Schemas of integrations.yaml and of blueprint files, generated from the Rust types, for
//! editors with a YAML language server. The committed copies live in `docs/schema/`; a test
//! keeps them in step with the types.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::blueprint::{ApiSpec, AuthSpec, RetrySpec, Timeouts};

/// A blueprint file: a provider with named versions.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "only its schema is used")]
struct BlueprintFile {
    /// Provider name; must match the file name (`zoom` in `zoom.yaml`).
    name: String,
    /// Human name, e.g. `Zoom`.
    display_name: String,
    /// Where the provider documents its API.
    docs_url: Option<String>,
    /// Versions by name: `v0`, `v1`, ... (the highest number is the default).
    versions: BTreeMap<String, Version>,
}

/// One version of a blueprint.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "only its schema is used")]
struct Version {
    /// Replaces the file's `display_name` for this version.
    display_name: Option<String>,
    /// Replaces the file's `docs_url` for this version.
    docs_url: Option<String>,
    /// How to obtain credentials.
    auth: AuthSpec,
    /// How to call the API.
    api: ApiSpec,
}

/// integrations.yaml.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "only its schema is used")]
struct IntegrationsFile {
    /// A folder of your own blueprint files, relative to this file.
    blueprints_dir: Option<String>,
    /// Integrations by name (letters, digits, `-`, `_`).
    integrations: BTreeMap<String, IntegrationEntry>,
}

/// One integration. Every string may use `${VAR}` and `${VAR:-default}`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "only its schema is used")]
struct IntegrationEntry {
    /// `name:version`, e.g. `zoom:v0`; `name` alone takes the highest version.
    extends_blueprint: String,
    /// The app's client id.
    oauth_client_id: String,
    /// The app's client secret; write it as `${VARIABLE}`.
    oauth_client_secret: Option<String>,
    /// Scopes to request.
    oauth_scopes: Option<Vec<String>>,
    /// Redirect URI of the authorization-code flow.
    redirect_uri: Option<String>,
    /// Account id, for blueprints that require one (Zoom Server-to-Server).
    account_id: Option<String>,
    /// A plan of the blueprint's `api.rate_limits.plans`.
    rate_limit_plan: Option<String>,
    /// Log level for this integration.
    log_level: Option<LogLevel>,
    /// Shorthand for `overrides.api.timeouts`.
    timeouts: Option<Timeouts>,
    /// Shorthand for `overrides.api.retry`.
    retry: Option<RetrySpec>,
    /// Any blueprint key; mappings merge key by key, lists and scalars replace.
    overrides: Option<Value>,
}

/// Log levels.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code, reason = "only its schema is used")]
enum LogLevel {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warn,
    /// Information.
    Info,
    /// Debugging.
    Debug,
    /// Everything.
    Trace,
}

fn settings() -> SchemaSettings {
    SchemaSettings::draft07()
}

/// The JSON Schema of a blueprint file.
pub fn blueprint_file_schema() -> Value {
    let mut schema = settings().into_generator().into_root_schema_for::<BlueprintFile>().to_value();
    if let Some(versions) = schema.pointer_mut("/properties/versions") {
        versions["propertyNames"] = json!({ "pattern": "^v[0-9]+$" });
    }
    schema
}

/// The JSON Schema of integrations.yaml. `overrides` accepts the blueprint's `auth` and `api`
/// with every key optional.
pub fn integrations_schema() -> Value {
    let mut schema =
        settings().into_generator().into_root_schema_for::<IntegrationsFile>().to_value();
    let blueprint = blueprint_file_schema();

    let Some(definitions) = schema.get_mut("definitions").and_then(Value::as_object_mut) else {
        return schema;
    };
    if let Some(blueprint_definitions) = blueprint.get("definitions").and_then(Value::as_object) {
        for (name, definition) in blueprint_definitions {
            let mut partial = definition.clone();
            make_partial(&mut partial);
            definitions.insert(format!("{name}Override"), partial);
        }
    }
    definitions.insert(
        "Overrides".to_owned(),
        json!({
            "description": "Any blueprint key; mappings merge key by key, lists and scalars replace.",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "display_name": { "type": "string" },
                "docs_url": { "type": "string" },
                "auth": { "$ref": "#/definitions/AuthSpecOverride" },
                "api": { "$ref": "#/definitions/ApiSpecOverride" },
            },
        }),
    );
    if let Some(overrides) =
        schema.pointer_mut("/definitions/IntegrationEntry/properties/overrides")
    {
        *overrides = json!({ "$ref": "#/definitions/Overrides" });
    }
    schema
}

/// Removes `required` everywhere and points references at the `...Override` definitions.
fn make_partial(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("required");
            rewrite_ref(map);
            map.values_mut().for_each(make_partial);
        }
        Value::Array(items) => items.iter_mut().for_each(make_partial),
        _ => {}
    }
}

fn rewrite_ref(map: &mut Map<String, Value>) {
    if let Some(Value::String(reference)) = map.get_mut("$ref")
        && reference.starts_with("#/definitions/")
    {
        reference.push_str("Override");
    }
}
