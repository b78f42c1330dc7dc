//! Where the registry is: `QUIRE_NPM_REGISTRY`, else npm's own configuration, else npm's answer
//! to `npm config get registry`. No registry host is written into this crate; without any of
//! these the URL stays empty and an install that needs the network says how to configure one.

use std::path::PathBuf;

/// The npm registry to talk to.
#[derive(Clone, PartialEq, Eq)]
pub struct RegistryConfig {
    /// Base URL of the registry, e.g. the value of `registry=` in `.npmrc`.
    pub url: String,
    /// Bearer token sent to the registry's own host (never to other hosts).
    pub auth_token: Option<String>,
    /// With no `url`: ask `npm config get registry` (npm's built-in default) the first time the
    /// network is needed, so installs from the store never pay for starting npm.
    pub ask_npm: bool,
}

impl std::fmt::Debug for RegistryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryConfig")
            .field("url", &self.url)
            .field("auth_token", &self.auth_token.as_ref().map(|_| "<hidden>"))
            .field("ask_npm", &self.ask_npm)
            .finish()
    }
}

impl RegistryConfig {
    /// `QUIRE_NPM_REGISTRY`, else npm's own config (`npm_config_registry` env, then `.npmrc` in
    /// the current directory and `$HOME`: `registry=`), else the output of
    /// `npm config get registry`. The token comes from `QUIRE_NPM_TOKEN`, else from the
    /// `//host/path/:_authToken=` line of an `.npmrc` that matches the registry.
    ///
    /// npm itself is asked only on first network use (see `ask_npm`).
    pub fn from_environment() -> Self {
        let mut config = Self::from_process(|| None);
        config.ask_npm = config.url.is_empty();
        config
    }

    /// [`Self::from_environment`] with npm asked at once, for the first network use.
    pub(crate) fn from_environment_asking_npm() -> Self {
        Self::from_process(npm_cli_registry)
    }

    fn from_process(npm_cli: impl FnOnce() -> Option<String>) -> Self {
        let cwd = std::env::current_dir().ok();
        let home = std::env::var_os("HOME").map(PathBuf::from);
        Self::from_sources(
            &|key| std::env::var(key).ok(),
            &[cwd, home].into_iter().flatten().collect::<Vec<_>>(),
            npm_cli,
        )
    }

    /// This configuration with npm asked now if it was deferred (for showing the URL).
    #[must_use]
    pub fn resolved(self) -> Self {
        if self.defers_to_npm() {
            Self::from_environment_asking_npm()
        } else {
            self
        }
    }

    /// Whether the URL is still to be asked of npm.
    pub(crate) fn defers_to_npm(&self) -> bool {
        self.ask_npm && self.url.trim().is_empty()
    }

    /// The lookup behind [`Self::from_environment`], with its inputs passed in so tests can
    /// drive it without touching the process environment.
    pub(crate) fn from_sources(
        env: &dyn Fn(&str) -> Option<String>,
        npmrc_dirs: &[PathBuf],
        npm_cli: impl FnOnce() -> Option<String>,
    ) -> Self {
        let non_empty =
            |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let npmrcs: Vec<Vec<(String, String)>> = npmrc_dirs
            .iter()
            .filter_map(|dir| std::fs::read_to_string(dir.join(".npmrc")).ok())
            .map(|text| parse_npmrc(&text, env))
            .collect();
        let from_npmrc = |key: &str| {
            npmrcs.iter().find_map(|entries| {
                entries
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
            })
        };
        let url = non_empty(env("QUIRE_NPM_REGISTRY"))
            .or_else(|| non_empty(env("npm_config_registry")))
            .or_else(|| non_empty(env("NPM_CONFIG_REGISTRY")))
            .or_else(|| non_empty(from_npmrc("registry")))
            .or_else(|| non_empty(npm_cli()))
            .map(|url| normalize_url(&url))
            .unwrap_or_default();
        let auth_token = non_empty(env("QUIRE_NPM_TOKEN")).or_else(|| {
            let key = format!("{}:_authToken", nerf_dart(&url)?);
            non_empty(from_npmrc(&key))
        });
        Self {
            url,
            auth_token,
            ask_npm: false,
        }
    }
}

/// The base URL with exactly one trailing slash, so a package name can be appended.
fn normalize_url(url: &str) -> String {
    format!("{}/", url.trim_end_matches('/'))
}

/// npm's key for per-registry settings: `//host[:port]/path/`.
fn nerf_dart(url: &str) -> Option<String> {
    let without_scheme = url.split_once("://")?.1;
    Some(format!("//{}", normalize_url(without_scheme)))
}

/// `key=value` lines of an `.npmrc`, with `${VAR}` expanded the way npm does.
fn parse_npmrc(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#') && !line.starts_with(';'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| {
            let value = value.trim().trim_matches('"');
            (key.trim().to_owned(), expand_env(value, env))
        })
        .collect()
}

fn expand_env(value: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str(&env(&rest[start + 2..start + len]).unwrap_or_default());
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// What the npm CLI says, if npm is installed; it knows npm's built-in default.
fn npm_cli_registry() -> Option<String> {
    let output = std::process::Command::new("npm")
        .args(["config", "get", "registry"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let url = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (url.starts_with("http://") || url.starts_with("https://")).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)], dirs: &[PathBuf], cli: Option<&str>) -> RegistryConfig {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        RegistryConfig::from_sources(&|k| vars.get(k).cloned(), dirs, || cli.map(str::to_owned))
    }

    #[test]
    fn quire_variable_wins_over_everything() {
        let c = config(
            &[
                ("QUIRE_NPM_REGISTRY", "http://a.test/npm"),
                ("npm_config_registry", "http://b.test/"),
            ],
            &[],
            Some("http://c.test/"),
        );
        assert_eq!(c.url, "http://a.test/npm/");
        assert_eq!(c.auth_token, None);
    }

    #[test]
    fn npm_env_then_npmrc_then_cli() {
        assert_eq!(
            config(&[("npm_config_registry", "http://b.test")], &[], None).url,
            "http://b.test/"
        );

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".npmrc"),
            "# comment\nregistry = http://rc.test/r/\n//rc.test/r/:_authToken=${TOKEN}\n",
        )
        .unwrap();
        let c = config(
            &[("TOKEN", "s3cret")],
            &[dir.path().to_owned()],
            Some("http://cli.test/"),
        );
        assert_eq!(c.url, "http://rc.test/r/");
        assert_eq!(c.auth_token.as_deref(), Some("s3cret"));
        assert!(
            !format!("{c:?}").contains("s3cret"),
            "Debug must hide the token"
        );

        assert_eq!(
            config(&[], &[], Some("http://cli.test")).url,
            "http://cli.test/"
        );
        assert_eq!(config(&[], &[], None).url, "");
    }

    #[test]
    fn first_npmrc_directory_wins() {
        let cwd = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        std::fs::write(cwd.path().join(".npmrc"), "registry=http://cwd.test/\n").unwrap();
        std::fs::write(home.path().join(".npmrc"), "registry=http://home.test/\n").unwrap();
        let c = config(&[], &[cwd.path().to_owned(), home.path().to_owned()], None);
        assert_eq!(c.url, "http://cwd.test/");
    }
}
