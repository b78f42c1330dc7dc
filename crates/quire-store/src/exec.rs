//! Where a write's statements run: a sqlx connection inside its transaction, or, for the
//! delivery writer on `SQLite`, a connection of the `SQLite` library's own on the writer's
//! thread ([`crate::local`]). Through sqlx each statement is a hand-off to the connection's
//! thread and back, and a quarter of a batch of deliveries went to those wake-ups
//! (bench/inbox, run L); through the library's own calls a statement is a function call.
//!
//! The statements both run are written once: their values go into [`Args`], their rows come
//! back through [`FromColumns`], which reads a row of either driver by column name.

use std::borrow::Cow;

use rusqlite::types::{ToSqlOutput, ValueRef};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{AnyConnection, Arguments, Row};

use crate::{Backend, StoreError, Tx};

/// A connection inside a write transaction, of either kind; see the module's header.
pub enum Exec<'a> {
    Sqlx(&'a mut AnyConnection),
    Local(&'a mut rusqlite::Connection),
}

impl<'a, 'c> From<&'a mut Tx<'c>> for Exec<'a> {
    fn from(tx: &'a mut Tx<'c>) -> Self {
        Self::Sqlx(tx)
    }
}

impl<'a, 'b: 'a> From<&'a mut Exec<'b>> for Exec<'a> {
    fn from(exec: &'a mut Exec<'b>) -> Self {
        match exec {
            Exec::Sqlx(connection) => Exec::Sqlx(connection),
            Exec::Local(connection) => Exec::Local(connection),
        }
    }
}

impl Exec<'_> {
    /// The backend the statements run on, for the few whose SQL differs.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlx(connection)
                if connection.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME =>
            {
                Backend::Postgres
            }
            Self::Sqlx(_) | Self::Local(_) => Backend::Sqlite,
        }
    }

    /// Runs `sql` (a statement that answers no rows) with `args`; answers the rows it changed.
    pub(crate) async fn execute(&mut self, sql: &str, args: Args<'_>) -> Result<u64, StoreError> {
        match self {
            Self::Sqlx(connection) => Ok(sqlx::query_with(sql, args.into_any()?)
                .execute(&mut **connection)
                .await?
                .rows_affected()),
            Self::Local(connection) => {
                let changed = connection
                    .prepare_cached(sql)?
                    .execute(rusqlite::params_from_iter(&args.0))?;
                Ok(u64::try_from(changed).unwrap_or(u64::MAX))
            }
        }
    }

    /// Runs `sql` with `args`; answers its rows.
    pub(crate) async fn fetch_all<T: FromColumns>(
        &mut self,
        sql: &str,
        args: Args<'_>,
    ) -> Result<Vec<T>, StoreError> {
        match self {
            Self::Sqlx(connection) => sqlx::query_with(sql, args.into_any()?)
                .fetch_all(&mut **connection)
                .await?
                .iter()
                .map(T::from_columns)
                .collect(),
            Self::Local(connection) => {
                let mut statement = connection.prepare_cached(sql)?;
                let mut rows = statement.query(rusqlite::params_from_iter(&args.0))?;
                let mut read = Vec::new();
                while let Some(row) = rows.next()? {
                    read.push(T::from_columns(row)?);
                }
                Ok(read)
            }
        }
    }

    /// Runs `sql` with `args`; answers the text of each row's first column.
    pub(crate) async fn fetch_texts(
        &mut self,
        sql: &str,
        args: Args<'_>,
    ) -> Result<Vec<String>, StoreError> {
        match self {
            Self::Sqlx(connection) => Ok(sqlx::query_scalar_with(sql, args.into_any()?)
                .fetch_all(&mut **connection)
                .await?),
            Self::Local(connection) => {
                let mut statement = connection.prepare_cached(sql)?;
                let texts = statement
                    .query_map(rusqlite::params_from_iter(&args.0), |row| row.get(0))?
                    .collect::<Result<_, _>>()?;
                Ok(texts)
            }
        }
    }
}

/// The values of a statement, in the order of its placeholders.
#[derive(Default)]
pub(crate) struct Args<'a>(Vec<Arg<'a>>);

/// One value: each kind as sqlx binds it, so `PostgreSQL` types the placeholder as before.
pub(crate) enum Arg<'a> {
    Text(Option<Cow<'a, str>>),
    Int(i64),
    Int32(i32),
}

impl<'a> Args<'a> {
    pub(crate) fn with_capacity(values: usize) -> Self {
        Self(Vec::with_capacity(values))
    }

    /// Adds `value` as the next placeholder's.
    pub(crate) fn bind(&mut self, value: impl Into<Arg<'a>>) -> &mut Self {
        self.0.push(value.into());
        self
    }

    /// The values as sqlx binds them.
    fn into_any<'q>(self) -> Result<AnyArguments<'q>, StoreError>
    where
        'a: 'q,
    {
        let mut arguments = AnyArguments::default();
        for arg in self.0 {
            match arg {
                Arg::Text(Some(Cow::Borrowed(text))) => arguments.add(text),
                Arg::Text(Some(Cow::Owned(text))) => arguments.add(text),
                Arg::Text(None) => arguments.add(None::<&str>),
                Arg::Int(value) => arguments.add(value),
                Arg::Int32(value) => arguments.add(value),
            }
            .map_err(|error| StoreError::Database(sqlx::Error::Encode(error)))?;
        }
        Ok(arguments)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Self {
        Self::Text(Some(Cow::Borrowed(text)))
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(text: Option<&'a str>) -> Self {
        Self::Text(text.map(Cow::Borrowed))
    }
}

impl From<String> for Arg<'_> {
    fn from(text: String) -> Self {
        Self::Text(Some(Cow::Owned(text)))
    }
}

impl From<Option<String>> for Arg<'_> {
    fn from(text: Option<String>) -> Self {
        Self::Text(text.map(Cow::Owned))
    }
}

impl From<i64> for Arg<'_> {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<i32> for Arg<'_> {
    fn from(value: i32) -> Self {
        Self::Int32(value)
    }
}

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Self::Text(Some(text)) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Self::Text(None) => ToSqlOutput::Borrowed(ValueRef::Null),
            Self::Int(value) => ToSqlOutput::from(*value),
            Self::Int32(value) => ToSqlOutput::from(*value),
        })
    }
}

/// A row of either driver, read by column name.
pub(crate) trait Columns {
    fn text(&self, column: &str) -> Result<Option<String>, StoreError>;
    fn int(&self, column: &str) -> Result<Option<i64>, StoreError>;

    /// The text of a column that is never NULL.
    fn string(&self, column: &str) -> Result<String, StoreError> {
        self.text(column)?.ok_or_else(|| null_in(column))
    }

    /// The integer of a column that is never NULL.
    fn integer(&self, column: &str) -> Result<i64, StoreError> {
        self.int(column)?.ok_or_else(|| null_in(column))
    }

    /// A column's text, parsed (the enums kept as text).
    fn parsed<T: std::str::FromStr>(&self, column: &str) -> Result<T, StoreError>
    where
        T::Err: std::error::Error + Send + Sync + 'static,
    {
        self.string(column)?
            .parse()
            .map_err(|error: T::Err| StoreError::Database(undecodable(column, Box::new(error))))
    }
}

fn null_in(column: &str) -> StoreError {
    StoreError::Database(undecodable(column, "a NULL where a value is kept".into()))
}

/// The error of a `column` whose value is not what the store keeps there.
pub(crate) fn undecodable(column: &str, source: sqlx::error::BoxDynError) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source,
    }
}

impl Columns for AnyRow {
    fn text(&self, column: &str) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(column)?)
    }

    fn int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(column)?)
    }
}

impl Columns for rusqlite::Row<'_> {
    fn text(&self, column: &str) -> Result<Option<String>, StoreError> {
        Ok(self.get(column)?)
    }

    fn int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.get(column)?)
    }
}

/// A value made from a row of either driver.
pub(crate) trait FromColumns: Sized {
    fn from_columns(row: &impl Columns) -> Result<Self, StoreError>;
}

/// `sqlx::FromRow` for types read through [`FromColumns`], which the store's other reads take.
macro_rules! from_row_through_columns {
    ($($type:ty),* $(,)?) => {$(
        impl sqlx::FromRow<'_, sqlx::any::AnyRow> for $type {
            fn from_row(row: &sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
                <Self as $crate::exec::FromColumns>::from_columns(row)
                    .map_err(|error| sqlx::Error::Decode(Box::new(error)))
            }
        }
    )*};
}
pub(crate) use from_row_through_columns;
