//! Finding the function a call names: a [`Target`] holds the function with its project, its
//! deployed code, its opened secrets and its project's share of the runtime, read once and
//! cached (see [`crate::read_cache`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use quire_store::{Function, Project};

use super::concurrency::Gate;
use super::redact::Redactor;
use super::{FunctionSelector, Invoker};
use crate::errors::ApiError;
use crate::functions::seal;
use crate::validate::shown;

/// A function as the invocation path needs it.
pub struct Target {
    pub project: Project,
    pub function: Function,
    /// `None` until the function is deployed.
    pub(super) deployed: Option<Deployed>,
    /// The project's share of the runtime, one gate for all its functions.
    pub(super) gate: Gate,
}

pub(super) struct Deployed {
    pub(super) version: i64,
    pub(super) code: Arc<str>,
    /// The opened secrets, or why they could not be opened (said to the caller at run time).
    pub(super) secrets: Result<Opened, String>,
}

/// Secrets by name, and what cuts their values out of texts, made once per cached read.
pub(super) struct Opened {
    pub(super) by_name: Arc<BTreeMap<String, String>>,
    pub(super) redactor: Arc<Redactor>,
}

impl Invoker {
    /// The function `function` (id or slug) of project `project` (id or slug) with its deployed
    /// code and secrets; `None` when either does not exist.
    pub async fn target(
        &self,
        project: &str,
        function: &str,
    ) -> Result<Option<Arc<Target>>, ApiError> {
        let store = &self.store;
        let key = (project.to_owned(), function.to_owned());
        let load = async {
            let Some(project) = store.project(project).await? else {
                return Ok(None);
            };
            let Some(function) = store.function(&project.id, function).await? else {
                return Ok(None);
            };
            let deployed = match function.deployed_version {
                Some(version) => Some(self.load_deployed(&function, version).await?),
                None => None,
            };
            let gate = self.gates.of(&project.id);
            Ok(Some(Arc::new(Target {
                project,
                function,
                deployed,
                gate,
            })))
        };
        self.targets.get_or_load(store, key, load).await
    }

    /// The function of project `project_id` that `function` names by id or by slug, as a page
    /// calls it through the bridge; 404 when the project has none.
    pub async fn select(
        &self,
        project_id: &str,
        function: &FunctionSelector,
    ) -> Result<Arc<Target>, ApiError> {
        let named = match function {
            FunctionSelector::Id(named) | FunctionSelector::Slug(named) => named,
        };
        let found = self.target(project_id, named).await?;
        found
            .filter(|found| match function {
                FunctionSelector::Id(id) => &found.function.id == id,
                FunctionSelector::Slug(slug) => &found.function.slug == slug,
            })
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "this project has no function {}; check the id or slug passed to kapso.invokeFunction",
                    shown(named)
                ))
            })
    }

    async fn load_deployed(&self, function: &Function, version: i64) -> Result<Deployed, ApiError> {
        let stored = self
            .store
            .function_version(&function.id, version)
            .await?
            .ok_or_else(|| ApiError::internal(&"the deployed version of a function is missing"))?;
        Ok(Deployed {
            version,
            code: Arc::from(stored.code),
            secrets: self.open_secrets(function).await?,
        })
    }

    /// The secrets of `function`, opened, or why one could not be opened.
    pub(super) async fn open_secrets(
        &self,
        function: &Function,
    ) -> Result<Result<Opened, String>, ApiError> {
        Ok(self
            .store
            .function_secrets_sealed(&function.id)
            .await?
            .into_iter()
            .map(|(name, sealed)| {
                let value = seal::open(&self.config.secret_key, &function.id, &name, &sealed)
                    .map_err(|e| e.to_string())?;
                Ok((name, value))
            })
            .collect::<Result<BTreeMap<_, _>, String>>()
            .map(|by_name| Opened {
                redactor: Arc::new(Redactor::new(by_name.values().map(String::as_str))),
                by_name: Arc::new(by_name),
            }))
    }
}
