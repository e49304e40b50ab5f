//! `template.yaml` as CloudFormation JSON, with short-form intrinsics (`!Ref X`,
//! `!GetAtt A.B`, `!Sub s`) in their long form, and the questions the template tests ask.

use proxima_infra::template::{TEMPLATE_YAML, document};
use serde_json::{Map, Value, json};
use yaml_serde::Value as Yaml;

/// The embedded template in long form.
pub fn template() -> Value {
    long_form(&document(TEMPLATE_YAML).expect("template.yaml parses"))
}

/// A YAML value as JSON, tags written as CloudFormation's long-form intrinsics.
pub fn long_form(v: &Yaml) -> Value {
    match v {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => json!(b),
        Yaml::Number(n) => n
            .as_i64()
            .map(Value::from)
            .or_else(|| n.as_f64().map(Value::from))
            .unwrap_or(Value::Null),
        Yaml::String(s) => json!(s),
        Yaml::Sequence(items) => Value::Array(items.iter().map(long_form).collect()),
        Yaml::Mapping(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s.clone(),
                        other => yaml_serde::to_string(other).unwrap_or_default(),
                    };
                    (key, long_form(v))
                })
                .collect(),
        ),
        Yaml::Tagged(t) => {
            let tag = t.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = long_form(&t.value);
            match (name, &inner) {
                ("Ref", _) => json!({ "Ref": inner }),
                ("GetAtt", Value::String(s)) => {
                    let (res, attr) = s.split_once('.').unwrap_or((s.as_str(), ""));
                    json!({ "Fn::GetAtt": [res, attr] })
                }
                _ => {
                    let mut m = Map::new();
                    m.insert(format!("Fn::{name}"), inner);
                    Value::Object(m)
                }
            }
        }
    }
}

/// `(logical id, resource)` of every resource of type `kind`.
pub fn resources<'a>(doc: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    doc["Resources"]
        .as_object()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(id, r)| (id.as_str(), r))
        .collect()
}

/// Every `AWS::Serverless::Function`.
pub fn functions(doc: &Value) -> Vec<(&str, &Value)> {
    resources(doc, "AWS::Serverless::Function")
}

/// The resource `logical_id`.
pub fn resource<'a>(doc: &'a Value, logical_id: &str) -> &'a Value {
    let r = &doc["Resources"][logical_id];
    assert!(!r.is_null(), "template has no resource {logical_id}");
    r
}

/// A function's property, or the `Globals` one when it has none.
pub fn function_property<'a>(doc: &'a Value, function: &'a Value, name: &str) -> &'a Value {
    match &function["Properties"][name] {
        Value::Null => &doc["Globals"]["Function"][name],
        v => v,
    }
}

/// The IAM statements of a function's inline policies. Panics on any other kind of policy
/// (SAM policy templates, managed policies), which the tests could not inspect.
pub fn statements(logical_id: &str, function: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for policy in function["Properties"]["Policies"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let list = policy["Statement"].as_array().unwrap_or_else(|| {
            panic!("{logical_id}: policy {policy} is not an inline statement list")
        });
        out.extend(list.iter().cloned());
    }
    out
}

/// A string or a list of strings, as a list.
pub fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .map(|s| s.as_str().expect("a string").to_string())
            .collect(),
        Value::Null => Vec::new(),
        other => panic!("not a string or a list of strings: {other}"),
    }
}

/// The actions of a statement.
pub fn actions(statement: &Value) -> Vec<String> {
    strings(&statement["Action"])
}

/// Whether `v` mentions resource `logical_id`: `Ref`, `Fn::GetAtt` or `${id}` / `${id.Attr}`
/// in a `Fn::Sub`.
pub fn refers_to(v: &Value, logical_id: &str) -> bool {
    match v {
        Value::Object(m) => {
            if m.get("Ref").and_then(Value::as_str) == Some(logical_id) {
                return true;
            }
            if m.get("Fn::GetAtt").and_then(|a| a[0].as_str()) == Some(logical_id) {
                return true;
            }
            if let Some(Value::String(s)) = m.get("Fn::Sub")
                && (s.contains(&format!("${{{logical_id}}}"))
                    || s.contains(&format!("${{{logical_id}.")))
            {
                return true;
            }
            m.values().any(|v| refers_to(v, logical_id))
        }
        Value::Array(a) => a.iter().any(|v| refers_to(v, logical_id)),
        _ => false,
    }
}

/// The logical id `v` refers to among resources of type `kind`, if exactly one.
pub fn referred<'a>(doc: &'a Value, v: &Value, kind: &str) -> Option<(&'a str, &'a Value)> {
    let found: Vec<_> = resources(doc, kind)
        .into_iter()
        .filter(|(id, _)| refers_to(v, id))
        .collect();
    (found.len() == 1).then(|| found[0])
}

/// IAM `StringLike` matching (`*` any run, `?` one character), case-sensitive.
pub fn string_like(pattern: &str, value: &str) -> bool {
    fn go(p: &[char], v: &[char]) -> bool {
        match p.split_first() {
            None => v.is_empty(),
            Some(('*', rest)) => (0..=v.len()).any(|i| go(rest, &v[i..])),
            Some(('?', rest)) => !v.is_empty() && go(rest, &v[1..]),
            Some((c, rest)) => v.first() == Some(c) && go(rest, &v[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    go(&p, &v)
}

/// Whether an IAM action pattern (case-insensitive, wildcards) grants `action`.
pub fn grants(pattern: &str, action: &str) -> bool {
    string_like(&pattern.to_lowercase(), &action.to_lowercase())
}

/// The default of parameter `name`.
pub fn parameter_default<'a>(doc: &'a Value, name: &str) -> &'a Value {
    let p = &doc["Parameters"][name];
    assert!(!p.is_null(), "template has no parameter {name}");
    &p["Default"]
}

/// A number, or a `Ref` to a parameter whose default is a number.
pub fn number_or_default(doc: &Value, v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        Value::Object(m) => match m.get("Ref").and_then(Value::as_str) {
            Some(p) => number_or_default(doc, parameter_default(doc, p)),
            None => None,
        },
        _ => None,
    }
}
