//! The shared crate's import graph has no circle: a module that uses another never is
//! used back, directly or through others, so the layers (domain model and rules, ports,
//! use cases, adapters, HTTP edge) can be read bottom up. Every `crate::`, `super::` and
//! `self::` path outside comments and unit-test modules is an arrow to the module it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every module of `shared/src` (`invoice::finalize`; the crate root is ``) with its text.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).expect("read shared/src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap().with_extension("");
                let mut name = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("::");
                if name == "lib" {
                    name.clear();
                } else if let Some(parent) = name.strip_suffix("::mod") {
                    name = parent.to_string();
                }
                out.insert(name, std::fs::read_to_string(&path).expect("read module"));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// The code of a module: no comments, no unit-test module.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::a::b`, `super::x` or `self::y` path in `code`, as its segments.
fn paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let at = from + i;
            from = at + start.len();
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
                continue;
            }
            let mut end = at;
            while end < bytes.len()
                && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_' || bytes[end] == b':')
            {
                end += 1;
            }
            out.push(
                code[at..end]
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            );
        }
    }
    out
}

/// The module a path from `module` names (the longest prefix that is a module).
fn target(module: &str, path: &[String], all: &BTreeMap<String, String>) -> Option<String> {
    let mut base: Vec<String> = if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").map(str::to_string).collect()
    };
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    (0..=rest.len()).rev().find_map(|n| {
        let mut name = base.clone();
        name.extend(rest[..n].iter().cloned());
        let name = name.join("::");
        all.contains_key(&name).then_some(name)
    })
}

/// The arrows between modules (a module's own children and the crate root aside).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let all = modules();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, text) in &all {
        let out = edges.entry(module.clone()).or_default();
        for path in paths(&code(text)) {
            if let Some(t) = target(module, &path, &all)
                && !t.is_empty()
                && t != *module
                && !t.starts_with(&format!("{module}::"))
            {
                out.insert(t);
            }
        }
    }
    edges
}

/// One circle through `from`, if any (a path back to it).
fn circle_through(from: &str, edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    let mut stack = vec![(from.to_string(), vec![from.to_string()])];
    let mut seen = BTreeSet::new();
    while let Some((at, trail)) = stack.pop() {
        for next in edges.get(&at).into_iter().flatten() {
            if next == from {
                let mut c = trail.clone();
                c.push(from.to_string());
                return Some(c);
            }
            if seen.insert(next.clone()) {
                let mut t = trail.clone();
                t.push(next.clone());
                stack.push((next.clone(), t));
            }
        }
    }
    None
}

#[test]
fn the_shared_crate_has_no_import_circle() {
    let edges = graph();
    assert!(edges.len() > 50, "the modules were found: {}", edges.len());
    assert!(
        edges["invoice::finalize"].contains("ports"),
        "the arrows were read: {:?}",
        edges["invoice::finalize"]
    );
    let circles: Vec<String> = edges
        .keys()
        .filter_map(|m| circle_through(m, &edges))
        .map(|c| c.join(" -> "))
        .collect();
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_domain_reaches_no_port_adapter_or_http_edge() {
    let edges = graph();
    // The model and rules, plain data and decisions: `shared/src/domain` (invoices in
    // `domain/invoice`), the refresh-token family rule and the fan-out precedence rule.
    let domain = [
        "domain",
        "auth::refresh_family",
        "fan_out::run",
        "rates::rate",
        "rates::equivalent",
    ];
    let below = |m: &str| {
        domain
            .iter()
            .any(|d| m == *d || m.starts_with(&format!("{d}::")))
    };
    for (module, targets) in &edges {
        if !below(module) {
            continue;
        }
        for t in targets {
            // Nor the use cases: invoices, clients' accounts, clients, imports, month-end,
            // reminders and the fan-out job's steps (its description `JobKind` and its
            // precedence rule are data and rules).
            let use_case = [
                "ports",
                "store",
                "http",
                "state",
                "invoice",
                "ledger",
                "clients",
                "import",
                "month_end",
                "reminders",
            ]
            .iter()
            .any(|up| t == up || t.starts_with(&format!("{up}::")));
            let fan_out_step = t.starts_with("fan_out::") && !below(t);
            assert!(!use_case && !fan_out_step, "{module} (domain) uses {t}");
        }
    }
}
