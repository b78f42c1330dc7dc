//! Package names and version specifiers: what the installer accepts, and which version of a
//! packument a specifier selects (npm's rule: `dist-tags.latest` when it satisfies the range,
//! else the highest satisfying version).

use std::collections::BTreeMap;

use nodejs_semver::{Range, Version};

use crate::error::NpmError;

/// A parsed version specifier.
#[derive(Clone, Debug)]
pub(crate) enum Spec {
    /// A dist-tag; `""`, `"*"` and `"latest"` all mean `latest`.
    Tag(String),
    Range(Range),
}

impl Spec {
    pub(crate) fn parse(name: &str, spec: &str) -> Result<Self, NpmError> {
        let spec = spec.trim();
        let invalid = |reason: &str| NpmError::InvalidSpecifier {
            name: name.to_owned(),
            spec: spec.to_owned(),
            reason: reason.to_owned(),
        };
        if spec.is_empty() || spec == "*" || spec == "latest" {
            return Ok(Self::Tag("latest".to_owned()));
        }
        if spec.contains(':') || spec.contains('/') {
            return Err(invalid(
                "aliases, URLs, git, file and workspace specifiers are not supported",
            ));
        }
        match Range::parse(spec) {
            Ok(range) => Ok(Self::Range(range)),
            Err(_) if is_tag(spec) => Ok(Self::Tag(spec.to_owned())),
            Err(error) => Err(invalid(&error.to_string())),
        }
    }

    /// Whether an already chosen version (pinned by the lock or already in the tree) may be
    /// reused for this specifier. A tag accepts any version: the lock pins what it named.
    pub(crate) fn allows(&self, version: &str) -> bool {
        match self {
            Self::Tag(_) => true,
            Self::Range(range) => Version::parse(version).is_ok_and(|v| range.satisfies(&v)),
        }
    }
}

fn is_tag(spec: &str) -> bool {
    spec.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && spec
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
}

/// Checks `name` against npm's naming rules closely enough that it is safe as a URL segment and
/// as a path under `node_modules`.
pub(crate) fn validate_name(name: &str) -> Result<(), NpmError> {
    let part_ok = |part: &str| {
        !part.is_empty()
            && !part.starts_with('.')
            && !part.starts_with('_')
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'))
    };
    let valid = name.len() <= 214
        && match name.strip_prefix('@') {
            Some(scoped) => scoped
                .split_once('/')
                .is_some_and(|(scope, rest)| part_ok(scope) && part_ok(rest)),
            None => part_ok(name),
        };
    if valid {
        Ok(())
    } else {
        Err(NpmError::InvalidPackageName {
            name: name.to_owned(),
        })
    }
}

/// The version `spec` selects among `versions` (the packument's keys) given its `dist_tags`.
pub(crate) fn pick_version<'a, I>(
    name: &str,
    raw_spec: &str,
    spec: &Spec,
    dist_tags: &BTreeMap<String, String>,
    versions: I,
) -> Result<String, NpmError>
where
    I: IntoIterator<Item = &'a String>,
{
    let versions: Vec<(Version, &String)> = versions
        .into_iter()
        .filter_map(|raw| Version::parse(raw).ok().map(|v| (v, raw)))
        .collect();
    let latest = dist_tags
        .get("latest")
        .filter(|tag| versions.iter().any(|(_, raw)| raw == tag))
        .cloned();
    let newest_stable = || {
        versions
            .iter()
            .filter(|(v, _)| !v.is_prerelease())
            .max_by(|a, b| a.0.cmp(&b.0))
            .or_else(|| versions.iter().max_by(|a, b| a.0.cmp(&b.0)))
            .map(|(_, raw)| (*raw).clone())
    };
    let chosen = match spec {
        Spec::Tag(tag) if tag == "latest" => latest.clone().or_else(newest_stable),
        Spec::Tag(tag) => dist_tags
            .get(tag)
            .filter(|v| versions.iter().any(|(_, raw)| raw == v))
            .cloned(),
        Spec::Range(range) => {
            if let Some(latest) = latest
                .as_ref()
                .filter(|l| Version::parse(l).is_ok_and(|v| range.satisfies(&v)))
            {
                Some(latest.clone())
            } else {
                versions
                    .iter()
                    .filter(|(v, _)| range.satisfies(v))
                    .max_by(|a, b| a.0.cmp(&b.0))
                    .map(|(_, raw)| (*raw).clone())
            }
        }
    };
    chosen.ok_or_else(|| NpmError::NoMatchingVersion {
        name: name.to_owned(),
        range: raw_spec.to_owned(),
        latest: latest
            .or_else(newest_stable)
            .unwrap_or_else(|| "none (the package has no published versions)".to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(spec: &str, tags: &[(&str, &str)], versions: &[&str]) -> Result<String, NpmError> {
        let tags = tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let versions: Vec<String> = versions.iter().map(|v| (*v).to_owned()).collect();
        pick_version("p", spec, &Spec::parse("p", spec)?, &tags, &versions)
    }

    #[test]
    fn latest_tag_wins_when_it_satisfies() {
        let versions = ["1.0.0", "1.2.0", "2.0.0", "3.0.0-beta.1"];
        let tags = [("latest", "1.2.0"), ("next", "3.0.0-beta.1")];
        assert_eq!(pick("", &tags, &versions).unwrap(), "1.2.0");
        assert_eq!(pick("*", &tags, &versions).unwrap(), "1.2.0");
        assert_eq!(pick("^1.0.0", &tags, &versions).unwrap(), "1.2.0");
        assert_eq!(pick("^2", &tags, &versions).unwrap(), "2.0.0");
        assert_eq!(pick("next", &tags, &versions).unwrap(), "3.0.0-beta.1");
        assert_eq!(pick(">=1 <1.1", &tags, &versions).unwrap(), "1.0.0");
    }

    #[test]
    fn no_match_names_the_newest() {
        let err = pick("^9", &[("latest", "2.0.0")], &["1.0.0", "2.0.0"]).unwrap_err();
        assert!(err.to_string().contains("newest version is 2.0.0"), "{err}");
    }

    #[test]
    fn names_and_specifiers_are_checked() {
        for ok in [
            "react",
            "@tanstack/react-query",
            "lodash.debounce",
            "JSONStream",
        ] {
            validate_name(ok).unwrap();
        }
        for bad in [
            "", "../x", "@scope", "@s/../x", "a/b", ".hidden", "a b", "@/x",
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?} should be refused");
        }
        for bad in [
            "npm:react@1",
            "git+https://x/y.git",
            "file:../x",
            "user/repo",
            "^^1",
        ] {
            assert!(Spec::parse("p", bad).is_err(), "{bad:?} should be refused");
        }
    }
}
